"""Current scores: the live ranking, positions in it, an item's stored score and history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    QuerySet,
)
from django.utils.dateparse import parse_datetime

from roadmap.choices import RANKABLE_STATUSES
from roadmap.models import DirtyItem, RoadmapItem, Theme
from scoring import engine
from scoring.models import (
    ItemScore,
    ScoreHistory,
)


def item_score_result(score: ItemScore) -> engine.ScoreResult:
    """The stored score as the engine's result type (for explanations and change splits)."""
    return engine.ScoreResult(
        score=score.score,
        reach=engine.ReachParts(
            value=score.reach, product=score.reach_product, marketing=score.reach_marketing
        ),
        impact=engine.ImpactParts(
            value=score.impact, product=score.impact_product, marketing=score.impact_marketing
        ),
        confidence=engine.ConfidenceParts(
            value=score.confidence, product=score.confidence_product, evidence=score.evidence
        ),
        effort=engine.EffortParts(value=score.effort, estimate=score.effort_estimate),
        missing=tuple(score.missing),
        signal_count=score.signal_count,
        report_count=score.report_count,
    )


def item_positions(*, item_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Live-ranking positions (score desc, then item id) of the given ranked items; items
    that are not ranked are absent. One query, an index scan over the ranked items."""
    if item_ids is not None and not item_ids:
        return {}
    table = connection.ops.quote_name(ItemScore._meta.db_table)
    where, params = "", []
    if item_ids is not None:
        where = " WHERE item_id IN (" + ", ".join(["%s"] * len(item_ids)) + ")"
        params = [int(i) for i in item_ids]
    sql = (
        "SELECT item_id, pos FROM (SELECT item_id, ROW_NUMBER() OVER "  # noqa: S608
        f"(ORDER BY score DESC, item_id) AS pos FROM {table} WHERE rankable) ranked{where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def live_ranking() -> QuerySet[ItemScore]:
    """Ranked items in ranking order; position = index in this order + 1."""
    return (
        ItemScore.objects.filter(rankable=True)
        .select_related("item", "item__theme", "item__owner")
        .order_by("-score", "item_id")
    )


class FactorParts(TypedDict, total=False):
    value: float | None
    product: float | None
    marketing: float | None
    evidence: float
    estimate: float | None


class LiveRankingRow(TypedDict):
    """One entry of the live ranking, shaped as `rankings/live/` answers it (the factor
    parts as engine.ScoreResult's parts, in their field order)."""

    position: int
    item: int
    title: str
    status: str
    theme: int | None
    theme_name: str | None
    owner: int | None
    owner_username: str | None
    jira_key: str
    score: float | None
    reach: FactorParts
    impact: FactorParts
    confidence: FactorParts
    effort: FactorParts
    computed_at: datetime


def _aware(value: Any) -> datetime:
    # PostgreSQL gives aware datetimes; SQLite, through a raw cursor, naive UTC ones (or
    # their text when a subquery hides the column's type).
    if isinstance(value, str):
        value = parse_datetime(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def live_ranking_page(
    *, items: QuerySet[Any] | None = None, limit: int, offset: int
) -> tuple[int, list[LiveRankingRow]]:
    """One page of the live ranking and the number of entries it pages through, in one
    query: positions over the whole ranking (score desc, then item id), whatever `items`
    (a queryset of item ids, the filters) narrows the page to. A page past the end costs
    a second query, for the count."""
    q = connection.ops.quote_name
    score_table, item_table = q(ItemScore._meta.db_table), q(RoadmapItem._meta.db_table)
    theme_table, user_table = q(Theme._meta.db_table), q(get_user_model()._meta.db_table)
    columns = (
        "s.item_id, i.title, i.status, i.theme_id, t.name, i.owner_id, u.username, "
        "i.jira_key, s.score, s.reach, s.reach_product, s.reach_marketing, s.impact, "
        "s.impact_product, s.impact_marketing, s.confidence, s.confidence_product, "
        "s.evidence, s.effort, s.effort_estimate, s.computed_at"
    )
    joins = (
        f"JOIN {item_table} i ON i.id = s.item_id "
        f"LEFT JOIN {theme_table} t ON t.id = i.theme_id "
        f"LEFT JOIN {user_table} u ON u.id = i.owner_id"
    )
    params: list[Any] = []
    if items is None:
        count = f"SELECT COUNT(*) FROM {score_table} WHERE rankable"  # noqa: S608
        # Numbered as read: the index gives the order and the page stops the scan.
        sql = (
            f"SELECT {columns}, ROW_NUMBER() OVER (ORDER BY s.score DESC, s.item_id), "  # noqa: S608
            f"({count}) FROM {score_table} s {joins} WHERE s.rankable "
            "ORDER BY s.score DESC, s.item_id LIMIT %s OFFSET %s"
        )
    else:
        # Numbered over the whole ranking first, narrowed after: filters never renumber.
        subquery, subparams = items.query.sql_with_params()
        count = (
            f"SELECT COUNT(*) FROM {score_table} WHERE rankable "  # noqa: S608
            f"AND item_id IN ({subquery})"
        )
        ranked = (
            f"SELECT *, ROW_NUMBER() OVER (ORDER BY score DESC, item_id) AS position "  # noqa: S608
            f"FROM {score_table} WHERE rankable"
        )
        sql = (
            f"SELECT {columns}, s.position, ({count}) FROM ({ranked}) s {joins} "  # noqa: S608
            f"WHERE s.item_id IN ({subquery}) ORDER BY s.position LIMIT %s OFFSET %s"
        )
        params = [*subparams, *subparams]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        rows = cursor.fetchall()
        if rows:
            total = rows[0][-1]
        else:
            cursor.execute(count, params[: len(params) // 2])
            total = cursor.fetchone()[0]
    return total, [
        {
            "position": row[21],
            "item": row[0],
            "title": row[1],
            "status": row[2],
            "theme": row[3],
            "theme_name": row[4],
            "owner": row[5],
            "owner_username": row[6],
            "jira_key": row[7],
            "score": row[8],
            "reach": {"value": row[9], "product": row[10], "marketing": row[11]},
            "impact": {"value": row[12], "product": row[13], "marketing": row[14]},
            "confidence": {"value": row[15], "product": row[16], "evidence": row[17]},
            "effort": {"value": row[18], "estimate": row[19]},
            "computed_at": _aware(row[20]),
        }
        for row in rows
    ]


def item_score_history(*, item: RoadmapItem, limit: int = 100) -> QuerySet[ScoreHistory]:
    return (
        ScoreHistory.objects.filter(item=item)
        .select_related("model")
        .order_by("-computed_at", "-id")[:limit]
    )


def items_needing_estimates() -> QuerySet[ItemScore]:
    """Unscored open items and what each one misses."""
    return (
        ItemScore.objects.filter(score__isnull=True, item__status__in=RANKABLE_STATUSES)
        .select_related("item", "item__theme", "item__owner")
        .order_by("item_id")
    )


def item_is_dirty(*, item: RoadmapItem) -> bool:
    """Whether the item's inputs changed since its score was last computed."""
    return DirtyItem.objects.filter(item=item).exists()


def dirty_item_count() -> int:
    """How many items have inputs changed since their score was computed."""
    return DirtyItem.objects.count()
