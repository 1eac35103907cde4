"""The pure scoring core: the model of SCORING.md (version 1) as plain functions.

Product and marketing argue about rankings in a committee, so every number must be
reproducible by hand from the inputs. That is why this module imports nothing from
Django, reads no clock (``now`` is always passed in) and takes and returns frozen
dataclasses: the same inputs give the same bits in a unit test, in a Celery
recomputation and in the SQL path that computes :class:`EvidenceSums` in the database.

Decisions the contract leaves open are documented where they are made; the short list:

- a signal kind missing from ``kind_weights`` (unknown, or a known kind left out of a
  custom mapping) weighs 0.0: the model's mapping is the whole truth, and an SQL
  ``CASE kind ... ELSE 0`` computes the same;
- a counted input is counted (``report_count``/``signal_count``) even when its weight is
  0, because it is still linked and live; it just never appears among contributors;
- ``R_m == 0`` means "no marketing measurement", so the marketing parts are ``None``;
- a product confidence of 0.0 is a real estimate, not "missing" (``default_confidence``
  replaces only ``None``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
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
_SECONDS_PER_DAY = 86400.0


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


def _require_aware(value: datetime, name: str) -> None:
    # A naive datetime would make the age depend on the server's time zone.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def decay(observed_at: datetime, now: datetime, half_life_days: float) -> float:
    """Return 0.5 ** (age / H), with age in fractional days and never negative.

    An input dated in the future (clock skew, a scheduled campaign) counts as fresh
    rather than more than fully.
    """
    _require_aware(observed_at, "observed_at")
    _require_aware(now, "now")
    if not half_life_days > 0:
        raise ValueError("half_life_days must be greater than 0")
    age_days = max(0.0, (now - observed_at).total_seconds() / _SECONDS_PER_DAY)
    half_lives = age_days / half_life_days
    if half_lives > MAX_HALF_LIVES:
        return 0.0
    factor: float = 0.5**half_lives
    return factor


def segment_weight(segment: str | None, params: Params) -> float:
    """sigma: the segment's weight, 1.0 for no segment or a slug the model does not list."""
    if segment is None:
        return 1.0
    return params.segment_weights.get(segment, 1.0)


def kind_weight(kind: str, params: Params) -> float:
    """The evidence weight of a signal kind; 0.0 for a kind the model does not list."""
    return params.kind_weights.get(kind, 0.0)


def input_weight(
    link_weight: float,
    segment: str | None,
    observed_at: datetime,
    now: datetime,
    params: Params,
) -> float:
    """w(x) = l·sigma·decay, the weight of one dated input."""
    return (
        link_weight
        * segment_weight(segment, params)
        * decay(observed_at, now, params.half_life_days)
    )


def _weighted_reports(
    reports: Iterable[ReportInput], params: Params, now: datetime
) -> list[tuple[ReportInput, float, float]]:
    """(report, w(r), w(r)·n(r)) for each counted report; sums and contributors share it."""
    rows = []
    for report in reports:
        if report.status == COUNTED_REPORT_STATUS:
            weight = input_weight(
                report.link_weight, report.segment, report.observed_at, now, params
            )
            rows.append((report, weight, weight * report.affected_people))
    return rows


def _weighted_signals(
    signals: Iterable[SignalInput], params: Params, now: datetime
) -> list[tuple[SignalInput, float]]:
    """(signal, w(q)·kind_weight) for each counted signal."""
    return [
        (
            signal,
            input_weight(signal.link_weight, signal.segment, signal.observed_at, now, params)
            * kind_weight(signal.kind, params),
        )
        for signal in signals
        if not signal.dismissed
    ]


def evidence_sums(
    reports: Iterable[ReportInput],
    signals: Iterable[SignalInput],
    params: Params,
    now: datetime,
) -> EvidenceSums:
    """Sum the counted inputs of one item.

    ``math.fsum`` makes the sums independent of input order (the same evidence listed
    differently gives the same bits); an SQL ``SUM`` differs by rounding only, far inside
    the 1e-9 the contract allows.
    """
    report_rows = _weighted_reports(reports, params, now)
    signal_rows = _weighted_signals(signals, params, now)
    return EvidenceSums(
        reach_marketing=math.fsum(people for _, _, people in report_rows),
        severity_weighted=math.fsum(people * report.severity for report, _, people in report_rows),
        signal_evidence=math.fsum(evidence for _, evidence in signal_rows),
        report_weight=math.fsum(weight for _, weight, _ in report_rows),
        signal_count=len(signal_rows),
        report_count=len(report_rows),
    )


@dataclass(frozen=True)
class ReachParts:
    value: float | None
    product: float | None
    marketing: float | None


@dataclass(frozen=True)
class ImpactParts:
    value: float | None
    product: float | None
    marketing: float | None


@dataclass(frozen=True)
class ConfidenceParts:
    value: float
    product: float
    evidence: float


@dataclass(frozen=True)
class EffortParts:
    value: float | None
    estimate: float | None


@dataclass(frozen=True)
class ScoreResult:
    """A score with every part that produced it, so it can be explained and diffed."""

    score: float | None
    reach: ReachParts
    impact: ImpactParts
    confidence: ConfidenceParts
    effort: EffortParts
    missing: tuple[str, ...]
    signal_count: int
    report_count: int

    @property
    def scored(self) -> bool:
        """Scored items rank; unscored ones go to the "needs estimates" list."""
        return self.score is not None


def blend_parts(
    product: float | None, marketing: float | None, alpha: float
) -> tuple[float, float]:
    """What product and marketing each add to a blended factor (SCORING.md, "Factors"):
    α·product and (1 − α)·marketing when both exist, else the one that exists, whole (and
    0 for the missing one). `blend` is their sum."""
    if product is not None and marketing is not None:
        return alpha * product, (1.0 - alpha) * marketing
    return (product or 0.0), (marketing or 0.0)


def blend(product: float | None, marketing: float | None, alpha: float) -> float | None:
    """A factor from product's estimate and marketing's measurement (SCORING.md,
    "Factors"): α·product + (1 − α)·marketing when both exist, else the one that exists,
    else None."""
    if product is not None and marketing is not None:
        product_part, marketing_part = blend_parts(product, marketing, alpha)
        return product_part + marketing_part
    return product if product is not None else marketing


def score_from_sums(estimates: Estimates, sums: EvidenceSums, params: Params) -> ScoreResult:
    """Apply the factor definitions of SCORING.md to the estimates and evidence sums."""
    alpha = params.product_weight
    reach_marketing = sums.reach_marketing if sums.reach_marketing > 0 else None
    impact_marketing = sums.marketing_impact
    reach = blend(estimates.reach, reach_marketing, alpha)
    impact = blend(estimates.impact, impact_marketing, alpha)

    c0 = params.default_confidence if estimates.confidence is None else estimates.confidence
    e_v = sums.evidence(params)
    # The literal formula, not expm1: the contract's worked example is stated with it.
    confidence = c0 + (1.0 - c0) * params.evidence_gain * (
        1.0 - math.exp(-e_v / params.evidence_saturation)
    )

    effort = None if estimates.effort is None else max(estimates.effort, params.min_effort)

    factors = (("reach", reach), ("impact", impact), ("effort", effort))
    missing = tuple(name for name, value in factors if value is None)
    score = None
    if reach is not None and impact is not None and effort is not None:
        score = (reach * impact * confidence) / effort

    return ScoreResult(
        score=score,
        reach=ReachParts(value=reach, product=estimates.reach, marketing=reach_marketing),
        impact=ImpactParts(value=impact, product=estimates.impact, marketing=impact_marketing),
        confidence=ConfidenceParts(value=confidence, product=c0, evidence=e_v),
        effort=EffortParts(value=effort, estimate=estimates.effort),
        missing=missing,
        signal_count=sums.signal_count,
        report_count=sums.report_count,
    )


def score_item(
    estimates: Estimates,
    reports: Iterable[ReportInput],
    signals: Iterable[SignalInput],
    params: Params,
    now: datetime,
) -> ScoreResult:
    """Score one item from its raw inputs (the in-memory twin of the SQL path)."""
    return score_from_sums(estimates, evidence_sums(reports, signals, params, now), params)


@dataclass(frozen=True)
class Contributor:
    """One input's part in the score: ``kind`` is "report" or "signal"."""

    kind: str
    id: int
    weight: float
    share: float


def _top(kind: str, weighted: list[tuple[int, float]], limit: int) -> tuple[Contributor, ...]:
    # Shares are of the total over every counted input, not only the ones shown, so
    # "top 5 = 40 %" tells the reader that the evidence is spread out.
    total = math.fsum(weight for _, weight in weighted)
    ranked = sorted((row for row in weighted if row[1] > 0), key=lambda row: (-row[1], row[0]))
    return tuple(
        Contributor(kind=kind, id=item, weight=weight, share=weight / total if total > 0 else 0.0)
        for item, weight in ranked[:limit]
    )


def contributors(
    reports: Iterable[ReportInput],
    signals: Iterable[SignalInput],
    params: Params,
    now: datetime,
    limit: int = 5,
) -> tuple[tuple[Contributor, ...], tuple[Contributor, ...]]:
    """Return (reports, signals) that weigh most, heaviest first, ties by id.

    Reports weigh w·n (their share of marketing reach) and signals w·kind_weight (their
    share of signal evidence); inputs of zero weight explain nothing and are left out.
    """
    if limit < 0:
        raise ValueError("limit must be 0 or more")
    report_rows = [
        (report.id, people) for report, _, people in _weighted_reports(reports, params, now)
    ]
    signal_rows = [
        (signal.id, weight) for signal, weight in _weighted_signals(signals, params, now)
    ]
    return _top("report", report_rows, limit), _top("signal", signal_rows, limit)


@dataclass(frozen=True)
class RankEntry:
    item_id: int
    score: float
    position: int


def rank(candidates: Iterable[tuple[int, float | None, str]]) -> list[RankEntry]:
    """Order the rankable scored items by score descending, then item id ascending.

    Takes (item_id, score, status). The id tie-break makes positions total and stable, so
    two equal scores never share a position or swap between publications. A duplicate id
    or a NaN score is a caller bug that would silently corrupt the order, so it raises.
    """
    rows = list(candidates)
    if len({item_id for item_id, _, _ in rows}) != len(rows):
        raise ValueError("candidates must not repeat an item id")
    kept: list[tuple[int, float]] = []
    for item_id, score, status in rows:
        if score is None or status not in RANKABLE_STATUSES:
            continue
        if math.isnan(score):
            raise ValueError(f"item {item_id} has a NaN score")
        kept.append((item_id, score))
    kept.sort(key=lambda row: (-row[1], row[0]))
    return [
        RankEntry(item_id=item_id, score=score, position=position)
        for position, (item_id, score) in enumerate(kept, start=1)
    ]


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


def _contributor_json(contributor: Contributor) -> dict[str, object]:
    return {"id": contributor.id, "weight": contributor.weight, "share": contributor.share}


def explanation(
    result: ScoreResult,
    *,
    computed_at: datetime,
    model_version: int,
    contributors: tuple[tuple[Contributor, ...], tuple[Contributor, ...]] | None = None,
) -> dict[str, object]:
    """Build the JSON-ready explanation stored with every score.

    It repeats every part of the computation so that a reader can redo the arithmetic
    from the explanation alone, and ``computed_at`` is normalised to UTC so that stored
    explanations compare as text.
    """
    _require_aware(computed_at, "computed_at")
    data: dict[str, object] = {
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
