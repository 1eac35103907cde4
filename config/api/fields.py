"""Strict serializer fields every app's API shares: JSON types are checked, not coerced."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from config.api.serializers import StrictModelSerializer

# The largest primary key (a PostgreSQL bigint): larger numbers name no row.
MAX_PK = 2**63 - 1


class StrictFloatField(serializers.FloatField):
    """A finite JSON number. Strings and booleans are refused rather than coerced (`true`
    is not 1 and "7" is a client bug worth reporting); 1e400 and 10**400 are refused too."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        value: float = super().to_internal_value(data)
        return value


class StrictCharField(serializers.CharField):
    """A JSON string: a number or a boolean where text is expected is a client bug."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        value: str = super().to_internal_value(data)
        return value


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: no strings, booleans or fractions."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            if isinstance(data, float) and data.is_integer() and math.isfinite(data):
                data = int(data)  # 1000.0 is an integer written by a float-minded client
            else:
                self.fail("invalid")
        value: int = super().to_internal_value(data)
        return value


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean: "yes" or 1 where true or false is expected is a client bug."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime with its offset: a naive one is ambiguous, so it is refused
    instead of being read in the server's time zone."""

    default_error_messages = {
        "naive": "Include a UTC offset, e.g. 2025-03-01T09:30:00Z or +02:00.",
    }

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        elif isinstance(value, datetime) and timezone.is_naive(value):
            self.fail("naive")
        result: datetime = super().to_internal_value(value)
        return result


class UniqueManyRelatedField(serializers.ManyRelatedField):
    """A list of ids, each at most once: `[1, 1]` is a client bug, refused like a
    duplicate channel rather than silently stored once."""

    default_error_messages = {"duplicate": "Id {pk} is given more than once."}

    def to_internal_value(self, data: Any) -> list[Any]:
        rows = list(super().to_internal_value(data))
        seen: set[Any] = set()
        for row in rows:
            if row.pk in seen:
                self.fail("duplicate", pk=row.pk)
            seen.add(row.pk)
        return rows


class UniqueManyRelatedFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "config.api.fields.UniqueManyRelatedField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        items = auto_schema._map_serializer_field(self.target.child_relation, direction)
        return {"type": "array", "items": items, "uniqueItems": True}


class PreloadedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key that names an existing row.

    In bulk, the rows all records name are read first, one query per model, and passed in
    the context (`preloaded`: model → {pk: row}), so validating 1,000 records costs no
    query per record. Alone, it reads the row as usual. Booleans, fractions and
    out-of-range numbers are refused instead of being coerced (`true` is not row 1).
    """

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> UniqueManyRelatedField:
        list_kwargs: dict[str, Any] = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return UniqueManyRelatedField(**list_kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        pk = as_pk(data)
        if pk is None:
            self.fail("does_not_exist", pk_value=data)
        # The declared queryset's model: get_queryset() would clone the queryset for
        # every record of a bulk request.
        declared = getattr(self, "queryset", None)  # (the stubs type it as a manager)
        queryset = declared if declared is not None else self.get_queryset()
        model = cast("QuerySet[Any]", queryset).model
        preloaded: Mapping[int, Any] | None = self.context.get("preloaded", {}).get(model)
        if preloaded is None:
            return super().to_internal_value(pk)
        row = preloaded.get(pk)
        if row is None:
            self.fail("does_not_exist", pk_value=data)
        return row


def as_pk(value: Any) -> int | None:
    """`value` as a primary key (a positive integer that fits a bigint), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit() or len(value) > 19:
            return None
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_PK:
        return value
    return None


class ApiModelSerializer(StrictModelSerializer):
    """The base of the model serializers here: strict numbers and bulk-friendly keys."""

    serializer_field_mapping = {
        **StrictModelSerializer.serializer_field_mapping,
        models.FloatField: StrictFloatField,
        models.IntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveBigIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.DateTimeField: AwareDateTimeField,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.BooleanField: StrictBooleanField,
    }
    serializer_related_field = PreloadedPrimaryKeyRelatedField
