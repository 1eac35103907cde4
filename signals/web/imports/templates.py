"""Template files: the header row of a kind and one example row, as CSV or XLSX."""

from __future__ import annotations

from typing import Any, Literal

import tablib

from signals.web.imports.specs import SPECS, Kind

# First characters a spreadsheet reads as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
