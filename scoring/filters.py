"""Filters of the live ranking: the item filters of `items/`, whose one definition is
roadmap.filters.RoadmapItemFilterSet, applied to the ranked items. They narrow the list but
never renumber it: positions are the items' places in the whole ranking."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

from roadmap.filters import RoadmapItemFilterSet
from roadmap.models import RoadmapItem
from scoring.models import ItemScore


class LiveRankingFilterSet(RoadmapItemFilterSet):
    """Validates and documents the same parameters as `items/` (ordering aside: a ranking
    has its own order), and filters the ranked items through RoadmapItemFilterSet."""

    class Meta:
        model = ItemScore
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        items = self.item_ids()
        return queryset if items is None else queryset.filter(item_id__in=items)

    def item_ids(self) -> QuerySet[RoadmapItem, dict[str, Any]] | None:
        """The ids of the items the filters keep (a subquery), or None when no filter is
        given. Call after `is_valid()`."""
        if not live_ranking_filtered(self.data or {}):
            return None
        items = RoadmapItemFilterSet(
            data=self.data, queryset=RoadmapItem.objects.all(), request=self.request
        )
        return items.qs.values("pk")


# A ranking has its own order: no `ordering` here.
LiveRankingFilterSet.base_filters = OrderedDict(
    {
        name: item_filter
        for name, item_filter in RoadmapItemFilterSet.base_filters.items()
        if name != "ordering"
    }
)


def live_ranking_filtered(data: Mapping[str, Any]) -> bool:
    """Whether `data` names a filter of the live ranking (else none applies, and none can
    be invalid: the view skips the filter set)."""
    return any(name in data for name in LiveRankingFilterSet.base_filters)


def item_scores_filtered(
    *, queryset: QuerySet[ItemScore], data: QueryDict | dict[str, Any]
) -> QuerySet[ItemScore]:
    """`queryset` narrowed by the filters of `rankings/live/` given in `data` (the board
    applies its filters through this, so both read the same definitions). Invalid
    values are left out, as the form that produced `data` reports them."""
    return LiveRankingFilterSet(data, queryset=queryset).qs
