"""Serializer pieces every API serializer shares."""

from __future__ import annotations

from functools import cached_property
from typing import Any, TypeVar

from django.db import models
from rest_framework import serializers

_M = TypeVar("_M", bound=models.Model)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know: a typo must not be silently ignored."""

    @cached_property
    def _writable_names(self) -> frozenset[str]:
        # Once per serializer: a bulk request validates 1,000 records with one instance.
        return frozenset(name for name, field in self.fields.items() if not field.read_only)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - self._writable_names)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):
    pass


def bound_instance(serializer: serializers.BaseSerializer[_M]) -> _M:
    """The instance an update's serializer was bound to (UpdateModelMixin.update binds it to
    get_object(), so it is always there in perform_update)."""
    instance = serializer.instance
    if instance is None:
        raise TypeError("perform_update called with an unbound serializer")
    return instance
