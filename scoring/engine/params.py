"""The model's parameters and inputs: constants, `Params` with its validation, and the
frozen dataclasses the scoring core takes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

RICE_SCALE: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 3.0)
SIGNAL_KINDS: tuple[str, ...] = (
    "customer_request",
    "sales_feedback",
    "churn_reason",
    "support_ticket",
    "competitor_move",
    "market_trend",
    "usage_insight",
)
DEFAULT_KIND_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "customer_request": 1.0,
        "sales_feedback": 1.0,
        "churn_reason": 1.5,
        "support_ticket": 0.5,
        "competitor_move": 1.0,
        "market_trend": 0.5,
        "usage_insight": 1.0,
    }
)
RANKABLE_STATUSES: frozenset[str] = frozenset({"candidate", "planned", "in_progress"})
COUNTED_REPORT_STATUS = "open"
FACTORS: tuple[str, ...] = ("reach", "impact", "confidence", "effort")


def _default_kind_weights() -> Mapping[str, float]:
    return DEFAULT_KIND_WEIGHTS


def _no_segment_weights() -> Mapping[str, float]:
    return MappingProxyType({})


# Past 1,000 half-lives an input weighs less than 1e-301 and counts as 0: SQL (which
# computes the same sums) raises on floating-point underflow instead of rounding to 0.
MAX_HALF_LIVES = 1000.0
# Practical bounds on parameters, within SCORING.md's ranges: they keep every product of
# weights, decays and counts a finite, non-underflowing IEEE double.
MAX_WEIGHT = 1e6
MIN_NONZERO_WEIGHT = 1e-6


def _number_error(
    value: object, *, minimum: float, maximum: float | None = None, strict: bool = False
) -> str | None:
    """Return why ``value`` is not a valid parameter number, or None when it is.

    Parameters come from stored JSON and admin forms, so a wrong type is reported like a
    wrong value instead of raising.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "must be a finite number"
    if maximum is not None and not minimum <= value <= maximum:
        return f"must be between {minimum:g} and {maximum:g}"
    if strict and value <= minimum:
        return f"must be greater than {minimum:g}"
    if value < minimum:
        return f"must be {minimum:g} or more"
    return None


def _weight_error(value: object) -> str | None:
    message = _number_error(value, minimum=0.0, maximum=MAX_WEIGHT)
    if message is None and 0 < value < MIN_NONZERO_WEIGHT:  # type: ignore[operator]
        return f"must be 0 or at least {MIN_NONZERO_WEIGHT:g}"
    return message


def _weights_error(weights: object, *, known_keys: tuple[str, ...] | None) -> str | None:
    """Return every problem of a name -> weight mapping in one message, or None."""
    if not isinstance(weights, Mapping):
        return "must be a mapping of names to weights"
    problems: list[str] = []
    for key, value in weights.items():
        if not isinstance(key, str) or not key:
            problems.append("names must be non-empty strings")
        elif known_keys is not None and key not in known_keys:
            problems.append(f"unknown signal kind {key!r}")
        elif (message := _number_error(value, minimum=0.0, maximum=MAX_WEIGHT)) is not None:
            problems.append(f"{key!r} {message}")
        elif 0 < value < MIN_NONZERO_WEIGHT:
            problems.append(f"{key!r} must be 0 or at least {MIN_NONZERO_WEIGHT:g}")
    return "; ".join(problems) or None


@dataclass(frozen=True)
class Params:
    """The parameters of one scoring model version (SCORING.md, "Parameters")."""

    product_weight: float = 0.5
    half_life_days: float = 90.0
    evidence_gain: float = 0.5
    evidence_saturation: float = 5.0
    min_effort: float = 0.1
    default_confidence: float = 0.5
    kind_weights: Mapping[str, float] = field(default_factory=_default_kind_weights)
    friction_evidence_weight: float = 1.0
    segment_weights: Mapping[str, float] = field(default_factory=_no_segment_weights)

    def __post_init__(self) -> None:
        # Copy the mappings: a caller mutating its dict later must not change the numbers
        # of a model version that is supposed to be immutable.
        for name in ("kind_weights", "segment_weights"):
            value = getattr(self, name)
            if isinstance(value, Mapping):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    def errors(self) -> dict[str, str]:
        """Map each invalid field to a human message; empty when the model is usable.

        Validation is a method rather than an exception in ``__post_init__`` so that forms
        and serializers can show every problem at once, next to its field.
        """
        checks: dict[str, str | None] = {
            "product_weight": _number_error(self.product_weight, minimum=0.0, maximum=1.0),
            "half_life_days": _number_error(self.half_life_days, minimum=0.01, maximum=1e5),
            "evidence_gain": _number_error(self.evidence_gain, minimum=0.0, maximum=1.0),
            "evidence_saturation": _number_error(
                self.evidence_saturation, minimum=MIN_NONZERO_WEIGHT, maximum=1e9
            ),
            "min_effort": _number_error(self.min_effort, minimum=0.001, maximum=1e6),
            "default_confidence": _number_error(self.default_confidence, minimum=0.0, maximum=1.0),
            "kind_weights": _weights_error(self.kind_weights, known_keys=SIGNAL_KINDS),
            "friction_evidence_weight": _weight_error(self.friction_evidence_weight),
            "segment_weights": _weights_error(self.segment_weights, known_keys=None),
        }
        return {name: message for name, message in checks.items() if message is not None}


@dataclass(frozen=True)
class ReportInput:
    """A campaign friction report linked to the item; only ``open`` reports count."""

    id: int
    affected_people: float
    severity: float
    observed_at: datetime
    segment: str | None
    link_weight: float = 1.0
    status: str = COUNTED_REPORT_STATUS


@dataclass(frozen=True)
class SignalInput:
    """A market signal linked to the item; dismissed signals do not count."""

    id: int
    kind: str
    observed_at: datetime
    segment: str | None
    link_weight: float = 1.0
    dismissed: bool = False


@dataclass(frozen=True)
class Estimates:
    """Product estimates on the item; ``None`` means nobody estimated it yet."""

    reach: float | None = None
    impact: float | None = None
    confidence: float | None = None
    effort: float | None = None


@dataclass(frozen=True)
class EvidenceSums:
    """Per-item sums over counted inputs.

    These are exactly what a set-based SQL query can compute in the database (the
    production path computes them in SQL, tests compare both), which is why scoring is
    split into "sum the inputs" and :func:`score_from_sums`.
    """

    reach_marketing: float = 0.0
    severity_weighted: float = 0.0
    signal_evidence: float = 0.0
    report_weight: float = 0.0
    signal_count: int = 0
    report_count: int = 0

    @property
    def marketing_impact(self) -> float | None:
        """I_m, defined only when there is marketing reach to average severity over."""
        if self.reach_marketing > 0:
            return self.severity_weighted / self.reach_marketing
        return None

    def evidence(self, params: Params) -> float:
        """E_v = Σ w(q)·kind_weight + φ·Σ w(r)."""
        return self.signal_evidence + params.friction_evidence_weight * self.report_weight
