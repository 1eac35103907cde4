"""Server-rendered SVG bar charts of the campaign dashboard: pure functions from rows to
markup (no Django, no I/O), so the page needs no script and the CSP stays strict.

Every text that comes in is escaped; the caller translates it first and marks the result
safe when inlining it. A row without a value is drawn as "not enough data" in words, never
as a bar of 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

_FONT_SIZE = 13
_BAR_COLOUR = "#1d4ed8"  # blue 700: 6.7:1 on white
_WARN_COLOUR = "#b45309"  # amber 700: 5.0:1 on white
_TEXT_COLOUR = "#1f2937"
_AXIS_COLOUR = "#4b5563"
_ROW_HEIGHT = 26
_BAR_HEIGHT = 14


@dataclass(frozen=True)
class Bar:
    """One row: a label, a value (None: not enough data), an optional interval, and
    whether the row is flagged (drawn in the warning colour)."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    flagged: bool = False
    text: str = ""  # the value as the table shows it


def bar_chart_svg(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str,
    no_data: str,
    chart_id: str = "bars",
    maximum: float | None = None,
    width: int = 520,
    label_width: int = 150,
) -> str:
    """Horizontal bars from 0, with the interval as a whisker when given. `maximum` fixes
    the scale (1 for rates); otherwise the largest value or interval end sets it."""
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "bars"
    top, bottom_pad = 8, 8
    height = top + max(1, len(bars)) * _ROW_HEIGHT + bottom_pad
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" '
        f'aria-labelledby="{safe_id}-title {safe_id}-desc" font-size="{_FONT_SIZE}" '
        f'fill="{_TEXT_COLOUR}">'
        f'<title id="{safe_id}-title">{escape(title)}</title>'
        f'<desc id="{safe_id}-desc">{escape(description)}</desc>'
    ]
    ends = [
        v
        for bar in bars
        for v in (bar.value, bar.high)
        if v is not None and math.isfinite(v) and v > 0
    ]
    scale_max = maximum if maximum is not None else max(ends, default=1.0)
    text_room = 90
    left, right = label_width, width - text_room

    def x_of(value: float) -> float:
        return left + max(0.0, min(value, scale_max)) / scale_max * (right - left)

    for index, bar in enumerate(bars):
        y = top + index * _ROW_HEIGHT
        middle = y + _ROW_HEIGHT / 2
        short = bar.label if len(bar.label) <= 18 else bar.label[:17] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{middle + 4:.1f}" text-anchor="end">'
            f"<title>{escape(bar.label)}</title>{escape(short)}</text>"
        )
        if bar.value is None or not math.isfinite(bar.value):
            parts.append(
                f'<text x="{left + 4}" y="{middle + 4:.1f}" font-style="italic">'
                f"{escape(no_data)}</text>"
            )
            continue
        colour = _WARN_COLOUR if bar.flagged else _BAR_COLOUR
        x = x_of(bar.value)
        parts.append(
            f'<rect x="{left}" y="{middle - _BAR_HEIGHT / 2:.1f}" width="{x - left:.1f}" '
            f'height="{_BAR_HEIGHT}" fill="{colour}">'
            f"<title>{escape(f'{bar.label}: {bar.text}')}</title></rect>"
        )
        if bar.low is not None and bar.high is not None:
            x1, x2 = x_of(bar.low), x_of(bar.high)
            parts.append(
                f'<path d="M {x1:.1f} {middle:.1f} H {x2:.1f} M {x1:.1f} {middle - 5:.1f} '
                f'V {middle + 5:.1f} M {x2:.1f} {middle - 5:.1f} V {middle + 5:.1f}" '
                f'stroke="{_AXIS_COLOUR}" stroke-width="1.5" fill="none"/>'
            )
        parts.append(
            f'<text x="{max(x, x_of(bar.high or 0.0)) + 6:.1f}" y="{middle + 4:.1f}">'
            f"{escape(bar.text)}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{height - bottom_pad}" '
        f'stroke="{_AXIS_COLOUR}"/></svg>'
    )
    return "".join(parts)
