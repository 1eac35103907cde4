"""Serializers of scoring model versions and of the what-if preview."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import (
    StrictCharField,
    StrictFloatField,
)
from config.api.openapi import ErrorSerializer as ErrorSerializer
from config.api.serializers import StrictSerializer
from scoring import engine
from scoring.models import (
    ScoringModel,
)

# --- Scoring model versions -------------------------------------------------------------


@extend_schema_field({"type": "number", "format": "double", "minimum": 0, "exclusiveMinimum": True})
class PositiveNumberField(StrictFloatField):
    """A finite number greater than 0 (the range itself is checked by the scoring core)."""


_WEIGHT = {"type": "number", "format": "double", "minimum": 0}
_MAX_WEIGHTS = 1000


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": _WEIGHT,
        "maxProperties": _MAX_WEIGHTS,
    }
)
class WeightsField(serializers.DictField):
    """An object mapping names to finite weights of 0 or more."""

    MAX_ENTRIES = _MAX_WEIGHTS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=StrictFloatField(min_value=0), **kwargs)

    def to_internal_value(self, data: Any) -> dict[str, float]:
        if isinstance(data, dict) and len(data) > self.MAX_ENTRIES:
            raise serializers.ValidationError(f"At most {self.MAX_ENTRIES} entries.")
        value: dict[str, float] = super().to_internal_value(data)
        return value


@extend_schema_field(
    {
        "type": "object",
        "properties": dict.fromkeys(engine.SIGNAL_KINDS, _WEIGHT),
        "additionalProperties": False,
    }
)
class KindWeightsField(WeightsField):
    """Weights per signal kind: only the kinds of SCORING.md."""


class ScoringModelParamsSerializer(StrictSerializer):
    """The parameters of SCORING.md, each optional: those sent are laid over the active
    version's values. Ranges are checked by the scoring core, field by field."""

    product_weight = StrictFloatField(
        required=False, min_value=0, max_value=1, help_text="α, 0 to 1."
    )
    half_life_days = PositiveNumberField(required=False, help_text="H in days, greater than 0.")
    evidence_gain = StrictFloatField(
        required=False, min_value=0, max_value=1, help_text="g, 0 to 1."
    )
    evidence_saturation = PositiveNumberField(required=False, help_text="κ, greater than 0.")
    min_effort = PositiveNumberField(required=False, help_text="Person-months, greater than 0.")
    default_confidence = StrictFloatField(
        required=False, min_value=0, max_value=1, help_text="0 to 1."
    )
    kind_weights = KindWeightsField(
        required=False,
        help_text="Evidence weight per signal kind; replaces the whole mapping. A kind left "
        "out weighs 0.",
    )
    friction_evidence_weight = StrictFloatField(
        required=False, min_value=0, help_text="φ, 0 or more."
    )
    segment_weights = WeightsField(
        required=False,
        help_text="Weight per segment slug; replaces the whole mapping. A slug left out weighs 1.",
    )


class ScoringModelCreateSerializer(ScoringModelParamsSerializer):
    note = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class ScoringModelSerializer(serializers.ModelSerializer):
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ScoringModel
        fields = [
            "id",
            "version",
            "is_active",
            "note",
            "product_weight",
            "half_life_days",
            "evidence_gain",
            "evidence_saturation",
            "min_effort",
            "default_confidence",
            "kind_weights",
            "friction_evidence_weight",
            "segment_weights",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class PreviewQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=500, default=50, help_text="Rows returned, 1 to 500."
    )


class PreviewParametersSerializer(serializers.Serializer):
    product_weight = serializers.FloatField()
    half_life_days = serializers.FloatField()
    evidence_gain = serializers.FloatField()
    evidence_saturation = serializers.FloatField()
    min_effort = serializers.FloatField()
    default_confidence = serializers.FloatField()
    kind_weights = serializers.DictField(child=serializers.FloatField())
    friction_evidence_weight = serializers.FloatField()
    segment_weights = serializers.DictField(child=serializers.FloatField())


class PreviewRowSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    title = serializers.CharField()
    position = serializers.IntegerField(help_text="Position under the candidate parameters.")
    score = serializers.FloatField(help_text="Score under the candidate parameters.")
    active_position = serializers.IntegerField(
        allow_null=True, help_text="Position under the active model; null when not ranked."
    )
    active_score = serializers.FloatField(allow_null=True)
    change = serializers.IntegerField(
        allow_null=True,
        help_text="active_position - position: places gained (negative: lost); null when "
        "the item is ranked only under the candidate parameters.",
    )


class PreviewDroppedSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    title = serializers.CharField()
    active_position = serializers.IntegerField()
    active_score = serializers.FloatField()


class ScoringModelPreviewSerializer(serializers.Serializer):
    base_model_version = serializers.IntegerField(
        help_text="The active version the candidate parameters were laid over."
    )
    computed_at = serializers.DateTimeField(help_text="The instant both rankings use.")
    parameters = PreviewParametersSerializer(help_text="The candidate parameters in full.")
    count = serializers.IntegerField(help_text="Items ranked under the candidate parameters.")
    limit = serializers.IntegerField()
    results = PreviewRowSerializer(many=True, help_text="The first `limit` positions.")
    dropped_count = serializers.IntegerField(
        help_text="Items ranked under the active model but not under the candidate."
    )
    dropped = PreviewDroppedSerializer(many=True, help_text="The first `limit` of them.")
