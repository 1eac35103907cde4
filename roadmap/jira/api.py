"""The Jira integration's API: the webhook Jira calls (`POST /api/v1/jira/webhook/`).

Serializers and views together: the Jira API is small, and a reader looking for it looks
in roadmap/jira/ first.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.openapi import ErrorSerializer
from roadmap.choices import ItemStatus
from roadmap.jira import webhook

# --- The Jira webhook ---------------------------------------------------------------------


class JiraWebhookAppliedSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="The item whose status changed.")
    jira_key = serializers.CharField()
    status = serializers.ChoiceField(choices=ItemStatus.choices, help_text="Its new status.")


class JiraWebhookResultSerializer(serializers.Serializer):
    """`{"applied": {...}}` when the delivery changed an item's status, else
    `{"ignored": "why"}` (an unknown key, an unmapped status, another event, a delivery
    already received)."""

    applied = JiraWebhookAppliedSerializer(required=False)
    ignored = serializers.CharField(required=False, help_text="Why nothing changed.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if instance.applied:
            return {
                "applied": {
                    "item": instance.item_id,
                    "jira_key": instance.jira_key,
                    "status": instance.status,
                }
            }
        return {"ignored": instance.detail}


# --- The Jira webhook ---------------------------------------------------------------------


def _webhook_error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class JiraWebhookViewSet(viewsets.ViewSet):
    """Jira Cloud's webhook for issue updates (README, "Jira"). No API key: Jira proves
    itself with the shared JIRA_WEBHOOK_SECRET instead."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]

    def get_authenticate_header(self, request: Request) -> str:
        # Makes a missing secret a 401 (DRF turns it into 403 without a challenge).
        return 'Signature realm="jira-webhook", headers="X-Hub-Signature"'

    @extend_schema(
        summary="Jira webhook: an issue's status becomes its item's status",
        description="Takes Jira Cloud's `jira:issue_updated` deliveries. A status named in "
        "JIRA_STATUS_MAP becomes the status of the item with that Jira key (with a "
        "history entry; the item is rescored). Unknown keys, unmapped statuses, other "
        "events and updates that did not change the status are ignored (200). A "
        "delivery received before (same body, same `X-Atlassian-Webhook-Identifier`, or "
        "same event, issue and timestamp) does nothing; one whose `timestamp` is further "
        "from now than JIRA_WEBHOOK_MAX_AGE_SECONDS is refused (400 `stale_delivery`). "
        "Authenticate with `X-Hub-Signature: sha256=<HMAC-SHA256 of the body with the "
        "secret>` (what Jira sends for a webhook with a secret) or `?secret=`.",
        request=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter(
                "secret",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="JIRA_WEBHOOK_SECRET, for senders that cannot sign.",
            ),
            OpenApiParameter(
                "X-Hub-Signature",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="`sha256=` and the hex HMAC-SHA256 of the raw body.",
            ),
            OpenApiParameter(
                "X-Atlassian-Webhook-Identifier",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Jira's id of the delivery, the same on its retries.",
            ),
        ],
        responses={
            200: JiraWebhookResultSerializer,
            400: _webhook_error(
                "The body is not a JSON object, a name in it holds a NUL, its `timestamp` is "
                "not epoch milliseconds (`invalid`), or it is dated further from now than "
                "JIRA_WEBHOOK_MAX_AGE_SECONDS (`stale_delivery`)."
            ),
            401: _webhook_error("Neither `secret` nor `X-Hub-Signature` was given."),
            403: _webhook_error(
                "The secret or signature is wrong, or the webhook is off (no JIRA_WEBHOOK_SECRET)."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        secret = settings.JIRA_WEBHOOK_SECRET
        if not secret:
            raise exceptions.PermissionDenied(
                "The Jira webhook is off: JIRA_WEBHOOK_SECRET is not set."
            )
        body = request.body
        verdict = webhook.jira_webhook_verify(
            secret=secret,
            body=body,
            query_secret=request.query_params.get("secret"),
            signature=request.headers.get("X-Hub-Signature"),
        )
        if verdict is None:
            raise exceptions.NotAuthenticated(
                "Give the webhook secret: an X-Hub-Signature header or ?secret=."
            )
        if not verdict:
            raise exceptions.PermissionDenied("The webhook secret or signature does not match.")
        payload = _json_object(body)
        delivery_id = webhook.jira_webhook_delivery_id(
            payload=payload, header=request.headers.get("X-Atlassian-Webhook-Identifier")
        )
        try:
            result = webhook.jira_webhook_receive(
                payload=payload, delivery_id=delivery_id, body=body
            )
        except webhook.JiraWebhookInvalid as exc:
            raise exceptions.ValidationError(exc.fields) from None
        except webhook.JiraWebhookStale as exc:
            raise StaleDelivery(str(exc)) from None
        return Response(JiraWebhookResultSerializer(result).data)


class StaleDelivery(exceptions.APIException):
    """400, not 409 or 425: Jira retries those, and a stale delivery never gets fresher."""

    status_code = 400
    default_detail = "The delivery is too old."
    default_code = "stale_delivery"


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        raise exceptions.ValidationError({"non_field_errors": ["The body must be a JSON object."]})
    return payload
