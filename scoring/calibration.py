"""Calibration: what an item's score assumed when it shipped, against what its outcomes
measured afterwards. Pure functions over plain values (no Django, no clock), so every
number of `GET /api/v1/calibration/` can be redone by hand; scoring.selectors feeds them.

The method (README, "Calibration"):

- **Assumed** reach and impact: the item's score when it shipped (its last score-history
  point at or before the change to `shipped`; its current score when there is none), with
  reach's parts, product's estimate R_p and marketing's measurement R_m.
- **Measured reach**: the people its outcomes cover, each outcome's `people_measured`
  brought to a quarter (× 91.25 / the period's days, both ends included), summed over the
  outcomes that give one. None when none does.
- **Measured impact**: each outcome's lift (the relative change of its KPI in the good
  direction: a fall of churn is a gain) on the RICE scale, averaged over the outcomes:
  lift ≥ 50 % → 3, ≥ 25 % → 2, ≥ 10 % → 1, ≥ 5 % → 0.5, otherwise (a smaller gain, no
  change or a loss) 0.25, the bottom of the scale.
- **Ratios** measured / assumed for reach and impact, and for the score: outcomes
  measure neither confidence nor effort, so the measured score keeps the assumed ones
  and its ratio is reach ratio × impact ratio. An item is *calibrated* when that score
  ratio exists (both measured, both assumed and greater than 0).
- **Groups** (an owner, a theme, a team) aggregate ratios by their geometric mean, the
  right mean for ratios (×2 and ×0.5 average to ×1), with the count of items behind it.
- **Suggested confidence multiplier** of an owner: the geometric mean of the score ratios
  of their calibrated items not used by an earlier calibration, clamped to [0.5, 1] and
  rounded to two decimals, once they have at least 2 such items. Calibration only ever
  lowers confidence: an estimate that proved pessimistic is no reason for more certainty,
  and the evidence already raises confidence where it is due.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

QUARTER_DAYS = 91.25
# (smallest lift, RICE impact), largest first; below the last step: MIN_IMPACT.
IMPACT_STEPS: tuple[tuple[float, float], ...] = ((0.5, 3.0), (0.25, 2.0), (0.10, 1.0), (0.05, 0.5))
MIN_IMPACT = 0.25
MIN_MULTIPLIER = 0.5
MAX_MULTIPLIER = 1.0
MIN_CALIBRATED_ITEMS = 2


@dataclass(frozen=True)
class MeasuredOutcome:
    """One outcome as the calibration reads it."""

    lift: float  # relative change in the good direction; ±inf from a baseline of 0
    period_days: int  # both ends included, so at least 1
    people: int | None


@dataclass(frozen=True)
class Assumed:
    """An item's score factors when it shipped."""

    reach: float | None
    reach_product: float | None
    reach_marketing: float | None
    impact: float | None


@dataclass(frozen=True)
class ItemCalibration:
    reach: float | None  # measured, people per quarter
    impact: float | None  # measured, on the RICE scale
    reach_ratio: float | None
    impact_ratio: float | None
    score_ratio: float | None
    product_reach_ratio: float | None  # measured reach / R_p
    marketing_reach_ratio: float | None  # measured reach / R_m

    @property
    def calibrated(self) -> bool:
        return self.score_ratio is not None


@dataclass(frozen=True)
class RatioSummary:
    items: int  # items with at least one ratio
    reach_ratio: float | None
    impact_ratio: float | None
    score_ratio: float | None
    calibrated_items: int  # items with a score ratio


def impact_of_lift(lift: float) -> float:
    """A lift on the RICE impact scale (a loss counts as no gain)."""
    for threshold, impact in IMPACT_STEPS:
        if lift >= threshold:
            return impact
    return MIN_IMPACT


def measured_reach(outcomes: Iterable[MeasuredOutcome]) -> float | None:
    """People per quarter over the outcomes that count people; None if none does."""
    per_quarter = [
        o.people * QUARTER_DAYS / max(o.period_days, 1) for o in outcomes if o.people is not None
    ]
    return sum(per_quarter) if per_quarter else None


def measured_impact(outcomes: Iterable[MeasuredOutcome]) -> float | None:
    """The mean of the outcomes' lifts on the RICE scale; None without outcomes."""
    impacts = [impact_of_lift(o.lift) for o in outcomes]
    return sum(impacts) / len(impacts) if impacts else None


def ratio(measured: float | None, assumed: float | None) -> float | None:
    """measured / assumed, when both exist and the assumption is greater than 0."""
    if measured is None or assumed is None or not assumed > 0:
        return None
    return measured / assumed


def calibrate_item(assumed: Assumed, outcomes: Sequence[MeasuredOutcome]) -> ItemCalibration:
    reach = measured_reach(outcomes)
    impact = measured_impact(outcomes)
    reach_ratio = ratio(reach, assumed.reach)
    impact_ratio = ratio(impact, assumed.impact)
    score_ratio = (
        reach_ratio * impact_ratio if reach_ratio is not None and impact_ratio is not None else None
    )
    return ItemCalibration(
        reach=reach,
        impact=impact,
        reach_ratio=reach_ratio,
        impact_ratio=impact_ratio,
        score_ratio=score_ratio,
        product_reach_ratio=ratio(reach, assumed.reach_product),
        marketing_reach_ratio=ratio(reach, assumed.reach_marketing),
    )


def geometric_mean(values: Iterable[float]) -> float | None:
    """The geometric mean of ratios (0 when one of them is 0); None without any."""
    numbers = list(values)
    if not numbers:
        return None
    if any(value <= 0 for value in numbers):
        return 0.0
    return math.exp(sum(math.log(value) for value in numbers) / len(numbers))


def summarize(calibrations: Iterable[ItemCalibration]) -> RatioSummary:
    rows = [
        c
        for c in calibrations
        if c.reach_ratio is not None or c.impact_ratio is not None or c.calibrated
    ]
    return RatioSummary(
        items=len(rows),
        reach_ratio=geometric_mean(c.reach_ratio for c in rows if c.reach_ratio is not None),
        impact_ratio=geometric_mean(c.impact_ratio for c in rows if c.impact_ratio is not None),
        score_ratio=geometric_mean(c.score_ratio for c in rows if c.score_ratio is not None),
        calibrated_items=sum(1 for c in rows if c.calibrated),
    )


def suggested_multiplier(score_ratios: Sequence[float]) -> float | None:
    """The confidence multiplier the score ratios of an owner's (not yet used) calibrated
    items suggest, or None with fewer than MIN_CALIBRATED_ITEMS of them."""
    if len(score_ratios) < MIN_CALIBRATED_ITEMS:
        return None
    mean = geometric_mean(score_ratios)
    assert mean is not None
    return min(MAX_MULTIPLIER, max(MIN_MULTIPLIER, round(mean, 2)))


def calibrated_confidence(confidence: float, multiplier: float) -> float:
    """A confidence times the multiplier, rounded to 4 decimals (still within 0 to 1)."""
    return min(1.0, max(0.0, round(confidence * multiplier, 4)))
