"""Admin for market signals and friction reports, and the link inlines the item page reuses.

Every admin write that can change a score marks the linked items dirty, the items linked
before the write as well as after it, so unlinking an item rescores it too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from roadmap.services import items_mark_dirty
from signals.choices import ReportStatus
from signals.models import FrictionReport, MarketSignal, Outcome, ReportLink, SignalLink
from signals.radar.admin import RadarPanelMixin  # also registers the radar's pages
from signals.services import (
    InvalidTransition,
    report_set_status,
    signals_set_dismissed,
    team_of,
)

# Set by save_model on the instance being saved, read back by save_related.
_ITEMS_BEFORE = "_admin_linked_item_ids_before"


class ObservedAgeFilter(admin.SimpleListFilter):
    """How long ago the evidence was observed, in the bands scoring's decay cares about."""

    title = "age"
    parameter_name = "age"
    # (value, label, newer bound in days, older bound in days or None for "ever")
    BANDS: tuple[tuple[str, str, int, int | None], ...] = (
        ("30", "Last 30 days", 0, 30),
        ("90", "30–90 days", 30, 90),
        ("180", "90–180 days", 90, 180),
        ("365", "180–365 days", 180, 365),
        ("older", "Older than a year", 365, None),
    )

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(value, label) for value, label, _, _ in self.BANDS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        band = next((b for b in self.BANDS if b[0] == self.value()), None)
        if band is None:
            return queryset
        _, _, newer, older = band
        now = timezone.now()
        if newer:
            queryset = queryset.filter(observed_at__lte=now - timedelta(days=newer))
        if older is not None:
            queryset = queryset.filter(observed_at__gt=now - timedelta(days=older))
        return queryset


def _placeholder(value: Any) -> Any:
    return "—" if value in (None, "") else value


# --- Inlines on the item page (imported by roadmap.admin) --------------------------------


class SignalLinkInline(admin.TabularInline):
    """The market signals linked to an item, with their weight."""

    model = SignalLink
    fk_name = "item"
    fields = ("signal", "weight", "signal_kind", "signal_observed_at")
    readonly_fields = ("signal_kind", "signal_observed_at")
    autocomplete_fields = ("signal",)
    extra = 0
    verbose_name = "linked market signal"
    verbose_name_plural = "linked market signals"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("signal")

    @admin.display(description="kind")
    def signal_kind(self, link: SignalLink) -> str:
        if link.signal_id is None:
            return "—"
        kind = link.signal.get_kind_display()
        return f"{kind} (dismissed)" if link.signal.dismissed else kind

    @admin.display(description="observed")
    def signal_observed_at(self, link: SignalLink) -> Any:
        return _placeholder(link.signal.observed_at if link.signal_id else None)


class ReportLinkInline(admin.TabularInline):
    """The friction reports linked to an item, with their weight."""

    model = ReportLink
    fk_name = "item"
    fields = ("report", "weight", "report_status", "report_observed_at")
    readonly_fields = ("report_status", "report_observed_at")
    autocomplete_fields = ("report",)
    extra = 0
    verbose_name = "linked friction report"
    verbose_name_plural = "linked friction reports"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("report")

    @admin.display(description="status")
    def report_status(self, link: ReportLink) -> str:
        return link.report.get_status_display() if link.report_id else "—"

    @admin.display(description="observed")
    def report_observed_at(self, link: ReportLink) -> Any:
        return _placeholder(link.report.observed_at if link.report_id else None)


# --- Inlines on the evidence pages --------------------------------------------------------


class SignalItemLinkInline(admin.TabularInline):
    """The items a signal bears on."""

    model = SignalLink
    fk_name = "signal"
    fields = ("item", "weight", "item_status")
    readonly_fields = ("item_status",)
    autocomplete_fields = ("item",)
    extra = 0
    verbose_name = "linked roadmap item"
    verbose_name_plural = "linked roadmap items"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("item")

    @admin.display(description="item status")
    def item_status(self, link: SignalLink) -> str:
        return link.item.get_status_display() if link.item_id else "—"


class ReportItemLinkInline(SignalItemLinkInline):
    """The items a friction report bears on."""

    model = ReportLink
    fk_name = "report"


# --- Shared behaviour: mark the items linked before and after a write dirty ---------------


class EvidenceAdmin(SimpleHistoryAdmin):
    """Base for signal and report admins: history, and dirty marks on every write."""

    link_model: type[SignalLink] | type[ReportLink]
    link_fk: str

    def _linked_item_ids(self, evidence_ids: Any) -> set[int]:
        lookup = {f"{self.link_fk}__in": evidence_ids}
        return set(self.link_model.objects.filter(**lookup).values_list("item_id", flat=True))

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        # Read the links before anything is saved: inline edits may remove some of them.
        before = self._linked_item_ids([obj.pk]) if change else set()
        setattr(obj, _ITEMS_BEFORE, before)
        if not change and obj.submitted_by_id is None:
            obj.submitted_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(obj, _ITEMS_BEFORE, set())
        items_mark_dirty(item_ids=before | self._linked_item_ids([obj.pk]))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        item_ids = self._linked_item_ids([obj.pk])
        super().delete_model(request, obj)
        items_mark_dirty(item_ids=item_ids)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        # The "delete selected" action runs outside the admin's own transaction.
        with transaction.atomic():
            item_ids = self._linked_item_ids(queryset.values("pk"))
            super().delete_queryset(request, queryset)
            items_mark_dirty(item_ids=item_ids)


@admin.register(MarketSignal)
class MarketSignalAdmin(RadarPanelMixin, EvidenceAdmin):
    link_model = SignalLink
    link_fk = "signal"

    list_display = (
        "title",
        "kind",
        "source",
        "segment",
        "account_name",
        "observed_at",
        "dismissed",
        "submitted_by",
    )
    list_filter = ("kind", "source", "segment", "dismissed", ObservedAgeFilter)
    list_select_related = ("segment", "submitted_by")
    search_fields = ("title", "summary", "account_name", "external_id")
    date_hierarchy = "observed_at"
    autocomplete_fields = ("submitted_by",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("kind", "title", "summary", "observed_at", "dismissed")}),
        ("Account", {"fields": ("segment", "account_name", "account_value")}),
        (
            "Origin",
            {"fields": ("source", "external_id", "submitted_by", "created_at", "updated_at")},
        ),
    )
    inlines = (SignalItemLinkInline,)
    actions = ("dismiss_signals", "restore_signals")

    @admin.action(description="Dismiss selected signals", permissions=["change"])
    def dismiss_signals(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = signals_set_dismissed(
            signal_ids=queryset.values_list("pk", flat=True), dismissed=True, user=request.user
        )
        self.message_user(request, f"Dismissed {_signals(count)}.", messages.SUCCESS)

    @admin.action(description="Restore selected signals", permissions=["change"])
    def restore_signals(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = signals_set_dismissed(
            signal_ids=queryset.values_list("pk", flat=True), dismissed=False, user=request.user
        )
        self.message_user(request, f"Restored {_signals(count)}.", messages.SUCCESS)


def _signals(count: int) -> str:
    return f"{count} signal{'' if count == 1 else 's'}"


@admin.register(FrictionReport)
class FrictionReportAdmin(RadarPanelMixin, EvidenceAdmin):
    link_model = ReportLink
    link_fk = "report"

    list_display = (
        "campaign",
        "title",
        "channel",
        "funnel_stage",
        "affected_people",
        "severity",
        "segment",
        "status",
        "observed_at",
        "submitted_by",
    )
    list_display_links = ("campaign", "title")
    list_filter = ("channel", "funnel_stage", "segment", "status", "source", ObservedAgeFilter)
    list_select_related = ("segment", "submitted_by")
    search_fields = ("campaign", "title", "summary", "metric_name", "external_id")
    date_hierarchy = "observed_at"
    autocomplete_fields = ("submitted_by",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("campaign", "title", "summary", "status", "observed_at")}),
        (
            "Friction",
            {"fields": ("channel", "funnel_stage", "segment", "affected_people", "severity")},
        ),
        ("Metric", {"fields": ("metric_name", "metric_before", "metric_after")}),
        (
            "Origin",
            {"fields": ("source", "external_id", "submitted_by", "created_at", "updated_at")},
        ),
    )
    inlines = (ReportItemLinkInline,)
    actions = ("mark_addressed", "mark_dismissed")

    @admin.action(description="Mark addressed", permissions=["change"])
    def mark_addressed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, ReportStatus.ADDRESSED)

    @admin.action(description="Mark dismissed", permissions=["change"])
    def mark_dismissed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, ReportStatus.DISMISSED)

    def _set_status(self, request: HttpRequest, queryset: QuerySet, status: ReportStatus) -> None:
        # One service call per report: the service enforces the transitions, and a bad one
        # must not undo the good ones, so each report stands alone.
        done, already, refused = 0, 0, []
        for report in queryset:
            if report.status == status:
                already += 1
                continue
            try:
                report_set_status(report=report, status=status)
            except InvalidTransition:
                refused.append(report)
            else:
                done += 1
        label = status.label.lower()
        if done or already:
            note = f" ({already} already were)" if already else ""
            message = f"Marked {_reports(done)} as {label}{note}."
            self.message_user(request, message, messages.SUCCESS)
        if refused:
            names = "; ".join(f"{r} ({r.get_status_display().lower()})" for r in refused[:10])
            more = f" and {len(refused) - 10} more" if len(refused) > 10 else ""
            self.message_user(
                request,
                f"Left {len(refused)} unchanged: only open reports can be marked {label}. "
                f"{names}{more}",
                messages.WARNING,
            )


def _reports(count: int) -> str:
    return f"{count} report{'' if count == 1 else 's'}"


# --- Outcomes -----------------------------------------------------------------------------


class PeriodEndFilter(admin.SimpleListFilter):
    """When the measurement period ended."""

    title = "period ended"
    parameter_name = "ended"
    BANDS = (("90", "Last 90 days", 90), ("365", "Last year", 365))

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(value, label) for value, label, _ in self.BANDS] + [("older", "Over a year ago")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        for value, _, days in self.BANDS:
            if self.value() == value:
                return queryset.filter(period_end__gt=today - timedelta(days=days))
        if self.value() == "older":
            return queryset.filter(period_end__lte=today - timedelta(days=365))
        return queryset


@admin.register(Outcome)
class OutcomeAdmin(SimpleHistoryAdmin):
    """Outcomes, as measured after shipping. Saving checks the same rules as the API (the
    item has shipped, values in range for the KPI, the period in order)."""

    list_display = (
        "item",
        "kpi_label",
        "baseline",
        "measured",
        "segment",
        "channel",
        "period_start",
        "period_end",
        "people_measured",
        "team",
        "submitted_by",
    )
    list_filter = ("kpi", "team", "channel", "segment", "source", PeriodEndFilter)
    list_select_related = ("item", "segment", "submitted_by")
    search_fields = ("item__title", "custom_kpi", "external_id")
    date_hierarchy = "period_end"
    autocomplete_fields = ("item", "submitted_by")
    readonly_fields = ("team", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("item", "kpi", "custom_kpi", "baseline", "measured")}),
        (
            "Scope",
            {"fields": ("segment", "channel", "period_start", "period_end", "people_measured")},
        ),
        (
            "Origin",
            {
                "fields": (
                    "source",
                    "external_id",
                    "submitted_by",
                    "team",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    @admin.display(description="KPI", ordering="kpi")
    def kpi_label(self, outcome: Outcome) -> str:
        return outcome.kpi_name

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if not change:
            if obj.submitted_by_id is None:
                obj.submitted_by = request.user
            obj.team = team_of(obj.submitted_by)
        super().save_model(request, obj, form, change)
