"""How numbers are shown to people (the board, its charts, the admin): one formatter, so
a score reads the same on every page."""

from __future__ import annotations

import math


def format_number(value: float | None, *, empty: str = "—") -> str:
    """About four significant digits, thousands separated, never in exponent notation;
    `empty` for None."""
    if value is None:
        return empty
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(0, 3 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
