"""List filters of the evidence pages."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone


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
