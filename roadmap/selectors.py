"""Read use-cases for roadmap items, themes and segments."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

from django.db.models import QuerySet

from roadmap.choices import LaunchStatus
from roadmap.models import LaunchPlan, RoadmapItem, Segment, Theme


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


def launch_plan_list() -> QuerySet[LaunchPlan]:
    """Launch plans with what their API representation reads (the item's title, the
    segments), in a constant number of queries per page."""
    return LaunchPlan.objects.select_related("item").prefetch_related("target_segments")


class LaunchDay(TypedDict):
    date: date
    launches: list[LaunchPlan]


def launch_calendar(
    *, queryset: QuerySet[LaunchPlan] | None = None, today: date
) -> list[LaunchDay]:
    """Upcoming launches by date: the plans dated `today` or later that are not
    cancelled, grouped by target date, earliest first (each day's plans by id).

    `queryset` narrows the plans first (the API's filters); two queries in all.
    """
    plans = (
        (launch_plan_list() if queryset is None else queryset)
        .filter(target_launch_date__gte=today)
        .exclude(status=LaunchStatus.CANCELLED)
    )
    days: dict[date, list[LaunchPlan]] = {}
    for plan in plans.order_by("target_launch_date", "id"):
        assert plan.target_launch_date is not None  # excluded by the __gte filter
        days.setdefault(plan.target_launch_date, []).append(plan)
    return [{"date": day, "launches": launches} for day, launches in days.items()]
