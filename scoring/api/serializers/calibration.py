"""Serializers of the calibration of estimates against outcomes."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from config.api.fields import (
    PreloadedPrimaryKeyRelatedField,
    StrictFloatField,
)
from config.api.openapi import ErrorSerializer as ErrorSerializer
from config.api.serializers import StrictSerializer
from scoring import calibration
from scoring.models import (
    ConfidenceCalibration,
)

# --- Calibration ------------------------------------------------------------------------


class ImpactStepSerializer(serializers.Serializer):
    min_lift = serializers.FloatField()
    impact = serializers.FloatField()


class CalibrationMethodSerializer(serializers.Serializer):
    """The constants of the method (README, "Calibration")."""

    quarter_days = serializers.FloatField(help_text="People measured are brought to this.")
    impact_steps = ImpactStepSerializer(many=True, help_text="Lift → RICE impact, first match.")
    min_impact = serializers.FloatField(help_text="Impact below the last step.")
    multiplier_min = serializers.FloatField()
    multiplier_max = serializers.FloatField()
    min_calibrated_items = serializers.IntegerField(
        help_text="Calibrated items an owner needs for a suggestion."
    )


class AssumedSerializer(serializers.Serializer):
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field named "source"
        choices=[
            ("history", "The score when the item shipped"),
            ("current", "The current score (no history point before shipping)"),
            ("none", "Never scored"),
        ]
    )
    computed_at = serializers.DateTimeField(allow_null=True)
    reach = serializers.FloatField(allow_null=True)
    reach_product = serializers.FloatField(allow_null=True, help_text="R_p.")
    reach_marketing = serializers.FloatField(allow_null=True, help_text="R_m.")
    impact = serializers.FloatField(allow_null=True)


class MeasuredSerializer(serializers.Serializer):
    reach = serializers.FloatField(allow_null=True, help_text="People per quarter.")
    impact = serializers.FloatField(allow_null=True, help_text="On the RICE scale.")
    outcomes = serializers.IntegerField()


class CalibrationRatiosSerializer(serializers.Serializer):
    reach = serializers.FloatField(allow_null=True)
    impact = serializers.FloatField(allow_null=True)
    score = serializers.FloatField(allow_null=True, help_text="reach × impact.")
    product_reach = serializers.FloatField(allow_null=True, help_text="Measured reach / R_p.")
    marketing_reach = serializers.FloatField(allow_null=True, help_text="Measured reach / R_m.")


class CalibratedItemSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    title = serializers.CharField()
    owner = serializers.IntegerField(allow_null=True)
    theme = serializers.IntegerField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    assumed = AssumedSerializer()
    measured = MeasuredSerializer()
    ratios = CalibrationRatiosSerializer(help_text="Measured / assumed.")
    calibrated = serializers.BooleanField(help_text="Has a score ratio.")


class RatioSummarySerializer(serializers.Serializer):
    items = serializers.IntegerField()
    calibrated_items = serializers.IntegerField()
    reach_ratio = serializers.FloatField(allow_null=True, help_text="Geometric mean.")
    impact_ratio = serializers.FloatField(allow_null=True, help_text="Geometric mean.")
    score_ratio = serializers.FloatField(allow_null=True, help_text="Geometric mean.")


class CalibrationSuggestionSerializer(serializers.Serializer):
    multiplier = serializers.FloatField(help_text="Send it to `calibration/apply/`.")
    based_on = serializers.ListField(
        child=serializers.IntegerField(), help_text="The calibrated shipped items it uses."
    )
    open_items = serializers.IntegerField(help_text="Open items it would apply to.")


class CalibrationAppliedSerializer(serializers.Serializer):
    multiplier = serializers.FloatField()
    applied_at = serializers.DateTimeField()
    items_changed = serializers.IntegerField()


class OwnerCalibrationSerializer(RatioSummarySerializer):
    owner = serializers.IntegerField()
    owner_name = serializers.CharField(allow_null=True)
    suggestion = CalibrationSuggestionSerializer(
        allow_null=True, help_text="Null: fewer than 2 calibrated items not used before."
    )
    last_applied = CalibrationAppliedSerializer(allow_null=True)


class ThemeCalibrationSerializer(RatioSummarySerializer):
    theme = serializers.IntegerField(allow_null=True)
    theme_name = serializers.CharField(allow_null=True)


class TeamCalibrationSerializer(serializers.Serializer):
    items = serializers.IntegerField()
    reach_ratio = serializers.FloatField(allow_null=True, help_text="Geometric mean.")


class TeamsCalibrationSerializer(serializers.Serializer):
    product = TeamCalibrationSerializer(help_text="Measured reach / product's estimate R_p.")
    marketing = TeamCalibrationSerializer(
        help_text="Measured reach / marketing's measured friction reach R_m."
    )


class CalibrationReportSerializer(serializers.Serializer):
    """How well the scores of shipped items predicted what their outcomes measured."""

    method = CalibrationMethodSerializer()
    items = CalibratedItemSerializer(many=True)
    by_owner = OwnerCalibrationSerializer(many=True)
    by_theme = ThemeCalibrationSerializer(many=True)
    by_team = TeamsCalibrationSerializer()


class CalibrationApplySerializer(StrictSerializer):
    owner = PreloadedPrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), help_text="The owner (user id)."
    )
    multiplier = StrictFloatField(
        min_value=calibration.MIN_MULTIPLIER,
        max_value=calibration.MAX_MULTIPLIER,
        help_text="The owner's current suggestion, as `GET calibration/` shows it.",
    )


class ConfidenceCalibrationSerializer(serializers.ModelSerializer):
    """An applied calibration."""

    based_on = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="The calibrated shipped items it came from.",
    )

    class Meta:
        model = ConfidenceCalibration
        fields = [
            "id",
            "owner",
            "multiplier",
            "based_on",
            "items_changed",
            "applied_by",
            "applied_at",
        ]
        read_only_fields = fields
