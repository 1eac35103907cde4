"""Reading the board's pages as a person would (tables, rows, text) and the data the
board tests share. A helper module, not a test module: test modules import it."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

from django.urls import reverse

from roadmap.models import RoadmapItem
from scoring.services import (
    item_scores_recompute_all,
)
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SignalLinkFactory,
)

BOARD = reverse("board:index")
PUBLISH = reverse("board:publish")
SVG = "{http://www.w3.org/2000/svg}"


def item_page(item: RoadmapItem) -> str:
    return reverse("board:item", args=[item.pk])


# --- Reading pages --------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every table of a page as {class: [[cell text, ...] per body row]}; a cell's text
    includes visually hidden text, as a screen reader would read it."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._in_body = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("class") or ""
            self.tables.setdefault(self._table, [])
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
            self._cell.append(" ")  # separate elements read as separate words


def tables(response: Any) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


RANKING_COLUMNS = (
    "position",
    "move",
    "title",
    "theme",
    "owner",
    "status",
    "score",
    "reach",
    "impact",
    "confidence",
    "effort",
    "split",
    "evidence",
    "published",
)


def ranking_rows(response: Any) -> list[dict[str, str]]:
    """The live ranking as shown, one {column: text} per row, top to bottom."""
    rows = tables(response)["ranking"]
    # A single cell is the "nothing matches" row.
    return [dict(zip(RANKING_COLUMNS, row, strict=True)) for row in rows if len(row) > 1]


def by_title(response: Any) -> dict[str, dict[str, str]]:
    return {row["title"]: row for row in ranking_rows(response)}


def text_of(response: Any) -> str:
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(page).split())


def three_items(now, **extra):
    """Scores 3000, 2000, 1000 (impact 1, confidence 1, effort 1), titled by reach."""
    items = [
        RoadmapItemFactory(
            title=f"R{reach}", reach=reach, impact=1, confidence=1, effort=1, **extra
        )
        for reach in (3000, 2000, 1000)
    ]
    item_scores_recompute_all(now=now)
    return items


def worked_example(now):
    """The worked example of SCORING.md: S = 786.8877506519407."""
    item = RoadmapItemFactory(
        title="Worked example", reach=2000, impact=1, confidence=0.8, effort=2
    )
    report = FrictionReportFactory(
        title="SSO step stalls trials",
        affected_people=1000,
        severity=2,
        observed_at=now - timedelta(days=90),
    )
    ReportLinkFactory(item=item, report=report)
    signals = [
        MarketSignalFactory(title=f"Acme asks for it ({n})", observed_at=now) for n in (1, 2)
    ]
    for signal in signals:
        SignalLinkFactory(item=item, signal=signal)
    item_scores_recompute_all(now=now)
    return item, report, signals
