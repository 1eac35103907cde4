"""The bulk upsert's write on PostgreSQL, set-based: whatever the number of records, one
statement writes the records and their history rows, one replaces the links and writes
their history rows, one marks the items dirty.

The records are checked exactly as on the portable path (`bulk.bulk_prepare`: the rows
that exist are locked, then ownership, field checks and `clean()` per record); only the
writing differs:

- records: `INSERT ... SELECT FROM unnest(...)` for the new ones and `UPDATE ... FROM
  unnest(...)` for the stored ones, both `RETURNING` the rows, which a third
  data-modifying CTE copies into the history table. The stored rows are locked and known
  before the write (their owner is checked), so a plain INSERT is right rather than
  `ON CONFLICT`: a twin inserted concurrently is a unique violation, answered 409 as on
  the portable path, never an update that skipped the ownership check.
- links: one statement deletes the links no longer wanted, upserts the wanted ones
  (`ON CONFLICT ... DO UPDATE ... WHERE` the weight changed), writes a history row for
  each row it deleted, created or reweighted, and returns the items linked before (the
  statement's snapshot) with those changes, which are the items to mark dirty.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, models
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Field, Model
from django.utils import timezone

from signals import webhook_events
from signals.models import ReportLink
from signals.services.bulk_prepare import bulk_prepare, created_events
from signals.services.bulk_records import BulkOutcome, BulkRecord
from signals.services.common import AnyEvidence, EvidenceKind, mark_dirty, radar_mark

# The columns simple-history adds to a historical table, beside the tracked fields.
_HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")


def _quote(name: str | None) -> str:
    """A column or table name quoted for the SQL (Django's fields always have one here)."""
    assert name is not None
    return connection.ops.quote_name(name)


def bulk_write_pg(
    kind: EvidenceKind,
    accepted: Sequence[tuple[BulkRecord, tuple[str, str]]],
    *,
    user: User,
    may_update_any: bool,
) -> dict[int, BulkOutcome]:
    """`bulk._bulk_write`, set-based: the same rows, history rows, links, dirty marks,
    events and answers, in a constant number of statements."""
    prepared = bulk_prepare(
        kind, accepted, user=user, may_update_any=may_update_any, locate=_evidence_locked
    )
    outcomes = prepared.outcomes
    now = timezone.now()
    created = [evidence for _, evidence in prepared.to_create]
    updated = [evidence for _, evidence in prepared.to_update]
    _records_write(
        kind.model,
        created,
        updated,
        update_fields=sorted(prepared.update_fields | {"updated_at"}),
        user_id=user.pk,
        now=now,
    )
    created_events(kind, created)
    desired: dict[int, list[tuple[int, float]]] = {}  # evidence id → (item id, weight)
    written: tuple[tuple[Literal["created", "updated"], list[tuple[int, AnyEvidence]]], ...]
    written = (("created", prepared.to_create), ("updated", prepared.to_update))
    for status, pairs in written:
        for index, evidence in pairs:
            if index in prepared.links_of:
                desired[evidence.pk] = prepared.links_of[index]
            outcomes[index] = BulkOutcome(index=index, status=status, id=evidence.pk)
    affected: set[int] = set()
    if kind.link_model is not None and (desired or updated):
        affected = _links_replace(
            kind,
            desired=desired,
            updated_ids=[evidence.pk for evidence in updated],
            user_id=user.pk,
            now=now,
        )
    mark_dirty(affected)
    radar_mark(kind, [e.pk for e in (*created, *updated)], affected)
    return outcomes


def _evidence_locked(
    kind: EvidenceKind, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], AnyEvidence]:
    """The stored records with these (source, external_id) keys, locked, in one statement
    whose cost follows the number of keys, not the size of the table: the keys are bound
    as two binary arrays and each is looked up on the unique (source, external_id) index
    (`LATERAL ... LIMIT 1`: one probe per key, which the planner cannot turn into a hash
    join over the whole table, as it did with a plain join once a request named a few
    percent of the table). Keys are
    locked in their sorted order (the order the nested loop visits them), so two requests
    that share records cannot deadlock."""
    if not keys:
        return {}
    model = kind.model
    meta = model._meta
    fields = meta.concrete_fields
    q = _quote
    columns = ", ".join(f"t.{q(f.column)}" for f in fields)
    sql = (
        f"SELECT {columns} FROM unnest(%b::text[], %b::text[]) AS k (source, external_id) "  # noqa: S608
        f"CROSS JOIN LATERAL (SELECT * FROM {q(meta.db_table)} AS r "
        "WHERE r.source = k.source AND r.external_id = k.external_id "
        "AND r.external_id <> '' LIMIT 1 FOR NO KEY UPDATE) AS t"
    )
    ordered = sorted(set(keys))
    with _binding_cursor() as cursor:
        cursor.execute(sql, [[s for s, _ in ordered], [e for _, e in ordered]])
        rows = cursor.fetchall()
    names = [f.attname for f in fields]
    converters = [(n, f, f.get_db_converters(connection)) for n, f in enumerate(fields)]
    converters = [c for c in converters if c[2]]  # none today: a field that gains one
    found: dict[tuple[str, str], AnyEvidence] = {}
    for row in rows:
        values = list(row)
        for n, f, convert in converters:
            for function in convert:
                values[n] = function(values[n], f, connection)
        record = model.from_db(connection.alias, names, values)
        found[(record.source, record.external_id)] = record
    return found


# Field types whose values, once the model's checks passed, are what the database takes
# (get_db_prep_save would only convert them to themselves), with the Python types they
# then have. An aware datetime is passed as is; a naive one still goes through Django.
_AS_IS: tuple[tuple[type[Field], tuple[type, ...]], ...] = (
    (models.CharField, (str,)),
    (models.TextField, (str,)),
    (models.BooleanField, (bool,)),
    (models.FloatField, (float,)),
    (models.IntegerField, (int,)),
    (models.ForeignKey, (int,)),
    (models.DateTimeField, (datetime,)),
)


@contextmanager
def _binding_cursor() -> Iterator[Any]:
    """A cursor that binds its parameters on the server, the arrays (`%b`) in binary.

    Django's psycopg cursor binds on the client: it writes every parameter into the SQL
    text, and quoting 1,000-element arrays of strings there costs ten times the CPU of
    sending them in binary. Same connection, same transaction, and the same Django
    wrapper (query logging, execute wrappers) as `connection.cursor()`.
    """
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw: Any = ServerBindingCursor(connection.connection)  # type: ignore[call-arg]  # psycopg's Cursor(connection)
    wrapped = (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )
    with wrapped as cursor:
        yield cursor


def _array(field: Field, values: list[Any]) -> tuple[str, list[Any]]:
    """An unnest argument: the placeholder cast to the column's array type, and the values
    as the database takes them."""
    types = next((types for kind, types in _AS_IS if isinstance(field, kind)), ())
    prepared = [
        value
        if value is None
        or (
            type(value) in types
            and (not isinstance(value, datetime) or value.utcoffset() is not None)
        )
        else field.get_db_prep_save(value, connection)
        for value in values
    ]
    return f"%b::{field.db_type(connection)}[]", prepared


def _history_insert(model: type[Model], source: str, *, type_sql: str) -> str | None:
    """`INSERT INTO <history table> ... SELECT ... FROM <source>`, the history rows of the
    rows `source` returns (its `type_sql` column says +, ~ or -); None when simple-history
    is switched off. Three placeholders: history date, user id (the change reason is "")."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return None
    historical = model.history.model  # type: ignore[attr-defined]
    q = _quote
    tracked = [q(f.column) for f in historical.tracked_fields]
    own = [
        f.column
        for f in historical._meta.concrete_fields
        if f.column not in {g.column for g in historical.tracked_fields} and not f.primary_key
    ]
    if sorted(own) != sorted(_HISTORY_COLUMNS):  # a history model this code does not know
        raise NotImplementedError(f"history columns {own} of {historical.__name__}")
    columns = ", ".join([*tracked, *(q(c) for c in _HISTORY_COLUMNS)])
    user_type = historical._meta.get_field("history_user").target_field.db_type(connection)
    return (
        f"INSERT INTO {q(historical._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {', '.join(tracked)}, %s::timestamptz, '', {type_sql}, %s::{user_type} "
        f"FROM {source}"
    )


def _records_write(
    model: type[Model],
    created: Sequence[AnyEvidence],
    updated: Sequence[AnyEvidence],
    *,
    update_fields: Sequence[str],
    user_id: int | None,
    now: datetime,
) -> None:
    """Insert `created`, update `updated` (their `update_fields`) and write a history row
    for each, in one statement; set the new rows' ids on `created`."""
    if not created and not updated:
        return
    meta = model._meta
    q = _quote
    table = q(meta.db_table)
    pk = meta.pk
    assert pk is not None
    params: list[Any] = []
    parts: list[str] = []
    for obj in created:
        for f in meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                setattr(obj, f.attname, now)  # what pre_save would set on a new row
    for obj in updated:
        obj.updated_at = now
    if created:
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        arrays = []
        for f in fields:
            sql, values = _array(f, [getattr(obj, f.attname) for obj in created])
            arrays.append(sql)
            params.append(values)
        names = ", ".join(q(f.column) for f in fields)
        parts.append(
            f"new AS (INSERT INTO {table} ({names}) "  # noqa: S608
            f"SELECT * FROM unnest({', '.join(arrays)}) RETURNING *)"
        )
    if updated:
        fields = [pk, *(cast("Field[Any, Any]", meta.get_field(name)) for name in update_fields)]
        arrays = []
        for f in fields:
            sql, values = _array(f, [getattr(obj, f.attname) for obj in updated])
            arrays.append(sql)
            params.append(values)
        names = ", ".join(q(f.column) for f in fields)
        sets = ", ".join(f"{q(f.column)} = v.{q(f.column)}" for f in fields[1:])
        parts.append(
            f"changed AS (UPDATE {table} AS t SET {sets} "  # noqa: S608
            f"FROM unnest({', '.join(arrays)}) AS v ({names}) "
            f"WHERE t.{q(pk.column)} = v.{q(pk.column)} RETURNING t.*)"
        )
    both = " UNION ALL ".join(
        f"SELECT *, '{mark}' AS history_type_ FROM {name}"  # noqa: S608
        for name, mark, rows in (("new", "+", created), ("changed", "~", updated))
        if rows
    )
    history = _history_insert(model, f"({both}) AS rows", type_sql="rows.history_type_")
    if history is not None:
        parts.append(f"history AS ({history})")
        params += [now, user_id]
    returned = f"SELECT {q(pk.column)} FROM new" if created else "SELECT NULL LIMIT 0"  # noqa: S608
    with _binding_cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {returned}", params)
        ids = [row[0] for row in cursor.fetchall()]
    # RETURNING gives the rows of INSERT ... SELECT FROM unnest in their input order.
    assert len(ids) == len(created)
    for obj, new_id in zip(created, ids, strict=True):
        obj.pk = new_id
        obj._state.adding = False
        obj._state.db = connection.alias


def _links_replace(
    kind: EvidenceKind,
    *,
    desired: Mapping[int, Sequence[tuple[int, float]]],
    updated_ids: Iterable[int],
    user_id: int | None,
    now: datetime,
) -> set[int]:
    """Make the links of each evidence id in `desired` exactly its pairs, with a history
    row per link deleted, created or reweighted; return the items to mark dirty: those
    linked to `updated_ids` before, and those of `desired`. The ids of `desired` are new
    records (no links yet) or among `updated_ids`."""
    link_model = kind.link_model
    assert link_model is not None
    weight_field = link_model._meta.get_field("weight")
    evidence_ids: list[int] = []
    item_ids: list[int] = []
    weights: list[float] = []
    for evidence_id, pairs in desired.items():
        for item_id, weight in pairs:
            for validate in weight_field.validators:  # the check links_sync's full_clean runs
                validate(weight)
            evidence_ids.append(evidence_id)
            item_ids.append(item_id)
            weights.append(weight)
    q = _quote
    table = q(link_model._meta.db_table)
    fk = q(f"{kind.fk}_id")
    changes = (
        "(SELECT *, '-' AS history_type_ FROM gone UNION ALL SELECT *, CASE WHEN id IN "
        "(SELECT id FROM prior) THEN '~' ELSE '+' END FROM put) AS rows"
    )
    history = _history_insert(link_model, changes, type_sql="rows.history_type_")
    # Every CTE reads the snapshot taken before the statement: `before` (the links of the
    # stored records, read once) and `prior` (those of them whose links are
    # replaced: new records have none) are the links as they were, whatever `gone` and
    # `put` change.
    sql = (
        "WITH d AS (SELECT * FROM unnest(%b::bigint[], %b::bigint[], %b::double precision[]) "  # noqa: S608
        "AS d (ev, item, weight)), "
        f"before AS (SELECT id, item_id, {fk} AS ev FROM {table} WHERE {fk} = ANY(%b::bigint[])), "
        "prior AS (SELECT id FROM before WHERE ev = ANY(%b::bigint[])), "
        f"gone AS (DELETE FROM {table} AS l USING prior WHERE l.id = prior.id AND NOT EXISTS "
        f"(SELECT 1 FROM d WHERE d.ev = l.{fk} AND d.item = l.item_id) RETURNING l.*), "
        f"put AS (INSERT INTO {table} AS l (item_id, {fk}, weight, created_at) "
        "SELECT item, ev, weight, %s FROM d "
        f"ON CONFLICT (item_id, {fk}) DO UPDATE SET weight = excluded.weight "
        "WHERE l.weight IS DISTINCT FROM excluded.weight RETURNING l.*)"
    )
    params: list[Any] = [evidence_ids, item_ids, weights, list(updated_ids), list(desired), now]
    if history is not None:
        sql += f", history AS ({history})"
        params += [now, user_id]
    sql += (
        " SELECT 'before', item_id, NULL::bigint, NULL::double precision FROM before "  # noqa: S608
        f"UNION ALL SELECT 'new', item_id, {fk}, weight FROM put "
        "WHERE id NOT IN (SELECT id FROM prior) "
        f"UNION ALL SELECT 'reweighted', item_id, {fk}, weight FROM put "
        "WHERE id IN (SELECT id FROM prior)"
    )
    with _binding_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    affected = set(item_ids)
    affected.update(item_id for what, item_id, _, _ in rows if what == "before")
    if link_model is ReportLink:
        webhook_events.reports_linked(
            ReportLink(item_id=item_id, report_id=evidence_id, weight=weight)
            for what, item_id, evidence_id, weight in rows
            if what != "before"
        )
    return affected
