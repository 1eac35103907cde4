"""How numbers are shown to people (the board, its charts, the admin): one formatter, so
a score reads the same on every page."""

from __future__ import annotations

import math

from django.utils.formats import get_format


def format_number(value: float | None, *, empty: str = "—") -> str:
    """About four significant digits, thousands separated, never in exponent notation;
    `empty` for None."""
    if value is None:
        return empty
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(0, 3 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return _localized(text)


def _localized(text: str) -> str:
    """`text` ("4,404.5") with the active language's separators ("4 404,5" in French);
    unchanged in English, so the API (always English) and its tests read the same."""
    decimal = str(get_format("DECIMAL_SEPARATOR"))
    thousands = str(get_format("THOUSAND_SEPARATOR"))
    if (decimal, thousands) == (".", ","):
        return text
    return text.translate({ord(","): "\x00", ord("."): decimal}).replace("\x00", thousands)
