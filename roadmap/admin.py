"""Admin for themes, segments and roadmap items: where product managers do their daily work.

The admin is the composition layer: the item page shows the evidence linked to an item and
its score, so it imports the link inlines from signals.admin and the score pieces from
scoring.admin (the models stay one-way: roadmap knows nothing of signals or scoring).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, F, IntegerField, Q, QuerySet
from django.db.models.functions import Cast
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString
from simple_history.admin import SimpleHistoryAdmin

from roadmap.choices import LAUNCH_CHECKLIST, LAUNCH_CHECKLIST_FIELDS, Channel, ItemStatus
from roadmap.jira.admin import (  # also registers the Jira admins
    JiraKeyNotFoundFilter,
    jira_key_retry,
)
from roadmap.models import (
    LaunchPlan,
    RoadmapItem,
    Segment,
    Theme,
)
from roadmap.services import items_mark_dirty, items_set_status
from scoring.admin import ScoredChangeList, format_number, item_position, score_explanation_panel
from scoring.services import item_scores_recompute
from signals.admin import ReportLinkInline, SignalLinkInline

ESTIMATE_FIELDS = ("reach", "impact", "effort")
# Best first, unscored last; positions follow scores, so both columns sort on it.
SCORE_ORDER = F("score__score").desc(nulls_last=True)


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name", "item_count")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(description="items", ordering="item_count")
    def item_count(self, theme: Theme) -> int:
        return theme.item_count  # type: ignore[attr-defined]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("slug", "name")
    search_fields = ("slug", "name")
    prepopulated_fields = {"slug": ("name",)}


class HasJiraKeyFilter(admin.SimpleListFilter):
    title = "Jira key"
    parameter_name = "has_jira_key"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Has a Jira key"), ("no", "No Jira key")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.exclude(jira_key="")
        if self.value() == "no":
            return queryset.filter(jira_key="")
        return queryset


class MissingEstimatesFilter(admin.SimpleListFilter):
    """Items the scoring cannot fully rate yet: reach, impact or effort is not estimated."""

    title = "estimates"
    parameter_name = "missing_estimates"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Missing an estimate"), ("no", "Fully estimated")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        missing = Q()
        for name in ESTIMATE_FIELDS:
            missing |= Q(**{f"{name}__isnull": True})
        if self.value() == "yes":
            return queryset.filter(missing)
        if self.value() == "no":
            return queryset.exclude(missing)
        return queryset


def _status_action(status: ItemStatus) -> Callable[..., None]:
    """A bulk action "Mark selected as <status>", one per status."""

    def action(modeladmin: RoadmapItemAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        changed = items_set_status(item_ids=selected, status=status, user=request.user)
        unchanged = len(selected) - changed
        note = f" ({unchanged} already were)" if unchanged else ""
        items = f"{changed} item{'' if changed == 1 else 's'}"
        modeladmin.message_user(
            request, f"Marked {items} as {status.label.lower()}{note}.", messages.SUCCESS
        )

    action.__name__ = f"mark_{status.value}"
    return admin.action(
        description=f"Mark selected as {status.label.lower()}", permissions=["change"]
    )(action)


# --- Launch plans: an inline on the item page, and their own list ------------------------


class LinesField(forms.CharField):
    """A list of strings edited as lines of text (one key message per line)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class LaunchPlanForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    key_messages = LinesField(required=False, help_text="One message per line.")

    class Meta:
        model = LaunchPlan
        fields = (
            "item",
            "status",
            "target_launch_date",
            "product_owner",
            "marketing_owner",
            "target_segments",
            "value_proposition",
            "key_messages",
            "channels",
            *LAUNCH_CHECKLIST_FIELDS,
        )


_LAUNCH_FIELDSETS = (
    (
        None,
        {
            "fields": (
                "status",
                "target_launch_date",
                ("product_owner", "marketing_owner"),
                "target_segments",
                "value_proposition",
                "key_messages",
                "channels",
            )
        },
    ),
    ("Readiness checklist", {"fields": LAUNCH_CHECKLIST_FIELDS}),
)


class LaunchPlanInline(admin.StackedInline):
    """The item's launch plan, on the item page (at most one)."""

    model = LaunchPlan
    form = LaunchPlanForm
    fieldsets = _LAUNCH_FIELDSETS
    autocomplete_fields = ("product_owner", "marketing_owner")
    filter_horizontal = ("target_segments",)
    extra = 0
    max_num = 1
    verbose_name = "launch plan"
    verbose_name_plural = "launch plan"


def _readiness_sql() -> Any:
    """The number of checklist items done, as an SQL expression."""
    total: Any = None
    for name in LAUNCH_CHECKLIST_FIELDS:
        term = Cast(name, IntegerField())
        total = term if total is None else total + term
    return total


class LaunchDateFilter(admin.SimpleListFilter):
    """Target dates as a launch calendar reads them: what is coming, and how soon."""

    title = "target launch date"
    parameter_name = "launch"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("upcoming", "Today or later"),
            ("30", "Next 30 days"),
            ("90", "Next 90 days"),
            ("past", "Before today"),
            ("none", "No date"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        value = self.value()
        if value == "upcoming":
            return queryset.filter(target_launch_date__gte=today)
        if value in ("30", "90"):
            end = today + timedelta(days=int(value))
            return queryset.filter(target_launch_date__gte=today, target_launch_date__lte=end)
        if value == "past":
            return queryset.filter(target_launch_date__lt=today)
        if value == "none":
            return queryset.filter(target_launch_date__isnull=True)
        return queryset


class ReadinessFilter(admin.SimpleListFilter):
    title = "readiness"
    parameter_name = "readiness"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        total = len(LAUNCH_CHECKLIST)
        return [(str(n), f"{n}/{total}") for n in range(total, -1, -1)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None or not value.isdigit():
            return queryset
        return queryset.alias(done=_readiness_sql()).filter(done=int(value))


@admin.register(LaunchPlan)
class LaunchPlanAdmin(SimpleHistoryAdmin):
    form = LaunchPlanForm
    list_display = (
        "item",
        "status",
        "target_launch_date",
        "readiness_display",
        "product_owner",
        "marketing_owner",
        "updated_at",
    )
    list_filter = (
        "status",
        LaunchDateFilter,
        ReadinessFilter,
        ("product_owner", admin.RelatedOnlyFieldListFilter),
        ("marketing_owner", admin.RelatedOnlyFieldListFilter),
        "target_segments",
    )
    list_select_related = ("item", "product_owner", "marketing_owner")
    search_fields = ("item__title", "value_proposition")
    date_hierarchy = "target_launch_date"
    autocomplete_fields = ("item", "product_owner", "marketing_owner")
    filter_horizontal = ("target_segments",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("item",)}),
        *_LAUNCH_FIELDSETS,
        ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description="readiness")
    def readiness_display(self, plan: LaunchPlan) -> str:
        return f"{plan.readiness}/{len(LAUNCH_CHECKLIST)}"


@admin.register(RoadmapItem)
class RoadmapItemAdmin(SimpleHistoryAdmin):
    list_display = (
        "title",
        "status",
        "theme",
        "owner",
        "current_score",
        "ranking_position",
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
    list_select_related = ("theme", "owner", "score")
    search_fields = ("title", "description", "jira_key")
    autocomplete_fields = ("theme", "owner")
    filter_horizontal = ("segments",)
    readonly_fields = (
        "version",
        "created_at",
        "updated_at",
        "score_explanation",
        "jira_key_missing_since",
    )
    fieldsets = (
        ("Basics", {"fields": ("title", "description", "status", "theme", "owner", "segments")}),
        (
            "Product estimates",
            {
                "fields": ("reach", "impact", "confidence", "effort"),
                "description": "RICE inputs. Leave a field empty when it is not estimated yet.",
            },
        ),
        ("Jira", {"fields": ("jira_key", "jira_key_missing_since")}),
        ("Record", {"fields": ("version", "created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (LaunchPlanInline, SignalLinkInline, ReportLinkInline)
    actions = (
        *(_status_action(status) for status in ItemStatus),
        "recompute_scores",
        jira_key_retry,
    )
    score_fieldset = ("Score", {"fields": ("score_explanation",)})

    def get_fieldsets(self, request: HttpRequest, obj: RoadmapItem | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets  # nothing is scored before it exists
        # Right after the estimates it explains.
        return (*fieldsets[:2], self.score_fieldset, *fieldsets[2:])

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type:
        return ScoredChangeList

    @admin.display(description="Score", ordering=SCORE_ORDER)
    def current_score(self, item: RoadmapItem) -> str:
        score = getattr(item, "score", None)  # no ItemScore yet: never computed
        return format_number(score.score) if score is not None else "—"

    @admin.display(description="Position", ordering=SCORE_ORDER)
    def ranking_position(self, item: RoadmapItem) -> Any:
        position = item_position(item)
        return "—" if position is None else position

    @admin.display(description="Score explanation")
    def score_explanation(self, item: RoadmapItem) -> SafeString:
        return score_explanation_panel(item=item)

    @admin.action(description="Recompute scores now", permissions=["change"])
    def recompute_scores(self, request: HttpRequest, queryset: QuerySet) -> None:
        result = item_scores_recompute(item_ids=list(queryset.values_list("pk", flat=True)))
        items = f"{result.items} item{'' if result.items == 1 else 's'}"
        self.message_user(
            request, f"Recomputed {items} ({result.scored} scored).", messages.SUCCESS
        )

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if change:
            # Bumped in SQL so two concurrent saves both count: an API client holding the
            # old version must see a conflict (If-Match), whoever saved last.
            obj.version = F("version") + 1
        if change and "jira_key" in form.changed_data:
            obj.jira_key_missing_since = None  # as item_update: a new key is tried again
        super().save_model(request, obj, form, change)
        if change:
            obj.refresh_from_db(fields=["version"])

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool):
        super().save_related(request, form, formsets, change)
        # After the inlines: an added, reweighted or removed link changes the score too.
        items_mark_dirty(item_ids=[form.instance.pk])
