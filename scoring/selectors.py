"""Read use-cases for scoring: the active model, the inputs of a set of items (in a
constant number of queries, whatever the number of items), explanations and history."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from roadmap.choices import RANKABLE_STATUSES, Channel, ItemStatus
from roadmap.models import DirtyItem, LaunchPlan, RoadmapItem, Segment, Theme
from scoring import calibration, engine
from scoring.age_sql import age_days_sql
from scoring.models import (
    ConfidenceCalibration,
    ItemScore,
    Ranking,
    RankingEntry,
    ScoreHistory,
    ScoringModel,
)
from signals.choices import Kpi, ReportStatus
from signals.kpis import kpi_lift
from signals.models import FrictionReport, MarketSignal, Outcome, ReportLink, SignalLink


def scoring_model_active() -> ScoringModel:
    return ScoringModel.objects.get(is_active=True)


def scoring_model_params(model: ScoringModel) -> engine.Params:
    return engine.Params(
        product_weight=model.product_weight,
        half_life_days=model.half_life_days,
        evidence_gain=model.evidence_gain,
        evidence_saturation=model.evidence_saturation,
        min_effort=model.min_effort,
        default_confidence=model.default_confidence,
        kind_weights={k: float(v) for k, v in (model.kind_weights or {}).items()},
        friction_evidence_weight=model.friction_evidence_weight,
        segment_weights={k: float(v) for k, v in (model.segment_weights or {}).items()},
    )


def dirty_item_revs(*, item_ids: Sequence[int] | None = None) -> dict[int, int]:
    """The dirty marks (item id → rev) as they are now; all of them without `item_ids`."""
    qs = DirtyItem.objects.all()
    if item_ids is not None:
        qs = qs.filter(item_id__in=list(item_ids))
    return dict(qs.values_list("item_id", "rev"))


def item_estimates(
    *, item_ids: Sequence[int] | None = None
) -> dict[int, tuple[engine.Estimates, str]]:
    """Product estimates and status of the given items (all items without `item_ids`)."""
    qs = RoadmapItem.objects.all()
    if item_ids is not None:
        qs = qs.filter(pk__in=list(item_ids))
    rows = qs.values_list("id", "reach", "impact", "confidence", "effort", "status")
    return {
        row[0]: (
            engine.Estimates(reach=row[1], impact=row[2], confidence=row[3], effort=row[4]),
            row[5],
        )
        for row in rows
    }


# --- Set-based evidence sums ------------------------------------------------------------
#
# The per-input weight w = ℓ·σ·decay of SCORING.md, computed in the database so that only
# one row per item crosses the wire. Each product is written in the engine's order, so the
# sums differ from the pure engine only by summation order (tests hold them to 1e-9).


def _age_days_sql(column: str) -> str:
    # Exact to the microsecond in both dialects (SQLite's julianday rounds to the ms).
    return age_days_sql(column)


def _case_sql(
    column: str, weights: dict[str, float], default: float, key: str
) -> tuple[str, dict[str, Any]]:
    if not weights:
        return f"{float(default)!r}", {}
    params: dict[str, Any] = {}
    whens = []
    for i, (name, weight) in enumerate(sorted(weights.items())):
        params[f"{key}_k{i}"] = name
        params[f"{key}_v{i}"] = float(weight)
        whens.append(f"WHEN %({key}_k{i})s THEN %({key}_v{i})s")
    return f"(CASE {column} {' '.join(whens)} ELSE {float(default)!r} END)", params


def _now_param(now: datetime) -> Any:
    if connection.vendor == "postgresql":
        return now
    # Django stores datetimes in SQLite as naive UTC text; compare like with like.
    return now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _weight_sql(link: str, evidence: str, params: engine.Params) -> tuple[str, dict[str, Any]]:
    segment_case, sql_params = _case_sql("seg.slug", dict(params.segment_weights), 1.0, "seg")
    half_lives = f"({_age_days_sql(evidence + '.observed_at')} / %(half_life)s)"
    # As in engine.decay: past MAX_HALF_LIVES an input counts 0 (PostgreSQL would raise on
    # the underflow rather than round to 0).
    decay = (
        f"(CASE WHEN {half_lives} > %(max_half_lives)s THEN 0.0 ELSE POWER(0.5, {half_lives}) END)"
    )
    sql_params["half_life"] = float(params.half_life_days)
    sql_params["max_half_lives"] = engine.MAX_HALF_LIVES
    return f"({link}.weight * {segment_case} * {decay})", sql_params


def _item_filter_sql(item_ids: Sequence[int] | None) -> tuple[str, dict[str, Any]]:
    if item_ids is None:
        return "", {}
    names = {f"id{i}": int(item_id) for i, item_id in enumerate(item_ids)}
    return " AND l.item_id IN (" + ", ".join(f"%({n})s" for n in names) + ")", names


def evidence_sums_sql(
    *, params: engine.Params, now: datetime, item_ids: Sequence[int] | None = None
) -> tuple[str, dict[str, Any]]:
    """One SQL statement that returns, per item, the sums of SCORING.md:
    (item_id, R_m, Σw·n·s, Σw(r), #reports, Σw·kind_weight(q), #signals)."""
    signal_weight, p1 = _weight_sql("l", "s", params)
    report_weight, p2 = _weight_sql("l", "r", params)
    kind_case, p3 = _case_sql("s.kind", dict(params.kind_weights), 0.0, "kind")
    item_filter, p4 = _item_filter_sql(item_ids)
    seg_join = "LEFT JOIN roadmap_segment seg ON seg.id = {alias}.segment_id"
    q = connection.ops.quote_name
    sql = f"""
        SELECT item_id, SUM(rm), SUM(sev), SUM(rw), SUM(rc), SUM(se), SUM(sc) FROM (
            SELECT x.item_id, x.w * x.n AS rm, x.w * x.n * x.s AS sev, x.w AS rw, 1 AS rc,
                   0.0 AS se, 0 AS sc
            FROM (
                SELECT l.item_id, {report_weight} AS w, r.affected_people AS n, r.severity AS s
                FROM {q(ReportLink._meta.db_table)} l
                JOIN {q(FrictionReport._meta.db_table)} r ON r.id = l.report_id
                {seg_join.format(alias="r")}
                WHERE r.status = %(open)s{item_filter}
            ) x
            UNION ALL
            SELECT l.item_id, 0.0, 0.0, 0.0, 0, {signal_weight} * {kind_case}, 1
            FROM {q(SignalLink._meta.db_table)} l
            JOIN {q(MarketSignal._meta.db_table)} s ON s.id = l.signal_id
            {seg_join.format(alias="s")}
            WHERE NOT s.dismissed{item_filter}
        ) t
        GROUP BY item_id
    """  # noqa: S608 (identifiers are ours; every value is a bound parameter)
    sql_params = {**p1, **p2, **p3, **p4, "open": ReportStatus.OPEN.value, "now": _now_param(now)}
    return sql, sql_params


def item_evidence_sums(
    *, params: engine.Params, now: datetime, item_ids: Sequence[int] | None = None
) -> dict[int, engine.EvidenceSums]:
    """Evidence sums for the given items (all without `item_ids`) in one query."""
    if item_ids is not None and not item_ids:
        return {}
    sql, sql_params = evidence_sums_sql(params=params, now=now, item_ids=item_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        return {
            row[0]: engine.EvidenceSums(
                reach_marketing=float(row[1]),
                severity_weighted=float(row[2]),
                report_weight=float(row[3]),
                report_count=int(row[4]),
                signal_evidence=float(row[5]),
                signal_count=int(row[6]),
            )
            for row in cursor.fetchall()
        }


# --- Per-item reads (explanation) -------------------------------------------------------


def item_inputs(*, item_id: int) -> tuple[list[engine.ReportInput], list[engine.SignalInput]]:
    """Every input of one item as engine dataclasses, for contributors and explanations."""
    reports = [
        engine.ReportInput(
            id=row[0],
            affected_people=float(row[1]),
            severity=row[2],
            observed_at=row[3],
            segment=row[4],
            link_weight=row[5],
            status=row[6],
        )
        for row in ReportLink.objects.filter(item_id=item_id).values_list(
            "report_id",
            "report__affected_people",
            "report__severity",
            "report__observed_at",
            "report__segment__slug",
            "weight",
            "report__status",
        )
    ]
    signals = [
        engine.SignalInput(
            id=row[0],
            kind=row[1],
            observed_at=row[2],
            segment=row[3],
            link_weight=row[4],
            dismissed=row[5],
        )
        for row in SignalLink.objects.filter(item_id=item_id).values_list(
            "signal_id",
            "signal__kind",
            "signal__observed_at",
            "signal__segment__slug",
            "weight",
            "signal__dismissed",
        )
    ]
    return reports, signals


def item_score_result(score: ItemScore) -> engine.ScoreResult:
    """The stored score as the engine's result type (for explanations and change splits)."""
    return engine.ScoreResult(
        score=score.score,
        reach=engine.ReachParts(
            value=score.reach, product=score.reach_product, marketing=score.reach_marketing
        ),
        impact=engine.ImpactParts(
            value=score.impact, product=score.impact_product, marketing=score.impact_marketing
        ),
        confidence=engine.ConfidenceParts(
            value=score.confidence, product=score.confidence_product, evidence=score.evidence
        ),
        effort=engine.EffortParts(value=score.effort, estimate=score.effort_estimate),
        missing=tuple(score.missing),
        signal_count=score.signal_count,
        report_count=score.report_count,
    )


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


def item_positions(*, item_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Live-ranking positions (score desc, then item id) of the given ranked items; items
    that are not ranked are absent. One query, an index scan over the ranked items."""
    if item_ids is not None and not item_ids:
        return {}
    table = connection.ops.quote_name(ItemScore._meta.db_table)
    where, params = "", []
    if item_ids is not None:
        where = " WHERE item_id IN (" + ", ".join(["%s"] * len(item_ids)) + ")"
        params = [int(i) for i in item_ids]
    sql = (
        "SELECT item_id, pos FROM (SELECT item_id, ROW_NUMBER() OVER "  # noqa: S608
        f"(ORDER BY score DESC, item_id) AS pos FROM {table} WHERE rankable) ranked{where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def live_ranking() -> QuerySet[ItemScore]:
    """Ranked items in ranking order; position = index in this order + 1."""
    return (
        ItemScore.objects.filter(rankable=True)
        .select_related("item", "item__theme", "item__owner")
        .order_by("-score", "item_id")
    )


def item_score_history(*, item: RoadmapItem, limit: int = 100) -> QuerySet[ScoreHistory]:
    return (
        ScoreHistory.objects.filter(item=item)
        .select_related("model")
        .order_by("-computed_at", "-id")[:limit]
    )


def items_needing_estimates() -> QuerySet[ItemScore]:
    """Unscored open items and what each one misses."""
    return (
        ItemScore.objects.filter(score__isnull=True, item__status__in=RANKABLE_STATUSES)
        .select_related("item", "item__theme", "item__owner")
        .order_by("item_id")
    )


def item_is_dirty(*, item: RoadmapItem) -> bool:
    """Whether the item's inputs changed since its score was last computed."""
    return DirtyItem.objects.filter(item=item).exists()


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


def scoring_models() -> QuerySet[ScoringModel]:
    """Every version, newest first."""
    return ScoringModel.objects.select_related("created_by").order_by("-version")


# --- What-if: a ranking under candidate parameters --------------------------------------

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


def scoring_model_preview(
    *, params: Mapping[str, Any], limit: int = 50, now: datetime | None = None
) -> dict[str, Any]:
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
    results = []
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


# --- Published rankings -----------------------------------------------------------------

# A ranking's detail carries at most this many entries; `ranking_entries` pages the rest.
RANKING_DETAIL_MAX_ENTRIES = 1000


def rankings() -> QuerySet[Ranking]:
    """Published rankings, newest first."""
    return Ranking.objects.select_related("published_by", "model").order_by("-number")


def rankings_with_entries() -> QuerySet[Ranking]:
    """Published rankings with their first RANKING_DETAIL_MAX_ENTRIES entries in
    `first_entries` (one query for the rankings, one for the entries of them all)."""
    entries = RankingEntry.objects.order_by("position")[:RANKING_DETAIL_MAX_ENTRIES]
    # A sliced prefetch needs to_attr: Django cannot turn it back into a related manager.
    return rankings().prefetch_related(
        Prefetch("entries", queryset=entries, to_attr="first_entries")
    )


def ranking_latest(*, with_entries: bool = False) -> Ranking | None:
    return (rankings_with_entries() if with_entries else rankings()).first()


def ranking_entries(*, ranking: Ranking) -> QuerySet[RankingEntry]:
    return RankingEntry.objects.filter(ranking=ranking).order_by("position")


def ranking_entry_result(entry: RankingEntry) -> engine.ScoreResult:
    """A frozen entry as the engine's result type, for change splits."""
    parts = entry.explanation or {}
    reach = parts.get("reach") or {}
    impact = parts.get("impact") or {}
    confidence = parts.get("confidence") or {}
    effort = parts.get("effort") or {}
    counts = parts.get("counts") or {}
    return engine.ScoreResult(
        score=entry.score,
        reach=engine.ReachParts(
            value=entry.reach, product=reach.get("product"), marketing=reach.get("marketing")
        ),
        impact=engine.ImpactParts(
            value=entry.impact, product=impact.get("product"), marketing=impact.get("marketing")
        ),
        confidence=engine.ConfidenceParts(
            value=entry.confidence,
            product=confidence.get("product", entry.confidence),
            evidence=confidence.get("evidence", 0.0),
        ),
        effort=engine.EffortParts(value=entry.effort, estimate=effort.get("estimate")),
        missing=(),
        signal_count=counts.get("signals", 0),
        report_count=counts.get("reports", 0),
    )


def _factors(entry: RankingEntry) -> dict[str, float]:
    return {name: getattr(entry, name) for name in engine.FACTORS}


def _moved(before: RankingEntry, after: RankingEntry) -> dict[str, Any]:
    split = engine.split_change(ranking_entry_result(before), ranking_entry_result(after))
    return {
        "item": after.item_id,
        "title": after.title,
        "from_position": before.position,
        "to_position": after.position,
        "places": abs(before.position - after.position),
        "score_before": before.score,
        "score_after": after.score,
        "main_driver": split.main_driver,
        "terms": dict(split.terms),
        "deltas": dict(split.deltas),
        # The factor values themselves, so a reader can say "effort went from 2 to 5".
        "factors_before": _factors(before),
        "factors_after": _factors(after),
    }


def _listed(entry: RankingEntry) -> dict[str, Any]:
    return {
        "item": entry.item_id,
        "title": entry.title,
        "position": entry.position,
        "score": entry.score,
    }


def _entries_diff(
    current: Mapping[int, RankingEntry], earlier: Mapping[int, RankingEntry]
) -> dict[str, Any]:
    """The movement from `earlier` to `current` (item id → entry, each in position order).

    For each item that moved, `main_driver` and the log `terms` come from
    engine.split_change on the two entries (SCORING.md, "Explanation"). Items only in
    `current` are `new`, items only in `earlier` are `dropped`. Shared by the diff of two
    published rankings and by the diff of the live ranking against a published one.
    """
    moved_up, moved_down, new, unchanged = [], [], [], 0
    for item_id, entry in current.items():
        old = earlier.get(item_id)
        if old is None:
            new.append(_listed(entry))
        elif entry.position < old.position:
            moved_up.append(_moved(old, entry))
        elif entry.position > old.position:
            moved_down.append(_moved(old, entry))
        else:
            unchanged += 1
    dropped = [_listed(entry) for item_id, entry in earlier.items() if item_id not in current]
    return {
        "moved_up": moved_up,
        "moved_down": moved_down,
        "new": new,
        "dropped": dropped,
        "unchanged": unchanged,
    }


def ranking_diff(*, ranking: Ranking) -> dict[str, Any]:
    """What moved between the previous ranking (number - 1) and this one, and why.

    See `_entries_diff`; against no previous ranking (number 1) everything is new. Two
    queries.
    """
    previous = Ranking.objects.filter(number=ranking.number - 1).first()
    ranking_ids = [ranking.pk] if previous is None else [ranking.pk, previous.pk]
    current: dict[int, RankingEntry] = {}
    earlier: dict[int, RankingEntry] = {}
    for entry in RankingEntry.objects.filter(ranking_id__in=ranking_ids).order_by("position"):
        (current if entry.ranking_id == ranking.pk else earlier)[entry.item_id] = entry
    return {
        "number": ranking.number,
        "previous_number": None if previous is None else previous.number,
        **_entries_diff(current, earlier),
    }


def live_ranking_snapshot() -> list[RankingEntry]:
    """The live ranking as ranking_publish would freeze it from the current scores, as
    unsaved entries (no ranking): positions, scores, factors and explanation parts.

    One query. Items marked dirty keep their last computed score here; ranking_publish
    recomputes them first (see `dirty_item_count`).
    """
    scores = (
        live_ranking()
        .select_related(None)
        .select_related("item", "model")
        .defer("item__description")
    )
    return [
        RankingEntry(
            item_id=score.item_id,
            title=score.item.title,
            jira_key=score.item.jira_key,
            position=position,
            score=score.score,
            reach=score.reach,
            impact=score.impact,
            confidence=score.confidence,
            effort=score.effort,
            explanation=engine.explanation(
                item_score_result(score),
                computed_at=score.computed_at,
                model_version=score.model.version,
            ),
        )
        for position, score in enumerate(scores, start=1)
    ]


def ranking_diff_live(*, against: Ranking | None) -> dict[str, Any]:
    """What publishing the live ranking now would change against the published ranking
    `against` (usually the latest), without publishing anything. `number` is None (the
    live ranking has none yet); with no ranking to compare to, everything is new. Two
    queries."""
    current = {entry.item_id: entry for entry in live_ranking_snapshot()}
    earlier: dict[int, RankingEntry] = {}
    if against is not None:
        earlier = {entry.item_id: entry for entry in ranking_entries(ranking=against)}
    return {
        "number": None,
        "previous_number": None if against is None else against.number,
        **_entries_diff(current, earlier),
    }


# --- The committee board ----------------------------------------------------------------

# The "kind" under which item_evidence_counts counts open friction reports.
FRICTION_REPORT_KIND = "friction_report"


def dirty_item_count() -> int:
    """How many items have inputs changed since their score was computed."""
    return DirtyItem.objects.count()


def item_scores_filter(
    *,
    queryset: QuerySet[ItemScore],
    theme_id: int | None = None,
    segment_id: int | None = None,
    status: str | None = None,
    owner_id: int | None = None,
) -> QuerySet[ItemScore]:
    """Narrow item scores to the items of a theme, a segment, a status and an owner
    (each optional)."""
    if theme_id is not None:
        queryset = queryset.filter(item__theme_id=theme_id)
    if segment_id is not None:
        # One row per item: an item is in a segment at most once.
        queryset = queryset.filter(item__segments__id=segment_id)
    if status:
        queryset = queryset.filter(item__status=status)
    if owner_id is not None:
        queryset = queryset.filter(item__owner_id=owner_id)
    return queryset


def live_ranking_board(
    *,
    theme_id: int | None = None,
    segment_id: int | None = None,
    status: str | None = None,
    owner_id: int | None = None,
) -> QuerySet[ItemScore]:
    """The live ranking narrowed by the board's filters, in ranking order, each row with
    its scoring model (for α) and `dirty` (its inputs changed since it was scored).

    Filters only hide rows: read positions in the whole ranking with item_positions.
    """
    pending = DirtyItem.objects.filter(item_id=OuterRef("item_id"))
    return item_scores_filter(
        queryset=live_ranking().select_related("model").annotate(dirty=Exists(pending)),
        theme_id=theme_id,
        segment_id=segment_id,
        status=status,
        owner_id=owner_id,
    )


def item_evidence_counts(*, item_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Counted evidence of each item by kind: its undismissed signals by signal kind, and
    its open friction reports under FRICTION_REPORT_KIND. One query (GROUP BY item and
    kind over the counted links of both tables)."""
    ids = [int(item_id) for item_id in item_ids]
    if not ids:
        return {}
    signals = (
        SignalLink.objects.filter(item_id__in=ids, signal__dismissed=False)
        .values("item_id", kind=F("signal__kind"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    reports = (
        ReportLink.objects.filter(item_id__in=ids, report__status=ReportStatus.OPEN)
        .values("item_id", kind=Value(FRICTION_REPORT_KIND, output_field=CharField()))
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for row in signals.union(reports, all=True):
        counts.setdefault(row["item_id"], {})[row["kind"]] = row["n"]
    return counts


def ranking_positions(*, ranking: Ranking) -> dict[int, tuple[int, float, str]]:
    """item id → (position, score, title) in a published ranking; one query."""
    rows = RankingEntry.objects.filter(ranking=ranking).values_list(
        "item_id", "position", "score", "title"
    )
    return {item_id: (position, score, title) for item_id, position, score, title in rows}


def board_filter_options() -> dict[str, list[tuple[int, str]]]:
    """The choices of the board's filters: themes, segments, and the users who own at
    least one item, as (id, label). Three queries."""
    owners = (
        get_user_model()
        .objects.filter(owned_items__isnull=False)
        .distinct()
        .order_by("username")
        .values_list("pk", "username", "first_name", "last_name")
    )
    return {
        "themes": list(Theme.objects.order_by("name").values_list("pk", "name")),
        "segments": list(Segment.objects.order_by("name").values_list("pk", "name")),
        "owners": [
            (pk, f"{first} {last}".strip() or username) for pk, username, first, last in owners
        ],
    }


def evidence_details(
    *, report_ids: Sequence[int], signal_ids: Sequence[int]
) -> dict[tuple[str, int], dict[str, Any]]:
    """What the board shows of the given friction reports and signals, keyed by
    ("report" | "signal", id). One query per kind asked for."""
    details: dict[tuple[str, int], dict[str, Any]] = {}
    if report_ids:
        reports = FrictionReport.objects.filter(pk__in=list(report_ids)).only(
            "pk", "title", "campaign", "funnel_stage", "affected_people", "observed_at"
        )
        for report in reports:
            details[("report", report.pk)] = {
                "title": str(report),
                "detail": f"{report.get_funnel_stage_display()}, "
                f"{report.affected_people:,} people a quarter",
                "observed_at": report.observed_at,
            }
    if signal_ids:
        signals = MarketSignal.objects.filter(pk__in=list(signal_ids)).only(
            "pk", "title", "kind", "observed_at", "account_name"
        )
        for signal in signals:
            detail = signal.get_kind_display()
            if signal.account_name:
                detail += f", {signal.account_name}"
            details[("signal", signal.pk)] = {
                "title": signal.title,
                "detail": detail,
                "observed_at": signal.observed_at,
            }
    return details


def ranking_entry_of_item(*, ranking: Ranking, item: RoadmapItem) -> RankingEntry | None:
    return RankingEntry.objects.filter(ranking=ranking, item=item).first()


def scoring_model_version(*, version: int) -> ScoringModel | None:
    return ScoringModel.objects.filter(version=version).first()


# --- Closing the loop: shared KPIs and the calibration of estimates ----------------------
#
# Outcomes (signals) measure what shipped items changed. The shared KPIs answer the
# cross-team questions; the calibration holds them against what the scores assumed
# (scoring.calibration has the method). Every read below is a fixed number of queries.

SHARED_RATE_KPIS: tuple[str, ...] = (Kpi.ACTIVATION_RATE, Kpi.CONVERSION_RATE)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ship_time(item_ref: Any) -> Subquery:
    """When the item named by `item_ref` last became shipped, from its history: the
    first `shipped` row after its last row in any other status (NULL without one)."""
    history = RoadmapItem.history.model  # type: ignore[attr-defined]
    reopened = (
        history.objects.filter(id=OuterRef("id"))
        .exclude(status=ItemStatus.SHIPPED)
        .order_by("-history_date", "-history_id")
        .values("history_date")[:1]
    )
    return Subquery(
        history.objects.filter(id=item_ref, status=ItemStatus.SHIPPED)
        .alias(reopened=Subquery(reopened))
        .filter(Q(reopened__isnull=True) | Q(history_date__gt=F("reopened")))
        .order_by("history_date", "history_id")
        .values("history_date")[:1]
    )


def item_ship_times(*, item_ids: Sequence[int]) -> dict[int, datetime | None]:
    """When each item last became shipped (None when its history does not say); one
    query."""
    if not item_ids:
        return {}
    rows = (
        RoadmapItem.objects.filter(pk__in=list(item_ids))
        .annotate(shipped_at=_ship_time(OuterRef("pk")))
        .values_list("pk", "shipped_at")
    )
    return dict(rows)


def _latest_outcomes(*, kpis: Sequence[str], per: Sequence[str]) -> list[dict[str, Any]]:
    """For each combination of `per` (e.g. channel and item), the outcome of `kpis` with
    the latest period (then the highest id). One query."""
    rank = Window(
        RowNumber(),
        partition_by=[F(name) for name in per],
        order_by=[F("period_end").desc(), F("id").desc()],
    )
    return list(
        Outcome.objects.filter(kpi__in=list(kpis))
        .annotate(rank=rank)
        .filter(rank=1)
        .order_by("id")
        .values(
            "id",
            "kpi",
            "channel",
            "segment_id",
            "segment__name",
            "item_id",
            "item__title",
            "baseline",
            "measured",
            "period_start",
            "period_end",
            "people_measured",
        )
    )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _mover(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "item": row["item_id"],
        "title": row["item__title"],
        "baseline": row["baseline"],
        "measured": row["measured"],
        "lift": _finite(kpi_lift(row["kpi"], row["baseline"], row["measured"])),
        "period_start": row["period_start"],
        "period_end": row["period_end"],
    }


def _kpi_group(kpi: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Means over the items of a group (each item's latest measurement counts once), and
    the items, largest gain first."""
    baseline = sum(row["baseline"] for row in rows) / len(rows)
    measured = sum(row["measured"] for row in rows) / len(rows)
    movers = sorted(
        (_mover(row) for row in rows),
        key=lambda m: (-(m["lift"] if m["lift"] is not None else math.inf), m["item"]),
    )
    return {
        "items": len(rows),
        "baseline": baseline,
        "measured": measured,
        "change": measured - baseline,
        "lift": _finite(kpi_lift(kpi, baseline, measured)),
        "moved_by": movers,
    }


def kpis_shared() -> dict[str, Any]:
    """The cross-team KPIs, from the outcomes of shipped items:

    - activation and conversion rate by channel (outcomes without a channel under
      `null`): for each item its latest measurement in that channel, and the group's
      unweighted means of baseline and measured;
    - LTV by segment (`null`: not segment-specific), the same way;
    - NPS before and after each release: each item's latest NPS outcome (baseline:
      before, measured: after), newest release first.

    Each lists the items that moved it, largest gain first. Four queries.
    """
    channel_order = {code: n for n, code in enumerate(Channel.values)}
    by_channel: dict[str, dict[str, list[dict[str, Any]]]] = {k: {} for k in SHARED_RATE_KPIS}
    for row in _latest_outcomes(kpis=SHARED_RATE_KPIS, per=("kpi", "channel", "item_id")):
        by_channel[row["kpi"]].setdefault(row["channel"], []).append(row)
    rates = {
        kpi: [
            {"channel": channel or None, **_kpi_group(kpi, rows)}
            for channel, rows in sorted(
                groups.items(), key=lambda pair: channel_order.get(pair[0], len(channel_order))
            )
        ]
        for kpi, groups in by_channel.items()
    }

    by_segment: dict[int | None, list[dict[str, Any]]] = {}
    for row in _latest_outcomes(kpis=(Kpi.LTV,), per=("segment_id", "item_id")):
        by_segment.setdefault(row["segment_id"], []).append(row)
    ltv = [
        {
            "segment": segment_id,
            "segment_name": rows[0]["segment__name"] if segment_id is not None else None,
            **_kpi_group(Kpi.LTV, rows),
        }
        for segment_id, rows in sorted(
            by_segment.items(),
            key=lambda pair: (pair[0] is None, pair[1][0]["segment__name"] or ""),
        )
    ]

    nps_rows = _latest_outcomes(kpis=(Kpi.NPS,), per=("item_id",))
    shipped = item_ship_times(item_ids=[row["item_id"] for row in nps_rows])
    releases = [
        {
            **_mover(row),
            "change": row["measured"] - row["baseline"],
            "shipped_at": shipped.get(row["item_id"]),
            "people_measured": row["people_measured"],
        }
        for row in nps_rows
    ]
    releases.sort(
        key=lambda r: (r["shipped_at"] is None, -(r["shipped_at"] or _EPOCH).timestamp(), r["item"])
    )
    return {
        "activation_rate_by_channel": rates[Kpi.ACTIVATION_RATE],
        "conversion_rate_by_channel": rates[Kpi.CONVERSION_RATE],
        "ltv_by_segment": ltv,
        "nps_by_release": releases,
    }


@dataclasses.dataclass(frozen=True)
class CalibratedItem:
    """A shipped item with outcomes: what its score assumed, what was measured."""

    item_id: int
    title: str
    owner_id: int | None
    owner_name: str | None
    theme_id: int | None
    theme_name: str | None
    shipped_at: datetime | None
    assumed_source: str  # "history": the score when it shipped; "current": its score now
    assumed_at: datetime | None
    assumed: calibration.Assumed
    outcome_count: int
    result: calibration.ItemCalibration


def _person_name(user: Any) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def calibrated_items(
    *, owner_id: int | None = None, item_ids: Sequence[int] | None = None
) -> list[CalibratedItem]:
    """Shipped items with outcomes (of one owner, or these, or all), each with its assumed and
    measured factors (scoring.calibration). Four queries whatever the number of items:
    the items with their ship time and score-history point, those points, the current
    scores of items without one, the outcomes."""
    outcomes = Outcome.objects.filter(item_id=OuterRef("pk"))
    at_ship = ScoreHistory.objects.filter(
        item_id=OuterRef("pk"), computed_at__lte=OuterRef("shipped_at")
    ).order_by("-computed_at", "-id")
    items_qs = (
        RoadmapItem.objects.filter(Exists(outcomes), status=ItemStatus.SHIPPED)
        .select_related("owner", "theme")
        .only(
            "id",
            "title",
            "owner",
            "theme",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
            "theme__name",
        )
        .annotate(shipped_at=_ship_time(OuterRef("pk")))
        .annotate(history_id=Subquery(at_ship.values("id")[:1]))
        .order_by("id")
    )
    if owner_id is not None:
        items_qs = items_qs.filter(owner_id=owner_id)
    if item_ids is not None:
        items_qs = items_qs.filter(pk__in=list(item_ids))
    items = list(items_qs)
    if not items:
        return []
    ids = [item.pk for item in items]
    points = ScoreHistory.objects.in_bulk(
        [item.history_id for item in items if item.history_id is not None]  # type: ignore[attr-defined]
    )
    current = ItemScore.objects.in_bulk(
        [item.pk for item in items if item.history_id is None]  # type: ignore[attr-defined]
    )
    measured: dict[int, list[calibration.MeasuredOutcome]] = {item_id: [] for item_id in ids}
    rows = Outcome.objects.filter(item_id__in=ids).values_list(
        "item_id", "kpi", "baseline", "measured", "period_start", "period_end", "people_measured"
    )
    for item_id, kpi, baseline, value, start, end, people in rows:
        measured[item_id].append(
            calibration.MeasuredOutcome(
                lift=kpi_lift(kpi, baseline, value),
                period_days=(end - start).days + 1,
                people=people,
            )
        )
    result = []
    for item in items:
        point: Any = points.get(item.history_id)  # type: ignore[attr-defined]
        source = "history"
        if point is None:
            point = current.get(item.pk)
            source = "current" if point is not None else "none"
        assumed = calibration.Assumed(
            reach=getattr(point, "reach", None),
            reach_product=getattr(point, "reach_product", None),
            reach_marketing=getattr(point, "reach_marketing", None),
            impact=getattr(point, "impact", None),
        )
        result.append(
            CalibratedItem(
                item_id=item.pk,
                title=item.title,
                owner_id=item.owner_id,
                owner_name=_person_name(item.owner),
                theme_id=item.theme_id,
                theme_name=item.theme.name if item.theme_id else None,
                shipped_at=item.shipped_at,  # type: ignore[attr-defined]
                assumed_source=source,
                assumed_at=getattr(point, "computed_at", None),
                assumed=assumed,
                outcome_count=len(measured[item.pk]),
                result=calibration.calibrate_item(assumed, measured[item.pk]),
            )
        )
    return result


@dataclasses.dataclass(frozen=True)
class CalibrationSuggestion:
    owner_id: int
    multiplier: float
    item_ids: tuple[int, ...]  # the calibrated items it comes from


def _used_item_ids(owner_ids: Sequence[int]) -> dict[int, set[int]]:
    """The shipped items earlier calibrations of each owner were based on; one query."""
    used: dict[int, set[int]] = {owner_id: set() for owner_id in owner_ids}
    rows = ConfidenceCalibration.objects.filter(owner_id__in=list(owner_ids)).values_list(
        "owner_id", "based_on"
    )
    for owner_id, based_on in rows:
        used[owner_id].update(int(i) for i in based_on or ())
    return used


def _suggestions(
    items: Sequence[CalibratedItem], used: Mapping[int, set[int]]
) -> dict[int, CalibrationSuggestion]:
    fresh: dict[int, list[CalibratedItem]] = {}
    for item in items:
        owner_id = item.owner_id
        if (
            owner_id is not None
            and item.result.calibrated
            and item.item_id not in used.get(owner_id, set())
        ):
            fresh.setdefault(owner_id, []).append(item)
    suggestions = {}
    for owner_id, rows in fresh.items():
        multiplier = calibration.suggested_multiplier(
            [row.result.score_ratio for row in rows]  # type: ignore[misc]
        )
        if multiplier is not None:
            suggestions[owner_id] = CalibrationSuggestion(
                owner_id=owner_id,
                multiplier=multiplier,
                item_ids=tuple(row.item_id for row in rows),
            )
    return suggestions


def calibration_suggestion(*, owner_id: int) -> CalibrationSuggestion | None:
    """The owner's current suggested confidence multiplier, or None (fewer than two
    calibrated items not used by an earlier calibration)."""
    items = calibrated_items(owner_id=owner_id)
    return _suggestions(items, _used_item_ids([owner_id])).get(owner_id)


def _summary(rows: Sequence[CalibratedItem]) -> dict[str, Any]:
    summary = calibration.summarize(row.result for row in rows)
    return {
        "items": len(rows),
        "calibrated_items": summary.calibrated_items,
        "reach_ratio": summary.reach_ratio,
        "impact_ratio": summary.impact_ratio,
        "score_ratio": summary.score_ratio,
    }


def _team_summary(ratios: Sequence[float | None]) -> dict[str, Any]:
    values = [r for r in ratios if r is not None]
    return {"items": len(values), "reach_ratio": calibration.geometric_mean(values)}


def calibration_report() -> dict[str, Any]:
    """Estimate accuracy of shipped items with outcomes (scoring.calibration): per item,
    by owner (with the suggested confidence multiplier), by theme, and by team (product's
    reach estimate R_p and marketing's measured reach R_m, each against the measured
    reach). Seven queries at most, whatever the number of items."""
    items = calibrated_items()
    owner_ids = sorted({item.owner_id for item in items if item.owner_id is not None})
    records = list(
        ConfidenceCalibration.objects.filter(owner_id__in=owner_ids).order_by("applied_at", "id")
    )
    used: dict[int, set[int]] = {owner_id: set() for owner_id in owner_ids}
    last_applied: dict[int, ConfidenceCalibration] = {}
    for record in records:
        used[record.owner_id].update(int(i) for i in record.based_on or ())  # type: ignore[index]
        last_applied[record.owner_id] = record  # type: ignore[index]
    suggestions = _suggestions(items, used)
    open_counts = dict(
        RoadmapItem.objects.filter(owner_id__in=owner_ids, status__in=RANKABLE_STATUSES)
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("owner_id", "n")
    )

    by_owner = []
    for owner_id in owner_ids:
        rows = [item for item in items if item.owner_id == owner_id]
        suggestion = suggestions.get(owner_id)
        record = last_applied.get(owner_id)
        by_owner.append(
            {
                "owner": owner_id,
                "owner_name": rows[0].owner_name,
                **_summary(rows),
                "suggestion": None
                if suggestion is None
                else {
                    "multiplier": suggestion.multiplier,
                    "based_on": list(suggestion.item_ids),
                    "open_items": open_counts.get(owner_id, 0),
                },
                "last_applied": None
                if record is None
                else {
                    "multiplier": record.multiplier,
                    "applied_at": record.applied_at,
                    "items_changed": record.items_changed,
                },
            }
        )
    themes: dict[int | None, list[CalibratedItem]] = {}
    for item in items:
        themes.setdefault(item.theme_id, []).append(item)
    by_theme = [
        {"theme": theme_id, "theme_name": rows[0].theme_name, **_summary(rows)}
        for theme_id, rows in sorted(
            themes.items(), key=lambda pair: (pair[0] is None, pair[1][0].theme_name or "")
        )
    ]
    return {
        "method": {
            "quarter_days": calibration.QUARTER_DAYS,
            "impact_steps": [
                {"min_lift": lift, "impact": impact} for lift, impact in calibration.IMPACT_STEPS
            ],
            "min_impact": calibration.MIN_IMPACT,
            "multiplier_min": calibration.MIN_MULTIPLIER,
            "multiplier_max": calibration.MAX_MULTIPLIER,
            "min_calibrated_items": calibration.MIN_CALIBRATED_ITEMS,
        },
        "items": [_item_json(item) for item in items],
        "by_owner": by_owner,
        "by_theme": by_theme,
        "by_team": {
            "product": _team_summary([item.result.product_reach_ratio for item in items]),
            "marketing": _team_summary([item.result.marketing_reach_ratio for item in items]),
        },
    }


def _item_json(item: CalibratedItem) -> dict[str, Any]:
    result = item.result
    return {
        "item": item.item_id,
        "title": item.title,
        "owner": item.owner_id,
        "theme": item.theme_id,
        "shipped_at": item.shipped_at,
        "assumed": {
            "source": item.assumed_source,
            "computed_at": item.assumed_at,
            **dataclasses.asdict(item.assumed),
        },
        "measured": {
            "reach": result.reach,
            "impact": result.impact,
            "outcomes": item.outcome_count,
        },
        "ratios": {
            "reach": result.reach_ratio,
            "impact": result.impact_ratio,
            "score": result.score_ratio,
            "product_reach": result.product_reach_ratio,
            "marketing_reach": result.marketing_reach_ratio,
        },
        "calibrated": result.calibrated,
    }


def item_closing_the_loop(*, item: RoadmapItem) -> dict[str, Any]:
    """An item's launch and what it changed, for a page about the item (the board's):
    its launch plan (None without one), its outcomes, latest period first, each with its
    lift, and its calibration (None unless it shipped and has outcomes). Seven queries at
    most."""
    plan = (
        LaunchPlan.objects.filter(item=item)
        .select_related("product_owner", "marketing_owner")
        .prefetch_related("target_segments")
        .first()
    )
    outcomes = [
        {
            "outcome": outcome,
            "lift": _finite(kpi_lift(outcome.kpi, outcome.baseline, outcome.measured)),
        }
        for outcome in Outcome.objects.filter(item=item).select_related("segment")
    ]
    calibrated = calibrated_items(item_ids=[item.pk]) if outcomes else []
    return {
        "launch_plan": plan,
        "outcomes": outcomes,
        "calibration": _item_json(calibrated[0]) if calibrated else None,
    }
