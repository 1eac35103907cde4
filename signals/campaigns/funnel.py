"""The derived figures of campaign funnels, one definition each. Pure: no Django, no I/O.

A funnel has seven stages, each a count of people that may be unknown (None):

    impressions ≥ clicks ≥ sign_ups ≥ activated ≥ paid ≥ retained_30 ≥ retained_90

Counts must not grow down the funnel: each known stage is at most the nearest known stage
above it (`funnel_order_errors`).

Rates (each the share of one stage that reached the next; `RATES` names them):

    click-through  = clicks      / impressions
    sign-up        = sign_ups    / clicks
    activation     = activated   / sign_ups
    paid           = paid        / activated
    retention 30 d = retained_30 / paid
    retention 90 d = retained_90 / paid

A rate is "not enough data" when either count is unknown or the denominator is 0 (never a
division by zero). Its 95 % interval is Wilson's score interval, z = 1.959963984540054:

    centre = (p̂ + z²/2n) / (1 + z²/n)
    half   = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²)
    [centre − half, centre + half], clipped to [0, 1]

Money (one currency per figure; the caller never mixes currencies):

    CAC            = spend / paid customers                (paid = 0: not enough data)
    monthly margin = ARPA × gross margin                   (ARPA: revenue per account a month)
                     or, without ARPA, LTV × monthly churn
    payback months = CAC / monthly margin
    LTV            = the outcomes' `ltv` KPI of the segment, else ARPA × gross margin / churn
    LTV/CAC        = LTV / CAC

Friction (`stage_drop`): a stage's conversion p₁ = x₁/n₁ in one period against its baseline
p₀ = x₀/n₀ (the campaign's own earlier periods, else the channel's), with the pooled
two-proportion z-test

    p̄ = (x₁ + x₀) / (n₁ + n₀),   z = (p₁ − p₀) / √(p̄(1 − p̄)(1/n₁ + 1/n₀))

The drop is significant when z ≤ −2.326 (one-sided, α = 0.01), both n₁ and n₀ are at
least 30, and the relative drop d is at least 10 % (with tens of thousands of people a
drop of half a point is "significant" and still not worth a report).

People lost = (p₀ − p₁) · n₁; relative drop d = (p₀ − p₁) / p₀, mapped to the RICE impact
scale by `severity_of`: d ≥ 0.5 → 3, ≥ 0.3 → 2, ≥ 0.15 → 1, ≥ 0.05 → 0.5,
otherwise 0.25.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

STAGES: Final = (
    "impressions",
    "clicks",
    "sign_ups",
    "activated",
    "paid",
    "retained_30",
    "retained_90",
)

# name → (numerator stage, denominator stage)
RATES: Final[dict[str, tuple[str, str]]] = {
    "click_through": ("clicks", "impressions"),
    "sign_up": ("sign_ups", "clicks"),
    "activation": ("activated", "sign_ups"),
    "paid": ("paid", "activated"),
    "retention_30": ("retained_30", "paid"),
    "retention_90": ("retained_90", "paid"),
}

Z_95: Final = 1.959963984540054
# One-sided α = 0.01: the drop must be this many standard errors below the baseline.
Z_THRESHOLD: Final = -2.326
# Below this many people on either side, a rate is too noisy to test.
MIN_TRIALS: Final = 30
# Below this relative drop, a statistically significant fall is not worth proposing.
MIN_RELATIVE_DROP: Final = 0.10

Reason = Literal["unknown", "no_people"]


@dataclass(frozen=True)
class Rate:
    """successes / trials with its Wilson 95 % interval; `value` is None when there is not
    enough data, and `reason` says why ("unknown": a count is missing; "no_people": 0 of 0)."""

    successes: int | None
    trials: int | None
    value: float | None
    low: float | None
    high: float | None
    reason: Reason | None = None

    @property
    def enough(self) -> bool:
        return self.value is not None


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson's score interval for successes/trials (trials > 0), clipped to [0, 1]."""
    if trials <= 0:
        raise ValueError("trials must be positive")
    if not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and trials")
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    # At 0 and at n the bound is exactly 0 or 1; rounding must not leave 0.9999999999999999.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def rate(successes: int | None, trials: int | None) -> Rate:
    """successes / trials, or "not enough data" (never a division by zero)."""
    if successes is None or trials is None:
        return Rate(successes, trials, None, None, None, "unknown")
    if trials == 0:
        return Rate(successes, trials, None, None, None, "no_people")
    # Clipped: counts that grew down the funnel were refused on write.
    successes = min(successes, trials)
    low, high = wilson_interval(successes, trials)
    return Rate(successes, trials, successes / trials, low, high)


def funnel_rates(counts: Mapping[str, int | None]) -> dict[str, Rate]:
    """Every rate of RATES for one funnel (missing stages are unknown)."""
    return {
        name: rate(counts.get(top), counts.get(bottom)) for name, (top, bottom) in RATES.items()
    }


def funnel_order_errors(counts: Mapping[str, int | None]) -> dict[str, str]:
    """For each stage larger than the nearest known stage above it, why: {stage: message}.
    Empty when the funnel never grows downwards (unknown stages are skipped)."""
    errors: dict[str, str] = {}
    above: tuple[str, int] | None = None
    for stage in STAGES:
        value = counts.get(stage)
        if value is None:
            continue
        if above is not None and value > above[1]:
            errors[stage] = (
                f"{_label(stage)} ({value:,}) cannot exceed {_label(above[0])} "
                f"({above[1]:,}): a funnel never grows downwards."
            )
            continue  # compare the next stage with the last consistent one
        above = (stage, value)
    return errors


def _label(stage: str) -> str:
    return stage.replace("_", "-" if stage == "sign_ups" else " ")


def cac(spend: float, paid: int | None) -> float | None:
    """Customer acquisition cost: spend / paid customers; None when nobody paid or unknown."""
    if paid is None or paid <= 0 or spend < 0 or not math.isfinite(spend):
        return None
    return spend / paid


def monthly_margin(
    *, arpa: float | None, gross_margin: float | None, ltv: float | None, churn: float | None
) -> float | None:
    """Gross margin one account brings a month: ARPA × gross margin, else LTV × churn."""
    if arpa is not None and gross_margin is not None:
        return arpa * gross_margin
    if ltv is not None and churn is not None:
        return ltv * churn
    return None


def ltv_from_settings(
    *, arpa: float | None, gross_margin: float | None, churn: float | None
) -> float | None:
    """ARPA × gross margin / monthly churn; None when one is missing or churn is 0."""
    if arpa is None or gross_margin is None or churn is None or churn <= 0:
        return None
    return arpa * gross_margin / churn


def payback_months(cac_value: float | None, margin: float | None) -> float | None:
    """Months of margin that repay the acquisition cost; None without both or margin ≤ 0."""
    if cac_value is None or margin is None or margin <= 0:
        return None
    return cac_value / margin


def ltv_to_cac(ltv: float | None, cac_value: float | None) -> float | None:
    """LTV / CAC; None without both or when CAC is 0 (free customers: no ratio)."""
    if ltv is None or cac_value is None or cac_value <= 0:
        return None
    return ltv / cac_value


@dataclass(frozen=True)
class Drop:
    """A stage's conversion against its baseline, and what the test says about it."""

    rate: float  # p₁
    baseline: float  # p₀
    trials: int  # n₁
    baseline_trials: int  # n₀
    z: float
    significant: bool
    people_lost: int  # round((p₀ − p₁) · n₁), 0 when not below baseline
    relative_drop: float  # (p₀ − p₁) / p₀, 0 when not below baseline

    @property
    def severity(self) -> float:
        return severity_of(self.relative_drop)


def stage_drop(
    successes: int, trials: int, baseline_successes: int, baseline_trials: int
) -> Drop | None:
    """The pooled two-proportion z-test of successes/trials against the baseline; None
    when either side has fewer than MIN_TRIALS people or the pooled rate is 0 or 1 (no
    variance: nothing to test)."""
    if trials < MIN_TRIALS or baseline_trials < MIN_TRIALS:
        return None
    successes = min(max(successes, 0), trials)
    baseline_successes = min(max(baseline_successes, 0), baseline_trials)
    p1 = successes / trials
    p0 = baseline_successes / baseline_trials
    pooled = (successes + baseline_successes) / (trials + baseline_trials)
    variance = pooled * (1 - pooled) * (1 / trials + 1 / baseline_trials)
    if variance <= 0:
        return None
    z = (p1 - p0) / math.sqrt(variance)
    below = p1 < p0
    relative = (p0 - p1) / p0 if below else 0.0
    return Drop(
        rate=p1,
        baseline=p0,
        trials=trials,
        baseline_trials=baseline_trials,
        z=z,
        significant=z <= Z_THRESHOLD and relative >= MIN_RELATIVE_DROP,
        people_lost=round((p0 - p1) * trials) if below else 0,
        relative_drop=relative,
    )


# (lowest relative drop, RICE impact), highest first.
SEVERITY_STEPS: Final = ((0.5, 3.0), (0.3, 2.0), (0.15, 1.0), (0.05, 0.5))


def severity_of(relative_drop: float) -> float:
    """The RICE impact of a relative drop (see the module docstring)."""
    for threshold, impact in SEVERITY_STEPS:
        if relative_drop >= threshold:
            return impact
    return 0.25


def per_quarter(people: int, period_days: int) -> int:
    """People over a period of `period_days` days, as people per quarter (friction reports
    count people per quarter): people × (365.25 / 4) / days."""
    if period_days <= 0:
        raise ValueError("a period lasts at least one day")
    return round(people * 91.3125 / period_days)


def overlap_days(start: int, end: int, window_start: int, window_end: int) -> int:
    """Days (as ordinals, both ends included) that [start, end] shares with the window."""
    return max(0, min(end, window_end) - max(start, window_start) + 1)


def prorated_spend(spend: float, start: int, end: int, window_start: int, window_end: int) -> float:
    """A campaign's spend spread evenly over its days (ordinals, both ends included), the
    share that falls in the window."""
    days = end - start + 1
    if days <= 0:
        return 0.0
    return spend * overlap_days(start, end, window_start, window_end) / days


# High volume and low activation, "volume without value": a channel bringing at least
# this share of all sign-ups in the period ...
VOLUME_SHARE: Final = 0.25
# ... whose activation rate is under this fraction of the rate over all channels.
LOW_ACTIVATION_RATIO: Final = 0.5


def volume_without_value(
    *, sign_ups: int, all_sign_ups: int, activation: float | None, overall: float | None
) -> bool:
    """A channel brings many sign-ups (≥ VOLUME_SHARE of all) who rarely activate (its
    activation rate < LOW_ACTIVATION_RATIO × the rate over all channels)."""
    if all_sign_ups <= 0 or activation is None or overall is None or overall <= 0:
        return False
    return sign_ups / all_sign_ups >= VOLUME_SHARE and activation < LOW_ACTIVATION_RATIO * overall
