"""Filters of the live ranking: the item filters of `items/`, whose one definition is
roadmap.filters.RoadmapItemFilterSet, applied to the ranked items. They narrow the list but
never renumber it: positions are the items' places in the whole ranking."""

from __future__ import annotations

from collections import OrderedDict
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
        if not self.data or not any(name in self.data for name in self.filters):
            return queryset
        items = RoadmapItemFilterSet(
            data=self.data, queryset=RoadmapItem.objects.all(), request=self.request
        )
        return queryset.filter(item_id__in=items.qs.values("pk"))


# A ranking has its own order: no `ordering` here.
LiveRankingFilterSet.base_filters = OrderedDict(
    {
        name: item_filter
        for name, item_filter in RoadmapItemFilterSet.base_filters.items()
        if name != "ordering"
    }
)


def item_scores_filtered(
    *, queryset: QuerySet[ItemScore], data: QueryDict | dict[str, Any]
) -> QuerySet[ItemScore]:
    """`queryset` narrowed by the filters of `rankings/live/` given in `data` (the board
    applies its filters through this, so both read the same definitions). Invalid
    values are left out, as the form that produced `data` reports them."""
    return LiveRankingFilterSet(data, queryset=queryset).qs
