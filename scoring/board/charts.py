"""Server-rendered SVG charts: pure functions from points to markup, no Django, no I/O.

The board draws an item's score history with them, so its pages need no JavaScript and
no chart library, and the chart is tested without a database. Every text that comes in
is escaped; the markup is meant to be inlined in HTML (marked safe by the caller).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from config.formatting import format_number

Point = tuple[datetime, float | None]

# Layout of the default chart, in SVG user units (the chart scales to its container).
_MARGIN_LEFT = 64
_MARGIN_RIGHT = 20
_MARGIN_TOP = 16
_MARGIN_BOTTOM = 52
_FONT_SIZE = 13
_LINE_COLOUR = "#1d4ed8"  # blue 700: 6.7:1 on white
_TEXT_COLOUR = "#1f2937"
_AXIS_COLOUR = "#4b5563"
_GRID_COLOUR = "#e5e7eb"


@dataclass(frozen=True)
class ChartWords:
    """Every word a chart writes, English by default; the board passes them in the
    reader's language (scoring.board.presenters.chart_words), so this module stays pure.
    Templates use %-style named placeholders."""

    months: tuple[str, ...] = (
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    )  # fmt: skip
    no_points: str = "No points yet."
    no_history: str = "No history yet"
    no_data: str = "No data yet"
    # The summary's first sentence for a number of points (singular or plural form).
    describe: Callable[[int], str] = field(
        default=lambda count: (
            "%(count)s point from %(first)s to %(last)s (UTC)."
            if count == 1
            else "%(count)s points from %(first)s to %(last)s (UTC)."
        )
    )
    describe_values: str = (
        " First %(first)s, latest %(latest)s, lowest %(lowest)s, highest %(highest)s."
    )
    gaps: str = " Gaps in the line are times when the item had no score."
    y_label: str = "Score"
    x_label: str = "Computed at (UTC)"
    names: tuple[str, str] = ("Baseline", "Measured")
    # What joins a label and its value: ": " in English, " : " (a no-break space) in French.
    colon: str = ": "


ENGLISH = ChartWords()


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values that cover [low, high]: steps of 1, 2, 2.5 or 5 times a power of
    ten, about `count` of them. An empty range is widened so the axis still has a scale."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("tick bounds must be finite")
    low, high = min(low, high), max(low, high)
    if high == low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(1, count - 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(f * magnitude for f in (1.0, 2.0, 2.5, 5.0, 10.0) if f * magnitude >= raw)
    start = math.floor(low / step + 1e-9) * step
    stop = math.ceil(high / step - 1e-9) * step
    return [start + i * step for i in range(round((stop - start) / step) + 1)]


def _tick_label(value: float, step: float) -> str:
    """A tick label with no more digits than the step needs: 0, 250, 1.5k, 2M."""
    for divisor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= divisor and step >= divisor / 10:
            return f"{value / divisor:g}{suffix}"
    decimals = 0
    while decimals < 6 and abs(round(step * 10**decimals) - step * 10**decimals) > 1e-9:
        decimals += 1
    return f"{value:,.{decimals}f}"


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC) if at.tzinfo is not None else at


def _time_label(at: datetime, span_seconds: float, words: ChartWords = ENGLISH) -> str:
    """As precise as the span needs: seconds within an hour, minutes within two days."""
    at = _utc(at)
    month = words.months[at.month - 1]
    if span_seconds < 3600:
        return f"{at:%H:%M:%S}"
    if span_seconds < 2 * 86400:
        return f"{at.day} {month} {at:%H:%M}"
    return f"{at.day} {month} {at:%Y}"


def _describe(points: Sequence[Point], words: ChartWords = ENGLISH) -> str:
    values = [value for _, value in points if value is not None]
    first, last = points[0][0], points[-1][0]
    text = words.describe(len(points)) % {
        "count": len(points),
        "first": f"{_utc(first):%Y-%m-%d %H:%M}",
        "last": f"{_utc(last):%Y-%m-%d %H:%M}",
    }
    if values:
        text += words.describe_values % {
            "first": format_number(values[0]),
            "latest": format_number(values[-1]),
            "lowest": format_number(min(values)),
            "highest": format_number(max(values)),
        }
    if len(values) < len(points):
        text += words.gaps
    return text


def line_chart_svg(
    points: Sequence[Point],
    *,
    title: str,
    until: datetime | None = None,
    y_label: str | None = None,
    x_label: str | None = None,
    chart_id: str = "chart",
    words: ChartWords = ENGLISH,
    width: int = 520,
    height: int = 260,
) -> str:
    """An SVG step chart of `points` (time, value or None), in any order.

    A value holds until the next point (a stored score stays what it is until the next
    recomputation changes it), and with `until` the last value is drawn up to that time
    (now). The y axis starts at 0: scores are a ratio scale, and a line that starts
    halfway up must not make "twice as much" look like "from nothing". A None value
    breaks the line (the item was unscored then). Every point carries its time and value
    in a <title> tooltip; `<title>` and `<desc>` (a summary in words) name the chart for
    screen readers.
    """
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "chart"
    y_label = words.y_label if y_label is None else y_label
    x_label = words.x_label if x_label is None else x_label
    points = sorted(points, key=lambda point: point[0])
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" '
        f'aria-labelledby="{safe_id}-title {safe_id}-desc" font-size="{_FONT_SIZE}" '
        f'fill="{_TEXT_COLOUR}">'
        f'<title id="{safe_id}-title">{escape(title)}</title>'
    )
    if not points:
        return (
            f'{head}<desc id="{safe_id}-desc">{escape(words.no_points)}</desc>'
            f'<text x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle">'
            f"{escape(words.no_history)}</text></svg>"
        )

    left, right = _MARGIN_LEFT, width - _MARGIN_RIGHT
    top, bottom = _MARGIN_TOP, height - _MARGIN_BOTTOM
    values = [value for _, value in points if value is not None]
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]))
    y_low, y_high = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0]
    first = points[0][0]
    last = max(points[-1][0], until) if until is not None else points[-1][0]
    span = (last - first).total_seconds()

    def x_of(at: datetime) -> float:
        if span <= 0:
            return (left + right) / 2
        return left + (at - first).total_seconds() / span * (right - left)

    def y_of(value: float) -> float:
        return bottom - (value - y_low) / (y_high - y_low) * (bottom - top)

    parts = [head, f'<desc id="{safe_id}-desc">{escape(_describe(points, words))}</desc>']
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{_GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_tick_label(tick, step))}</text>"
        )
    # Axes on top of the grid.
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="{_AXIS_COLOUR}"/>'
        f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{_AXIS_COLOUR}"/>'
    )
    tick_times = [first] if span <= 0 else [first + (last - first) * (i / 3) for i in range(4)]
    shown: set[str] = set()
    for index, at in enumerate(tick_times):
        x, label = x_of(at), _time_label(at, span, words)
        if label in shown:
            continue  # a short span: two ticks would read the same
        shown.add(label)
        anchor = "middle"
        if span > 0 and index == 0:
            anchor = "start"
        elif span > 0 and index == len(tick_times) - 1:
            anchor = "end"
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 5}" '
            f'stroke="{_AXIS_COLOUR}"/>'
            f'<text x="{x:.1f}" y="{bottom + 20}" text-anchor="{anchor}">'
            f"{escape(label)}</text>"
        )
    parts.append(
        f'<text x="{(left + right) / 2:.1f}" y="{height - 8}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text transform="translate(16 {(top + bottom) / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )

    # Step-after path: "M" starts a scored run, "H … V …" holds the value then steps.
    path: list[str] = []
    scored = False
    for at, value in points:
        x = x_of(at)
        if value is None:
            if scored:
                path.append(f"H {x:.1f}")
            scored = False
        elif scored:
            path.append(f"H {x:.1f} V {y_of(value):.1f}")
        else:
            path.append(f"M {x:.1f} {y_of(value):.1f}")
            scored = True
    if scored and until is not None:
        path.append(f"H {x_of(last):.1f}")
    parts.append(
        f'<path class="chart-line" d="{" ".join(path)}" fill="none" stroke="{_LINE_COLOUR}" '
        'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>'
    )
    radius = 3.5 if len(points) <= 40 else 2.5
    for at, value in points:
        if value is None:
            continue
        label = f"{_utc(at):%Y-%m-%d %H:%M} UTC{words.colon}{format_number(value)}"
        parts.append(
            f'<circle cx="{x_of(at):.1f}" cy="{y_of(value):.1f}" r="{radius}" '
            f'fill="{_LINE_COLOUR}"><title>{escape(label)}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


Pair = tuple[str, float, float]

_BASELINE_COLOUR = "#6b7280"  # grey 500: 4.8:1 on white
_BAR_HEIGHT = 12
_GROUP_GAP = 12


def _describe_pairs(
    pairs: Sequence[Pair], names: tuple[str, str], words: ChartWords = ENGLISH
) -> str:
    if not pairs:
        return words.no_data + "."
    return " ".join(
        f"{label}{words.colon}{names[0].lower()} {format_number(before)}, "
        f"{names[1].lower()} {format_number(after)}."
        for label, before, after in pairs
    )


def grouped_bar_chart_svg(
    pairs: Sequence[Pair],
    *,
    title: str,
    chart_id: str = "bars",
    names: tuple[str, str] | None = None,
    words: ChartWords = ENGLISH,
    width: int = 520,
    label_width: int = 150,
) -> str:
    """A horizontal grouped bar chart: for each (label, before, after) a pair of bars,
    `names[0]` (grey) above `names[1]` (blue), on one axis that includes 0.

    Each bar carries its value in a <title> tooltip; `<title>` and `<desc>` (every value
    in words) name the chart for screen readers, and the caller shows the same numbers
    in a table as well. Labels longer than the label column are shortened (the full
    text stays in the tooltip and the description)."""
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "bars"
    names = words.names if names is None else names
    group_height = 2 * _BAR_HEIGHT + _GROUP_GAP
    top, legend_height, axis_height = 8, 24, 28
    height = top + legend_height + max(1, len(pairs)) * group_height + axis_height
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" '
        f'aria-labelledby="{safe_id}-title {safe_id}-desc" font-size="{_FONT_SIZE}" '
        f'fill="{_TEXT_COLOUR}">'
        f'<title id="{safe_id}-title">{escape(title)}</title>'
        f'<desc id="{safe_id}-desc">{escape(_describe_pairs(pairs, names, words))}</desc>'
    )
    if not pairs:
        return (
            f'{head}<text x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle">'
            f"{escape(words.no_data)}</text></svg>"
        )
    values = [value for _, before, after in pairs for value in (before, after)]
    finite = [value for value in values if math.isfinite(value)]
    ticks = nice_ticks(min([0.0, *finite]), max([0.0, *finite]), count=4)
    low, high = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0]
    left, right = label_width, width - _MARGIN_RIGHT
    plot_top = top + legend_height
    plot_bottom = height - axis_height

    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    parts = [head]
    # Legend.
    colours = ((names[0], _BASELINE_COLOUR), (names[1], _LINE_COLOUR))
    for index, (name, colour) in enumerate(colours):
        x: float = left + index * 120
        parts.append(
            f'<rect x="{x}" y="{top + 2}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 18}" y="{top + 12}">{escape(name)}</text>'
        )
    for tick in ticks:
        x = x_of(tick)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{plot_top}" y2="{plot_bottom}" '
            f'stroke="{_GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{plot_bottom + 18}" text-anchor="middle">'
            f"{escape(_tick_label(tick, step))}</text>"
        )
    zero = x_of(0.0)
    for index, (label, before, after) in enumerate(pairs):
        y = plot_top + index * group_height + _GROUP_GAP / 2
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + _BAR_HEIGHT + 4}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        for offset, (name, value, colour) in enumerate(
            ((names[0], before, _BASELINE_COLOUR), (names[1], after, _LINE_COLOUR))
        ):
            if not math.isfinite(value):
                continue
            x = x_of(value)
            parts.append(
                f'<rect x="{min(x, zero):.1f}" y="{y + offset * _BAR_HEIGHT:.1f}" '
                f'width="{abs(x - zero):.1f}" height="{_BAR_HEIGHT - 1}" fill="{colour}">'
                f"<title>{escape(f'{label}, {name.lower()}{words.colon}{format_number(value)}')}"
                "</title>"
                "</rect>"
            )
    parts.append(
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{plot_top}" y2="{plot_bottom}" '
        f'stroke="{_AXIS_COLOUR}"/>'
        f'<line x1="{left}" x2="{right}" y1="{plot_bottom}" y2="{plot_bottom}" '
        f'stroke="{_AXIS_COLOUR}"/>'
        "</svg>"
    )
    return "".join(parts)
