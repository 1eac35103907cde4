"""`{{ value|p_value }}`: a probability in the active language's notation
("4.6e-06" in English, "4,6 × 10⁻⁶" in French); see config.formatting.format_p_value."""

from __future__ import annotations

from django import template

from config.formatting import format_p_value

register = template.Library()


@register.filter
def p_value(value: float | None) -> str:
    return format_p_value(value)
