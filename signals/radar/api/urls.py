from rest_framework.routers import SimpleRouter

from signals.radar.api.views import DuplicateViewSet, RadarTopicViewSet, SuggestionViewSet

router = SimpleRouter()
router.register("suggestions", SuggestionViewSet, basename="suggestion")
router.register("duplicates", DuplicateViewSet, basename="duplicate")
router.register("radar/topics", RadarTopicViewSet, basename="radar-topic")

urlpatterns = router.urls
