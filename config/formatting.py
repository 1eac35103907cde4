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


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_p_value(value: float | None, *, empty: str = "—") -> str:
    """A probability such as a test's p-value, two significant digits: "4.6e-06" in
    English (as before), the active language's own notation elsewhere: "4,6 × 10⁻⁶" in
    French (a decimal comma, a power of ten), "0,012" from 0.001 up."""
    if value is None:
        return empty
    if not math.isfinite(value):
        return f"{value:g}"
    decimal = str(get_format("DECIMAL_SEPARATOR"))
    if decimal == ".":
        return f"{value:.1e}"
    if value == 0:
        return "0"
    if value >= 0.001:
        return f"{value:.2g}".replace(".", decimal)
    mantissa, exponent = f"{value:.1e}".split("e")
    power = str(int(exponent)).translate(_SUPERSCRIPTS)
    return f"{mantissa.replace('.', decimal)}\u00a0×\u00a010{power}"
