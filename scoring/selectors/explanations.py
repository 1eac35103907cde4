"""An item's score explained (SCORING.md, "Explanation"), with its contributors."""

from __future__ import annotations

from typing import Any

from roadmap.models import RoadmapItem
from scoring import engine
from scoring.models import (
    ItemScore,
)
from scoring.selectors.evidence import item_inputs
from scoring.selectors.scores import (
    item_is_dirty,
    item_positions,
    item_score_history,
    item_score_result,
)
from scoring.selectors.scoring_models import scoring_model_params


def item_explanation(*, item: RoadmapItem) -> dict[str, object] | None:
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
    data["position"] = item_positions(item_ids=[item.pk]).get(item.pk)
    return data


def item_score_detail(*, item: RoadmapItem, history_limit: int = 100) -> dict[str, Any]:
    """Everything about an item's score: the explanation of SCORING.md (None when the item
    was never scored), whether a recomputation is pending, and its recent history."""
    explanation = item_explanation(item=item)
    return {
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
