from rest_framework.routers import SimpleRouter

from roadmap.api.views import (
    JiraWebhookViewSet,
    RoadmapItemViewSet,
    SegmentViewSet,
    ThemeViewSet,
)

router = SimpleRouter()
router.register("items", RoadmapItemViewSet, basename="item")
router.register("themes", ThemeViewSet, basename="theme")
router.register("segments", SegmentViewSet, basename="segment")
router.register("jira/webhook", JiraWebhookViewSet, basename="jira-webhook")

urlpatterns = router.urls
