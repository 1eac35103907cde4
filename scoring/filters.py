"""Filters of the live ranking. They narrow the list but never renumber it: positions are
the items' places in the whole ranking."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from roadmap.choices import ItemStatus
from roadmap.filters import FlagFilter, IdFilter, text_search
from scoring.models import ItemScore


class LiveRankingFilterSet(filters.FilterSet):
    """The item filters of `items/`, applied to the ranked items."""

    status = filters.MultipleChoiceFilter(
        field_name="item__status",
        choices=ItemStatus.choices,
        help_text="Item status; repeat the parameter for several.",
    )
    theme = IdFilter(field_name="item__theme_id", help_text="Theme id.")
    segment = IdFilter(field_name="item__segments__id", help_text="Segment id.")
    owner = IdFilter(field_name="item__owner_id", help_text="Owner's user id.")
    has_jira_key = FlagFilter(
        method="filter_has_jira_key", help_text="Only items with (true) or without a Jira key."
    )
    q = filters.CharFilter(
        method="filter_q", help_text="Text in the item's title, description or Jira key."
    )

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
        return text_search(
            queryset, ("item__title", "item__description", "item__jira_key"), value
        ).distinct()


def item_scores_filtered(
    *, queryset: QuerySet[ItemScore], data: Mapping[str, Any]
) -> QuerySet[ItemScore]:
    """`queryset` narrowed by the filters of `rankings/live/` given in `data` (the board
    applies its filters through this, so both read the same definitions). Invalid
    values are left out, as the form that produced `data` reports them."""
    return LiveRankingFilterSet(data, queryset=queryset).qs
