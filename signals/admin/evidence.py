"""Market signals and friction reports: their pages and bulk actions, all writing through
signals.services (the report's status only along the service's transitions)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.roles import acting_user
from signals import services
from signals.admin.base import EvidenceAdmin
from signals.admin.filters import ObservedAgeFilter
from signals.admin.inlines import ReportItemLinkInline, SignalItemLinkInline
from signals.choices import ReportStatus
from signals.models import FrictionReport, MarketSignal
from signals.radar.admin import RadarPanelMixin  # also registers the radar's pages
from signals.services import InvalidTransition, report_set_status, signals_set_dismissed

_ORIGIN_FIELDS = ("source", "external_id", "submitted_by", "created_at", "updated_at")


def _invalid_transition(exc: Exception) -> ValidationError:
    return ValidationError(
        {"status": [_("Invalid status change: %(reason)s.") % {"reason": exc}]}, code="transition"
    )


@admin.register(MarketSignal)
class MarketSignalAdmin(RadarPanelMixin, EvidenceAdmin):
    create = staticmethod(services.signal_create)
    update = staticmethod(services.signal_update)
    delete = staticmethod(services.signal_delete)
    noun, plural = "signal", "signals"

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
    readonly_fields = ("submitted_by", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("kind", "title", "summary", "observed_at", "dismissed")}),
        (_("Account"), {"fields": ("segment", "account_name", "account_value")}),
        (_("Origin"), {"fields": _ORIGIN_FIELDS}),
    )
    inlines = (SignalItemLinkInline,)
    actions = ("dismiss_signals", "restore_signals")

    @admin.action(description=_("Dismiss selected signals"), permissions=["change"])
    def dismiss_signals(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_dismissed(request, queryset, dismissed=True)

    @admin.action(description=_("Restore selected signals"), permissions=["change"])
    def restore_signals(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_dismissed(request, queryset, dismissed=False)

    def _set_dismissed(self, request: HttpRequest, queryset: QuerySet, *, dismissed: bool) -> None:
        owned = self.own_rows(request, queryset)
        count = signals_set_dismissed(
            signal_ids=owned.values_list("pk", flat=True),
            dismissed=dismissed,
            user=acting_user(request.user),
        )
        if dismissed:
            message = ngettext("Dismissed %(count)d signal.", "Dismissed %(count)d signals.", count)
        else:
            message = ngettext("Restored %(count)d signal.", "Restored %(count)d signals.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(FrictionReport)
class FrictionReportAdmin(RadarPanelMixin, EvidenceAdmin):
    create = staticmethod(services.report_create)
    update = staticmethod(services.report_update)
    delete = staticmethod(services.report_delete)
    noun, plural = "report", "reports"
    refusals = ((InvalidTransition, _invalid_transition),)

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
    readonly_fields = ("submitted_by", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("campaign", "title", "summary", "status", "observed_at")}),
        (
            _("Friction"),
            {"fields": ("channel", "funnel_stage", "segment", "affected_people", "severity")},
        ),
        (_("Metric"), {"fields": ("metric_name", "metric_before", "metric_after")}),
        (_("Origin"), {"fields": _ORIGIN_FIELDS}),
    )
    inlines = (ReportItemLinkInline,)
    actions = ("mark_addressed", "mark_dismissed")

    @admin.action(description=_("Mark addressed"), permissions=["change"])
    def mark_addressed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, ReportStatus.ADDRESSED)

    @admin.action(description=_("Mark dismissed"), permissions=["change"])
    def mark_dismissed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, ReportStatus.DISMISSED)

    def _set_status(self, request: HttpRequest, queryset: QuerySet, status: ReportStatus) -> None:
        # One service call per report: the service enforces the transitions, and a bad one
        # must not undo the good ones, so each report stands alone.
        done, already, refused = 0, 0, []
        for report in self.own_rows(request, queryset):
            if report.status == status:
                already += 1
                continue
            try:
                report_set_status(report=report, status=status)
            except InvalidTransition:
                refused.append(report)
            else:
                done += 1
        label = str(status.label).lower()
        if done or already or not refused:
            if already:
                message = ngettext(
                    "Marked %(count)d report as %(status)s (%(already)d already were).",
                    "Marked %(count)d reports as %(status)s (%(already)d already were).",
                    done,
                )
            else:
                message = ngettext(
                    "Marked %(count)d report as %(status)s.",
                    "Marked %(count)d reports as %(status)s.",
                    done,
                )
            values = {"count": done, "status": label, "already": already}
            self.message_user(request, message % values, messages.SUCCESS)
        if refused:
            names = "; ".join(f"{r} ({r.get_status_display().lower()})" for r in refused[:10])
            if len(refused) > 10:
                names += " " + _("and %(count)d more") % {"count": len(refused) - 10}
            self.message_user(
                request,
                ngettext(
                    "Left %(count)d unchanged: only open reports can be marked %(status)s.",
                    "Left %(count)d unchanged: only open reports can be marked %(status)s.",
                    len(refused),
                )
                % {"count": len(refused), "status": label}
                + " "
                + names,
                messages.WARNING,
            )
