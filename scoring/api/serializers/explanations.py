"""Serializers of an item's score explanation and history."""

from __future__ import annotations

from rest_framework import serializers

from config.api.openapi import ErrorSerializer as ErrorSerializer
from roadmap.choices import ItemStatus
from scoring.api.serializers.causes import ScoreChangeSerializer
from scoring.models import (
    ScoreHistory,
)

# --- Score explanations -----------------------------------------------------------------


class ReachPartsSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    product = serializers.FloatField(allow_null=True, help_text="R_p, product's estimate.")
    marketing = serializers.FloatField(allow_null=True, help_text="R_m, from friction reports.")


class ImpactPartsSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    product = serializers.FloatField(allow_null=True, help_text="I_p, product's estimate.")
    marketing = serializers.FloatField(allow_null=True, help_text="I_m, from friction reports.")


class ConfidencePartsSerializer(serializers.Serializer):
    value = serializers.FloatField()
    product = serializers.FloatField(help_text="C₀: product's confidence or the default.")
    evidence = serializers.FloatField(help_text="E_v, the evidence strength.")


class EffortPartsSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="The estimate, floored.")
    estimate = serializers.FloatField(allow_null=True)


class ContributorSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The friction report's or the signal's id.")
    weight = serializers.FloatField()
    share = serializers.FloatField(help_text="Share of the total over all counted inputs.")


class ContributorsSerializer(serializers.Serializer):
    reports = ContributorSerializer(many=True)
    signals = ContributorSerializer(many=True)


class InputCountsSerializer(serializers.Serializer):
    reports = serializers.IntegerField()
    signals = serializers.IntegerField()


class ExplanationSerializer(serializers.Serializer):
    """The explanation of SCORING.md: every part needed to redo the arithmetic."""

    computed_at = serializers.DateTimeField()
    model_version = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    reach = ReachPartsSerializer()
    impact = ImpactPartsSerializer()
    confidence = ConfidencePartsSerializer()
    effort = EffortPartsSerializer()
    missing = serializers.ListField(child=serializers.CharField())
    counts = InputCountsSerializer()
    contributors = ContributorsSerializer(
        required=False, help_text="Live explanations only; published entries leave it out."
    )


class ScoreHistorySerializer(serializers.ModelSerializer):
    model_version = serializers.IntegerField(source="model.version", read_only=True)

    class Meta:
        model = ScoreHistory
        fields = [
            "computed_at",
            "model_version",
            "score",
            "position",
            "reach",
            "impact",
            "confidence",
            "effort",
        ]
        read_only_fields = fields


class ItemScoreDetailSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=ItemStatus.choices)
    dirty = serializers.BooleanField(
        help_text="The item's inputs changed since this score was computed; a "
        "recomputation is queued."
    )
    score = serializers.FloatField(allow_null=True, help_text="Null when unscored.")
    position = serializers.IntegerField(
        allow_null=True, help_text="Place in the live ranking; null when not ranked."
    )
    missing = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="What an unscored item lacks (reach, impact, effort); null when the item "
        "was never scored.",
    )
    explanation = ExplanationSerializer(
        allow_null=True, help_text="Null when the item was never scored."
    )
    history = ScoreHistorySerializer(many=True, help_text="The last 100 points, newest first.")
    change = ScoreChangeSerializer(
        allow_null=True,
        help_text="With `?since=`: the score then and now, the factor split and the inputs "
        "that changed in between, in people's terms; null without it.",
    )
