from django.urls import path
from rest_framework.routers import SimpleRouter

from scoring.api import roadmap, views
from scoring.committees import api as committees

# SimpleRouter: the three apps' routes share /api/v1/, so none of them adds a root view.
router = SimpleRouter()
router.register("scoring-models", views.ScoringModelViewSet, basename="scoring-model")
# Before "rankings": its {number} only matches digits, but the order makes that moot.
router.register("rankings/live", views.LiveRankingViewSet, basename="live-ranking")
router.register("rankings", views.RankingViewSet, basename="ranking")
router.register("committees", committees.CommitteeMeetingViewSet, basename="committee")
router.register("decisions", committees.DecisionViewSet, basename="decision")
router.register(
    "roadmap/share-links", roadmap.RoadmapShareLinkViewSet, basename="roadmap-share-link"
)

urlpatterns = [
    *router.urls,
    path(
        "items/<int:pk>/score/",
        views.ItemScoreViewSet.as_view({"get": "retrieve"}),
        name="item-score",
    ),
    path("roadmap/", roadmap.RoadmapApiView.as_view(), name="roadmap"),
    path("calibration/", views.CalibrationView.as_view(), name="calibration"),
    path("calibration/apply/", views.CalibrationApplyView.as_view(), name="calibration-apply"),
]
