"""An item's score explained (SCORING.md, "Explanation"), with its contributors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TypedDict

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from config.generations import generation_sql
from roadmap.models import DirtyItem, RoadmapItem
from scoring import engine, why
from scoring.models import MODEL_PARAM_FIELDS, ItemScore, ScoreHistory, ScoringModel
from scoring.selectors.causes import ItemCauses, ModelChange, items_causes
from scoring.selectors.evidence import item_inputs
from scoring.selectors.scores import (
    item_is_dirty,
    item_positions,
    item_score_history,
    item_score_result,
)
from scoring.selectors.scoring_models import scoring_model_active, scoring_model_params
from signals.models import ReportLink, SignalLink


class ItemExplanation(engine.Explanation):
    """The explanation of the item's current score, and its place in the live ranking."""

    position: int | None


def item_explanation(*, item: RoadmapItem) -> ItemExplanation | None:
    """The explanation of SCORING.md for the item's current score, with contributors
    computed at the same `now` and under the same model as the stored score."""
    score = ItemScore.objects.select_related("model").filter(item=item).first()
    if score is None:
        return None
    params = scoring_model_params(score.model)
    reports, signals = item_inputs(item_id=item.pk)
    top = engine.contributors(reports, signals, params, score.computed_at)
    data = engine.explanation(
        item_score_result(score),
        computed_at=score.computed_at,
        model_version=score.model.version,
        contributors=top,
    )
    return {**data, "position": item_positions(item_ids=[item.pk]).get(item.pk)}


class ItemScoreDetail(TypedDict):
    change: ScoreChange | None
    item: int
    title: str
    status: str
    dirty: bool
    score: float | None
    position: int | None
    missing: list[str] | None
    explanation: ItemExplanation | None
    history: list[ScoreHistory]


def item_score_detail(
    *, item: RoadmapItem, history_limit: int = 100, since: datetime | None = None
) -> ItemScoreDetail:
    """Everything about an item's score: the explanation of SCORING.md (None when the item
    was never scored), whether a recomputation is pending, its recent history and, with
    `since`, how and why its score changed since then (`item_score_change`)."""
    explanation = item_explanation(item=item)
    return {
        "change": None if since is None else item_score_change(item=item, since=since),
        "item": item.pk,
        "title": item.title,
        "status": item.status,
        "dirty": item_is_dirty(item=item),
        "score": None if explanation is None else explanation["score"],
        "position": None if explanation is None else explanation["position"],
        "missing": None if explanation is None else explanation["missing"],
        "explanation": explanation,
        "history": list(item_score_history(item=item, limit=history_limit)),
    }


class ScoreChange(TypedDict):
    """An item's score now against its score at `since` (the last point of its history at
    or before it), split into factors (engine.split_change) and explained by the inputs
    that changed in between (scoring.selectors.causes)."""

    since: datetime
    score_before: float | None
    score_after: float | None
    position_before: int | None
    position_after: int | None
    main_driver: str | None
    terms: dict[str, float]
    deltas: dict[str, float]
    causes: ItemCauses
    summary: str


def _history_result(point: ScoreHistory) -> engine.ScoreResult:
    return engine.ScoreResult(
        score=point.score,
        reach=engine.ReachParts(
            value=point.reach, product=point.reach_product, marketing=point.reach_marketing
        ),
        impact=engine.ImpactParts(
            value=point.impact, product=point.impact_product, marketing=point.impact_marketing
        ),
        confidence=engine.ConfidenceParts(
            value=point.confidence, product=point.confidence, evidence=0.0
        ),
        effort=engine.EffortParts(value=point.effort, estimate=point.effort),
        missing=(),
        signal_count=0,
        report_count=0,
    )


def item_score_change(*, item: RoadmapItem, since: datetime) -> ScoreChange:
    """How and why the item's score changed from `since` (aware) to its current score, so
    a score that changed without changing place is explained too. Six queries."""
    point = (
        ScoreHistory.objects.filter(item=item, computed_at__lte=since)
        .select_related("model")
        .order_by("-computed_at", "-id")
        .first()
    )
    score = ItemScore.objects.select_related("model").filter(item=item).first()
    now = timezone.now()
    model: ModelChange | None = None
    if point is not None and score is not None and point.model.version != score.model.version:
        model = {"before": point.model.version, "after": score.model.version}
    params = scoring_model_params(score.model if score is not None else scoring_model_active())
    causes = items_causes(item_ids=[item.pk], since=since, until=now, params=params, model=model)[
        item.pk
    ]
    before = None if point is None else _history_result(point)
    after = None if score is None else item_score_result(score)
    split = None
    if before is not None and after is not None:
        split = engine.split_change(before, after)
    score_before = None if point is None else point.score
    score_after = None if score is None else score.score
    texts = why.causes_texts(causes)
    return {
        "since": since,
        "score_before": score_before,
        "score_after": score_after,
        "position_before": None if point is None else point.position,
        "position_after": item_positions(item_ids=[item.pk]).get(item.pk),
        "main_driver": None if split is None else split.main_driver,
        "terms": {} if split is None else dict(split.terms),
        "deltas": {} if split is None else dict(split.deltas),
        "causes": causes,
        "summary": "; ".join(texts)
        if texts
        else (_("no input changed") if score_before != score_after else _("no change")),
    }


class ScoreHistoryRow(TypedDict):
    computed_at: datetime
    model_version: int
    score: float | None
    position: int | None
    reach: float | None
    impact: float | None
    confidence: float
    effort: float | None


class ItemScoreRead(TypedDict):
    """What `items/{id}/score/` shows, read in one query (`item_score_read`): the same
    values as `item_score_detail` without `change`; `generation` is the read generation
    (config.generations) seen by the same statement, when asked for."""

    item: int
    title: str
    status: str
    dirty: bool
    explanation: ItemExplanation | None
    history: list[ScoreHistoryRow]
    generation: int | None


def _aware(value: Any) -> datetime:
    # PostgreSQL gives aware datetimes; SQLite, through a raw cursor, naive UTC ones (or
    # their text).
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _json(value: Any) -> Any:
    # PostgreSQL's jsonb arrives decoded; SQLite's JSON, through a raw cursor, as text.
    return json.loads(value) if isinstance(value, str) else value


def item_score_read(
    *, item_id: int, history_limit: int = 100, with_generation: bool = False
) -> ItemScoreRead | None:
    """An item's score, explanation, pending mark and recent history (None when there is
    no such item), as `item_score_detail` gives them, in one query: the item, its score
    and its model (version and parameters), its live position, its dirty mark and its
    history joined, one row per history point. An item with evidence links costs two
    more, for the inputs of the contributors that the engine computes.

    With `with_generation`, the same statement reads the read generation too (one index
    lookup), so a view without a validator to compare can label the body with an ETag
    without a query of its own: read in the body's snapshot, the generation is never newer
    than the body (config.generations)."""
    q = connection.ops.quote_name
    table = {
        name: q(model._meta.db_table)
        for name, model in (
            ("item", RoadmapItem),
            ("score", ItemScore),
            ("model", ScoringModel),
            ("history", ScoreHistory),
            ("dirty", DirtyItem),
            ("report_link", ReportLink),
            ("signal_link", SignalLink),
        )
    }
    params = ", ".join(f"m.{q(name)}" for name in MODEL_PARAM_FIELDS)
    generation = "NULL"
    if with_generation:
        generation = generation_sql()
    sql = (
        "SELECT i.id, i.title, i.status, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {table['dirty']} d WHERE d.item_id = i.id), "
        f"EXISTS (SELECT 1 FROM {table['report_link']} rl WHERE rl.item_id = i.id) "
        f"OR EXISTS (SELECT 1 FROM {table['signal_link']} sl WHERE sl.item_id = i.id), "
        "s.item_id, s.model_id, m.version, s.score, s.reach, s.reach_product, "
        "s.reach_marketing, s.impact, s.impact_product, s.impact_marketing, s.confidence, "
        "s.confidence_product, s.evidence, s.effort, s.effort_estimate, s.missing, "
        "s.signal_count, s.report_count, s.computed_at, "
        # The live position (score desc, then item id) without numbering the ranking.
        f"CASE WHEN s.rankable THEN (SELECT COUNT(*) FROM {table['score']} r "
        "WHERE r.rankable AND (r.score > s.score OR (r.score = s.score "
        "AND r.item_id <= s.item_id))) END, "
        "h.computed_at, hm.version, h.score, h.position, h.reach, h.impact, h.confidence, "
        f"h.effort, {generation}, {params} FROM {table['item']} i "
        f"LEFT JOIN {table['score']} s ON s.item_id = i.id "
        f"LEFT JOIN {table['model']} m ON m.id = s.model_id "
        f"LEFT JOIN {table['history']} h ON h.item_id = i.id "
        f"LEFT JOIN {table['model']} hm ON hm.id = h.model_id "
        "WHERE i.id = %s ORDER BY h.computed_at DESC, h.id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [item_id, history_limit])
        rows = cursor.fetchall()
    if not rows:
        return None
    first = rows[0]
    explanation = None
    if first[5] is not None:
        missing = first[20]
        computed_at = _aware(first[23])
        result = engine.ScoreResult(
            score=first[8],
            reach=engine.ReachParts(value=first[9], product=first[10], marketing=first[11]),
            impact=engine.ImpactParts(value=first[12], product=first[13], marketing=first[14]),
            confidence=engine.ConfidenceParts(
                value=first[15], product=first[16], evidence=first[17]
            ),
            effort=engine.EffortParts(value=first[18], estimate=first[19]),
            missing=tuple(json.loads(missing) if isinstance(missing, str) else missing),
            signal_count=first[21],
            report_count=first[22],
        )
        top: tuple[tuple[engine.Contributor, ...], tuple[engine.Contributor, ...]] = ((), ())
        if first[4]:
            values = dict(zip(MODEL_PARAM_FIELDS, first[34:], strict=True))
            values["kind_weights"] = _json(values["kind_weights"])
            values["segment_weights"] = _json(values["segment_weights"])
            model = ScoringModel(pk=first[6], version=first[7], **values)
            reports, signals = item_inputs(item_id=item_id)
            top = engine.contributors(reports, signals, scoring_model_params(model), computed_at)
        explanation = ItemExplanation(
            **engine.explanation(
                result, computed_at=computed_at, model_version=first[7], contributors=top
            ),
            position=first[24],
        )
    return {
        "item": first[0],
        "title": first[1],
        "status": first[2],
        "dirty": bool(first[3]),
        "explanation": explanation,
        "history": [
            {
                "computed_at": _aware(row[25]),
                "model_version": row[26],
                "score": row[27],
                "position": row[28],
                "reach": row[29],
                "impact": row[30],
                "confidence": row[31],
                "effort": row[32],
            }
            for row in rows
            if row[25] is not None
        ],
        "generation": (first[33] or 0) if with_generation else None,
    }
