from rest_framework.routers import SimpleRouter

from roadmap.api.views import RoadmapItemViewSet, SegmentViewSet, ThemeViewSet

router = SimpleRouter()
router.register("items", RoadmapItemViewSet, basename="item")
router.register("themes", ThemeViewSet, basename="theme")
router.register("segments", SegmentViewSet, basename="segment")

urlpatterns = router.urls
