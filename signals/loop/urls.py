from django.urls import path
from rest_framework.routers import SimpleRouter

from signals.loop import api

router = SimpleRouter()
router.register("expected-results", api.ExpectedResultViewSet, basename="expected-result")
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = [
    *router.urls,
    path("items/<int:pk>/accounts/", api.ItemAccountsView.as_view(), name="item-accounts"),
]
