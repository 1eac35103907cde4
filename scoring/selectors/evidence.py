"""The inputs of scoring: estimates, dirty marks, and the evidence sums of a set of items
computed in SQL (in a constant number of queries, whatever the number of items)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime

from roadmap.models import DirtyItem, RoadmapItem
from scoring import engine
from scoring.age_sql import age_days_sql
from signals.choices import ReportStatus
from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink


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


def _item_filter_sql(
    item_ids: Sequence[int] | None, column: str = "l.item_id"
) -> tuple[str, dict[str, Any]]:
    if item_ids is None:
        return "", {}
    if connection.vendor == "postgresql":
        # One array parameter, whatever the number of items (a full model change marks
        # every item dirty).
        return f" AND {column} = ANY(%(item_ids)s)", {"item_ids": [int(i) for i in item_ids]}
    names = {f"id{i}": int(item_id) for i, item_id in enumerate(item_ids)}
    return f" AND {column} IN (" + ", ".join(f"%({n})s" for n in names) + ")", names


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


def item_scores_sql(
    *, params: engine.Params, now: datetime, model_id: int, item_ids: Sequence[int] | None
) -> tuple[str, dict[str, Any]]:
    """PostgreSQL only: one SELECT returning the ItemScore row of every given item (all
    without `item_ids`), named like ItemScore's columns, that `engine.score_from_sums`
    would compute from `item_estimates` and `evidence_sums_sql`.

    Each expression is the engine's, operation for operation and in the same order (IEEE
    doubles on both sides, `exp` from the same C library), so the scores equal the
    engine's on the same sums. PostgreSQL raises on a floating-point underflow where
    Python rounds to 0. `exp(-x)` underflows past x ≈ 745 (strong evidence over a small
    saturation), so past x = 40, where 1 − e^(−x) already rounds to exactly 1.0 in
    doubles, the SQL takes 1.0. Other underflows need absurdly small inputs (a confidence
    of 1e-320); a caller gets a DataError then, and falls back to the engine.
    """
    sums_sql, sums_params = evidence_sums_sql(params=params, now=now, item_ids=item_ids)
    item_filter, filter_params = _item_filter_sql(item_ids, column="i.id")
    q = connection.ops.quote_name
    sql = f"""
        SELECT item_id, %(model_id)s AS model_id, score,
               (score IS NOT NULL AND status = ANY(%(rankable)s)) AS rankable,
               reach, reach_product, reach_marketing, impact, impact_product,
               impact_marketing, confidence, confidence_product, evidence, effort,
               effort_estimate,
               to_jsonb(array_remove(ARRAY[
                   CASE WHEN reach IS NULL THEN 'reach' END,
                   CASE WHEN impact IS NULL THEN 'impact' END,
                   CASE WHEN effort IS NULL THEN 'effort' END], NULL)) AS missing,
               signal_count, report_count, %(now)s::timestamptz AS computed_at
        FROM (
            SELECT f.*, CASE WHEN reach IS NOT NULL AND impact IS NOT NULL
                             AND effort IS NOT NULL
                        THEN reach * impact * confidence / effort END AS score
            FROM (
                SELECT b.*,
                    CASE WHEN reach_product IS NOT NULL AND reach_marketing IS NOT NULL
                         THEN %(alpha)s::float8 * reach_product
                              + %(beta)s::float8 * reach_marketing
                         ELSE COALESCE(reach_product, reach_marketing) END AS reach,
                    CASE WHEN impact_product IS NOT NULL AND impact_marketing IS NOT NULL
                         THEN %(alpha)s::float8 * impact_product
                              + %(beta)s::float8 * impact_marketing
                         ELSE COALESCE(impact_product, impact_marketing) END AS impact,
                    confidence_product + (1.0::float8 - confidence_product) * %(gain)s::float8
                        * (CASE WHEN evidence / %(saturation)s::float8 > 40.0 THEN 1.0::float8
                           ELSE 1.0::float8 - EXP(-evidence / %(saturation)s::float8) END)
                        AS confidence,
                    CASE WHEN effort_estimate IS NOT NULL
                         THEN GREATEST(effort_estimate, %(min_effort)s::float8) END AS effort
                FROM (
                    SELECT i.id AS item_id, i.status, i.reach AS reach_product,
                        i.impact AS impact_product, i.effort AS effort_estimate,
                        COALESCE(i.confidence, %(default_confidence)s::float8)
                            AS confidence_product,
                        CASE WHEN e.rm > 0 THEN e.rm END AS reach_marketing,
                        CASE WHEN e.rm > 0 THEN e.sev / e.rm END AS impact_marketing,
                        COALESCE(e.se, 0.0::float8)
                            + %(phi)s::float8 * COALESCE(e.rw, 0.0::float8) AS evidence,
                        COALESCE(e.rc, 0) AS report_count, COALESCE(e.sc, 0) AS signal_count
                    FROM {q(RoadmapItem._meta.db_table)} i
                    LEFT JOIN ({sums_sql}) e(item_id, rm, sev, rw, rc, se, sc)
                        ON e.item_id = i.id
                    WHERE true{item_filter}
                ) b
            ) f
        ) s
    """  # noqa: S608 (identifiers are ours; every value is a bound parameter)

    sql_params = {
        **sums_params,
        **filter_params,
        "model_id": model_id,
        "rankable": list(engine.RANKABLE_STATUSES),
        "alpha": float(params.product_weight),
        # Computed here like the engine does (1.0 - α in Python), not in SQL.
        "beta": float(1.0 - params.product_weight),
        "gain": float(params.evidence_gain),
        "saturation": float(params.evidence_saturation),
        "min_effort": float(params.min_effort),
        "default_confidence": float(params.default_confidence),
        "phi": float(params.friction_evidence_weight),
    }
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


def _aware(value: datetime | str) -> datetime:
    """A datetime read by a raw cursor as the ORM would return it: aware, in UTC. SQLite
    hands back text, or a naive datetime when it knows the column's declared type."""
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if parsed is None:
        raise ValueError(f"not a datetime: {value!r}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def items_inputs(
    *, item_ids: Iterable[int]
) -> tuple[dict[int, list[engine.ReportInput]], dict[int, list[engine.SignalInput]]]:
    """Every scoring input of the items, by item id, as the engine takes them (for
    contributors and explanations): one statement whatever the number of items.

    Raw SQL rather than two ORM queries: an explanation reads a handful of rows, and
    compiling the two querysets cost more than running them (bench/api.py)."""
    ids = [int(i) for i in item_ids]
    reports: dict[int, list[engine.ReportInput]] = defaultdict(list)
    signals: dict[int, list[engine.SignalInput]] = defaultdict(list)
    if not ids:
        return reports, signals
    report_filter, params = _item_filter_sql(ids)
    signal_filter, _ = _item_filter_sql(ids)
    q = connection.ops.quote_name
    # One row shape for both kinds: (is a report, item, evidence, observed_at, segment,
    # link weight, affected people, severity, report status or signal kind, dismissed).
    sql = f"""
        SELECT 1, l.item_id, l.report_id, r.observed_at, seg.slug, l.weight,
               r.affected_people, r.severity, r.status, NULL
        FROM {q(ReportLink._meta.db_table)} l
        JOIN {q(FrictionReport._meta.db_table)} r ON r.id = l.report_id
        LEFT JOIN roadmap_segment seg ON seg.id = r.segment_id
        WHERE true{report_filter}
        UNION ALL
        SELECT 0, l.item_id, l.signal_id, s.observed_at, seg.slug, l.weight,
               NULL, NULL, s.kind, s.dismissed
        FROM {q(SignalLink._meta.db_table)} l
        JOIN {q(MarketSignal._meta.db_table)} s ON s.id = l.signal_id
        LEFT JOIN roadmap_segment seg ON seg.id = s.segment_id
        WHERE true{signal_filter}
    """  # noqa: S608 (identifiers are ours; every value is a bound parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for is_report, item_id, evidence_id, observed_at, segment, weight, n, sev, label, dis in rows:
        if is_report:
            reports[item_id].append(
                engine.ReportInput(
                    id=evidence_id,
                    affected_people=float(n),
                    severity=sev,
                    observed_at=_aware(observed_at),
                    segment=segment,
                    link_weight=weight,
                    status=label,
                )
            )
        else:
            signals[item_id].append(
                engine.SignalInput(
                    id=evidence_id,
                    kind=label,
                    observed_at=_aware(observed_at),
                    segment=segment,
                    link_weight=weight,
                    dismissed=bool(dis),
                )
            )
    return reports, signals


def item_inputs(*, item_id: int) -> tuple[list[engine.ReportInput], list[engine.SignalInput]]:
    """Every input of one item as engine dataclasses, for contributors and explanations."""
    reports, signals = items_inputs(item_ids=[item_id])
    return reports.get(item_id, []), signals.get(item_id, [])
