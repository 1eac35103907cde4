"""Serializers of the live ranking, published rankings and their diffs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import (
    StrictCharField,
)
from config.api.openapi import ErrorSerializer as ErrorSerializer
from config.api.serializers import StrictSerializer
from roadmap.choices import ItemStatus
from scoring import selectors
from scoring.api.serializers.causes import (
    FactorNumbersSerializer,
    ItemCausesSerializer,
    OtherItemSerializer,
)
from scoring.api.serializers.explanations import (
    ConfidencePartsSerializer,
    EffortPartsSerializer,
    ExplanationSerializer,
    ImpactPartsSerializer,
    ReachPartsSerializer,
    datetime_text,
)
from scoring.models import (
    ItemScore,
    Ranking,
    RankingEntry,
)

# --- The live ranking -------------------------------------------------------------------


def _result(score: ItemScore) -> Any:
    """The score as the engine's result, built once per row for the four factor fields."""
    result = getattr(score, "_result", None)
    if result is None:
        result = score._result = selectors.item_score_result(score)  # type: ignore[attr-defined]
    return result


class LiveRankingEntrySerializer(serializers.ModelSerializer):
    """A ranked item. `position` is its place in the whole live ranking, whatever filters
    narrowed the list (the view passes the page's positions in the context)."""

    # The schema of `rankings/live/`. The view answers from `selectors.live_ranking_page`'s
    # rows through `live_ranking_entries` (no serializer run per row); a test checks that
    # both give the same JSON.

    position = serializers.SerializerMethodField()
    item = serializers.IntegerField(source="item_id", read_only=True)
    title = serializers.CharField(source="item.title", read_only=True)
    status = serializers.ChoiceField(
        source="item.status", choices=ItemStatus.choices, read_only=True
    )
    theme = serializers.IntegerField(source="item.theme_id", read_only=True, allow_null=True)
    theme_name = serializers.CharField(source="item.theme.name", read_only=True, allow_null=True)
    owner = serializers.IntegerField(source="item.owner_id", read_only=True, allow_null=True)
    owner_username = serializers.CharField(
        source="item.owner.username", read_only=True, allow_null=True
    )
    jira_key = serializers.CharField(source="item.jira_key", read_only=True)
    reach = serializers.SerializerMethodField()
    impact = serializers.SerializerMethodField()
    confidence = serializers.SerializerMethodField()
    effort = serializers.SerializerMethodField()

    class Meta:
        model = ItemScore
        fields = [
            "position",
            "item",
            "title",
            "status",
            "theme",
            "theme_name",
            "owner",
            "owner_username",
            "jira_key",
            "score",
            "reach",
            "impact",
            "confidence",
            "effort",
            "computed_at",
        ]
        read_only_fields = fields

    def get_position(self, obj: ItemScore) -> int:
        position: int = self.context["positions"][obj.item_id]
        return position

    @extend_schema_field(ReachPartsSerializer)
    def get_reach(self, obj: ItemScore) -> dict[str, Any]:
        return asdict(_result(obj).reach)

    @extend_schema_field(ImpactPartsSerializer)
    def get_impact(self, obj: ItemScore) -> dict[str, Any]:
        return asdict(_result(obj).impact)

    @extend_schema_field(ConfidencePartsSerializer)
    def get_confidence(self, obj: ItemScore) -> dict[str, Any]:
        return asdict(_result(obj).confidence)

    @extend_schema_field(EffortPartsSerializer)
    def get_effort(self, obj: ItemScore) -> dict[str, Any]:
        return asdict(_result(obj).effort)


def live_ranking_entries(rows: list[selectors.LiveRankingRow]) -> list[dict[str, Any]]:
    """The rows of `selectors.live_ranking_page` as LiveRankingEntrySerializer renders
    them: the same keys in the same order; only the datetime needs DRF's formatting."""
    zone = timezone.get_current_timezone()
    return [{**row, "computed_at": datetime_text(row["computed_at"], zone)} for row in rows]


# --- Published rankings -----------------------------------------------------------------


class RankingPublishSerializer(StrictSerializer):
    # Strict: a number where the note is expected is a client bug, not a note "2.2e-16".
    note = StrictCharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why this ranking is published (e.g. the committee it follows).",
    )


class RankingSerializer(serializers.ModelSerializer):
    published_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    model_version = serializers.IntegerField(source="model.version", read_only=True)

    class Meta:
        model = Ranking
        fields = ["number", "published_at", "published_by", "note", "model_version", "item_count"]
        read_only_fields = fields


class RankingEntrySerializer(serializers.ModelSerializer):
    item = serializers.IntegerField(source="item_id", read_only=True)
    explanation = ExplanationSerializer(read_only=True)

    class Meta:
        model = RankingEntry
        fields = [
            "position",
            "item",
            "title",
            "jira_key",
            "score",
            "reach",
            "impact",
            "confidence",
            "effort",
            "explanation",
        ]
        read_only_fields = fields


class RankingDetailSerializer(RankingSerializer):
    entries = RankingEntrySerializer(
        source="first_entries",
        many=True,
        read_only=True,
        help_text=f"The first {selectors.RANKING_DETAIL_MAX_ENTRIES} entries by position; "
        "`rankings/{number}/entries/` pages through all of them.",
    )
    entries_truncated = serializers.SerializerMethodField(
        help_text="True when the ranking holds more entries than `entries` lists."
    )

    class Meta(RankingSerializer.Meta):
        fields = [*RankingSerializer.Meta.fields, "entries_truncated", "entries"]
        read_only_fields = fields

    def get_entries_truncated(self, obj: Ranking) -> bool:
        return obj.item_count > selectors.RANKING_DETAIL_MAX_ENTRIES


class RankingMoveSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    title = serializers.CharField()
    from_position = serializers.IntegerField()
    to_position = serializers.IntegerField()
    places = serializers.IntegerField(help_text="How many places it moved, always positive.")
    score_before = serializers.FloatField()
    score_after = serializers.FloatField()
    main_driver = serializers.ChoiceField(
        choices=["reach", "impact", "confidence", "effort"],
        allow_null=True,
        help_text="The factor whose change moved the score most; null when no factor moved.",
    )
    terms = FactorNumbersSerializer(
        help_text="ln(R₂/R₁), ln(I₂/I₁), ln(C₂/C₁), −ln(E₂/E₁): they sum to ln(S₂/S₁). Empty "
        "when either score is 0."
    )
    deltas = FactorNumbersSerializer(help_text="after − before, for each factor.")
    # Why, in people's terms (scoring.selectors.causes); additive to the fields above.
    own_change = serializers.BooleanField(help_text="Whether its own score changed.")
    causes = ItemCausesSerializer(
        help_text="The inputs of its own score that changed between the two rankings."
    )
    passed_by = OtherItemSerializer(
        many=True,
        help_text="Moved down: items above it now that were below it (or absent); at most 5.",
    )
    passed_by_count = serializers.IntegerField()
    passed = OtherItemSerializer(
        many=True,
        help_text="Moved up: items it passed (or that left the ranking above it); at most 5.",
    )
    passed_count = serializers.IntegerField()
    summary = serializers.CharField(
        help_text='The move in one sentence (English): "down 2: passed by … (new); its own '
        'score did not change".'
    )


class RankingDiffEntrySerializer(serializers.Serializer):
    item = serializers.IntegerField()
    title = serializers.CharField()
    position = serializers.IntegerField(
        help_text="Its position in the ranking that holds it (this one for new items, the "
        "previous one for dropped items)."
    )
    score = serializers.FloatField()


class RankingDiffSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    previous_number = serializers.IntegerField(
        allow_null=True, help_text="Null for the first ranking: every item is new."
    )
    moved_up = RankingMoveSerializer(many=True)
    moved_down = RankingMoveSerializer(many=True)
    new = RankingDiffEntrySerializer(many=True)
    dropped = RankingDiffEntrySerializer(many=True)
    unchanged = serializers.IntegerField(help_text="Items at the same position in both.")
