from rest_framework.routers import SimpleRouter

from config.webhooks.api import WebhookDeliveryViewSet, WebhookSubscriptionViewSet

router = SimpleRouter()
router.register(
    "webhooks/subscriptions", WebhookSubscriptionViewSet, basename="webhook-subscription"
)
router.register("webhooks/deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = router.urls
