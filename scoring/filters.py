"""Filters of the live ranking. They narrow the list but never renumber it: positions are
the items' places in the whole ranking."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from roadmap.choices import ItemStatus
from scoring.models import ItemScore


class LiveRankingFilterSet(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        field_name="item__status",
        choices=ItemStatus.choices,
        help_text="Item status; repeat the parameter for several.",
    )
    # Plain number filters: a model choice filter would cost a query to validate the id.
    theme = filters.NumberFilter(field_name="item__theme_id", help_text="Theme id.")
    segment = filters.CharFilter(
        field_name="item__segments__slug", help_text="Segment slug the item targets."
    )
    owner = filters.NumberFilter(field_name="item__owner_id", help_text="Owner's user id.")
    has_jira_key = filters.BooleanFilter(
        method="filter_has_jira_key", help_text="Only items with (true) or without a Jira key."
    )
    q = filters.CharFilter(method="filter_q", help_text="Text in the item's title or description.")

    class Meta:
        model = ItemScore
        fields = ["status", "theme", "segment", "owner", "has_jira_key", "q"]

    def filter_has_jira_key(
        self, queryset: QuerySet[ItemScore], name: str, value: bool | None
    ) -> QuerySet[ItemScore]:
        if value is None:
            return queryset
        return queryset.exclude(item__jira_key="") if value else queryset.filter(item__jira_key="")

    def filter_q(self, queryset: QuerySet[ItemScore], name: str, value: str) -> QuerySet[ItemScore]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(item__title__icontains=value) | Q(item__description__icontains=value)
        )
