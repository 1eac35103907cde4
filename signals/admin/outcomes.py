"""Outcomes, as measured after shipping, written through signals.services: the same rules
as the API (the item has shipped, values in range for the KPI, the period in order), the
team from who submitted it, and marketing changing only its own."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from signals import services
from signals.admin.base import EvidenceAdmin
from signals.admin.filters import PeriodEndFilter
from signals.models import Outcome


@admin.register(Outcome)
class OutcomeAdmin(EvidenceAdmin):
    create = staticmethod(services.outcome_create)
    update = staticmethod(services.outcome_update)
    delete = staticmethod(services.outcome_delete)
    noun, plural = "outcome", "outcomes"

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
    autocomplete_fields = ("item",)
    readonly_fields = ("submitted_by", "team", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("item", "kpi", "custom_kpi", "baseline", "measured")}),
        (
            _("Scope"),
            {"fields": ("segment", "channel", "period_start", "period_end", "people_measured")},
        ),
        (
            _("Origin"),
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

    @admin.display(description=_("KPI"), ordering="kpi")
    def kpi_label(self, outcome: Outcome) -> str:
        return outcome.kpi_name
