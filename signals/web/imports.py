"""Importing a CSV or XLSX file of friction reports or market signals.

Reading (tablib, openpyxl for XLSX) turns the file into rows of plain values; a dry run
validates every row with the serializers of `POST .../bulk/` and answers per row (row,
column, what is wrong) in the sender's terms; the confirmed import goes through the same
bulk service, in one transaction that is rolled back if any row is refused, so a file is
imported whole or not at all.

Limits: MAX_IMPORT_BYTES per file, MAX_BULK_RECORDS rows (the bulk API's limit). Cells are
never evaluated: an XLSX formula, or a text cell starting with "=", is refused with a
message; templates written by `template_file` escape text starting with =, +, -, @.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import tablib
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from roadmap.models import Segment
from signals import services
from signals.api.serializers import (
    MAX_BULK_RECORDS,
    MAX_LINKS_PER_RECORD,
    FrictionReportBulkRecordSerializer,
    MarketSignalBulkRecordSerializer,
    bulk_records_validate,
)

Kind = Literal["reports", "signals"]
KINDS: tuple[Kind, ...] = ("reports", "signals")
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = MAX_BULK_RECORDS
DEFAULT_SOURCE = "file-import"
# First characters a spreadsheet reads as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class KindSpec:
    serializer: type[Any]
    columns: tuple[str, ...]  # in template order; `external_id` is required
    required: tuple[str, ...]
    integers: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    example: Mapping[str, Any] = field(default_factory=dict)


_COMMON_TAIL = ("segment", "observed_at", "items", "source")

SPECS: dict[Kind, KindSpec] = {
    "reports": KindSpec(
        serializer=FrictionReportBulkRecordSerializer,
        columns=(
            "external_id",
            "campaign",
            "title",
            "summary",
            "channel",
            "funnel_stage",
            "affected_people",
            "severity",
            "metric_name",
            "metric_before",
            "metric_after",
            *_COMMON_TAIL,
        ),
        required=(
            "external_id",
            "campaign",
            "channel",
            "funnel_stage",
            "affected_people",
            "severity",
            "observed_at",
        ),
        integers=frozenset({"affected_people"}),
        numbers=frozenset({"severity", "metric_before", "metric_after"}),
        example={
            "external_id": "SPRING-001",
            "campaign": "Spring webinar",
            "title": "Sign-up form too long",
            "summary": "Half of the visitors leave at the company size field.",
            "channel": "email",
            "funnel_stage": "activation",
            "affected_people": 1200,
            "severity": 2,
            "metric_name": "sign-up rate",
            "metric_before": 0.12,
            "metric_after": "",
            "segment": "",
            "observed_at": "2026-11-03",
            "items": "",
            "source": DEFAULT_SOURCE,
        },
    ),
    "signals": KindSpec(
        serializer=MarketSignalBulkRecordSerializer,
        columns=(
            "external_id",
            "kind",
            "title",
            "summary",
            "account_name",
            "account_value",
            *_COMMON_TAIL,
        ),
        required=("external_id", "kind", "title", "observed_at"),
        numbers=frozenset({"account_value"}),
        example={
            "external_id": "CRM-4711",
            "kind": "customer_request",
            "title": "SSO for small teams",
            "summary": "Asked again at the renewal call.",
            "account_name": "Acme",
            "account_value": 24000,
            "segment": "",
            "observed_at": "2026-11-03",
            "items": "",
            "source": DEFAULT_SOURCE,
        },
    ),
}


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing of it is kept."""


@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


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


# --- Reading ------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """UTF-8 with or without BOM, else Windows-1252 (what Excel calls Latin-1), else
    ISO-8859-1, which decodes any byte."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_csv(data: bytes) -> tablib.Dataset:
    text = _decode(data)
    if "\x00" in text:
        raise ImportFileError(_("The file is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    try:
        return tablib.Dataset().load(text, format="csv", delimiter=delimiter)
    except Exception as exc:  # tablib/csv raise several types for broken text
        raise ImportFileError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


class _Formula:
    """An XLSX cell holding a formula: kept as a marker, never evaluated."""

    def __init__(self, text: str) -> None:
        self.text = text


def _read_xlsx(data: bytes) -> tablib.Dataset:
    from openpyxl import load_workbook  # tablib[xlsx]'s reader
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only=False: a formula is read as its text, so it can be refused rather than
        # taken at whatever value Excel last cached.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
    sheet = book.active
    if sheet is None:
        raise ImportFileError(_("The file is not a readable XLSX workbook."))
    dataset = tablib.Dataset()
    rows = sheet.iter_rows()
    try:
        header = next(rows)
    except StopIteration:
        return dataset
    dataset.headers = ["" if cell.value is None else str(cell.value) for cell in header]
    width = len(dataset.headers)
    for count, cells in enumerate(rows, start=1):
        if count > MAX_IMPORT_ROWS + 1:
            break  # enough to say the file is too long, without reading it all
        values: list[Any] = []
        for cell in cells[:width]:
            if getattr(cell, "data_type", None) == "f":
                values.append(_Formula(str(cell.value)))
            else:
                values.append(cell.value)
        values.extend([None] * (width - len(values)))
        dataset.append(values)
    book.close()
    return dataset


def read_file(*, name: str, data: bytes) -> tablib.Dataset:
    """The file's first sheet (XLSX) or its text (CSV) as a dataset with headers."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(too_large_message())
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        return _read_xlsx(data)
    if lowered.endswith(".csv"):
        return _read_csv(data)
    raise ImportFileError(
        _("Only CSV (.csv) and Excel (.xlsx) files can be imported; “%(name)s” is neither.")
        % {"name": name}
    )


def too_large_message() -> str:
    return _("The file is larger than %(limit)s MB, the largest file that can be imported.") % {
        "limit": MAX_IMPORT_BYTES // (1024 * 1024)
    }


# --- Rows into bulk records ---------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A cell as JSON-friendly data for the session: text trimmed, dates as ISO text."""
    if isinstance(value, _Formula):
        return {"formula": value.text}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value


def parse_rows(
    *, kind: Kind, dataset: tablib.Dataset
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """The rows as {column: value}, and the file-level problems (unknown or missing
    columns, too many rows, no rows): any of those stops the import."""
    spec = SPECS[kind]
    headers = [str(header or "").strip().lstrip("\ufeff") for header in dataset.headers or []]
    problems: list[RowError] = []
    unknown = [header for header in headers if header and header not in spec.columns]
    if unknown:
        problems.append(
            RowError(
                row=1,
                column=", ".join(unknown),
                message=_("Unknown column(s). The columns of this file kind are: %(columns)s.")
                % {"columns": ", ".join(spec.columns)},
            )
        )
    missing = [column for column in spec.required if column not in headers]
    if missing:
        problems.append(
            RowError(
                row=1,
                column=", ".join(missing),
                message=_("Required column(s) missing from the header row."),
            )
        )
    if len(dataset) > MAX_IMPORT_ROWS:
        problems.append(
            RowError(
                row=0,
                column="",
                message=_(
                    "The file has more than %(limit)s rows; import at most %(limit)s rows "
                    "at a time (split the file)."
                )
                % {"limit": number_format(MAX_IMPORT_ROWS, force_grouping=True)},
            )
        )
    rows: list[dict[str, Any]] = []
    if not problems:
        for values in dataset:
            row = {
                header: _plain(value)
                for header, value in zip(headers, values, strict=False)
                if header
            }
            if any(value not in (None, "") for value in row.values()):
                rows.append(row)
        if not rows:
            problems.append(RowError(row=0, column="", message=_("The file has no data rows.")))
    return rows, problems


def _number(text: str) -> float | int | str:
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # a decimal comma (French Excel)
    try:
        number = float(cleaned)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in cleaned else number


def _moment(text: str) -> str:
    """A date or a date and time as spreadsheets write them, without an offset: read in
    the site's time zone (the API asks for an explicit offset; people's files have none).
    Anything else goes to the serializer as it came, to be refused there."""
    moment = parse_datetime(text.replace(" ", "T", 1)) if len(text) > 10 else None
    if moment is None and len(text) == 10:
        day = parse_date(text)
        moment = None if day is None else datetime(day.year, day.month, day.day)
    if moment is None:
        return text
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.isoformat()


_ITEM_RE = re.compile(r"^#?(\d+)(?:\s*[:=]\s*([0-9.,]+))?$")


def _links(text: str) -> tuple[list[dict[str, Any]] | None, str | None]:
    """`items` as "12" or "12:0.5; 15": item ids, each with an optional weight."""
    links: list[dict[str, Any]] = []
    for part in re.split(r"[;|]", text):
        part = part.strip()
        if not part:
            continue
        match = _ITEM_RE.match(part)
        if match is None:
            return None, _(
                "“%(part)s” is not an item: write item ids separated by “;”, each with an "
                "optional weight after “:” (for example “12:0.5; 15”)."
            ) % {"part": part}
        link: dict[str, Any] = {"item": int(match.group(1))}
        if match.group(2):
            link["weight"] = _number(match.group(2))
        links.append(link)
    if len(links) > MAX_LINKS_PER_RECORD:
        return None, _("At most %(limit)s items per row.") % {"limit": MAX_LINKS_PER_RECORD}
    return links, None


def _records(
    kind: Kind, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Rows as bulk API records, and the problems found before the serializer (formulas,
    unknown segments, malformed item lists)."""
    spec = SPECS[kind]
    slugs = {str(row.get("segment")) for row in rows if row.get("segment") not in (None, "")}
    segments = dict(Segment.objects.filter(slug__in=slugs).values_list("slug", "id"))
    records: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        line = index + 2
        record: dict[str, Any] = {}
        for column, value in row.items():
            if value is None or value == "":
                continue
            if isinstance(value, dict) or (isinstance(value, str) and value.startswith("=")):
                errors.append(
                    RowError(
                        line,
                        column,
                        _(
                            "This cell holds a formula; formulas are never evaluated. Put "
                            "the value itself in the cell."
                        ),
                    )
                )
                continue
            if column == "items":
                links, problem = _links(str(value))
                if problem:
                    errors.append(RowError(line, column, problem))
                else:
                    record["links"] = links
            elif column == "segment":
                if str(value) in segments:
                    record["segment"] = segments[str(value)]
                else:
                    errors.append(
                        RowError(
                            line,
                            column,
                            _("No segment is named “%(slug)s”.") % {"slug": value},
                        )
                    )
            elif column == "observed_at":
                record[column] = _moment(str(value))
            elif column in spec.integers or column in spec.numbers:
                record[column] = _number(value) if isinstance(value, str) else value
            elif column == "external_id" and isinstance(value, float) and value.is_integer():
                record[column] = str(int(value))  # Excel turns "4711" into 4711.0
            else:
                record[column] = str(value) if not isinstance(value, str) else value
        record.setdefault("source", DEFAULT_SOURCE)
        records.append(record)
    return records, errors


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


def dry_run(*, kind: Kind, rows: Sequence[Mapping[str, Any]]) -> tuple[DryRun, list]:
    """Validate every row as `POST .../bulk/` would, writing nothing. Returns the report
    and the bulk records (for `confirm`)."""
    records, errors = _records(kind, rows)
    bulk = bulk_records_validate(SPECS[kind].serializer, records, context={})
    flagged = {(error.row, error.column) for error in errors}
    for record in bulk:
        if record.errors:
            # A cell refused above (a formula) is also missing for the serializer: once.
            found = _flatten(record.index + 2, record.errors)
            errors.extend(e for e in found if (e.row, e.column) not in flagged)
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(records):
        key = (str(row.get("source", "")), str(row.get("external_id", "")))
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
    model = SPECS[kind].serializer.Meta.model
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
    again here, or by the service: someone else's record) rolls everything back."""
    report, bulk = dry_run(kind=kind, rows=rows)
    if report.errors:
        raise ImportRefused(report.errors)
    upsert = services.reports_bulk_upsert if kind == "reports" else services.signals_bulk_upsert
    with transaction.atomic():
        result = upsert(records=bulk, user=user, may_update_any=may_update_any)
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


# --- Templates ----------------------------------------------------------------------------


def csv_safe(value: Any) -> Any:
    """A text value a spreadsheet would read as a formula, prefixed with an apostrophe so
    it stays text; numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def template_file(*, kind: Kind, file_format: Literal["csv", "xlsx"]) -> bytes:
    """The header row and one example row of a kind, as CSV (UTF-8 with BOM, so Excel
    reads accents) or XLSX."""
    spec = SPECS[kind]
    dataset = tablib.Dataset(headers=list(spec.columns))
    dataset.append([csv_safe(spec.example.get(column, "")) for column in spec.columns])
    if file_format == "csv":
        return ("\ufeff" + dataset.export("csv")).encode("utf-8")
    exported = dataset.export("xlsx")
    return exported if isinstance(exported, bytes) else bytes(exported)
