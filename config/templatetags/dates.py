"""`{{ value|short_date }}`: "9 Jul 2027" in English, "9 juil. 2027" in French.

Django's "j M Y" keeps the three-letter English abbreviations in French ("9 Jul 2027");
this filter takes the month from the active language's abbreviations instead."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.translation import pgettext

register = template.Library()


def month_abbreviation(month: int) -> str:
    return (
        pgettext("abbrev. month", "Jan"),
        pgettext("abbrev. month", "Feb"),
        pgettext("abbrev. month", "Mar"),
        pgettext("abbrev. month", "Apr"),
        pgettext("abbrev. month", "May"),
        pgettext("abbrev. month", "Jun"),
        pgettext("abbrev. month", "Jul"),
        pgettext("abbrev. month", "Aug"),
        pgettext("abbrev. month", "Sep"),
        pgettext("abbrev. month", "Oct"),
        pgettext("abbrev. month", "Nov"),
        pgettext("abbrev. month", "Dec"),
    )[month - 1]


@register.filter
def short_date(value: date | datetime | None, with_time: bool = False) -> str:
    """The day, the month's abbreviation and the year (and "H:i" when asked)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    text = f"{value.day} {month_abbreviation(value.month)} {value.year}"
    if with_time and isinstance(value, datetime):
        text += f" {value:%H:%M}"
    return text
