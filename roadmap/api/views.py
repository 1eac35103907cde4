"""ViewSets of the roadmap API: items, themes, segments, launch plans (with their calendar
and its iCalendar feed), and the Jira webhook.

Reads come from roadmap.selectors, writes go through roadmap.services (which validate with
full_clean; the exception handler turns a Django ValidationError into the 400 shape).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import (
    generics,
    mixins,
    renderers,
    serializers,
    status,
    viewsets,
)
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from config.api.auth import ApiKeyAuthentication, QueryApiKeyAuthentication
from config.api.errors import PreconditionFailed
from config.api.filtering import FILTER_BACKENDS
from config.api.openapi import (
    DETAIL_ERRORS,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    READ_ERRORS,
    WRITE_ERRORS,
    error_responses,
)
from config.api.permissions import SharedWithMarketing
from config.api.serializers import bound_instance
from config.dispatch import provider
from config.roles import acting_user
from roadmap import selectors, services
from roadmap.api.ical import (
    EXTRA_EVENTS_PROVIDER,
    FirstRendererNegotiation,
    ICalendarRenderer,
    launch_plans_ical,
)
from roadmap.api.serializers import (
    LaunchCalendarSerializer,
    LaunchPlanSerializer,
    RoadmapItemSerializer,
    SegmentSerializer,
    ThemeSerializer,
)
from roadmap.choices import ItemStatus
from roadmap.filters import LaunchPlanFilterSet, RoadmapItemFilterSet
from roadmap.models import LaunchPlan, RoadmapItem, Segment, Theme

# Ordering comes from each FilterSet's explicit `ordering` filter; DRF's own ordering
# backend (a default in settings) would read the same parameter with other rules.


def _crud_schema(serializer: type[serializers.Serializer], noun: str) -> dict[str, Any]:
    """The schema of a plain model viewset: every answer, errors included."""
    return {
        "list": extend_schema(
            summary=f"List {noun}s",
            responses={200: serializer(many=True), **error_responses(400, *READ_ERRORS)},
        ),
        "retrieve": extend_schema(
            summary=f"Read a {noun}",
            responses={200: serializer, **error_responses(*DETAIL_ERRORS)},
        ),
        "create": extend_schema(
            summary=f"Create a {noun} (product)",
            parameters=[IDEMPOTENCY_KEY],
            responses={201: serializer, **error_responses(400, 401, 403, 422)},
        ),
        "update": extend_schema(
            summary=f"Replace a {noun} (product)",
            responses={200: serializer, **error_responses(*WRITE_ERRORS)},
        ),
        "partial_update": extend_schema(
            summary=f"Change a {noun} (product)",
            responses={200: serializer, **error_responses(*WRITE_ERRORS)},
        ),
        "destroy": extend_schema(
            summary=f"Delete a {noun} (product)",
            responses={204: None, **error_responses(*DETAIL_ERRORS)},
        ),
    }


@extend_schema_view(**_crud_schema(ThemeSerializer, "theme"))
class ThemeViewSet(viewsets.ModelViewSet):
    """Themes: product writes, every role reads. Deleting a theme keeps its items."""

    queryset = selectors.theme_list()
    serializer_class = ThemeSerializer
    filter_backends = FILTER_BACKENDS
    lookup_value_regex = r"[0-9]+"

    def perform_create(self, serializer: BaseSerializer[Theme]) -> None:
        serializer.instance = services.theme_create(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[Theme]) -> None:
        serializer.instance = services.theme_update(
            theme=bound_instance(serializer), data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: Any) -> None:
        services.theme_delete(theme=instance)


@extend_schema_view(**_crud_schema(SegmentSerializer, "segment"))
class SegmentViewSet(viewsets.ModelViewSet):
    """Customer segments, shared by product and marketing: product writes."""

    queryset = selectors.segment_list()
    serializer_class = SegmentSerializer
    filter_backends = FILTER_BACKENDS
    lookup_value_regex = r"[0-9]+"

    def perform_create(self, serializer: BaseSerializer[Segment]) -> None:
        serializer.instance = services.segment_create(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[Segment]) -> None:
        serializer.instance = services.segment_update(
            segment=bound_instance(serializer), data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: Any) -> None:
        services.segment_delete(segment=instance)


_ITEM_WRITE: dict[str, Any] = {
    "parameters": [IF_MATCH],
    "responses": {200: RoadmapItemSerializer, **error_responses(*WRITE_ERRORS, 412)},
}


@extend_schema_view(
    list=extend_schema(
        summary="List roadmap items",
        responses={200: RoadmapItemSerializer(many=True), **error_responses(400, *READ_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="Read a roadmap item",
        description="The `ETag` header carries the item's version; send it back in "
        "`If-Match` when you update the item.",
        responses={200: RoadmapItemSerializer, **error_responses(*DETAIL_ERRORS)},
    ),
    create=extend_schema(
        summary="Create a roadmap item (product)",
        parameters=[IDEMPOTENCY_KEY],
        responses={201: RoadmapItemSerializer, **error_responses(400, 401, 403, 422)},
    ),
    update=extend_schema(summary="Replace a roadmap item (product)", **_ITEM_WRITE),
    partial_update=extend_schema(summary="Change a roadmap item (product)", **_ITEM_WRITE),
)
class RoadmapItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Roadmap items. No DELETE: an item leaves the roadmap by being archived, so its
    history, links and published rankings keep their meaning."""

    queryset = selectors.item_list()
    serializer_class = RoadmapItemSerializer
    filterset_class = RoadmapItemFilterSet
    filter_backends = FILTER_BACKENDS
    lookup_value_regex = r"[0-9]+"

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Every answer that carries one item carries its version as a strong ETag.
        data = getattr(response, "data", None)
        version = data.get("version") if isinstance(data, dict) else None
        if (
            self.action != "list"
            and status.is_success(response.status_code)
            and isinstance(version, int)
        ):
            response["ETag"] = selectors.item_etag(version=version)
        return response

    def perform_create(self, serializer: BaseSerializer[RoadmapItem]) -> None:
        serializer.instance = services.item_create(
            user=acting_user(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer[RoadmapItem]) -> None:
        # The precondition is checked once the body is valid: a request that would be a 400
        # without If-Match stays a 400 with it (RFC 9110, 13.2.1).
        expected_version = self._if_match_version(bound_instance(serializer))
        try:
            serializer.instance = services.item_update(
                item=bound_instance(serializer),
                data=dict(serializer.validated_data),
                expected_version=expected_version,
            )
        except services.ItemVersionConflict as exc:
            # Someone wrote between our read and our write: as stale as a wrong If-Match.
            raise _stale(exc.current_version) from None

    @extend_schema(
        summary="Archive a roadmap item (product)",
        description="Sets the status to `archived` (the API never deletes an item). "
        "Archiving an archived item changes nothing.",
        request=None,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={200: RoadmapItemSerializer, **error_responses(*DETAIL_ERRORS, 412, 422)},
    )
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        self._if_match_version(item)
        services.items_set_status(
            item_ids=[item.pk], status=ItemStatus.ARCHIVED, user=acting_user(request.user)
        )
        return Response(self.get_serializer(self.get_object()).data)

    def _if_match_version(self, item: RoadmapItem) -> int | None:
        """The version the client's `If-Match` names (None without the header); 412 when
        it is not the item's current version."""
        header = self.request.headers.get("If-Match")
        if header is None:
            return None
        tags = parse_etags(header)
        if "*" in tags:
            return None  # "any version": nothing to compare
        if selectors.item_etag(version=item.version) in tags:
            return item.version
        raise _stale(item.version)


def _stale(current_version: int) -> PreconditionFailed:
    return PreconditionFailed(
        f"The item changed since you read it; it is now at version {current_version}. "
        f'Read it again and send If-Match: "{current_version}".'
    )


# --- Launch plans -------------------------------------------------------------------------

_SHARED = "(product, marketing)"


@extend_schema_view(
    list=extend_schema(
        summary="List launch plans",
        responses={200: LaunchPlanSerializer(many=True), **error_responses(400, *READ_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="Read a launch plan",
        responses={200: LaunchPlanSerializer, **error_responses(*DETAIL_ERRORS)},
    ),
    create=extend_schema(
        summary=f"Create an item's launch plan {_SHARED}",
        description="One plan per item: a second one for the same item answers 409. "
        "`ready` needs the whole checklist done (400 otherwise).",
        parameters=[IDEMPOTENCY_KEY],
        responses={201: LaunchPlanSerializer, **error_responses(400, 401, 403, 409, 422)},
    ),
    update=extend_schema(
        summary=f"Replace a launch plan {_SHARED}",
        responses={200: LaunchPlanSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    partial_update=extend_schema(
        summary=f"Change a launch plan {_SHARED}",
        responses={200: LaunchPlanSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    destroy=extend_schema(
        summary=f"Delete a launch plan {_SHARED}",
        responses={204: None, **error_responses(*DETAIL_ERRORS)},
    ),
)
class LaunchPlanViewSet(viewsets.ModelViewSet):
    """Launch plans: how an item goes to market. Both teams own them together, so both
    product and marketing create, change and delete them; integrations read."""

    queryset = selectors.launch_plan_list()
    serializer_class = LaunchPlanSerializer
    filterset_class = LaunchPlanFilterSet
    filter_backends = FILTER_BACKENDS
    permission_classes = (SharedWithMarketing,)
    lookup_value_regex = r"[0-9]+"

    def perform_create(self, serializer: BaseSerializer[LaunchPlan]) -> None:
        serializer.instance = services.launch_plan_create(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[LaunchPlan]) -> None:
        serializer.instance = services.launch_plan_update(
            plan=bound_instance(serializer), data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: LaunchPlan) -> None:
        services.launch_plan_delete(plan=instance)

    @extend_schema(
        summary="The launch calendar: upcoming launches by date",
        description="Plans dated today or later that are not cancelled, grouped by target "
        "date, earliest first. The filters of the plan list narrow it. For calendar apps, "
        "subscribe to `calendar.ics` instead.",
        filters=True,
        responses={200: LaunchCalendarSerializer, **error_responses(400, *READ_ERRORS)},
    )
    @action(detail=False, methods=["get"])
    def calendar(self, request: Request) -> Response:
        today = timezone.localdate()
        plans = self.filter_queryset(self.get_queryset())
        days = selectors.launch_calendar(queryset=plans, today=today)
        data = {"today": today, "count": sum(len(day["launches"]) for day in days)}
        return Response(LaunchCalendarSerializer({**data, "days": days}).data)


class LaunchCalendarFeedView(generics.GenericAPIView):
    """The launch calendar as an iCalendar feed. Calendar apps cannot send headers, so
    this endpoint alone also takes the API key as `?key=`."""

    queryset = selectors.launch_plan_list().select_related("product_owner", "marketing_owner")
    filterset_class = LaunchPlanFilterSet
    filter_backends = FILTER_BACKENDS
    pagination_class = None
    authentication_classes = (
        ApiKeyAuthentication,
        QueryApiKeyAuthentication,
        SessionAuthentication,
    )
    # The feed is iCalendar whatever `Accept` says; errors are JSON (finalize_response).
    renderer_classes = (ICalendarRenderer, renderers.JSONRenderer)
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="launch_plans_calendar_ics",
        summary="The launch calendar as an iCalendar feed (subscribe from a calendar app)",
        description="One all-day event per dated launch plan (past, upcoming and cancelled "
        "ones, marked CANCELLED, so calendars drop them), with a UID that stays the same "
        "for the plan's whole life, its value proposition and readiness in the "
        "description, and its channels and target segments as categories. The filters of "
        "the plan list narrow it. Calendar apps cannot send headers: this endpoint also "
        "takes the API key as `?key=`. Give it a dedicated integration key with an expiry "
        "(`manage.py create_api_key --role integration`), since a URL with a key ends up "
        "in proxy logs and browser histories; the service never logs it.",
        filters=True,
        # The renderers' `?format=` is ignored: the feed is always iCalendar.
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={
            (200, "text/calendar"): OpenApiResponse(
                OpenApiTypes.STR, description="An iCalendar (RFC 5545) document."
            ),
            **{
                (code, "application/json"): response
                for code, response in error_responses(400, *READ_ERRORS).items()
            },
        },
    )
    def get(self, request: Request) -> Response:
        plans = self.filter_queryset(self.get_queryset()).exclude(target_launch_date=None)
        try:
            extra = provider(EXTRA_EVENTS_PROVIDER)()
        except LookupError:  # the committee's app is not installed
            extra = []
        response = Response(
            launch_plans_ical(plans.order_by("target_launch_date", "id"), extra_events=extra)
        )
        response["Content-Disposition"] = 'inline; filename="launches.ics"'
        # A keyed URL must not be cached by shared proxies.
        response["Cache-Control"] = "private, max-age=0"
        return response

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        if response.status_code >= 400:
            # Errors keep the one JSON error shape, whatever the feed's media type.
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
