"""Explanations: what moved a score between two results (`split_change`) and the
explanation of SCORING.md as plain data."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import NotRequired, TypedDict

from scoring.engine.params import FACTORS
from scoring.engine.score import Contributor, ScoreResult, _require_aware


@dataclass(frozen=True)
class ChangeSplit:
    """How a score moved between two computations of one item.

    ``terms`` hold ln(R2/R1), ln(I2/I1), ln(C2/C1) and -ln(E2/E1), so they sum to
    ln(S2/S1); they are empty unless both scores are > 0. ``deltas`` hold after - before
    for every factor defined on both sides.
    """

    terms: Mapping[str, float]
    main_driver: str | None
    deltas: Mapping[str, float]


def _factor_values(result: ScoreResult) -> dict[str, float | None]:
    return {
        "reach": result.reach.value,
        "impact": result.impact.value,
        "confidence": result.confidence.value,
        "effort": result.effort.value,
    }


def _largest(magnitudes: Mapping[str, float]) -> str | None:
    # Ties go to the earlier factor in FACTORS order; no movement means no driver.
    driver, largest = None, 0.0
    for name in FACTORS:
        magnitude = abs(magnitudes.get(name, 0.0))
        if magnitude > largest:
            driver, largest = name, magnitude
    return driver


def _relative_change(before: float | None, after: float | None) -> float:
    """|after - before| / |before|; a factor appearing, vanishing or leaving 0 is infinite."""
    if before is None or after is None:
        return 0.0 if before is after else math.inf
    if before == 0:
        return 0.0 if after == 0 else math.inf
    return abs(after - before) / abs(before)


def _log_terms(
    old: Mapping[str, float | None], new: Mapping[str, float | None]
) -> dict[str, float] | None:
    """ln(new/old) per factor, effort negated; None when a ratio has no logarithm."""
    terms: dict[str, float] = {}
    for name in FACTORS:
        old_value, new_value = old[name], new[name]
        if old_value is None or new_value is None or old_value <= 0 or new_value <= 0:
            return None
        terms[name] = math.log(new_value / old_value)
    # Effort divides the score, so a larger effort is a negative share of the move.
    terms["effort"] = -terms["effort"]
    return terms


def split_change(before: ScoreResult, after: ScoreResult) -> ChangeSplit:
    """Attribute a score change to its factors (SCORING.md, "Explanation").

    When both scores are > 0 the split is exact in logs and the main driver is the largest
    term. Otherwise logs are undefined and the contract asks for deltas alone; the main
    driver is then the factor with the largest relative change, where a factor that
    becomes defined, becomes undefined or leaves 0 counts as an infinite change (it is
    what made the item scored, unscored or non-zero). Ties go to the earlier factor.
    """
    old, new = _factor_values(before), _factor_values(after)
    deltas: dict[str, float] = {}
    for name in FACTORS:
        old_value, new_value = old[name], new[name]
        if old_value is not None and new_value is not None:
            deltas[name] = new_value - old_value

    both_positive = (
        before.score is not None
        and after.score is not None
        and before.score > 0
        and after.score > 0
    )
    if both_positive and (terms := _log_terms(old, new)) is not None:
        return ChangeSplit(
            terms=MappingProxyType(terms),
            main_driver=_largest(terms),
            deltas=MappingProxyType(deltas),
        )

    relative = {name: _relative_change(old[name], new[name]) for name in FACTORS}
    return ChangeSplit(
        terms=MappingProxyType({}),
        main_driver=_largest(relative),
        deltas=MappingProxyType(deltas),
    )


class ContributorJson(TypedDict):
    id: int
    weight: float
    share: float


class ContributorsJson(TypedDict):
    reports: list[ContributorJson]
    signals: list[ContributorJson]


class Explanation(TypedDict):
    """The JSON-ready explanation of a score (SCORING.md, "Explanation")."""

    computed_at: str  # ISO 8601, UTC
    model_version: int
    score: float | None
    reach: dict[str, float | None]  # value, product, marketing
    impact: dict[str, float | None]  # value, product, marketing
    confidence: dict[str, float]  # value, product, evidence
    effort: dict[str, float | None]  # value, estimate
    missing: list[str]
    counts: dict[str, int]  # reports, signals
    contributors: NotRequired[ContributorsJson]


def _contributor_json(contributor: Contributor) -> ContributorJson:
    return {"id": contributor.id, "weight": contributor.weight, "share": contributor.share}


def explanation(
    result: ScoreResult,
    *,
    computed_at: datetime,
    model_version: int,
    contributors: tuple[tuple[Contributor, ...], tuple[Contributor, ...]] | None = None,
) -> Explanation:
    """Build the JSON-ready explanation stored with every score.

    It repeats every part of the computation so that a reader can redo the arithmetic
    from the explanation alone, and ``computed_at`` is normalised to UTC so that stored
    explanations compare as text.
    """
    _require_aware(computed_at, "computed_at")
    data: Explanation = {
        "computed_at": computed_at.astimezone(UTC).isoformat(),
        "model_version": model_version,
        "score": result.score,
        # The parts' field names are the explanation's keys, so asdict keeps them in step.
        "reach": asdict(result.reach),
        "impact": asdict(result.impact),
        "confidence": asdict(result.confidence),
        "effort": asdict(result.effort),
        "missing": list(result.missing),
        "counts": {"reports": result.report_count, "signals": result.signal_count},
    }
    if contributors is not None:
        reports, signals = contributors
        data["contributors"] = {
            "reports": [_contributor_json(contributor) for contributor in reports],
            "signals": [_contributor_json(contributor) for contributor in signals],
        }
    return data
