"""The read generation: a cheap validator for reads that are expensive to build.

A write that changes what a live read shows calls `generation_bump()`; the read's ETag
carries `generation_value()`, read before anything else. A bump inserts a row twice:

- inside the writer's transaction, so that the writer's own connection (and a test,
  which never commits) sees the new generation at once;
- once the transaction has committed (`on_commit`). Ids come from a sequence, in the
  order writers *start*, not the order they commit: a writer that took id 10 and commits
  after one that took id 11 would otherwise leave generation 11 labelling bodies that
  lack its change. The insert after commit takes an id larger than any a reader could
  have seen before that commit, so a body labelled with generation g was read after
  every write whose after-commit id is ≤ g: no stale 304, at the price of an extra 200
  now and then.

Inserts share no row lock, so concurrent writers never wait on each other here. A
process killed between its commit and the second insert leaves the generation behind
until the next write (the daily recompute writes too).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from config.models import Generation

# Keep this many rows behind the newest; older ones carry no information.
_KEEP = 1000


def _insert() -> None:
    table = connection.ops.quote_name(Generation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} DEFAULT VALUES RETURNING id")  # noqa: S608
        new_id = cursor.fetchone()[0]
        # Pruned only outside a transaction (after commit): a writer never holds the
        # locks of old rows while it waits for anything else.
        if new_id % _KEEP == 0 and not connection.in_atomic_block:
            cursor.execute(f"DELETE FROM {table} WHERE id < %s", [new_id - _KEEP])  # noqa: S608


def generation_bump() -> None:
    """Move the generation on now (for this connection) and after commit (for all).

    A transaction that writes many rows inserts once after commit, and inside the
    transaction only when this connection read the generation since its last insert:
    a bulk of 1,000 records costs two inserts, not 2,000.
    """
    if not connection.in_atomic_block:
        _insert()
        return
    if not getattr(connection, "_generation_fresh", False):
        _insert()
        connection._generation_fresh = True  # type: ignore[attr-defined]
    # A savepoint rolled back drops its on_commit callbacks, and this one with them.
    if not any(entry[1] is _after_commit for entry in connection.run_on_commit):
        transaction.on_commit(_after_commit, robust=True)


def _after_commit() -> None:
    connection._generation_fresh = False  # type: ignore[attr-defined]
    _insert()


def generation_value() -> int:
    """The current generation: one index lookup (MAX of the primary key), in plain SQL:
    every conditional live read starts with it, and building the ORM query would cost
    more than running it."""
    connection._generation_fresh = False  # type: ignore[attr-defined]
    table = connection.ops.quote_name(Generation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0] or 0


def _changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    generation_bump()


def generation_bump_on_write(*models: type[Model]) -> None:
    """Bump the generation on every ORM save and delete of `models` (and change of their
    many-to-many tables): each app names the models whose rows the live reads show.
    Set-based writes (recompute, dirty marks, bulk status) call `generation_bump`."""
    for model in models:
        label = model._meta.label
        post_save.connect(_changed, sender=model, dispatch_uid=f"generation-save-{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"generation-delete-{label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _changed, sender=through, dispatch_uid=f"generation-m2m-{label}-{field.name}"
            )


def generation_sql() -> str:
    """`generation_value()` as a scalar subquery, for a read that labels its body with the
    generation seen by its own statement (never newer than the body); 0 when there is
    none yet is the caller's `COALESCE`. Like `generation_value`, it tells the next bump
    inside this connection's transaction that the generation was read."""
    connection._generation_fresh = False  # type: ignore[attr-defined]
    table = connection.ops.quote_name(Generation._meta.db_table)
    return f"(SELECT MAX(id) FROM {table})"  # noqa: S608
