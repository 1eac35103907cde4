"""Validating many records with one serializer, without DRF's per-record machinery.

`Serializer.run_validation` costs far more than the checks it runs: for every record it
walks its fields through generators, `get_value`, `set_value`, error dictionaries and
nested `ListSerializer` plumbing. A bulk request validates 1,000 records with the same
serializer, so `lean_validator` compiles the serializer once into a plan (its writable
fields, their `validate_<name>` methods, its nested serializers) and runs each record
through that plan, calling the very same field `run_validation` and `validate` methods.

It only ever vouches for a valid record: the moment anything is off (a field's error, a
missing required field, an unknown key, a value of a shape the plan does not handle), it
raises `NotLean` and the caller runs the serializer itself, which gives the exact errors
(same messages, same shape, same order). So a valid record gets the same validated data
as `serializer.run_validation(record)` and an invalid one the same errors, by
construction. A serializer the plan does not understand (its own `run_validation`, field
`get_value`s or validators, a dotted `source`) gets no plan at all (`None`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.core import validators as django_validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.dateparse import parse_datetime
from rest_framework import ISO_8601, serializers
from rest_framework import fields as drf_fields
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField, empty
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from config.api.fields import (
    MAX_PK,
    AwareDateTimeField,
    PreloadedPrimaryKeyRelatedField,
    StrictCharField,
    StrictFloatField,
)
from config.api.serializers import StrictSerializer

Run = Callable[[Any], Any]


class NotLean(Exception):
    """The plan cannot vouch for this record: run the serializer itself."""


# The DRF methods a plan stands in for: a class that overrides one of them does something
# the plan would not, so it gets no plan.
_SERIALIZER_METHODS: dict[str, tuple[Callable[..., Any], ...]] = {
    "run_validation": (serializers.Serializer.run_validation,),
    "to_internal_value": (
        serializers.Serializer.to_internal_value,
        StrictSerializer.to_internal_value,
    ),
    "run_validators": (serializers.Serializer.run_validators,),
    "validate_empty_values": (drf_fields.Field.validate_empty_values,),
}
_LIST_METHODS: dict[str, tuple[Callable[..., Any], ...]] = {
    "run_validation": (serializers.ListSerializer.run_validation,),
    "to_internal_value": (serializers.ListSerializer.to_internal_value,),
    "run_child_validation": (serializers.ListSerializer.run_child_validation,),
    "run_validators": (drf_fields.Field.run_validators,),
    "validate_empty_values": (drf_fields.Field.validate_empty_values,),
    "get_value": (serializers.ListSerializer.get_value,),
}


def _plain(obj: object, methods: Mapping[str, tuple[Callable[..., Any], ...]]) -> bool:
    """Whether `obj`'s class keeps DRF's own version of each of these methods."""
    return all(getattr(type(obj), name) in allowed for name, allowed in methods.items())


def lean_validator(serializer: serializers.Serializer) -> Run | None:
    """A function validating one record as `serializer.run_validation` would (raising
    `NotLean` instead of any error), or None when the serializer has no plan."""
    return _serializer_plan(serializer)


def _serializer_plan(serializer: serializers.Serializer) -> Run | None:
    if not _plain(serializer, _SERIALIZER_METHODS) or list(serializer.validators):
        return None
    strict = isinstance(serializer, StrictSerializer)
    writable = [field for field in serializer.fields.values() if not field.read_only]
    plan: list[tuple[str, str, Run, Run, Run | None]] = []
    for field in writable:
        name = field.field_name
        if name is None or len(field.source_attrs) != 1 or field.source == "*":
            return None
        run_field: Run | None
        if isinstance(field, serializers.ListSerializer):
            run_field = _list_plan(field)
        elif isinstance(field, serializers.BaseSerializer):
            run_field = None  # a nested single serializer: not needed so far
        elif type(field).get_value is not drf_fields.Field.get_value:
            run_field = None
        else:
            run_field = _leaf_plan(field)
        if run_field is None:
            return None
        validate_method = getattr(serializer, "validate_" + name, None)
        plan.append((name, field.source_attrs[0], run_field, _missing_plan(field), validate_method))
    names = frozenset(name for name, *_ in plan)
    validate = serializer.validate

    def run(data: Any) -> Any:
        if type(data) is not dict or (strict and not names.issuperset(data)):
            raise NotLean
        ret: dict[str, Any] = {}
        try:
            for name, key, run_field, run_missing, validate_method in plan:
                if name in data:
                    value = run_field(data[name])
                else:
                    try:
                        value = run_missing(empty)
                    except SkipField:
                        continue
                if validate_method is not None:
                    value = validate_method(value)
                ret[key] = value
            value = validate(ret)
        except (ValidationError, DjangoValidationError, SkipField):
            raise NotLean from None
        if value is None:
            raise NotLean
        return value

    return run


def _missing_plan(field: drf_fields.Field) -> Run:
    """What `field.run_validation(empty)` does for a record that leaves the field out,
    worked out once when the answer cannot change between records (no default: skipped
    or refused; a constant default of a plain type: that value); the field's own code
    otherwise. A thousand records leave the same fields out."""
    run_validation = field.run_validation
    default = getattr(field, "default", empty)
    if default is not empty and type(default) not in (str, int, float, bool, type(None)):
        return run_validation  # a callable or mutable default: computed per record
    try:
        value = run_validation(empty)
    except SkipField:

        def skip(_: Any) -> Any:
            raise SkipField

        return skip
    except (ValidationError, DjangoValidationError):
        return run_validation  # refused: DRF words the error for each record
    return lambda _: value


def _list_plan(field: serializers.ListSerializer) -> Run | None:
    if not _plain(field, _LIST_METHODS) or list(field.validators):
        return None
    child = field.child
    if not isinstance(child, serializers.Serializer):
        return None
    run_child = _serializer_plan(child)
    if run_child is None:
        return None
    allow_empty = field.allow_empty
    max_length: int | None = getattr(field, "max_length", None)
    min_length: int | None = getattr(field, "min_length", None)
    validate = field.validate
    run_validation = field.run_validation

    def run(data: Any) -> Any:
        if data is None:
            return run_validation(data)  # null, or its error: DRF's own answer
        if (
            type(data) is not list
            or (not allow_empty and not data)
            or (max_length is not None and len(data) > max_length)
            or (min_length is not None and len(data) < min_length)
        ):
            raise NotLean
        value = validate([run_child(item) for item in data])
        if value is None:
            raise NotLean
        return value

    return run


# --- Leaves -------------------------------------------------------------------------------
# A leaf's fast path takes the plain values a JSON client sends (a string, a number) and
# returns what the field's `run_validation` would; any other value goes through the field
# itself. Each applies only to the exact field classes whose code it mirrors (below), with
# only the validators it knows.


def _leaf_plan(field: drf_fields.Field) -> Run:
    for build in (_char_plan, _choice_plan, _float_plan, _datetime_plan, _pk_plan):
        run = build(field)
        if run is not None:
            return run
    return field.run_validation


def _text_checks(field: drf_fields.Field) -> list[Callable[[str], bool]] | None:
    """The field's validators as checks of a string (True: it passes), or None when one
    of them is not a known one."""
    checks: list[Callable[[str], bool]] = []
    for validator in field.validators:
        kind = type(validator)
        limit = getattr(validator, "limit_value", None)
        if kind is django_validators.MaxLengthValidator and type(limit) is int:
            checks.append(partial(_at_most, limit))
        elif kind is django_validators.MinLengthValidator and type(limit) is int:
            checks.append(partial(_at_least, limit))
        elif kind is django_validators.ProhibitNullCharactersValidator:
            checks.append(_no_null)
        elif kind is ProhibitSurrogateCharactersValidator:
            checks.append(_no_surrogate)
        else:
            return None
    return checks


def _at_most(limit: int, text: str) -> bool:
    return len(text) <= limit


def _at_least(limit: int, text: str) -> bool:
    return len(text) >= limit


def _no_null(text: str) -> bool:
    return "\x00" not in text


def _no_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")  # refuses exactly the code points U+D800 to U+DFFF
    except UnicodeEncodeError:
        return False
    return True


def _char_plan(field: drf_fields.Field) -> Run | None:
    if type(field) not in (drf_fields.CharField, StrictCharField):
        return None
    checks = _text_checks(field)
    if checks is None:
        return None
    trim = getattr(field, "trim_whitespace", True)
    run_validation = field.run_validation

    def run(value: Any) -> Any:
        if type(value) is not str:
            return run_validation(value)
        text = value.strip() if trim else value
        if not text:
            return run_validation(value)  # blank: allowed or refused by the field
        for check in checks:
            if not check(text):
                raise NotLean
        return text

    return run


def _choice_plan(field: drf_fields.Field) -> Run | None:
    if type(field) is not drf_fields.ChoiceField or list(field.validators):
        return None
    choices = field.choice_strings_to_values
    run_validation = field.run_validation

    def run(value: Any) -> Any:
        if type(value) is not str or not value:
            return run_validation(value)
        try:
            return choices[value]
        except KeyError:
            raise NotLean from None

    return run


def _float_plan(field: drf_fields.Field) -> Run | None:
    if type(field) is not StrictFloatField:
        return None
    # The limits as given (Django compares the number with each, an int exactly).
    lows: list[int | float] = []
    highs: list[int | float] = []
    for validator in field.validators:
        limit = getattr(validator, "limit_value", None)
        if not isinstance(limit, int | float) or isinstance(limit, bool):
            return None
        if type(validator) is django_validators.MinValueValidator:
            lows.append(limit)
        elif type(validator) is django_validators.MaxValueValidator:
            highs.append(limit)
        else:
            return None
    run_validation = field.run_validation

    def run(value: Any) -> Any:
        kind = type(value)
        if kind is not float and kind is not int:
            return run_validation(value)
        try:
            number = float(value)
        except OverflowError:
            raise NotLean from None
        if (
            not math.isfinite(number)
            or any(number < low for low in lows)
            or any(number > high for high in highs)
        ):
            raise NotLean
        return number

    return run


def _datetime_plan(field: drf_fields.Field) -> Run | None:
    if type(field) is not AwareDateTimeField or list(field.validators):
        return None
    formats = getattr(field, "input_formats", api_settings.DATETIME_INPUT_FORMATS)
    if list(formats) != [ISO_8601]:
        return None
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None:
        return None
    run_validation = field.run_validation

    def run(value: Any) -> Any:
        if type(value) is not str or value != value.strip():
            return run_validation(value)
        try:
            parsed = parse_datetime(value)
        except ValueError:
            raise NotLean from None
        if parsed is None or parsed.utcoffset() is None:
            raise NotLean
        try:
            return parsed.astimezone(zone)
        except OverflowError:
            raise NotLean from None

    return run


def _pk_plan(field: drf_fields.Field) -> Run | None:
    if type(field) is not PreloadedPrimaryKeyRelatedField or list(field.validators):
        return None
    queryset = getattr(field, "queryset", None)
    if queryset is None:
        return None
    preloaded: Mapping[int, Any] | None = field.context.get("preloaded", {}).get(queryset.model)
    if preloaded is None:
        return None
    run_validation = field.run_validation

    def run(value: Any) -> Any:
        if type(value) is not int or not 0 < value <= MAX_PK:
            return run_validation(value)
        row = preloaded.get(value)
        if row is None:
            raise NotLean
        return row

    return run
