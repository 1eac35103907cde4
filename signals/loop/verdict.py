"""The verdict of an expected result against what was measured. Pure (no database).

The rule (stated on the pages and in the API): the achieved lift is the relative change
from the outcome's baseline to its measured value in the KPI's good direction
(signals.kpis.ranges.kpi_lift); the expected lift is the one the plan states, or the
change from the same baseline to the expected value.

- met: achieved ≥ 100 % of the expected lift;
- partly: achieved ≥ 50 % of it;
- missed: below 50 % (or a loss);
- not measured yet: no outcome of that KPI (and segment or channel, when the expectation
  names one) has been recorded for the item.

An expected value no better than the baseline is met when the measured value is at least
as good as it, missed otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from signals.kpis.ranges import kpi_lift

MET_SHARE = 1.0
PARTLY_SHARE = 0.5


class Verdict(StrEnum):
    MET = "met"
    PARTLY = "partly"
    MISSED = "missed"
    NOT_MEASURED = "not_measured"


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    expected_lift: float | None
    achieved_lift: float | None
    share: float | None  # achieved / expected, when both are finite and expected > 0


def judge(
    *,
    kpi: str,
    expected_value: float | None,
    expected_lift: float | None,
    baseline: float | None,
    measured: float | None,
) -> Judgement:
    """The verdict of one expectation against one measurement (None: not measured)."""
    if baseline is None or measured is None:
        return Judgement(Verdict.NOT_MEASURED, expected_lift, None, None)
    achieved = kpi_lift(kpi, baseline, measured)
    target = expected_lift if expected_lift is not None else None
    if target is None:
        if expected_value is None:
            return Judgement(Verdict.NOT_MEASURED, None, achieved, None)
        target = kpi_lift(kpi, baseline, expected_value)
    if target <= 0:
        # Expected no better than the baseline: hold the line.
        return Judgement(
            Verdict.MET if achieved >= target else Verdict.MISSED, target, achieved, None
        )
    if math.isinf(target):
        verdict = Verdict.MET if math.isinf(achieved) and achieved > 0 else Verdict.MISSED
        return Judgement(verdict, target, achieved, None)
    share = math.inf if math.isinf(achieved) and achieved > 0 else achieved / target
    if share >= MET_SHARE:
        verdict = Verdict.MET
    elif share >= PARTLY_SHARE:
        verdict = Verdict.PARTLY
    else:
        verdict = Verdict.MISSED
    return Judgement(verdict, target, achieved, None if math.isinf(share) else share)
