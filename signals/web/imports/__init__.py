"""Importing a CSV or XLSX file of marketing's records: friction reports, market signals.

- `reading`: the file into a dataset (tablib, openpyxl for XLSX), cells never evaluated;
- `specs`: per kind, its columns and the serializer, validation and bulk service of its
  `POST .../bulk/` endpoint;
- `rows`: rows into bulk records, references resolved, errors by row and column;
- `dry_run`: the dry run (nothing written) and the confirmed import (all or nothing);
- `templates`: the template file of each kind;
- `views`: the upload, confirm and template pages (imported by signals.web.urls, not here).

Limits: MAX_IMPORT_BYTES per file, MAX_IMPORT_ROWS rows (the bulk API's limit). Cells are
never evaluated: an XLSX formula, or a text cell starting with "=", is refused with a
message; templates escape text starting with =, +, -, @.
"""

from signals.web.imports.dry_run import DryRun, ImportRefused, confirm, dry_run, summary_message
from signals.web.imports.reading import (
    MAX_IMPORT_BYTES,
    Formula,
    ImportFileError,
    read_file,
    too_large_message,
)
from signals.web.imports.rows import RowError, parse_rows, records_from_rows
from signals.web.imports.specs import (
    DEFAULT_SOURCE,
    KINDS,
    MAX_IMPORT_ROWS,
    SPECS,
    Kind,
    KindSpec,
)
from signals.web.imports.templates import FORMULA_PREFIXES, csv_safe, template_file

__all__ = [
    "DEFAULT_SOURCE",
    "FORMULA_PREFIXES",
    "KINDS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "SPECS",
    "DryRun",
    "Formula",
    "ImportFileError",
    "ImportRefused",
    "Kind",
    "KindSpec",
    "RowError",
    "confirm",
    "csv_safe",
    "dry_run",
    "parse_rows",
    "read_file",
    "records_from_rows",
    "summary_message",
    "template_file",
    "too_large_message",
]
