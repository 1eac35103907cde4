"""Scores: input weights and evidence sums, the factors (with `blend`, the one formula
of a factor from product's estimate and marketing's measurement), contributors and the
ranking."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from scoring.engine.params import (
    COUNTED_REPORT_STATUS,
    MAX_HALF_LIVES,
    RANKABLE_STATUSES,
    Estimates,
    EvidenceSums,
    Params,
    ReportInput,
    SignalInput,
)

_SECONDS_PER_DAY = 86400.0


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
