"""Admin for themes, segments and roadmap items: where product managers do their daily work.

Every write goes through roadmap.services (item_create / item_update with the version the
form was read at, so the API's If-Match holds here too; theme and segment services), by
the product role as in the API. Launch plans live in roadmap.launch_plan_admin.

The item page's score and evidence are added by scoring.admin.items, which replaces this
item admin with a subclass: roadmap knows nothing of signals or scoring.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from config.admin_services import (
    CrudServiceAdmin,
    RoleAdminMixin,
    adopt,
    call_service,
    form_values,
    is_history_revert,
)
from config.roles import acting_user
from roadmap import services
from roadmap.choices import ItemStatus
from roadmap.jira.admin import (  # also registers the Jira admins
    JiraKeyNotFoundFilter,
    jira_key_retry,
)
from roadmap.launch_plan_admin import LaunchPlanInline
from roadmap.models import (
    RoadmapItem,
    Segment,
    Theme,
)
from roadmap.services import ITEM_EDITABLE_FIELDS, ItemVersionConflict, items_set_status

ESTIMATE_FIELDS = ("reach", "impact", "effort")
# Best first, unscored last; positions follow scores, so both columns sort on it.
SCORE_ORDER = F("score__score").desc(nulls_last=True)


@admin.register(Theme)
class ThemeAdmin(CrudServiceAdmin):
    list_display = ("name", "item_count")
    search_fields = ("name",)
    create = staticmethod(services.theme_create)
    update = staticmethod(services.theme_update)
    delete = staticmethod(services.theme_delete)
    noun = "theme"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(description=_("items"), ordering="item_count")
    def item_count(self, theme: Theme) -> int:
        return theme.item_count  # type: ignore[attr-defined]


@admin.register(Segment)
class SegmentAdmin(CrudServiceAdmin):
    """A new slug or a deleted segment rescores every item (segment_update, _delete)."""

    list_display = ("slug", "name")
    search_fields = ("slug", "name")
    prepopulated_fields = {"slug": ("name",)}
    create = staticmethod(services.segment_create)
    update = staticmethod(services.segment_update)
    delete = staticmethod(services.segment_delete)
    noun = "segment"


class HasJiraKeyFilter(admin.SimpleListFilter):
    title = _("Jira key")
    parameter_name = "has_jira_key"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("Has a Jira key")), ("no", _("No Jira key"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.exclude(jira_key="")
        if self.value() == "no":
            return queryset.filter(jira_key="")
        return queryset


class MissingEstimatesFilter(admin.SimpleListFilter):
    """Items the scoring cannot fully rate yet: reach, impact or effort is not estimated."""

    title = _("estimates")
    parameter_name = "missing_estimates"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("Missing an estimate")), ("no", _("Fully estimated"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        missing = Q()
        for name in ESTIMATE_FIELDS:
            missing |= Q(**{f"{name}__isnull": True})
        if self.value() == "yes":
            return queryset.filter(missing)
        if self.value() == "no":
            return queryset.exclude(missing)
        return queryset


def _mark_selected_as_text(status: ItemStatus) -> str:
    return _("Mark selected as %(status)s") % {"status": str(status.label).lower()}


_mark_selected_as = lazy(_mark_selected_as_text, str)


def _status_action(status: ItemStatus) -> Callable[..., None]:
    """A bulk action "Mark selected as <status>", one per status."""

    def action(modeladmin: RoadmapItemAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        changed = items_set_status(item_ids=selected, status=status, user=acting_user(request.user))
        unchanged = len(selected) - changed
        label = str(status.label).lower()
        if unchanged:
            message = ngettext(
                "Marked %(count)d item as %(status)s (%(already)d already were).",
                "Marked %(count)d items as %(status)s (%(already)d already were).",
                changed,
            )
        else:
            message = ngettext(
                "Marked %(count)d item as %(status)s.",
                "Marked %(count)d items as %(status)s.",
                changed,
            )
        values = {"count": changed, "status": label, "already": unchanged}
        modeladmin.message_user(request, message % values, messages.SUCCESS)

    action.__name__ = f"mark_{status.value}"
    return admin.action(description=_mark_selected_as(status), permissions=["change"])(action)


def _version_conflict(exc: Exception) -> ValidationError:
    assert isinstance(exc, ItemVersionConflict)
    return ValidationError(
        _(
            "Someone changed this item while you were editing it (it is now version "
            "%(version)s). Reload the page and make your change again."
        )
        % {"version": exc.current_version},
        code="version_conflict",
    )


_ITEM_REFUSALS = ((ItemVersionConflict, _version_conflict),)


class RoadmapItemForm(forms.ModelForm):
    """The item, with the version it was read at: saving applies only if nobody changed
    the item since (the API's If-Match, for the admin)."""

    expected_version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("expected_version", self.instance.version)


@admin.register(RoadmapItem)
class RoadmapItemAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    """Items, written by product through item_create / item_update (version, dirty marks),
    their launch plan and links through their own services."""

    form = RoadmapItemForm
    # Typed as sequences so that the scoring admin can extend them.
    list_display: tuple[str, ...] = (
        "title",
        "status",
        "theme",
        "owner",
        "reach",
        "impact",
        "confidence",
        "effort",
        "jira_key",
        "updated_at",
    )
    list_filter = (
        "status",
        "theme",
        ("owner", admin.RelatedOnlyFieldListFilter),
        "segments",
        HasJiraKeyFilter,
        JiraKeyNotFoundFilter,
        MissingEstimatesFilter,
    )
    list_select_related: ClassVar[tuple[str, ...]] = ("theme", "owner")
    search_fields = ("title", "description", "jira_key")
    autocomplete_fields = ("theme", "owner")
    filter_horizontal = ("segments",)
    readonly_fields: ClassVar[tuple[str, ...]] = (
        "version",
        "created_at",
        "updated_at",
        "jira_key_missing_since",
    )
    fieldsets = (
        (_("Basics"), {"fields": ("title", "description", "status", "theme", "owner", "segments")}),
        (
            _("Product estimates"),
            {
                "fields": ("reach", "impact", "confidence", "effort"),
                "description": _("RICE inputs. Leave a field empty when it is not estimated yet."),
            },
        ),
        ("Jira", {"fields": ("jira_key", "jira_key_missing_since")}),
        (
            _("Record"),
            {"fields": ("version", "created_at", "updated_at"), "classes": ("collapse",)},
        ),
    )
    inlines: ClassVar[tuple[type[InlineModelAdmin[Any, Any]], ...]] = (LaunchPlanInline,)
    actions = (
        *(_status_action(status) for status in ItemStatus),
        jira_key_retry,
    )

    def get_fieldsets(self, request: HttpRequest, obj: RoadmapItem | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        (name, basics), *rest = fieldsets
        # The version the form was read at travels with it, hidden.
        basics = {**basics, "fields": (*basics["fields"], "expected_version")}
        return ((name, basics), *rest)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        values = form_values(form, (*ITEM_EDITABLE_FIELDS, "segments"))
        if change:
            saved = call_service(
                services.item_update,
                item=obj,
                data=values,
                # A history "Revert" restores a past version over whatever is current.
                expected_version=None
                if is_history_revert(request)
                else form.cleaned_data.get("expected_version"),
                refusals=_ITEM_REFUSALS,
            )
        else:
            saved = call_service(services.item_create, user=request.user, **values)
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        call_service(services.item_delete, item=obj)
