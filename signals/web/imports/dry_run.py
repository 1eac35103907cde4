"""The dry run and the confirmed import.

A dry run validates every row with the serializers of `POST .../bulk/` and answers per row
(row, column, what is wrong) in the sender's terms, writing nothing; the confirmed import
goes through the same bulk service, in one transaction rolled back if any row is refused,
so a file is imported whole or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from signals.web.imports.rows import RowError, records_from_rows
from signals.web.imports.specs import SPECS, Kind


@dataclass
class DryRun:
    rows: list[dict[str, Any]]  # the parsed rows, as stored for the confirmation
    errors: list[RowError]
    existing: int = 0  # rows whose (source, external_id) is already known: updates

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def errors_by_row(self) -> dict[int, list[RowError]]:
        grouped: dict[int, list[RowError]] = {}
        for error in self.errors:
            grouped.setdefault(error.row, []).append(error)
        return grouped


def _flatten(row: int, errors: Any, column: str = "") -> list[RowError]:
    """A serializer's nested errors as (row, column, message)."""
    if isinstance(errors, Mapping):
        found: list[RowError] = []
        for key, value in errors.items():
            name = "items" if key == "links" else key
            if key == "non_field_errors" or column:
                name = column
            found.extend(_flatten(row, value, name))
        return found
    if isinstance(errors, list | tuple):
        return [error for value in errors for error in _flatten(row, value, column)]
    return [RowError(row, column, str(errors))]


def _model_clean(model: Any, record: Any) -> Any:
    """The record rejected with the model's own clean() errors (funnel order, period),
    as the bulk service's full_clean would."""
    if record.data is None:
        return record
    fields = {f.name for f in model._meta.concrete_fields}
    try:
        model(**{k: v for k, v in record.data.items() if k in fields}).clean()
    except ValidationError as exc:
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return replace(record, data=None, errors=errors)
    return record


def dry_run(*, kind: Kind, rows: Sequence[Mapping[str, Any]]) -> tuple[DryRun, list]:
    """Validate every row as `POST .../bulk/` would, writing nothing. Returns the report
    and the bulk records (for `confirm`)."""
    spec = SPECS[kind]
    records, errors = records_from_rows(kind, rows)
    bulk = spec.validate(spec.serializer, records, context={})
    if spec.model_clean:
        bulk = [_model_clean(spec.serializer.Meta.model, record) for record in bulk]
    if spec.precheck is not None:
        bulk = spec.precheck(bulk)
    flagged = {(error.row, error.column) for error in errors}
    for record in bulk:
        if record.errors:
            # A cell refused above (a formula) is also missing for the serializer: once.
            found = _flatten(record.index + 2, record.errors)
            errors.extend(e for e in found if (e.row, e.column) not in flagged)
    seen: dict[tuple[str, str], int] = {}
    for index, record in enumerate(records):
        key = (str(record.get("source", "")), str(record.get("external_id", "")))
        if key[1] and key in seen:
            errors.append(
                RowError(
                    index + 2,
                    "external_id",
                    _("Row %(row)s has the same external_id; each record once per file.")
                    % {"row": seen[key]},
                )
            )
        seen.setdefault(key, index + 2)
    errors.sort(key=lambda error: error.row)
    model = spec.serializer.Meta.model
    existing = {
        key
        for key in model.objects.filter(
            source__in={key[0] for key in seen}, external_id__in={key[1] for key in seen}
        ).values_list("source", "external_id")
        if key in seen
    }
    report = DryRun(rows=[dict(row) for row in rows], errors=errors, existing=len(existing))
    return report, bulk


class ImportRefused(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("import refused")
        self.errors = errors


def confirm(*, kind: Kind, rows: Sequence[Mapping[str, Any]], user: Any, may_update_any: bool):
    """Import the rows through the bulk service, all or nothing: any refused row (found
    again here, or by the service: someone else's record, an overlapping period) rolls
    everything back."""
    report, bulk = dry_run(kind=kind, rows=rows)
    if report.errors:
        raise ImportRefused(report.errors)
    with transaction.atomic():
        result = SPECS[kind].upsert(records=bulk, user=user, may_update_any=may_update_any)
        if result.rejected:
            transaction.set_rollback(True)
            errors = [
                error
                for outcome in result.results
                if outcome.status == "rejected"
                for error in _flatten(outcome.index + 2, outcome.errors or {})
            ]
            raise ImportRefused(errors)
    return result


def summary_message(result: Any) -> str:
    return ngettext(
        "Imported %(count)s row: %(created)s created, %(updated)s updated.",
        "Imported %(count)s rows: %(created)s created, %(updated)s updated.",
        result.created + result.updated,
    ) % {
        "count": result.created + result.updated,
        "created": result.created,
        "updated": result.updated,
    }
