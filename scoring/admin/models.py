"""Admin for scoring model versions, published rankings and confidence calibrations.

Versions are immutable: the change form of a version is a template for the next one, and
"Save" creates version N+1 through the service (which activates it and marks every item
dirty), leaving version N as it was.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.admin_services import ServiceAdminMixin, call_service
from config.roles import Role, has_role
from roadmap.jira import jira_push_enabled
from roadmap.jira.models import JiraSyncRun
from roadmap.jira.queue import jira_push_queue
from scoring import selectors
from scoring.models import MODEL_PARAM_FIELDS, ConfidenceCalibration, Ranking, ScoringModel
from scoring.services import (
    item_scores_recompute_all,
    scoring_model_activate,
    scoring_model_create_version,
    scoring_model_validate,
)

EMPTY = "—"
# Set by the item changelist on each item of the page; read by the "Position" column.
POSITION_ATTR = "_admin_live_position"
# Set by save_model on the edited (unsaved) instance: the version the save created.
_CREATED_ATTR = "_admin_created_version"


# --- Pieces of the item admin ------------------------------------------------------------


class ScoringModelForm(forms.ModelForm):
    """The parameters of a new version, validated the way the service will validate them."""

    class Meta:
        model = ScoringModel
        fields = ("note", *MODEL_PARAM_FIELDS)
        help_texts = {"note": _("Why this version exists; shown in the version list.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # The form of version N drafts version N+1, which deserves its own note.
            self.initial["note"] = ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns (its stub says "or None")
        # Fields that failed their own validation are left out rather than reported twice.
        params = {name: cleaned[name] for name in MODEL_PARAM_FIELDS if name in cleaned}
        try:
            scoring_model_validate(params)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, field_errors in error.error_dict.items():
                    self.add_error(name if name in self.fields else None, field_errors)
            else:
                self.add_error(None, error)
        return cleaned


@admin.register(ScoringModel)
class ScoringModelAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    """Versions, created and activated by product (as in the API) through the services."""

    form = ScoringModelForm
    list_display = (
        "version",
        "is_active",
        "note",
        *MODEL_PARAM_FIELDS,
        "created_by",
        "created_at",
    )
    list_display_links = ("version",)
    list_filter = ("is_active",)
    list_select_related = ("created_by",)
    search_fields = ("note",)
    readonly_fields = ("version", "is_active", "created_by", "created_at")
    actions = ("activate_version", "recompute_all_scores")

    _PARAMETERS_FIELDSET = (
        _("Parameters"),
        {
            "fields": MODEL_PARAM_FIELDS,
            "description": _(
                "The parameters of SCORING.md. kind_weights and segment_weights "
                'are JSON objects such as {"customer_request": 1.0}.'
            ),
        },
    )

    def get_fieldsets(self, request: HttpRequest, obj: ScoringModel | None = None) -> Any:
        if obj is None:
            return (
                (None, {"fields": ("note",)}),
                (
                    self._PARAMETERS_FIELDSET[0],
                    {
                        **self._PARAMETERS_FIELDSET[1],
                        "description": _(
                            "Saving creates a new version and makes it active; "
                            "every item is then rescored."
                        ),
                    },
                ),
            )
        return (
            (
                _("Version %(version)s") % {"version": obj.version},
                {
                    "fields": ("version", "is_active", "created_by", "created_at"),
                    "description": format_html(
                        gettext(
                            "Versions never change. Saving this form creates a <b>new</b> "
                            "version from the values below and makes it active; version {} "
                            "stays as it is, and every item is rescored."
                        ),
                        obj.version,
                    ),
                },
            ),
            self._PARAMETERS_FIELDSET,
            (_("New version"), {"fields": ("note",)}),
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # A new version starts from the active one, not from the model field defaults.
        active = selectors.scoring_model_active()
        initial = {name: getattr(active, name) for name in MODEL_PARAM_FIELDS}
        return initial | super().get_changeform_initial_data(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.PRODUCT) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        may = has_role(request.user, Role.PRODUCT)
        return may and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Every stored score and published ranking names the version that produced it.
        return False

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        # A version never changes; the form already drafts the next one from any version.
        return True

    def history_form_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, *args, **kwargs)

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        # One way out of the form: "Save" (a new version), then the page of that version.
        context |= {"show_save_and_continue": False, "show_save_and_add_another": False}
        return super().render_change_form(request, context, *args, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: ScoringModel, form: forms.ModelForm, change: bool
    ) -> None:
        # Never obj.save(): the edited row stays as it was, the edit becomes a new version.
        created = call_service(
            scoring_model_create_version,
            params={name: form.cleaned_data[name] for name in MODEL_PARAM_FIELDS},
            note=form.cleaned_data["note"],
            created_by=request.user,
        )
        setattr(obj, _CREATED_ATTR, created)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return super().log_addition(request, getattr(obj, _CREATED_ATTR, obj), message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        created = getattr(obj, _CREATED_ATTR, None)
        if created is None:
            return super().log_change(request, obj, message)
        # What happened is an addition: the new version, changed from the edited one.
        return super().log_addition(request, created, message)

    def _response_created(self, request: HttpRequest, obj: ScoringModel) -> HttpResponse:
        created: ScoringModel = getattr(obj, _CREATED_ATTR)
        self.message_user(
            request,
            _(
                "Created version %(version)s and made it active; every item will be "
                "rescored shortly."
            )
            % {"version": created.version},
            messages.SUCCESS,
        )
        url = reverse("admin:scoring_scoringmodel_change", args=[created.pk])
        return HttpResponseRedirect(url)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        return self._response_created(request, obj)

    def response_change(self, request: HttpRequest, obj: Any) -> Any:
        if not hasattr(obj, _CREATED_ATTR):
            return super().response_change(request, obj)
        return self._response_created(request, obj)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        # "Recompute all scores now" acts on the items, not on the selected versions: let
        # it run with nothing ticked (the admin refuses actions without a selection).
        if (
            request.method == "POST"
            and request.POST.get("action") == "recompute_all_scores"
            and not request.POST.getlist(ACTION_CHECKBOX_NAME)
        ):
            post = request.POST.copy()
            post.setlist(ACTION_CHECKBOX_NAME, [str(selectors.scoring_model_active().pk)])
            request.POST = post  # type: ignore[assignment]  # read by the changelist below
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Activate selected version"), permissions=["change"])
    def activate_version(self, request: HttpRequest, queryset: QuerySet) -> None:
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, _("Select exactly one version to activate."), messages.ERROR)
            return
        model = chosen[0]
        if model.is_active:
            self.message_user(
                request, _("Version %(version)s is already active.") % {"version": model.version}
            )
            return
        scoring_model_activate(model=model)
        self.message_user(
            request,
            _("Activated version %(version)s; every item will be rescored shortly.")
            % {"version": model.version},
            messages.SUCCESS,
        )

    @admin.action(description=_("Recompute all scores now"), permissions=["change"])
    def recompute_all_scores(self, request: HttpRequest, queryset: QuerySet) -> None:
        result = item_scores_recompute_all()
        self.message_user(
            request,
            ngettext(
                "Recomputed %(count)d item (%(scored)d scored) in %(seconds)s s.",
                "Recomputed %(count)d items (%(scored)d scored) in %(seconds)s s.",
                result.items,
            )
            % {
                "count": result.items,
                "scored": result.scored,
                "seconds": number_format(result.seconds, 1),
            },
            messages.SUCCESS,
        )


# --- Published rankings -----------------------------------------------------------------


@admin.register(Ranking)
class RankingAdmin(admin.ModelAdmin):
    """Published rankings are immutable: viewed, and pushed to Jira on demand."""

    list_display = (
        "number",
        "published_at",
        "published_by",
        "note",
        "model",
        "item_count",
        "last_jira_push",
    )
    list_select_related = ("published_by", "model")
    search_fields = ("=number", "note")
    date_hierarchy = "published_at"
    actions = ("push_to_jira", "push_to_jira_forced")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        last_run = JiraSyncRun.objects.filter(ranking_number=OuterRef("number")).order_by("-id")
        return (
            super()
            .get_queryset(request)
            .annotate(last_jira_push=Subquery(last_run.values("status")[:1]))
        )

    @admin.display(description=_("last Jira push"))
    def last_jira_push(self, ranking: Ranking) -> str:
        return getattr(ranking, "last_jira_push", None) or EMPTY

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_push_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.PRODUCT)

    @admin.action(description=_("Push to Jira (what changed)"), permissions=["push"])
    def push_to_jira(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._push(request, queryset, force=False)

    @admin.action(description=_("Push to Jira (everything, forced)"), permissions=["push"])
    def push_to_jira_forced(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._push(request, queryset, force=True)

    def _push(self, request: HttpRequest, queryset: QuerySet, *, force: bool) -> None:
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            # Jira keeps one order: pushing two rankings at once would leave the older one.
            self.message_user(request, _("Select exactly one ranking to push."), messages.ERROR)
            return
        if not jira_push_enabled():
            self.message_user(
                request,
                _(
                    "Jira is not configured: set JIRA_BASE_URL, JIRA_USER_EMAIL, JIRA_API_TOKEN "
                    "and JIRA_SCORE_FIELD (manage.py check says what is missing)."
                ),
                messages.ERROR,
            )
            return
        ranking = chosen[0]
        run = jira_push_queue(ranking_id=ranking.pk, ranking_number=ranking.number, force=force)
        url = reverse("admin:roadmap_jirasyncrun_change", args=[run.pk])
        self.message_user(
            request,
            format_html(
                gettext('Queued the push of ranking {} to Jira (<a href="{}">run {}</a>).'),
                ranking.number,
                url,
                run.pk,
            ),
            messages.SUCCESS,
        )


@admin.register(ConfidenceCalibration)
class ConfidenceCalibrationAdmin(admin.ModelAdmin):
    """Calibrations applied through `POST /api/v1/calibration/apply/`: who applied which
    multiplier to whose open items, on which shipped items' evidence. A record, never
    edited here; the items' own history says what each one became."""

    list_display = ("applied_at", "owner", "multiplier", "items_changed", "based_on", "applied_by")
    list_filter = (("owner", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("owner", "applied_by")
    date_hierarchy = "applied_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
