from django.urls import include, path
from rest_framework.routers import SimpleRouter

from signals.api.views import (
    FrictionReportViewSet,
    MarketSignalViewSet,
    OutcomeViewSet,
)
from signals.campaigns.api.urls import urlpatterns as campaign_urls
from signals.kpis.views import SharedKpisView
from signals.radar.api.urls import urlpatterns as radar_urls

router = SimpleRouter()
router.register("signals", MarketSignalViewSet, basename="signal")
router.register("friction-reports", FrictionReportViewSet, basename="friction-report")
router.register("outcomes", OutcomeViewSet, basename="outcome")

urlpatterns = [
    *router.urls,
    path("kpis/", SharedKpisView.as_view(), name="kpis"),
    path("", include("signals.loop.urls")),
    *campaign_urls,
    *radar_urls,
]
