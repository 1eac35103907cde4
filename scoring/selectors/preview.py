"""What-if: the ranking candidate parameters would give, beside the active model's."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.utils import timezone

from roadmap.models import RoadmapItem
from scoring import engine
from scoring.selectors.evidence import item_estimates, item_evidence_sums
from scoring.selectors.scoring_models import scoring_model_active, scoring_model_params

PARAM_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(engine.Params))


# Parameters that enter the evidence sums computed in SQL; the others apply afterwards.
_SUM_PARAMS = ("half_life_days", "kind_weights", "segment_weights")


def scoring_model_candidate(
    *, params: Mapping[str, Any], base: engine.Params | None = None
) -> engine.Params:
    """`base` (the active model's parameters by default) with `params` laid over it (a
    mapping replaces the whole mapping), validated; ValidationError names each invalid
    field."""
    unknown = sorted(set(params) - set(PARAM_NAMES))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Unknown parameter."))
    if base is None:
        base = scoring_model_params(scoring_model_active())
    candidate = dataclasses.replace(base, **params)
    problems = candidate.errors()
    if problems:
        raise ValidationError(problems)
    return candidate


def _ranked_positions(
    estimates: Mapping[int, tuple[engine.Estimates, str]],
    sums: Mapping[int, engine.EvidenceSums],
    params: engine.Params,
) -> dict[int, tuple[int, float]]:
    empty = engine.EvidenceSums()
    candidates = [
        (
            item_id,
            engine.score_from_sums(item_estimates, sums.get(item_id, empty), params).score,
            status,
        )
        for item_id, (item_estimates, status) in estimates.items()
    ]
    return {entry.item_id: (entry.position, entry.score) for entry in engine.rank(candidates)}


class PreviewRow(TypedDict):
    item: int
    title: str
    position: int
    score: float | None
    active_position: int | None
    active_score: float | None
    change: int | None  # places gained (positive) against the active model


class DroppedRow(TypedDict):
    item: int
    title: str
    active_position: int
    active_score: float | None


class ModelPreview(TypedDict):
    """What scoring_model_preview returns (the API's ScoringModelPreviewSerializer)."""

    base_model_version: int
    computed_at: datetime
    parameters: dict[str, Any]
    count: int
    limit: int
    results: list[PreviewRow]
    dropped_count: int
    dropped: list[DroppedRow]


def scoring_model_preview(
    *, params: Mapping[str, Any], limit: int = 50, now: datetime | None = None
) -> ModelPreview:
    """The ranking that `params` (over the active model) would give, next to the active
    model's, both computed in memory at the same instant. Writes nothing.

    Both sides are computed now, from the same inputs, so every change in position is due
    to the parameters alone, not to decay or to a recomputation still pending. A constant
    number of queries whatever the number of items: the active model, the estimates, the
    evidence sums (twice when the candidate changes a parameter that enters them), and the
    titles of the rows returned.
    """
    now = now or timezone.now()
    active = scoring_model_active()
    active_params = scoring_model_params(active)
    candidate = scoring_model_candidate(params=params, base=active_params)
    estimates = item_estimates()
    active_sums = item_evidence_sums(params=active_params, now=now)
    same_sums = all(getattr(candidate, n) == getattr(active_params, n) for n in _SUM_PARAMS)
    candidate_sums = active_sums if same_sums else item_evidence_sums(params=candidate, now=now)
    before = _ranked_positions(estimates, active_sums, active_params)
    after = _ranked_positions(estimates, candidate_sums, candidate)

    ordered = sorted(after.items(), key=lambda row: row[1][0])[:limit]
    dropped = sorted(
        ((item_id, row) for item_id, row in before.items() if item_id not in after),
        key=lambda row: row[1][0],
    )
    titles = dict(
        RoadmapItem.objects.filter(
            pk__in=[item_id for item_id, _ in ordered] + [item_id for item_id, _ in dropped[:limit]]
        ).values_list("id", "title")
    )
    results: list[PreviewRow] = []
    for item_id, (position, score) in ordered:
        active_position = before[item_id][0] if item_id in before else None
        results.append(
            {
                "item": item_id,
                "title": titles.get(item_id, ""),
                "position": position,
                "score": score,
                "active_position": active_position,
                "active_score": before[item_id][1] if item_id in before else None,
                "change": None if active_position is None else active_position - position,
            }
        )
    return {
        "base_model_version": active.version,
        "computed_at": now,
        "parameters": _params_json(candidate),
        "count": len(after),
        "limit": limit,
        "results": results,
        "dropped_count": len(dropped),
        "dropped": [
            {
                "item": item_id,
                "title": titles.get(item_id, ""),
                "active_position": position,
                "active_score": score,
            }
            for item_id, (position, score) in dropped[:limit]
        ],
    }


def _params_json(params: engine.Params) -> dict[str, Any]:
    data = {name: getattr(params, name) for name in PARAM_NAMES}
    data["kind_weights"] = dict(params.kind_weights)
    data["segment_weights"] = dict(params.segment_weights)
    return data
