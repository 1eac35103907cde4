"""Serializers of the scoring API: model versions, what-if previews, the live ranking,
published rankings and their diffs, and an item's score explanation.

Responses built from selectors' plain dicts still go through a serializer, so the schema
drf-spectacular publishes is the shape the client gets.

`ErrorSerializer` (the error shape of config.api.errors, the `ErrorResponse` component) is
re-exported from config.api.openapi: one class for the one shape.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import (
    PreloadedPrimaryKeyRelatedField,
    StrictBooleanField,
    StrictCharField,
    StrictFloatField,
)
from config.api.openapi import ErrorSerializer as ErrorSerializer
from config.api.serializers import StrictSerializer
from roadmap.choices import Channel, ItemStatus
from roadmap.models import JiraSyncRun
from scoring import calibration, engine, selectors
from scoring.models import (
    ConfidenceCalibration,
    ItemScore,
    Ranking,
    RankingEntry,
    ScoreHistory,
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
    created_by = serializers.SlugRelatedField(
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


# --- The live ranking -------------------------------------------------------------------


class LiveRankingEntrySerializer(serializers.ModelSerializer):
    """A ranked item. `position` is its place in the whole live ranking, whatever filters
    narrowed the list (the view passes the page's positions in the context)."""

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
        return asdict(selectors.item_score_result(obj).reach)

    @extend_schema_field(ImpactPartsSerializer)
    def get_impact(self, obj: ItemScore) -> dict[str, Any]:
        return asdict(selectors.item_score_result(obj).impact)

    @extend_schema_field(ConfidencePartsSerializer)
    def get_confidence(self, obj: ItemScore) -> dict[str, Any]:
        return asdict(selectors.item_score_result(obj).confidence)

    @extend_schema_field(EffortPartsSerializer)
    def get_effort(self, obj: ItemScore) -> dict[str, Any]:
        return asdict(selectors.item_score_result(obj).effort)


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
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
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


class FactorNumbersSerializer(serializers.Serializer):
    reach = serializers.FloatField(required=False)
    impact = serializers.FloatField(required=False)
    confidence = serializers.FloatField(required=False)
    effort = serializers.FloatField(required=False)


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


# --- Jira -------------------------------------------------------------------------------


class JiraIssueRankSerializer(serializers.ModelSerializer):
    """A ranking entry with a Jira key, in the shape a Jira rule or script reads."""

    key = serializers.CharField(source="jira_key", read_only=True, help_text="The issue key.")
    item = serializers.IntegerField(source="item_id", read_only=True)
    explanation_url = serializers.SerializerMethodField(
        help_text="Absolute URL of the item's score explanation (`items/{id}/score/`)."
    )

    class Meta:
        model = RankingEntry
        fields = [
            "key",
            "position",
            "item",
            "title",
            "score",
            "reach",
            "impact",
            "confidence",
            "effort",
            "explanation_url",
        ]
        read_only_fields = fields

    def get_explanation_url(self, entry: RankingEntry) -> str:
        path = reverse("item-score", kwargs={"pk": entry.item_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class RankingJiraSerializer(serializers.Serializer):
    """The latest published ranking as Jira needs it: `{"ranking": ..., "issues": [...]}`
    in; its entries with a Jira key, by position, out."""

    number = serializers.IntegerField(source="ranking.number")
    published_at = serializers.DateTimeField(source="ranking.published_at")
    note = serializers.CharField(source="ranking.note")
    issue_count = serializers.SerializerMethodField(help_text="How many issues are listed.")
    issues = JiraIssueRankSerializer(
        many=True,
        help_text="Every entry with a Jira key, by position. `position` is the item's place "
        "in the whole ranking, so items without a key leave gaps.",
    )

    def get_issue_count(self, data: dict[str, Any]) -> int:
        return len(data["issues"])


class RankingPushSerializer(StrictSerializer):
    """Options of an on-demand push to Jira (the body may be left out)."""

    force = StrictBooleanField(
        required=False,
        default=False,
        help_text="Send every value and the whole order, even what the last push already "
        "sent (e.g. after someone reordered the board by hand).",
    )


class RankingPushQueuedSerializer(serializers.ModelSerializer):
    run = serializers.IntegerField(
        source="pk", read_only=True, help_text="The Jira sync run (admin → Jira sync runs)."
    )
    ranking = serializers.IntegerField(source="ranking_number", read_only=True)

    class Meta:
        model = JiraSyncRun
        fields = ["run", "ranking", "status", "force", "queued_at"]
        read_only_fields = fields


# --- Shared KPIs ------------------------------------------------------------------------


class KpiMoverSerializer(serializers.Serializer):
    """An item's latest measurement of the KPI."""

    item = serializers.IntegerField()
    title = serializers.CharField()
    baseline = serializers.FloatField()
    measured = serializers.FloatField()
    lift = serializers.FloatField(
        allow_null=True,
        help_text="Relative change in the KPI's good direction; null from a baseline of 0.",
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class KpiGroupSerializer(serializers.Serializer):
    items = serializers.IntegerField(help_text="Items measured (each counts once).")
    baseline = serializers.FloatField(help_text="Mean of the items' baselines.")
    measured = serializers.FloatField(help_text="Mean of the items' latest measurements.")
    change = serializers.FloatField(help_text="measured - baseline.")
    lift = serializers.FloatField(allow_null=True, help_text="change relative to baseline.")
    moved_by = KpiMoverSerializer(many=True, help_text="The items, largest gain first.")


class KpiByChannelSerializer(KpiGroupSerializer):
    channel = serializers.ChoiceField(
        choices=Channel.choices, allow_null=True, help_text="Null: outcomes without a channel."
    )


class KpiBySegmentSerializer(KpiGroupSerializer):
    segment = serializers.IntegerField(
        allow_null=True, help_text="Null: outcomes not specific to a segment."
    )
    segment_name = serializers.CharField(allow_null=True)


class NpsReleaseSerializer(KpiMoverSerializer):
    change = serializers.FloatField(help_text="NPS after - NPS before.")
    shipped_at = serializers.DateTimeField(
        allow_null=True, help_text="When the item became shipped (from its history)."
    )
    people_measured = serializers.IntegerField(allow_null=True)


class SharedKpisSerializer(serializers.Serializer):
    """The KPIs both teams steer by, measured after shipping (outcomes)."""

    activation_rate_by_channel = KpiByChannelSerializer(many=True)
    conversion_rate_by_channel = KpiByChannelSerializer(many=True)
    ltv_by_segment = KpiBySegmentSerializer(many=True)
    nps_by_release = NpsReleaseSerializer(
        many=True, help_text="NPS before (baseline) and after (measured) each release."
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
    source = serializers.ChoiceField(
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
