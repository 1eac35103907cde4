"""What the KPIs of outcomes mean: their valid range and which direction is good.

Pure functions (no database): the outcome's validation, the shared KPIs and the
calibration of estimates (scoring) all read them from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from signals.choices import Kpi

# Values beyond this are typos, and products of them must stay finite doubles.
MAX_ABS_VALUE = 1e15


@dataclass(frozen=True)
class KpiRange:
    minimum: float
    maximum: float
    lower_is_better: bool = False
    unit: str = ""


RATE = KpiRange(0.0, 1.0, unit="a fraction from 0 to 1 (0.42 for 42 %)")
KPI_RANGES: dict[str, KpiRange] = {
    Kpi.ACTIVATION_RATE: RATE,
    Kpi.CONVERSION_RATE: RATE,
    Kpi.RETENTION: RATE,
    Kpi.CHURN: KpiRange(0.0, 1.0, lower_is_better=True, unit=RATE.unit),
    Kpi.NPS: KpiRange(-100.0, 100.0, unit="a score from -100 to 100"),
    Kpi.LTV: KpiRange(0.0, MAX_ABS_VALUE, unit="an amount of 0 or more"),
    Kpi.CUSTOM: KpiRange(-MAX_ABS_VALUE, MAX_ABS_VALUE, unit="a number"),
}
RATE_KPIS: tuple[str, ...] = (Kpi.ACTIVATION_RATE, Kpi.CONVERSION_RATE, Kpi.RETENTION, Kpi.CHURN)


def kpi_value_error(kpi: str, value: float) -> str | None:
    """Why `value` cannot be a value of `kpi`, or None when it can."""
    spec = KPI_RANGES.get(kpi)
    if spec is None:
        return None  # an unknown KPI is reported on the `kpi` field itself
    if not math.isfinite(value) or not spec.minimum <= value <= spec.maximum:
        label = dict(Kpi.choices)[kpi]
        return f"{label} is {spec.unit}; {value:g} is out of range."
    return None


def kpi_lift(kpi: str, baseline: float, measured: float) -> float:
    """The relative change from `baseline` to `measured` in the KPI's good direction:
    +0.2 is "20 % better" whether activation rose or churn fell. A move away from a
    baseline of 0 is ±infinity (better or worse by any ratio); no move is 0."""
    spec = KPI_RANGES.get(kpi)
    change = measured - baseline
    if spec is not None and spec.lower_is_better:
        change = -change
    if change == 0:
        return 0.0
    if baseline == 0:
        return math.copysign(math.inf, change)
    return change / abs(baseline)
