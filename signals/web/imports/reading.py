"""Reading an uploaded file (CSV or XLSX) into a tablib dataset, cells never evaluated.

Limits: MAX_IMPORT_BYTES per file; an XLSX is read only as far as one row past the row
limit, enough to say the file is too long. A formula cell is kept as a `Formula` marker
(refused later with a message), never evaluated nor taken at its cached value.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import tablib
from django.utils.translation import gettext as _

from signals.web.imports.specs import MAX_IMPORT_ROWS

MAX_IMPORT_BYTES = 2 * 1024 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing of it is kept."""


class Formula:
    """An XLSX cell holding a formula: kept as a marker, never evaluated."""

    def __init__(self, text: str) -> None:
        self.text = text


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
                values.append(Formula(str(cell.value)))
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
