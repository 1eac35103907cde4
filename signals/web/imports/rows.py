"""A file's rows into the records of `POST .../bulk/`: header checks, cells read as people
write them (decimal commas, dates without an offset, Excel's 4711.0), references resolved
(segment slugs, item lists, campaigns), formulas refused. Errors are (row, column,
message), the header being row 1."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import tablib
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from roadmap.models import Segment
from signals.api.serializers import MAX_LINKS_PER_RECORD
from signals.campaigns.models import Campaign
from signals.web.imports.reading import Formula
from signals.web.imports.specs import DEFAULT_SOURCE, MAX_IMPORT_ROWS, SPECS, Kind


@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


def _plain(value: Any) -> Any:
    """A cell as JSON-friendly data for the session: text trimmed, dates as ISO text."""
    if isinstance(value, Formula):
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


def _decimal(value: Any) -> str:
    """An amount as decimal text: "12 000,50" (French Excel) and 12000.5 (an XLSX number)
    both become "12000.50"-like text the serializer reads exactly."""
    if isinstance(value, int | float | Decimal):
        return str(value)
    cleaned = str(value).replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    return cleaned


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


def _day(text: str) -> str:
    """A date cell: XLSX gives a date and time at midnight, people write 2026-11-03."""
    return text[:10] if len(text) > 10 and parse_datetime(text) is not None else text


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


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel turns "4711" into 4711.0
    return str(value)


class _Campaigns:
    """The campaigns a file's rows name, read in one query: by external_id (in the row's
    source first, then in any source when only one campaign has it), else by id."""

    def __init__(self, rows: Sequence[Mapping[str, Any]]) -> None:
        names = {_text(row["campaign"]) for row in rows if row.get("campaign") not in (None, "")}
        ids = {int(name.lstrip("#")) for name in names if name.lstrip("#").isdigit()}
        found = Campaign.objects.filter(Q(external_id__in=names) | Q(pk__in=ids)).values_list(
            "pk", "source", "external_id"
        )
        self.by_key: dict[tuple[str, str], int] = {}
        self.by_external_id: dict[str, set[int]] = {}
        self.ids: set[int] = set()
        for pk, source, external_id in found:
            self.ids.add(pk)
            if external_id:
                self.by_key[(source, external_id)] = pk
                self.by_external_id.setdefault(external_id, set()).add(pk)

    def resolve(self, name: str, source: str) -> tuple[int | None, str | None]:
        if (source, name) in self.by_key:
            return self.by_key[(source, name)], None
        matches = self.by_external_id.get(name, set())
        if len(matches) == 1:
            return next(iter(matches)), None
        if len(matches) > 1:
            return None, _(
                "Several campaigns have the external_id “%(name)s”: give this row the "
                "campaign’s source, or its id."
            ) % {"name": name}
        number = name.lstrip("#")
        if number.isdigit() and int(number) in self.ids:
            return int(number), None
        return None, _(
            "No campaign has the external_id or the id “%(name)s”. Import or create the "
            "campaign first."
        ) % {"name": name}


def records_from_rows(
    kind: Kind, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Rows as bulk API records, and the problems found before the serializer (formulas,
    unknown segments or campaigns, malformed item lists). Two queries at most."""
    spec = SPECS[kind]
    segments: dict[str, int] = {}
    if "segment" in spec.references:
        slugs = {str(row.get("segment")) for row in rows if row.get("segment") not in (None, "")}
        segments = dict(Segment.objects.filter(slug__in=slugs).values_list("slug", "id"))
    campaigns = _Campaigns(rows) if "campaign" in spec.references else None
    records: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        line = index + 2
        record: dict[str, Any] = {}
        source = str(row.get("source") or DEFAULT_SOURCE)
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
            if column == "items" and column in spec.references:
                links, problem = _links(str(value))
                if problem:
                    errors.append(RowError(line, column, problem))
                else:
                    record["links"] = links
            elif column == "segment" and column in spec.references:
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
            elif column == "campaign" and campaigns is not None:
                pk, problem = campaigns.resolve(_text(value), source)
                if problem:
                    errors.append(RowError(line, column, problem))
                else:
                    record["campaign"] = pk
            elif column in spec.moments:
                record[column] = _moment(str(value))
            elif column in spec.dates:
                record[column] = _day(str(value))
            elif column in spec.decimals:
                record[column] = _decimal(value)
            elif column in spec.integers or column in spec.numbers:
                record[column] = _number(value) if isinstance(value, str) else value
            elif column == "external_id":
                record[column] = _text(value)
            else:
                record[column] = str(value) if not isinstance(value, str) else value
        record.setdefault("source", DEFAULT_SOURCE)
        records.append(record)
    return records, errors
