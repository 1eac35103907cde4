"""An item's score explained (SCORING.md, "Explanation"), with its contributors."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django.utils import timezone
from django.utils.translation import gettext as _

from roadmap.models import RoadmapItem
from scoring import engine, why
from scoring.models import (
    ItemScore,
    ScoreHistory,
)
from scoring.selectors.causes import ItemCauses, ModelChange, items_causes
from scoring.selectors.evidence import item_inputs
from scoring.selectors.scores import (
    item_is_dirty,
    item_positions,
    item_score_history,
    item_score_result,
)
from scoring.selectors.scoring_models import scoring_model_active, scoring_model_params


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
