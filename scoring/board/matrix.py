"""The value/effort matrix of the board: value = R·I·C against effort = E, both on log
scales, as server-rendered SVG (a pure function, no Django, no I/O, like
scoring.board.charts).

Log scales because reach runs from tens to tens of thousands of people and effort from a
tenth to dozens of person-months: on linear axes every item but two would sit in one
corner. The score is value / effort, so on these axes the lines of equal score are
diagonals, and the four quadrants (split at the geometric mean of each axis) read as a
committee reads them: quick wins (high value, low effort), big bets (high value, high
effort), fill-ins (low value, low effort) and money pits (low value, high effort). Every
text that comes in is escaped; every point links to its item's page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from config.formatting import format_number

_FONT_SIZE = 12
_TEXT_COLOUR = "#1f2937"
_AXIS_COLOUR = "#4b5563"
_GRID_COLOUR = "#e5e7eb"
_POINT_COLOUR = "#1d4ed8"
_QUADRANT_COLOUR = "#6b7280"


@dataclass(frozen=True)
class MatrixPoint:
    """One ranked item: value = R·I·C, effort = E (both > 0 to be drawn)."""

    item_id: int
    title: str
    position: int
    value: float
    effort: float
    href: str


@dataclass(frozen=True)
class MatrixLabels:
    """The words of the chart, passed in translated (this module knows no language)."""

    title: str
    x_axis: str
    y_axis: str
    quick_wins: str
    big_bets: str
    fill_ins: str
    money_pits: str
    empty: str
    point: str  # "%(position)s. %(title)s: value %(value)s, effort %(effort)s"
    describe: str  # "%(count)s items ..."


def _decades(low: float, high: float) -> list[float]:
    """Powers of ten covering [low, high] (at least two)."""
    start = math.floor(math.log10(low))
    stop = max(math.ceil(math.log10(high)), start + 1)
    return [10.0**k for k in range(start, stop + 1)]


def _tick(value: float) -> str:
    for divisor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= divisor:
            return f"{value / divisor:g}{suffix}"
    return f"{value:g}"


def value_effort_svg(
    points: Sequence[MatrixPoint],
    *,
    labels: MatrixLabels,
    chart_id: str = "matrix",
    width: int = 560,
    height: int = 400,
) -> str:
    """The matrix as one <svg> element; points with a value or effort ≤ 0 are left out
    (a log scale has no place for them; an item with a score of 0 has no value)."""
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "matrix"
    drawn = [p for p in points if p.value > 0 and p.effort > 0]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart matrix" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{safe_id}-title {safe_id}-desc" font-size="{_FONT_SIZE}" '
        f'fill="{_TEXT_COLOUR}">'
        f'<title id="{safe_id}-title">{escape(labels.title)}</title>'
    )
    if not drawn:
        return (
            f'{head}<desc id="{safe_id}-desc">{escape(labels.empty)}</desc>'
            f'<text x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle">'
            f"{escape(labels.empty)}</text></svg>"
        )
    left, right, top, bottom = 64, width - 16, 16, height - 48
    x_ticks = _decades(min(p.effort for p in drawn), max(p.effort for p in drawn))
    y_ticks = _decades(min(p.value for p in drawn), max(p.value for p in drawn))
    x_lo, x_hi = math.log10(x_ticks[0]), math.log10(x_ticks[-1])
    y_lo, y_hi = math.log10(y_ticks[0]), math.log10(y_ticks[-1])

    def x_of(effort: float) -> float:
        return left + (math.log10(effort) - x_lo) / (x_hi - x_lo) * (right - left)

    def y_of(value: float) -> float:
        return bottom - (math.log10(value) - y_lo) / (y_hi - y_lo) * (bottom - top)

    describe = labels.describe % {"count": len(drawn)}
    parts = [head, f'<desc id="{safe_id}-desc">{escape(describe)}</desc>']
    for tick in y_ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{_GRID_COLOUR}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_tick(tick)}</text>'
        )
    for tick in x_ticks:
        x = x_of(tick)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="{_GRID_COLOUR}"/>'
            f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle">{_tick(tick)}</text>'
        )
    # Quadrants split at the geometric middle of the points, where the committee's
    # "high" and "low" meet for this ranking.
    mid_x = x_of(math.exp(sum(math.log(p.effort) for p in drawn) / len(drawn)))
    mid_y = y_of(math.exp(sum(math.log(p.value) for p in drawn) / len(drawn)))
    parts.append(
        f'<line class="matrix-split" x1="{mid_x:.1f}" x2="{mid_x:.1f}" y1="{top}" '
        f'y2="{bottom}" stroke="{_QUADRANT_COLOUR}" stroke-dasharray="4 4"/>'
        f'<line class="matrix-split" x1="{left}" x2="{right}" y1="{mid_y:.1f}" '
        f'y2="{mid_y:.1f}" stroke="{_QUADRANT_COLOUR}" stroke-dasharray="4 4"/>'
    )
    for text, x, y, anchor in (
        (labels.quick_wins, left + 6, top + 14, "start"),
        (labels.big_bets, right - 6, top + 14, "end"),
        (labels.fill_ins, left + 6, bottom - 8, "start"),
        (labels.money_pits, right - 6, bottom - 8, "end"),
    ):
        parts.append(
            f'<text class="matrix-quadrant" x="{x}" y="{y}" text-anchor="{anchor}" '
            f'fill="{_QUADRANT_COLOUR}" font-weight="600">{escape(text)}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="{_AXIS_COLOUR}"/>'
        f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{_AXIS_COLOUR}"/>'
        f'<text x="{(left + right) / 2:.1f}" y="{height - 8}" text-anchor="middle">'
        f"{escape(labels.x_axis)}</text>"
        f'<text transform="translate(16 {(top + bottom) / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle">{escape(labels.y_axis)}</text>'
    )
    for point in drawn:
        label = labels.point % {
            "position": point.position,
            "title": point.title,
            "value": format_number(point.value),
            "effort": format_number(point.effort),
        }
        parts.append(
            f'<a href="{escape(point.href)}" class="matrix-point">'
            f'<circle cx="{x_of(point.effort):.1f}" cy="{y_of(point.value):.1f}" r="5" '
            f'fill="{_POINT_COLOUR}" fill-opacity="0.75"><title>{escape(label)}</title>'
            f"</circle></a>"
        )
    parts.append("</svg>")
    return "".join(parts)
