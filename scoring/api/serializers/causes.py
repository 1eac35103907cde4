"""Serializers of why a score moved in people's terms (scoring.selectors.causes): added
to the ranking diff and to an item's score with `?since=`."""

from __future__ import annotations

from rest_framework import serializers

# Named in settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (one enum per choice set).
FACTOR_CHOICES = ["reach", "impact", "confidence", "effort"]
TEAM_CHOICES = ["product", "marketing", "other"]
_CHANGES = ["added", "removed"]


class FactorNumbersSerializer(serializers.Serializer):
    reach = serializers.FloatField(required=False)
    impact = serializers.FloatField(required=False)
    confidence = serializers.FloatField(required=False)
    effort = serializers.FloatField(required=False)


class EstimateChangeSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=FACTOR_CHOICES)
    before = serializers.FloatField(allow_null=True, help_text="Null: not estimated then.")
    after = serializers.FloatField(allow_null=True)
    changed_by = serializers.CharField(
        allow_null=True, help_text="Who last changed it in the window (full name or username)."
    )
    changed_at = serializers.DateTimeField()


class EvidenceCountSerializer(serializers.Serializer):
    change = serializers.ChoiceField(choices=_CHANGES)
    kind = serializers.CharField(help_text="A signal kind, or `friction_report`.")
    team = serializers.ChoiceField(choices=TEAM_CHOICES, help_text="The submitter's team.")
    count = serializers.IntegerField()


class EvidenceRefSerializer(serializers.Serializer):
    change = serializers.ChoiceField(choices=_CHANGES)
    type = serializers.ChoiceField(choices=["friction_report", "market_signal"])
    id = serializers.IntegerField(help_text="The report's or signal's id (its number).")
    kind = serializers.CharField()
    title = serializers.CharField()
    submitted_by = serializers.CharField(allow_null=True)
    team = serializers.ChoiceField(choices=TEAM_CHOICES)
    weight = serializers.FloatField(
        help_text="w·n for a report, w·kind weight for a signal (SCORING.md), at the end of "
        "the window."
    )
    reason = serializers.ChoiceField(
        choices=["linked", "unlinked", "addressed", "dismissed", "reopened", "restored"],
        help_text="Why it counts or stopped counting: its link, or its status.",
    )


class ModelChangeSerializer(serializers.Serializer):
    before = serializers.IntegerField()
    after = serializers.IntegerField()


class ItemCausesSerializer(serializers.Serializer):
    estimates = EstimateChangeSerializer(
        many=True, help_text="Product estimates changed in the window (net), from the history."
    )
    evidence = EvidenceCountSerializer(
        many=True, help_text="Evidence linked or unlinked in the window, by kind and team."
    )
    largest_evidence = EvidenceRefSerializer(
        allow_null=True,
        help_text="The largest piece of evidence linked or unlinked (a friction report "
        "before a signal), with its submitter.",
    )
    model = ModelChangeSerializer(
        allow_null=True, help_text="The scoring model version, when it changed."
    )


class OtherItemSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    title = serializers.CharField()
    new = serializers.BooleanField(help_text="Not in the earlier ranking.")
    left = serializers.BooleanField(help_text="Not in the later ranking.")
    headline = serializers.CharField(
        help_text="Its own main cause in words (empty when no input changed)."
    )


class ScoreChangeSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    score_before = serializers.FloatField(
        allow_null=True, help_text="The last history point at or before `since`."
    )
    score_after = serializers.FloatField(allow_null=True)
    position_before = serializers.IntegerField(allow_null=True)
    position_after = serializers.IntegerField(allow_null=True)
    main_driver = serializers.ChoiceField(choices=FACTOR_CHOICES, allow_null=True)
    terms = FactorNumbersSerializer()
    deltas = FactorNumbersSerializer()
    causes = ItemCausesSerializer()
    summary = serializers.CharField(help_text="The causes in words (English).")
