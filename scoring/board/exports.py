"""CSV exports of the live ranking and of a published ranking: the same numbers as the
API (`GET /api/v1/rankings/live/`, `GET /api/v1/rankings/{n}/entries/`), written as
Python writes a double (repr, round-trip exact), so a spreadsheet and a script agree.

A cell that starts with =, +, -, @ (or a tab or carriage return) would be read as a
formula by a spreadsheet (CSV injection, OWASP): it is prefixed with a single quote, the
escape spreadsheets honour. Numbers are written by us and never escaped: a negative
number cannot occur in a ranking, and escaping one would break "same numbers as the
API".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from scoring import selectors
from scoring.models import Ranking

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

LIVE_COLUMNS = (
    "position",
    "item",
    "title",
    "status",
    "theme_name",
    "owner_username",
    "jira_key",
    "score",
    "reach",
    "impact",
    "confidence",
    "effort",
)
PUBLISHED_COLUMNS = (
    "ranking",
    "position",
    "item",
    "title",
    "jira_key",
    "score",
    "reach",
    "impact",
    "confidence",
    "effort",
)


def csv_cell(value: object) -> str:
    """One cell: numbers as repr (exact), None as empty, text escaped against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


def live_ranking_csv() -> str:
    """The live ranking, every ranked item in order (one query)."""
    rows = (
        (
            position,
            score.item_id,
            score.item.title,
            score.item.status,
            score.item.theme.name if score.item.theme else None,
            score.item.owner.username if score.item.owner else None,
            score.item.jira_key,
            score.score,
            score.reach,
            score.impact,
            score.confidence,
            score.effort,
        )
        for position, score in enumerate(selectors.live_ranking(), start=1)
    )
    return csv_text(LIVE_COLUMNS, rows)


def ranking_csv(*, ranking: Ranking) -> str:
    """A published ranking, every entry in order (one query)."""
    rows = (
        (
            ranking.number,
            entry.position,
            entry.item_id,
            entry.title,
            entry.jira_key,
            entry.score,
            entry.reach,
            entry.impact,
            entry.confidence,
            entry.effort,
        )
        for entry in selectors.ranking_entries(ranking=ranking)
    )
    return csv_text(PUBLISHED_COLUMNS, rows)
