"""Read use-cases for market signals and friction reports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet

from roadmap.models import RoadmapItem, Segment
from signals.models import FrictionReport, MarketSignal, Outcome


def signal_list() -> QuerySet[MarketSignal]:
    """Signals with their links, in a constant number of queries per page."""
    return MarketSignal.objects.prefetch_related("links")


def report_list() -> QuerySet[FrictionReport]:
    """Reports with their links, in a constant number of queries per page."""
    return FrictionReport.objects.prefetch_related("links")


def outcome_list() -> QuerySet[Outcome]:
    """Outcomes with the item title their API representation shows, in one query a page."""
    return Outcome.objects.select_related("item").defer("item__description")


def rows_named_by(
    *, segment_ids: Iterable[int], item_ids: Iterable[int]
) -> dict[type[Model], dict[int, Any]]:
    """The segments and items a bulk request names, one query each (none for no ids),
    keyed by model then id: what its records are validated against."""
    segments = set(segment_ids)
    items = set(item_ids)
    # The items with their status only (an outcome may name only a shipped item), built
    # from plain rows: half the cost of a queryset's instances for a thousand of them.
    rows: list[tuple[int, str]] = []
    if items and connection.vendor == "postgresql":
        # One array parameter: compiling and binding a thousand IN placeholders cost
        # twice the query itself.
        table = connection.ops.quote_name(RoadmapItem._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, status FROM {table} WHERE id = ANY(%s)", [list(items)])  # noqa: S608
            rows = cursor.fetchall()
    elif items:
        rows = list(RoadmapItem.objects.filter(pk__in=items).values_list("id", "status"))
    return {
        Segment: Segment.objects.in_bulk(segments) if segments else {},
        RoadmapItem: {
            row[0]: RoadmapItem.from_db(RoadmapItem.objects.db, ["id", "status"], row)
            for row in rows
        },
    }
