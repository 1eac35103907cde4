"""API of the loop back: expected results (with their verdict), the accounts behind an
item's evidence, and the caller's notifications."""

from __future__ import annotations

import math
from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from config.api.fields import (
    ApiModelSerializer,
    PreloadedPrimaryKeyRelatedField,
    StrictIntegerField,
)
from config.api.openapi import error_responses
from config.api.permissions import SharedWithMarketing
from config.api.serializers import StrictSerializer, bound_instance
from config.roles import acting_user, user_roles
from roadmap.models import LaunchPlan, RoadmapItem, Segment
from signals.loop import selectors, services
from signals.loop.models import ExpectedResult, Notification
from signals.loop.verdict import MET_SHARE, PARTLY_SHARE

VERDICT_RULE = (
    "Achieved lift: (measured − baseline) / |baseline| of the latest matching outcome, in "
    f"the KPI's good direction. met: ≥ {MET_SHARE:.0%} of the expected lift; partly: ≥ "
    f"{PARTLY_SHARE:.0%}; missed: below; not_measured: no matching outcome yet."
)


class ExpectedResultSerializer(ApiModelSerializer):
    """A result a launch plan expects, and how it stands against the outcomes measured."""

    launch_plan = PreloadedPrimaryKeyRelatedField(
        queryset=LaunchPlan.objects.all(), help_text="Launch plan id."
    )
    segment = PreloadedPrimaryKeyRelatedField(
        queryset=Segment.objects.all(), allow_null=True, required=False, help_text="Segment id."
    )
    item = serializers.IntegerField(source="launch_plan.item_id", read_only=True)
    verdict = serializers.SerializerMethodField(help_text=VERDICT_RULE)
    expected_lift_resolved = serializers.SerializerMethodField(
        help_text="The expected lift (stated, or from the expected value and the baseline)."
    )
    achieved_lift = serializers.SerializerMethodField(help_text="null until measured.")
    measured_outcome = serializers.SerializerMethodField(
        help_text="The outcome judged against (id), null until measured."
    )

    class Meta:
        model = ExpectedResult
        fields = (
            "id",
            "launch_plan",
            "item",
            "kpi",
            "custom_kpi",
            "segment",
            "channel",
            "expected_value",
            "expected_lift",
            "due_date",
            "verdict",
            "expected_lift_resolved",
            "achieved_lift",
            "measured_outcome",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("created_at", "updated_at")

    def _judged(self, obj: ExpectedResult) -> selectors.ExpectedAgainstMeasured:
        # A list judges its whole page at once (ExpectedResultViewSet.list); one row alone.
        # The context is the dict the view passed in (typed as a read-only mapping).
        cache = cast(dict[str, Any], self.context).setdefault("judged", {})
        if obj.pk not in cache:
            for row in selectors.expected_results_judged(expected=[obj]):
                cache[row.expected.pk] = row
        return cache[obj.pk]

    def get_verdict(self, obj: ExpectedResult) -> str:
        return self._judged(obj).judgement.verdict.value

    @staticmethod
    def _finite(value: float | None) -> float | None:
        return None if value is None or not math.isfinite(value) else value

    def get_expected_lift_resolved(self, obj: ExpectedResult) -> float | None:
        return self._finite(self._judged(obj).judgement.expected_lift)

    def get_achieved_lift(self, obj: ExpectedResult) -> float | None:
        return self._finite(self._judged(obj).judgement.achieved_lift)

    def get_measured_outcome(self, obj: ExpectedResult) -> int | None:
        outcome = self._judged(obj).outcome
        return None if outcome is None else outcome.pk


@extend_schema_view(
    list=extend_schema(summary="Expected results of launch plans, with their verdict"),
    create=extend_schema(
        summary="State a result a launch plan expects",
        description="Product and marketing. Give `expected_value` (in the KPI's range, as "
        "for outcomes) or `expected_lift` (relative, > 0). " + VERDICT_RULE,
        responses={201: ExpectedResultSerializer, **error_responses(400, 401, 403)},
    ),
)
class ExpectedResultViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Expected results: written by product and marketing, read by any role. Filter by
    `launch_plan` or `item` (ids)."""

    serializer_class = ExpectedResultSerializer
    permission_classes = (SharedWithMarketing,)
    filter_backends = ()
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[ExpectedResult]:
        rows = selectors.expected_result_list().order_by("id")
        for name, lookup in (("launch_plan", "launch_plan_id"), ("item", "launch_plan__item_id")):
            raw = self.request.query_params.get(name)
            if raw is not None:
                if not raw.isdigit() or len(raw) > 18:
                    return rows.none()
                rows = rows.filter(**{lookup: int(raw)})
        return rows

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page if page is not None else self.get_queryset())
        judged = {row.expected.pk: row for row in selectors.expected_results_judged(expected=rows)}
        serializer = self.get_serializer(
            rows, many=True, context={**self.get_serializer_context(), "judged": judged}
        )
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def perform_create(self, serializer: BaseSerializer[ExpectedResult]) -> None:
        serializer.instance = services.expected_result_create(
            created_by=acting_user(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer[ExpectedResult]) -> None:
        serializer.instance = services.expected_result_update(
            expected=bound_instance(serializer), data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: ExpectedResult) -> None:
        services.expected_result_delete(expected=instance)


class AccountSerializer(StrictSerializer):
    name = serializers.CharField()
    asked = serializers.BooleanField()
    churned = serializers.BooleanField()


class ItemAccountsSerializer(StrictSerializer):
    item = serializers.IntegerField()
    count = serializers.IntegerField(help_text="Accounts named in the item's signals.")
    churned_count = serializers.IntegerField(help_text="Of them, named in a churn reason.")
    accounts = AccountSerializer(many=True)


class AnyRole(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(user_roles(request.user))


class ItemAccountsView(APIView):
    """The accounts named in an item's evidence, for sales and marketing to tell."""

    permission_classes = (AnyRole,)

    @extend_schema(
        summary='Accounts behind an item\'s evidence ("12 accounts asked for this, 3 churned")',
        responses={200: ItemAccountsSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        if not RoadmapItem.objects.filter(pk=pk).exists():
            raise NotFound("No such item.")
        accounts = selectors.item_accounts(item_id=pk)
        return Response(
            {
                "item": pk,
                "count": accounts.count,
                "churned_count": accounts.churned_count,
                "accounts": [
                    {"name": a.name, "asked": a.asked, "churned": a.churned}
                    for a in accounts.accounts
                ],
            }
        )


class NotificationSerializer(ApiModelSerializer):
    item_title = serializers.CharField(source="item.title", read_only=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ("id", "event", "item", "item_title", "created_at", "read", "read_at")
        read_only_fields = fields

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationsReadSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=StrictIntegerField(min_value=1),
        required=False,
        max_length=1000,
        help_text="Notification ids; all unread ones when left out.",
    )


class NotificationsReadResultSerializer(StrictSerializer):
    marked = serializers.IntegerField()


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's notifications, newest first (`?unread=true` for unread ones)."""

    serializer_class = NotificationSerializer
    # Any role reads its own; marking read is a write, for the two teams (integration
    # keys never write).
    permission_classes = (SharedWithMarketing,)
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Notification]:
        rows = selectors.notification_list(user_id=acting_user(self.request.user).pk)
        if self.request.query_params.get("unread") == "true":
            rows = rows.filter(read_at__isnull=True)
        return rows

    @extend_schema(
        summary="Mark notifications read",
        request=NotificationsReadSerializer,
        responses={200: NotificationsReadResultSerializer, **error_responses(400, 401)},
    )
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        body = NotificationsReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            user=acting_user(request.user),
            ids=body.validated_data.get("ids"),
        )
        return Response({"marked": marked})
