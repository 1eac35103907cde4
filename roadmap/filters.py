"""django-filter FilterSets of the roadmap API, and filter pieces signals reuses."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, date
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Case, F, Q, QuerySet, When
from django.db.models.expressions import Expression
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from config.api.fields import MAX_PK
from roadmap.choices import Channel, ItemStatus, LaunchStatus
from roadmap.models import LaunchPlan, RoadmapItem


class _StrictIntegerField(forms.IntegerField):
    """An integer; a parameter given empty (`?owner=`) is an error, not "no filter"."""

    def to_python(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError("Enter a whole number.", code="invalid")
        return super().to_python(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_PK})
class IdFilter(filters.NumberFilter):
    """An exact match on a row id: a positive integer (not 1.5, not 10**30)."""

    # An integer field where NumberFilter declares a DecimalField: ids are whole numbers.
    field_class = _StrictIntegerField  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_PK)
        super().__init__(*args, **kwargs)


class _StrictIsoDateTimeField(filters.fields.IsoDateTimeField):
    """ISO 8601 with a time and an offset, normalized to UTC. An empty value given on
    purpose is an error (absent is fine), and an offset the database cannot store
    (PostgreSQL takes up to ±15:59) or a date out of range is a 400, not a 500."""

    def to_python(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError("Enter a date-time.", code="invalid")
        if isinstance(value, str):
            try:
                naive = parse_datetime(value.strip())
            except ValueError:
                naive = None
            # The parent would read a naive time in the server's zone: refuse it instead.
            if naive is not None and timezone.is_naive(naive):
                raise forms.ValidationError(
                    "Give a time zone offset (Z or ±HH:MM).", code="invalid"
                )
        parsed = super().to_python(value)
        if parsed is None:
            return None
        if parsed.tzinfo is None:
            raise forms.ValidationError("Give a time zone offset (Z or ±HH:MM).", code="invalid")
        offset = parsed.utcoffset()
        if offset is None or abs(offset.total_seconds()) >= 16 * 3600:
            raise forms.ValidationError("The time zone offset is out of range.", code="invalid")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("The date is out of range.", code="invalid") from None


@extend_schema_field(OpenApiTypes.DATETIME)
class StrictIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = _StrictIsoDateTimeField


class _StrictDateField(forms.DateField):
    """A date (YYYY-MM-DD); a parameter given empty is an error, not "no filter"."""

    input_formats = ["%Y-%m-%d"]

    def to_python(self, value: Any) -> date | None:
        if value == "":
            raise forms.ValidationError("Enter a date (YYYY-MM-DD).", code="invalid")
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.DATE)
class StrictDateFilter(filters.DateFilter):
    field_class = _StrictDateField


def date_range_filters(
    *, from_field: str, to_field: str, from_help: str, to_help: str
) -> dict[str, StrictDateFilter]:
    """`from` and `to` date filters. They are Python keywords, so a FilterSet adds them in
    `get_filters` instead of declaring them in its class body."""
    return {
        "from": StrictDateFilter(field_name=from_field, lookup_expr="gte", help_text=from_help),
        "to": StrictDateFilter(field_name=to_field, lookup_expr="lte", help_text=to_help),
    }


class _TrueFalseField(forms.NullBooleanField):
    """true/false (or 1/0); anything else is an error, not silently "no filter"."""

    widget = forms.TextInput  # NullBooleanSelect would turn "maybe" into None first

    # NullBooleanField returns None too (the stubs give it BooleanField's `-> bool`).
    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value is None:
            return None
        if value in (True, 1, "1", "true", "True"):
            return True
        if value in (False, 0, "0", "false", "False"):
            return False
        raise forms.ValidationError("Enter true or false.", code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class FlagFilter(filters.BooleanFilter):
    """`true` or `false`; documented as a boolean even when a method applies it."""

    field_class = _TrueFalseField


class NullsLastOrderingFilter(filters.OrderingFilter):
    """`ordering=` over an explicit set of names, each an expression (or a field name).

    Missing values sort last in both directions (an unscored item is never "the best"),
    and ties are broken by id so pages stay stable.
    """

    def __init__(self, *args: Any, fields: Mapping[str, str | Expression], **kwargs: Any):
        self.expressions = {
            name: F(expr) if isinstance(expr, str) else expr for name, expr in fields.items()
        }
        super().__init__(*args, fields=[(name, name) for name in fields], **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        ordering = []
        for param in value:
            if param in EMPTY_VALUES:
                continue
            descending = param.startswith("-")
            expression = self.expressions[param.removeprefix("-")]
            ordering.append(
                expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
            )
        return qs.order_by(*ordering, "pk")


def text_search(qs: QuerySet, fields: tuple[str, ...], value: str) -> QuerySet:
    """Rows where any of `fields` contains `value` (case-insensitive)."""
    query = Q()
    for name in fields:
        query |= Q(**{f"{name}__icontains": value})
    return qs.filter(query)


# Items sort by score through the scoring app's ItemScore row (`score`), read by name
# only: roadmap imports nothing from scoring. Position 1 is the highest score among
# rankable items, so a position sorts as the negated score, and items off the ranking
# (not rankable, or unscored) have no position and come last.
_POSITION = Case(When(score__rankable=True, then=-F("score__score")))


class RoadmapItemFilterSet(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=ItemStatus.choices, help_text="One or more statuses (repeat the parameter)."
    )
    theme = IdFilter(field_name="theme_id", help_text="Theme id.")
    segment = IdFilter(field_name="segments__id", help_text="Segment id.")
    owner = IdFilter(field_name="owner_id", help_text="Owner (user) id.")
    has_jira_key = FlagFilter(
        method="filter_has_jira_key", help_text="Only items with (true) or without a Jira key."
    )
    q = filters.CharFilter(
        method="filter_q", help_text="Text in the title, the description or the Jira key."
    )
    ordering = NullsLastOrderingFilter(
        fields={
            "score": "score__score",
            "position": _POSITION,
            "updated_at": "updated_at",
            "id": "id",
        },
        help_text="Sort by score, position (1 = top of the live ranking), updated_at or id; "
        "prefix with `-` to reverse. Unscored items come last either way.",
    )

    class Meta:
        model = RoadmapItem
        fields: list[str] = []

    def filter_has_jira_key(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        return qs.exclude(jira_key="") if value else qs.filter(jira_key="")

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return text_search(qs, ("title", "description", "jira_key"), value)


class LaunchPlanFilterSet(filters.FilterSet):
    """Filters of launch plans (and of the launch calendar). `from` and `to` are Python
    keywords, so they are added in `get_filters`."""

    item = IdFilter(field_name="item_id", help_text="Roadmap item id.")
    status = filters.MultipleChoiceFilter(
        choices=LaunchStatus.choices, help_text="One or more statuses (repeat the parameter)."
    )
    upcoming = FlagFilter(
        method="filter_upcoming",
        help_text="Only plans dated today or later (true), or only plans dated before today "
        "or not dated (false).",
    )
    segment = IdFilter(field_name="target_segments__id", help_text="Target segment id.")
    channel = filters.MultipleChoiceFilter(
        choices=Channel.choices,
        method="filter_channel",
        help_text="Plans using this channel (repeat the parameter: any of them).",
    )
    owner = IdFilter(
        method="filter_owner", help_text="Plans whose product or marketing owner is this user id."
    )
    ordering = NullsLastOrderingFilter(
        fields={
            "target_launch_date": "target_launch_date",
            "updated_at": "updated_at",
            "id": "id",
        },
        help_text="Sort by target_launch_date, updated_at or id; prefix with `-` to reverse. "
        "Default: earliest date first, undated last.",
    )

    class Meta:
        model = LaunchPlan
        fields: list[str] = []

    @classmethod
    def get_filters(cls) -> OrderedDict[str, filters.Filter]:
        return OrderedDict(
            {
                **super().get_filters(),
                **date_range_filters(
                    from_field="target_launch_date",
                    to_field="target_launch_date",
                    from_help="Target launch date on or after (YYYY-MM-DD).",
                    to_help="Target launch date on or before (YYYY-MM-DD).",
                ),
            }
        )

    def filter_upcoming(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        upcoming = Q(target_launch_date__gte=timezone.localdate())
        return qs.filter(upcoming) if value else qs.exclude(upcoming)

    def filter_channel(self, qs: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return qs
        # `channels` is a JSON list of codes; matching the quoted code in its text works
        # on every database (SQLite has no JSON containment), and no code contains
        # another one in quotes.
        query = Q()
        for code in value:
            query |= Q(channels__icontains=f'"{code}"')
        return qs.filter(query)

    def filter_owner(self, qs: QuerySet, name: str, value: int | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(Q(product_owner_id=value) | Q(marketing_owner_id=value))
