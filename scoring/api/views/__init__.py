"""Scoring API: model versions and what-if previews, the live ranking, published rankings
and their diffs, an item's score, calibration. Each method calls one selector or service.

Every GET answers with an ETag and honours If-None-Match with 304. Published rankings are
served as stored bytes with a strong ETag derived from the ranking (scoring.api.
representations); the live ranking and item scores derive theirs from the score
generation (config.generations), so a 304 costs one indexed lookup, not a render. Other
GETs get theirs from Django's ConditionalGetMiddleware, which hashes the body.

One module per concern; the names are re-exported here so `scoring.api.urls` and other
callers import them from `scoring.api.views` as before.
"""

from scoring.api.views.calibration import CalibrationApplyView, CalibrationView
from scoring.api.views.common import JIRA_NOT_CONFIGURED, ProductOrMarketing, errors, live_etag
from scoring.api.views.items import ItemScoreViewSet, ScoreSinceQuerySerializer
from scoring.api.views.live import LiveRankingViewSet
from scoring.api.views.models import ScoringModelViewSet
from scoring.api.views.rankings import RankingViewSet

__all__ = [
    "JIRA_NOT_CONFIGURED",
    "CalibrationApplyView",
    "CalibrationView",
    "ItemScoreViewSet",
    "LiveRankingViewSet",
    "ProductOrMarketing",
    "RankingViewSet",
    "ScoreSinceQuerySerializer",
    "ScoringModelViewSet",
    "errors",
    "live_etag",
]
