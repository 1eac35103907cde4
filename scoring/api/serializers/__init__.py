"""Serializers of the scoring API, one module per concern: `models` (model versions and
the what-if preview), `explanations`, `rankings` (the live ranking, published rankings
and their diffs), `jira` (a ranking's push) and `calibration`. The shared KPIs'
serializers are in signals.api.serializers.

Responses built from selectors' plain dicts still go through a serializer, so the schema
drf-spectacular publishes is the shape the client gets.

`ErrorSerializer` (the error shape of config.api.errors) is re-exported from
config.api.openapi: one class for the one shape, since a second class of that name would
be a second "Error" component, which drf-spectacular refuses.
"""

from config.api.openapi import ErrorSerializer as ErrorSerializer
from scoring.api.serializers.calibration import (
    AssumedSerializer,
    CalibratedItemSerializer,
    CalibrationAppliedSerializer,
    CalibrationApplySerializer,
    CalibrationMethodSerializer,
    CalibrationRatiosSerializer,
    CalibrationReportSerializer,
    CalibrationSuggestionSerializer,
    ConfidenceCalibrationSerializer,
    ImpactStepSerializer,
    MeasuredSerializer,
    OwnerCalibrationSerializer,
    RatioSummarySerializer,
    TeamCalibrationSerializer,
    TeamsCalibrationSerializer,
    ThemeCalibrationSerializer,
)
from scoring.api.serializers.explanations import (
    ConfidencePartsSerializer,
    ContributorSerializer,
    ContributorsSerializer,
    EffortPartsSerializer,
    ExplanationSerializer,
    ImpactPartsSerializer,
    InputCountsSerializer,
    ItemScoreDetailSerializer,
    ReachPartsSerializer,
    ScoreHistorySerializer,
    item_score_data,
)
from scoring.api.serializers.jira import (
    JiraIssueRankSerializer,
    RankingJiraSerializer,
    RankingPushQueuedSerializer,
    RankingPushSerializer,
)
from scoring.api.serializers.models import (
    KindWeightsField,
    PositiveNumberField,
    PreviewDroppedSerializer,
    PreviewParametersSerializer,
    PreviewQuerySerializer,
    PreviewRowSerializer,
    ScoringModelCreateSerializer,
    ScoringModelParamsSerializer,
    ScoringModelPreviewSerializer,
    ScoringModelSerializer,
    WeightsField,
)
from scoring.api.serializers.rankings import (
    FactorNumbersSerializer,
    LiveRankingEntrySerializer,
    RankingDetailSerializer,
    RankingDiffEntrySerializer,
    RankingDiffSerializer,
    RankingEntrySerializer,
    RankingMoveSerializer,
    RankingPublishSerializer,
    RankingSerializer,
    live_ranking_entries,
)

__all__ = [
    "AssumedSerializer",
    "CalibratedItemSerializer",
    "CalibrationAppliedSerializer",
    "CalibrationApplySerializer",
    "CalibrationMethodSerializer",
    "CalibrationRatiosSerializer",
    "CalibrationReportSerializer",
    "CalibrationSuggestionSerializer",
    "ConfidenceCalibrationSerializer",
    "ConfidencePartsSerializer",
    "ContributorSerializer",
    "ContributorsSerializer",
    "EffortPartsSerializer",
    "ErrorSerializer",
    "ExplanationSerializer",
    "FactorNumbersSerializer",
    "ImpactPartsSerializer",
    "ImpactStepSerializer",
    "InputCountsSerializer",
    "ItemScoreDetailSerializer",
    "JiraIssueRankSerializer",
    "KindWeightsField",
    "LiveRankingEntrySerializer",
    "MeasuredSerializer",
    "OwnerCalibrationSerializer",
    "PositiveNumberField",
    "PreviewDroppedSerializer",
    "PreviewParametersSerializer",
    "PreviewQuerySerializer",
    "PreviewRowSerializer",
    "RankingDetailSerializer",
    "RankingDiffEntrySerializer",
    "RankingDiffSerializer",
    "RankingEntrySerializer",
    "RankingJiraSerializer",
    "RankingMoveSerializer",
    "RankingPublishSerializer",
    "RankingPushQueuedSerializer",
    "RankingPushSerializer",
    "RankingSerializer",
    "RatioSummarySerializer",
    "ReachPartsSerializer",
    "ScoreHistorySerializer",
    "ScoringModelCreateSerializer",
    "ScoringModelParamsSerializer",
    "ScoringModelPreviewSerializer",
    "ScoringModelSerializer",
    "TeamCalibrationSerializer",
    "TeamsCalibrationSerializer",
    "ThemeCalibrationSerializer",
    "WeightsField",
    "item_score_data",
    "live_ranking_entries",
]
