"""List filters of the evidence pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ObservedAgeFilter(admin.SimpleListFilter):
    """How long ago the evidence was observed, in the bands scoring's decay cares about."""

    title = _("age")
    parameter_name = "age"
    # (value, label, newer bound in days, older bound in days or None for "ever")
    BANDS: tuple[tuple[str, Any, int, int | None], ...] = (
        ("30", _("Last 30 days"), 0, 30),
        ("90", _("30–90 days"), 30, 90),
        ("180", _("90–180 days"), 90, 180),
        ("365", _("180–365 days"), 180, 365),
        ("older", _("Older than a year"), 365, None),
    )

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [(value, label) for value, label, _newer, _older in self.BANDS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        band = next((b for b in self.BANDS if b[0] == self.value()), None)
        if band is None:
            return queryset
        _value, _label, newer, older = band
        now = timezone.now()
        if newer:
            queryset = queryset.filter(observed_at__lte=now - timedelta(days=newer))
        if older is not None:
            queryset = queryset.filter(observed_at__gt=now - timedelta(days=older))
        return queryset


class PeriodEndFilter(admin.SimpleListFilter):
    """When the measurement period ended."""

    title = _("period ended")
    parameter_name = "ended"
    BANDS = (("90", _("Last 90 days"), 90), ("365", _("Last year"), 365))

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [(value, label) for value, label, _days in self.BANDS] + [
            ("older", _("Over a year ago"))
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        for value, _label, days in self.BANDS:
            if self.value() == value:
                return queryset.filter(period_end__gt=today - timedelta(days=days))
        if self.value() == "older":
            return queryset.filter(period_end__lte=today - timedelta(days=365))
        return queryset
