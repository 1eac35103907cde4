"""The Jira integration's API: the webhook Jira calls (`POST /api/v1/jira/webhook/`) and
the outcome of a push (`GET /api/v1/jira/runs/{id}/`, with its records).

Serializers and views together: the Jira API is small, and a reader looking for it looks
in roadmap/jira/ first.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.openapi import DETAIL_ERRORS, ErrorSerializer, error_responses
from config.roles import Role, has_role
from roadmap.choices import ItemStatus
from roadmap.jira import webhook
from roadmap.jira.models import JiraSyncRecord, JiraSyncRun

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


# --- Push runs ------------------------------------------------------------------------------


class JiraSyncRecordSerializer(serializers.ModelSerializer):
    """What the run did to one issue in one step."""

    item = serializers.IntegerField(source="item_id", read_only=True)

    class Meta:
        model = JiraSyncRecord
        fields = [
            "item",
            "jira_key",
            "position",
            "action",
            "status",
            "http_status",
            "error",
            "values",
            "created_at",
        ]
        read_only_fields = fields


class JiraSyncRunSerializer(serializers.ModelSerializer):
    """A push of a published ranking to Jira: its outcome, counts, error (with an excerpt
    of Jira's answer when it gave up) and one record per issue and step."""

    ranking = serializers.IntegerField(source="ranking_number", read_only=True)
    records = JiraSyncRecordSerializer(many=True, read_only=True)

    class Meta:
        model = JiraSyncRun
        fields = [
            "id",
            "ranking",
            "status",
            "force",
            "queued_at",
            "started_at",
            "finished_at",
            "item_count",
            "updated_count",
            "unchanged_count",
            "failed_count",
            "not_attempted_count",
            "key_missing_count",
            "rank_calls",
            "request_count",
            "rank_synced",
            "error",
            "records",
        ]
        read_only_fields = fields


class ProductOrIntegration(permissions.BasePermission):
    """Who follows pushes: product (who starts them) and integrations (Jira automation)."""

    message = "Only the product and integration roles may read Jira runs."

    def has_permission(self, request: Request, view: Any) -> bool:
        return has_role(request.user, Role.PRODUCT, Role.INTEGRATION)


class JiraSyncRunViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The outcome of a push to Jira (the `run` that `push-to-jira` answers)."""

    serializer_class = JiraSyncRunSerializer
    permission_classes = [ProductOrIntegration]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[JiraSyncRun]:
        # Two queries whatever the number of records.
        return JiraSyncRun.objects.prefetch_related(
            Prefetch("records", queryset=JiraSyncRecord.objects.order_by("action", "position"))
        )

    @extend_schema(
        summary="A push to Jira, with its records (product, integration)",
        description="What one push did: its status (`queued`, `running`, `succeeded`, "
        "`partial`, `failed`), counts, error (with an excerpt of Jira's answer when the "
        "push gave up) and one record per issue and step (`fields`, `rank`). Record "
        "statuses: `ok`, `failed`, `skipped` (nothing changed), `not_attempted` (the run "
        "stopped before it), `key_missing` (not sent: Jira answered 404 for the key "
        "before, and it has not changed since).",
        responses={200: JiraSyncRunSerializer, **error_responses(*DETAIL_ERRORS)},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)
