from rest_framework.routers import SimpleRouter

from signals.campaigns.api.views import (
    CampaignViewSet,
    FrictionProposalViewSet,
    FunnelSnapshotViewSet,
)

router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("funnel-snapshots", FunnelSnapshotViewSet, basename="funnel-snapshot")
router.register("friction-proposals", FrictionProposalViewSet, basename="friction-proposal")

urlpatterns = router.urls
