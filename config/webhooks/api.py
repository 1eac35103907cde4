"""API of outbound webhooks under /api/v1/webhooks/: subscriptions (CRUD), deliveries
(read, with their attempt log) and redelivery. Product role only: a subscription's
secret and the events' payloads are not for every reader."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from config.api.openapi import DETAIL_ERRORS, IDEMPOTENCY_KEY, READ_ERRORS, error_responses
from config.api.permissions import ProductOnly
from config.api.serializers import StrictModelSerializer, bound_instance
from config.roles import acting_user
from config.webhooks import services
from config.webhooks.events import EVENT_TYPES
from config.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)


class WebhookSubscriptionSerializer(StrictModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(EVENT_TYPES)), allow_empty=False, min_length=1
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "secret",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
        ]
        read_only_fields = [
            "secret",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
        ]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "attempted_at",
            "ok",
            "status_code",
            "duration_ms",
            "error",
            "response_excerpt",
        ]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    message_id = serializers.CharField(source="event.message_id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    payload = serializers.JSONField(source="event.payload", read_only=True)
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "message_id",
            "event_type",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "retry_until",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
            "attempt_log",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="List webhook subscriptions (product)",
        responses={200: WebhookSubscriptionSerializer(many=True), **error_responses(*READ_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="Read a webhook subscription (product)",
        responses={200: WebhookSubscriptionSerializer, **error_responses(*DETAIL_ERRORS)},
    ),
    create=extend_schema(
        summary="Subscribe a URL to events (product)",
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: WebhookSubscriptionSerializer,
            **error_responses(400, 401, 403, 422),
        },
    ),
    update=extend_schema(
        summary="Replace a webhook subscription (product)",
        responses={200: WebhookSubscriptionSerializer, **error_responses(400, 401, 403, 404)},
    ),
    partial_update=extend_schema(
        summary="Change a webhook subscription; `is_active: true` enables it again (product)",
        responses={200: WebhookSubscriptionSerializer, **error_responses(400, 401, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Delete a webhook subscription (product)",
        responses={204: None, **error_responses(*DETAIL_ERRORS)},
    ),
)
class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    queryset = WebhookSubscription.objects.order_by("id")
    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [ProductOnly]
    filter_backends: list[Any] = []
    lookup_value_regex = r"[0-9]+"

    def perform_create(self, serializer: BaseSerializer[WebhookSubscription]) -> None:
        serializer.instance = services.subscription_create(
            owner=acting_user(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer[WebhookSubscription]) -> None:
        serializer.instance = services.subscription_update(
            subscription=bound_instance(serializer), data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: WebhookSubscription) -> None:
        services.subscription_delete(subscription=instance)


@extend_schema_view(
    list=extend_schema(
        summary="List webhook deliveries, newest first (product)",
        responses={200: WebhookDeliverySerializer(many=True), **error_responses(*READ_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="Read a webhook delivery and its attempts (product)",
        responses={200: WebhookDeliverySerializer, **error_responses(*DETAIL_ERRORS)},
    ),
)
class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = WebhookDeliverySerializer
    permission_classes = [ProductOnly]
    filter_backends: list[Any] = []
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> Any:
        queryset = WebhookDelivery.objects.select_related("event").prefetch_related("attempt_log")
        params = self.request.query_params
        subscription = params.get("subscription", "")
        if subscription.isdigit():
            queryset = queryset.filter(subscription_id=int(subscription))
        if params.get("status") in DeliveryStatus.values:
            queryset = queryset.filter(status=params["status"])
        return queryset.order_by("-created_at", "-id")

    @extend_schema(
        summary="Send a delivery again, same message id (product)",
        request=None,
        responses={
            202: WebhookDeliverySerializer,
            **error_responses(400, 401, 403, 404),
        },
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str | None = None) -> Response:
        delivery = services.delivery_redeliver(delivery=self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
