"""Set-based writes shared by the apps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

# Rows per statement: 1,000 rows of ~10 columns stay far below PostgreSQL's 65,535
# parameters.
_BATCH = 1000


def bulk_update_rows(model: type[Model], objs: Sequence[Model], fields: Sequence[str]) -> None:
    """`model.objects.bulk_update(objs, fields)`, as one `UPDATE ... FROM (VALUES ...)` per
    batch on PostgreSQL.

    Django's bulk_update writes `SET f = CASE WHEN id = 1 THEN ... END` for every field:
    each row then walks a CASE of the whole batch, quadratic in the batch. A join against
    a VALUES list is linear. Same values, same fields (as `get_db_prep_save` prepares
    them); SQLite keeps Django's bulk_update.
    """
    if not objs or not fields:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, list(fields))
        return
    meta = model._meta
    concrete = [_column(meta.get_field(name)) for name in fields]
    q = connection.ops.quote_name
    assert meta.pk is not None
    pk = _column(meta.pk)
    columns = [pk, *concrete]
    casts = [f"%s::{field.db_type(connection)}" for field in columns]
    row = "(" + ", ".join(casts) + ")"
    names = ", ".join(q(str(field.column)) for field in columns)
    sets = ", ".join(f"{q(str(field.column))} = v.{q(str(field.column))}" for field in concrete)
    table = q(meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), _BATCH):
            chunk = objs[start : start + _BATCH]
            params: list[Any] = []
            for obj in chunk:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                for field in concrete:
                    value = getattr(obj, field.attname)
                    params.append(field.get_db_prep_save(value, connection))
            values = ", ".join([row] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v ({names}) "  # noqa: S608
                f"WHERE {table}.{q(str(pk.column))} = v.{q(str(pk.column))}",
                params,
            )


def _column(field: object) -> Field[Any, Any]:
    """A field with a column of its own (not a reverse relation, not a many-to-many)."""
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"{field} has no column to update")
    return field
