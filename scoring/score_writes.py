"""The writes of a recomputation: new ItemScore rows upserted, a ScoreHistory row (with
the item's new position) for each score or rankability that changed, dirty marks cleared.

Two paths give the same rows:

- PostgreSQL: `scores_recompute_sql` runs one statement that computes every score
  (`selectors.item_scores_sql`, the engine's formulas in SQL), upserts them and appends
  the history; nothing crosses the wire but three counts.
- SQLite, and PostgreSQL when that statement underflows: the engine scores the rows in
  Python (`scores_recompute_python`), and `scores_write` loads the rows into a temporary
  table, then writes from there.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from roadmap.choices import RANKABLE_STATUSES
from roadmap.models import DirtyItem
from scoring import engine, selectors
from scoring.models import ItemScore, ScoreHistory

COLUMNS = (
    "item_id",
    "model_id",
    "score",
    "rankable",
    "reach",
    "reach_product",
    "reach_marketing",
    "impact",
    "impact_product",
    "impact_marketing",
    "confidence",
    "confidence_product",
    "evidence",
    "effort",
    "effort_estimate",
    "missing",
    "signal_count",
    "report_count",
    "computed_at",
)

# ScoreHistory's columns besides `position`, each named like the ItemScore column it copies.
_HISTORY = (
    "item_id",
    "model_id",
    "computed_at",
    "score",
    "reach",
    "impact",
    "confidence",
    "effort",
    "reach_product",
    "reach_marketing",
    "impact_product",
    "impact_marketing",
)


@dataclass(frozen=True)
class WriteCounts:
    items: int
    scored: int
    history_rows: int


@functools.cache
def _missing_json(missing: tuple[str, ...]) -> str:
    return json.dumps(list(missing))


def score_row(
    item_id: int, result: engine.ScoreResult, status: str, model_id: int, now: datetime
) -> tuple[Any, ...]:
    """One ItemScore row as a tuple in `COLUMNS` order (no model instance: 100,000 of
    them would cost more than the scoring itself)."""
    return (
        item_id,
        model_id,
        result.score,
        result.score is not None and status in RANKABLE_STATUSES,
        result.reach.value,
        result.reach.product,
        result.reach.marketing,
        result.impact.value,
        result.impact.product,
        result.impact.marketing,
        result.confidence.value,
        result.confidence.product,
        result.confidence.evidence,
        result.effort.value,
        result.effort.estimate,
        _missing_json(result.missing),
        result.signal_count,
        result.report_count,
        now,
    )


def scores_recompute_sql(
    *, params: engine.Params, now: datetime, model_id: int, item_ids: list[int] | None
) -> WriteCounts:
    """PostgreSQL: score the given items (all without `item_ids`), upsert their scores and
    append history, in one statement (`recompute_statement`). Raises DataError when a
    float underflows (see `selectors.item_scores_sql`)."""
    sql, sql_params = recompute_statement(
        params=params, now=now, model_id=model_id, item_ids=item_ids
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        items, scored, history_rows = cursor.fetchone()
    return WriteCounts(items=items, scored=scored, history_rows=history_rows)


def recompute_statement(
    *, params: engine.Params, now: datetime, model_id: int, item_ids: list[int] | None
) -> tuple[str, dict[str, Any]]:
    """The statement of `scores_recompute_sql`, returning (items, scored, history rows).

    Every part reads the snapshot taken before the statement, so `changed` compares with
    the old scores, and positions are ranked over the new rows plus the old rows of the
    items not recomputed (the rows the upsert leaves as they were).
    """
    q = connection.ops.quote_name
    scores = q(ItemScore._meta.db_table)
    history = q(ScoreHistory._meta.db_table)
    cols = ", ".join(COLUMNS)
    updates = ", ".join(f"{c} = n.{c}" for c in COLUMNS if c != "item_id")
    excluded = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "item_id")
    new_sql, sql_params = selectors.item_scores_sql(
        params=params, now=now, model_id=model_id, item_ids=item_ids
    )
    hist = ", ".join(_HISTORY)
    others = ""
    if item_ids is not None:
        # The items not recomputed keep their place in the ranking (a full recompute
        # rewrites every score row: rows go with their items).
        others = f"""
            UNION ALL
            SELECT s.item_id, s.score FROM {scores} s
            WHERE s.rankable AND NOT EXISTS (SELECT 1 FROM new n WHERE n.item_id = s.item_id)
        """  # noqa: S608
    # `old`: the item had a score row; `changed`: its score or rankability moved, so it
    # gets a history row with its new position, ranked over the rows as they will be:
    # only (item, score) pairs are ranked (ranking the history's wide rows sorted six
    # times the bytes). History rows go in by item id, not in rank order: the (item,
    # computed_at) index then fills leaf after leaf.
    sql = f"""
        WITH new AS MATERIALIZED (
            SELECT n.*, s.item_id IS NOT NULL AS old,
                   (s.item_id IS NULL OR s.score IS DISTINCT FROM n.score
                    OR s.rankable <> n.rankable) AS changed
            FROM ({new_sql}) n LEFT JOIN {scores} s ON s.item_id = n.item_id
        ),
        updated AS (
            UPDATE {scores} s SET {updates} FROM new n
            WHERE n.old AND s.item_id = n.item_id
        ),
        inserted AS (
            INSERT INTO {scores} ({cols}) SELECT {cols} FROM new WHERE NOT old
            ON CONFLICT (item_id) DO UPDATE SET {excluded}
        ),
        ranked AS (
            SELECT item_id, ROW_NUMBER() OVER (ORDER BY score DESC, item_id) AS position
            FROM (SELECT item_id, score FROM new WHERE rankable {others}) r
        ),
        appended AS (
            INSERT INTO {history} ({hist}, position)
            SELECT {", ".join(f"n.{c}" for c in _HISTORY)}, r.position
            FROM new n LEFT JOIN ranked r ON n.rankable AND r.item_id = n.item_id
            WHERE n.changed
            ORDER BY n.item_id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM new), (SELECT count(score) FROM new),
               (SELECT count(*) FROM appended)
    """  # noqa: S608 (identifiers are ours; every value is a bound parameter)
    return sql, sql_params


def scores_recompute_python(
    *, params: engine.Params, now: datetime, model_id: int, item_ids: list[int] | None
) -> WriteCounts:
    """The engine scores the items from their estimates and SQL sums; then one write."""
    estimates = selectors.item_estimates(item_ids=item_ids)
    sums = selectors.item_evidence_sums(
        params=params, now=now, item_ids=None if item_ids is None else list(estimates)
    )
    empty = engine.EvidenceSums()
    rows = []
    scored = 0
    for item_id, (item_estimates, status) in estimates.items():
        result = engine.score_from_sums(item_estimates, sums.get(item_id, empty), params)
        scored += result.score is not None
        rows.append(score_row(item_id, result, status, model_id, now))
    return WriteCounts(items=len(rows), scored=scored, history_rows=scores_write(rows))


def scores_write(rows: list[tuple[Any, ...]]) -> int:
    """Upsert the rows into ItemScore and append history for the items whose score or
    rankability changed, set-based: the rows go to a temporary table (COPY on
    PostgreSQL), then three statements do the rest. Returns the number of history rows."""
    q = connection.ops.quote_name
    scores = q(ItemScore._meta.db_table)
    history = q(ScoreHistory._meta.db_table)
    cols = ", ".join(COLUMNS)
    hist = ", ".join(_HISTORY)
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "item_id")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS _new_scores")
        cursor.execute("DROP TABLE IF EXISTS _changed_scores")
        cursor.execute(
            f"CREATE TEMPORARY TABLE _new_scores AS SELECT {cols} FROM {scores} WHERE 1 = 0"  # noqa: S608
        )
        _load(cursor, "_new_scores", rows)
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE _changed_scores AS
            SELECT n.item_id FROM _new_scores n LEFT JOIN {scores} s ON s.item_id = n.item_id
            WHERE s.item_id IS NULL OR s.score {distinct} n.score OR s.rankable <> n.rankable
            """  # noqa: S608
        )
        # "WHERE true" lets SQLite tell the upsert's ON CONFLICT from a join condition.
        cursor.execute(
            f"INSERT INTO {scores} ({cols}) SELECT {cols} FROM _new_scores WHERE true "  # noqa: S608
            f"ON CONFLICT (item_id) DO UPDATE SET {updates}"
        )
        cursor.execute(
            f"""
            INSERT INTO {history} ({hist}, position)
            SELECT {", ".join(f"n.{c}" for c in _HISTORY)}, r.pos
            FROM _new_scores n
            JOIN _changed_scores c ON c.item_id = n.item_id
            LEFT JOIN (
                SELECT item_id, ROW_NUMBER() OVER (ORDER BY score DESC, item_id) AS pos
                FROM {scores} WHERE rankable
            ) r ON r.item_id = n.item_id
            """  # noqa: S608
        )
        history_rows: int = cursor.rowcount
        cursor.execute("DROP TABLE _new_scores")
        cursor.execute("DROP TABLE _changed_scores")
    return history_rows


def _load(cursor: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    cursor.executemany(
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
        rows,
    )


def marks_clear(marks: dict[int, int]) -> None:
    """Delete the marks we consumed, unless a writer bumped them since we read them."""
    if not marks:
        return
    table = connection.ops.quote_name(DirtyItem._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two arrays, one statement, whatever the number of marks.
            cursor.execute(
                f"DELETE FROM {table} d USING unnest(%s::bigint[], %s::bigint[]) m(item_id, rev) "  # noqa: S608
                "WHERE d.item_id = m.item_id AND d.rev = m.rev",
                [list(marks), list(marks.values())],
            )
            return
        pairs = list(marks.items())
        for start in range(0, len(pairs), 500):
            chunk = pairs[start : start + 500]
            placeholders = ", ".join(["(%s, %s)"] * len(chunk))
            values = [value for pair in chunk for value in pair]
            cursor.execute(
                f"DELETE FROM {table} WHERE (item_id, rev) IN (VALUES {placeholders})",  # noqa: S608
                values,
            )
