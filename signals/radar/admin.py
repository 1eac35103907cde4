"""The radar in the admin: a suggestions panel on the signal and report pages (a mixin the
signals admin adds), and pages for suggestions, duplicate flags and topics whose actions
call the radar's services."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from signals.models import FrictionReport, MarketSignal
from signals.radar import selectors, services, topic_services
from signals.radar.models import RadarDuplicate, RadarSuggestion, RadarTopic

_REQUEST: ContextVar[HttpRequest | None] = ContextVar("radar_admin_request", default=None)


class RadarPanelMixin:
    """Adds the read-only `radar` field: the evidence's suggestions and duplicate flag,
    with their decisions (templates/radar/_suggestions.html)."""

    @admin.display(description=_("radar"))
    def radar(self, obj: MarketSignal | FrictionReport) -> str:
        if obj is None or obj.pk is None:
            return "—"
        kind = {"signal": obj} if isinstance(obj, MarketSignal) else {"report": obj}
        row = selectors.evidence_suggestions(**kind)
        request = _REQUEST.get()
        return render_to_string(
            "radar/_suggestions.html",
            {"radar": row, "next": request.get_full_path() if request else "/"},
            request=request,
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Admin display methods get no request; the forms need it for their CSRF token.
        # A context variable, not an attribute: one ModelAdmin serves every thread.
        _REQUEST.set(request)
        return (*super().get_readonly_fields(request, obj), "radar")  # type: ignore[misc]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))  # type: ignore[misc]
        if obj is not None:
            fieldsets.append((_("Radar: suggested items"), {"fields": ("radar",)}))
        return fieldsets


def _each(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, act: Callable
) -> None:
    done, refused = 0, []
    for obj in queryset:
        try:
            act(obj, request.user)
            done += 1
        except (PermissionDenied, ValidationError) as exc:
            refused.append(f"{obj.pk}: {exc}")
    if done:
        modeladmin.message_user(request, _("%(count)d done.") % {"count": done})
    if refused:
        modeladmin.message_user(request, "; ".join(refused), level=messages.WARNING)


class _ReadOnly(admin.ModelAdmin):
    """Derived rows: written by the radar, decided through actions, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RadarSuggestion)
class RadarSuggestionAdmin(_ReadOnly):
    list_display = ("doc", "item", "rank", "similarity", "matched", "status")
    list_filter = ("status",)
    list_select_related = ("doc__signal", "doc__report", "item")
    actions = ("accept", "reject")

    @admin.action(description=_("Accept: link with weight 1"))
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(
            self, request, queryset, lambda s, u: services.suggestion_accept(suggestion=s, user=u)
        )

    @admin.action(description=_("Reject: never suggest again"))
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(
            self, request, queryset, lambda s, u: services.suggestion_reject(suggestion=s, user=u)
        )


@admin.register(RadarDuplicate)
class RadarDuplicateAdmin(_ReadOnly):
    list_display = ("doc", "original", "similarity", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("doc__signal", "doc__report", "original__signal", "original__report")
    actions = ("confirm", "reject")

    @admin.action(description=_("Confirm: dismiss the duplicate"))
    def confirm(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(self, request, queryset, lambda d, u: services.duplicate_confirm(duplicate=d, user=u))

    @admin.action(description=_("Reject: not a duplicate"))
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(self, request, queryset, lambda d, u: services.duplicate_reject(duplicate=d, user=u))


@admin.register(RadarTopic)
class RadarTopicAdmin(_ReadOnly):
    list_display = (
        "label",
        "status",
        "size",
        "recent_count",
        "baseline_count",
        "growth",
        "p_value",
        "first_seen",
        "last_seen",
        "item",
    )
    list_filter = ("status",)
    readonly_fields = (
        "label",
        "status",
        "top_terms",
        "size",
        "recent_count",
        "baseline_count",
        "growth",
        "p_value",
        "counts_by_kind",
        "counts_by_team",
        "languages",
        "accounts",
        "quotes",
        "first_seen",
        "last_seen",
        "item",
    )
    actions = ("create_item", "dismiss")

    @admin.action(description=_("Create an item from the topic"))
    def create_item(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(
            self, request, queryset, lambda t, u: topic_services.topic_item_create(topic=t, user=u)
        )

    @admin.action(description=_("Dismiss the topic"))
    def dismiss(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(self, request, queryset, lambda t, u: topic_services.topic_dismiss(topic=t, user=u))
