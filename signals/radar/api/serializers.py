"""Serializers of the radar's API: read-only shapes of the selectors' results."""

from __future__ import annotations

from rest_framework import serializers

from config.api.serializers import StrictSerializer
from roadmap.models import RoadmapItem
from signals.radar.models import DocKind, RadarDuplicate, RadarTopic


class SuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The suggestion: accept or reject it by this id.")
    item_id = serializers.IntegerField()
    item_title = serializers.CharField()
    similarity = serializers.FloatField(
        help_text="Similarity, 0 to 1: the cosine of the words, blended for evidence linked "
        "to no item with the cosine of a bundled multilingual sentence model (an item near "
        "in meaning may then match no word)."
    )
    matched = serializers.ListField(
        child=serializers.CharField(), help_text="The words of the evidence that matched."
    )
    status = serializers.CharField()


DUPLICATE_SIMILARITY = (
    "How surely the piece repeats its original, 0 to 1: the duplicate model's probability "
    "(words, letters, items, account and the two sentence vectors) where the sentence "
    "model runs, else the lexical similarity alone."
)


class DuplicateFlagSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The flag: confirm or reject it by this id.")
    original_kind = serializers.ChoiceField(choices=DocKind.choices)
    original_id = serializers.IntegerField()
    original_title = serializers.CharField()
    similarity = serializers.FloatField(help_text=DUPLICATE_SIMILARITY)
    status = serializers.CharField()


class EvidenceSuggestionsSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocKind.choices)
    id = serializers.IntegerField()
    title = serializers.CharField()
    observed_at = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField(help_text='"fr", "en", "und", or empty if not read yet.')
    pending = serializers.BooleanField(
        help_text="The radar has not read this evidence since it changed; a refresh is queued."
    )
    suggestions = SuggestionSerializer(many=True)
    duplicate = DuplicateFlagSerializer(allow_null=True)


class SuggestionDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item_id = serializers.IntegerField()
    status = serializers.CharField()
    similarity = serializers.FloatField()


class DuplicateSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=DocKind.choices, source="doc.kind")
    evidence_id = serializers.IntegerField(source="doc.evidence_id")
    original_kind = serializers.ChoiceField(choices=DocKind.choices, source="original.kind")
    original_id = serializers.IntegerField(source="original.evidence_id")

    class Meta:
        model = RadarDuplicate
        fields = [
            "id",
            "kind",
            "evidence_id",
            "original_kind",
            "original_id",
            "similarity",
            "status",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"similarity": {"help_text": DUPLICATE_SIMILARITY}}


class QuoteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocKind.choices)
    id = serializers.IntegerField()
    text = serializers.CharField()


class RadarTopicSerializer(serializers.ModelSerializer):
    top_terms = serializers.ListField(child=serializers.CharField())
    counts_by_kind = serializers.DictField(child=serializers.IntegerField())
    counts_by_team = serializers.DictField(child=serializers.IntegerField())
    languages = serializers.DictField(child=serializers.IntegerField())
    accounts = serializers.ListField(child=serializers.CharField())
    quotes = QuoteSerializer(many=True)
    p_value = serializers.FloatField(
        help_text="One-sided exact conditional binomial test of the recent rate against the "
        "baseline rate (see signals.radar.topics)."
    )
    growth = serializers.FloatField(help_text="Recent daily rate over baseline daily rate.")

    class Meta:
        model = RadarTopic
        fields = [
            "id",
            "status",
            "label",
            "top_terms",
            "size",
            "recent_count",
            "baseline_count",
            "growth",
            "p_value",
            "counts_by_kind",
            "counts_by_team",
            "languages",
            "accounts",
            "quotes",
            "first_seen",
            "last_seen",
            "item",
            "refreshed_at",
        ]
        read_only_fields = fields


class TopicItemCreateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(
        max_length=10_000, required=False, allow_blank=True, default=""
    )


class CreatedItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoadmapItem
        fields = ["id", "title", "status"]
        read_only_fields = fields
