"""Current scores: the live ranking, positions in it, an item's stored score and history."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import (
    QuerySet,
)

from roadmap.choices import RANKABLE_STATUSES
from roadmap.models import DirtyItem, RoadmapItem
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
