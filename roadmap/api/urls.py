from django.urls import path
from rest_framework.routers import SimpleRouter

from roadmap.api.views import (
    LaunchCalendarFeedView,
    LaunchPlanViewSet,
    RoadmapItemViewSet,
    SegmentViewSet,
    ThemeViewSet,
)
from roadmap.jira.api import JiraSyncRunViewSet, JiraWebhookViewSet

router = SimpleRouter()
router.register("items", RoadmapItemViewSet, basename="item")
router.register("themes", ThemeViewSet, basename="theme")
router.register("segments", SegmentViewSet, basename="segment")
router.register("launch-plans", LaunchPlanViewSet, basename="launch-plan")
router.register("jira/webhook", JiraWebhookViewSet, basename="jira-webhook")
router.register("jira/runs", JiraSyncRunViewSet, basename="jira-run")

urlpatterns = [
    # No trailing slash: calendar apps expect a file name.
    path(
        "launch-plans/calendar.ics",
        LaunchCalendarFeedView.as_view(),
        name="launch-plan-calendar-ics",
    ),
    *router.urls,
]
