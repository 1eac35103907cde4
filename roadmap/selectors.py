"""Read use-cases for roadmap items, themes and segments."""

from __future__ import annotations

from django.db.models import QuerySet

from roadmap.models import RoadmapItem, Segment, Theme


def item_list() -> QuerySet[RoadmapItem]:
    """Items with what their API representation reads, in a constant number of queries.

    Theme and owner are shown as ids, which the item row already holds, so they need no
    join; segments are one prefetch query for the whole page.
    """
    return RoadmapItem.objects.prefetch_related("segments")


def theme_list() -> QuerySet[Theme]:
    return Theme.objects.all()


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.all()


def item_etag(*, version: int) -> str:
    """The strong entity tag of an item at `version`: `"<version>"`."""
    return f'"{version}"'
