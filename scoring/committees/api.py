"""`/api/v1/committees/` (meetings, their agenda and decisions, start and close) and
`/api/v1/decisions/` (the follow-up, with filters).

Product and marketing both prepare and run meetings (config.api.permissions
.SharedWithMarketing); publishing a ranking as a meeting closes is for product. Every
write calls a service of scoring.committees.services: its refusal is a 400 naming the
field, a state that forbids the change (closed twice, another meeting in session) a 409.
"""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.errors import Conflict
from config.api.openapi import IDEMPOTENCY_KEY, error_responses
from config.api.permissions import SharedWithMarketing, is_product
from config.roles import acting_user
from roadmap.filters import FlagFilter, IdFilter, StrictDateFilter
from scoring.committees import selectors, services
from scoring.committees.models import (
    AgendaPoint,
    CommitteeMeeting,
    Decision,
    DecisionStatus,
    MeetingStatus,
    Team,
)
from scoring.committees.serializers import (
    AgendaPointCreateSerializer,
    AgendaPointSerializer,
    AgendaReorderSerializer,
    CommitteeMeetingDetailSerializer,
    CommitteeMeetingSerializer,
    DecisionCreateSerializer,
    DecisionSerializer,
    DecisionUpdateSerializer,
    MeetingCloseSerializer,
    validated,
)

# Refusals that are about the meeting's state, not the request's fields.
_CONFLICT_CODES = {"closed", "conflict", "frozen"}


def _call(service: Any, **kwargs: Any) -> Any:
    """Call a service; a refusal about the state becomes 409, others stay 400."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        if _codes(error) & _CONFLICT_CODES:
            raise Conflict(" ".join(error.messages)) from error
        if _codes(error) & {"forbidden"}:
            raise PermissionDenied(" ".join(error.messages)) from error
        raise


def _codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors if e.code}
    return {e.code for e in error.error_list if e.code}


class DecisionFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DecisionStatus.choices, help_text="open or done.")
    owner = IdFilter(field_name="owner_id", help_text="Owner's user id.")
    team = filters.ChoiceFilter(choices=Team.choices, help_text="The owner's team.")
    meeting = IdFilter(field_name="meeting_id", help_text="Meeting id.")
    item = IdFilter(field_name="item_id", help_text="Roadmap item id.")
    due_before = StrictDateFilter(
        field_name="due_date", lookup_expr="lt", help_text="Due strictly before this date."
    )
    due_after = StrictDateFilter(
        field_name="due_date", lookup_expr="gt", help_text="Due strictly after this date."
    )
    overdue = FlagFilter(
        method="filter_overdue", help_text="Open and past its due date (true), or not (false)."
    )

    class Meta:
        model = Decision
        fields: list[str] = []

    def filter_overdue(
        self, queryset: QuerySet[Decision], name: str, value: bool | None
    ) -> QuerySet[Decision]:
        if value is None:
            return queryset
        q = selectors.overdue_q(timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)


def _meeting_errors(*codes: int) -> dict[int, Any]:
    return error_responses(*codes)


@extend_schema_view(
    list=extend_schema(summary="Committee meetings, newest first"),
    retrieve=extend_schema(
        summary="A meeting with its agenda and decisions",
        responses={200: CommitteeMeetingDetailSerializer, **error_responses(401, 403, 404)},
    ),
    create=extend_schema(
        summary="Plan a meeting (product or marketing); its agenda is built from the data",
        parameters=[IDEMPOTENCY_KEY],
        responses={201: CommitteeMeetingDetailSerializer, **error_responses(400, 401, 403)},
    ),
    partial_update=extend_schema(
        summary="Change a meeting's title, date or attendees (not once closed)",
        responses={200: CommitteeMeetingSerializer, **error_responses(400, 401, 403, 404, 409)},
    ),
    destroy=extend_schema(
        summary="Delete a planned meeting",
        responses={204: None, **error_responses(401, 403, 404, 409)},
    ),
)
class CommitteeMeetingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = (SharedWithMarketing,)
    serializer_class = CommitteeMeetingSerializer
    filter_backends = ()
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[CommitteeMeeting]:
        if self.action == "list":
            return selectors.meeting_list()
        return CommitteeMeeting.objects.select_related("ranking").prefetch_related("attendees")

    def get_serializer_class(self) -> Any:
        if self.action in ("retrieve", "create"):
            return CommitteeMeetingDetailSerializer
        return CommitteeMeetingSerializer

    def _detail(self, meeting: CommitteeMeeting, code: int = 200) -> Response:
        fresh = selectors.meeting_detail(meeting_id=meeting.pk)
        return Response(CommitteeMeetingDetailSerializer(fresh).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(CommitteeMeetingSerializer, request.data)
        meeting = services.meeting_create(created_by=acting_user(request.user), **data)
        return self._detail(meeting, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = self.get_object()
        serializer = CommitteeMeetingSerializer(meeting, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        saved = _call(
            services.meeting_update, meeting=meeting, data=dict(serializer.validated_data)
        )
        return Response(CommitteeMeetingSerializer(saved).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = self.get_object()
        try:
            services.meeting_delete(meeting=meeting)
        except ValidationError as error:
            raise Conflict(" ".join(error.messages)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Start the meeting: planned → in_session; the agenda is rebuilt, then frozen",
        request=None,
        responses={200: CommitteeMeetingDetailSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        try:
            started = services.meeting_start(meeting=meeting, user=acting_user(request.user))
        except ValidationError as error:
            raise Conflict(" ".join(error.messages)) from error
        return self._detail(started)

    @extend_schema(
        summary="Close the meeting (in_session → closed), publishing the ranking if asked",
        description="With `publish: true` (product role), the live ranking is published "
        "and the meeting closed in one transaction. The minutes are emailed to the "
        "attendees (and posted to Slack when configured) once it commits. A meeting "
        "closed already answers 409.",
        request=MeetingCloseSerializer,
        responses={
            200: CommitteeMeetingDetailSerializer,
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        data = validated(MeetingCloseSerializer, request.data)
        if data["publish"]:
            if not is_product(request):
                raise PermissionDenied("Only the product role may publish a ranking.")
            closed = _call(
                services.meeting_publish_and_close,
                meeting=meeting, note=data["note"], user=acting_user(request.user),
            )  # fmt: skip
        else:
            closed = _call(services.meeting_close, meeting=meeting, user=acting_user(request.user))
        return self._detail(closed)

    @extend_schema(
        summary="Rebuild the agenda from the data (planned meetings only)",
        request=None,
        responses={200: CommitteeMeetingDetailSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def regenerate(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        _call(services.agenda_regenerate, meeting=meeting)
        return self._detail(meeting)

    @extend_schema(
        methods=["GET"],
        summary="The meeting's agenda, in order",
        responses={200: AgendaPointSerializer(many=True), **error_responses(401, 403, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a point by hand (attendees), last on the agenda",
        parameters=[IDEMPOTENCY_KEY],
        request=AgendaPointCreateSerializer,
        responses={201: AgendaPointSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def points(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        if request.method == "GET":
            points = AgendaPoint.objects.filter(meeting=meeting).order_by("position", "id")
            return Response(AgendaPointSerializer(points, many=True).data)
        data = validated(AgendaPointCreateSerializer, request.data)
        point = _call(
            services.agenda_point_add, meeting=meeting, user=acting_user(request.user), **data
        )
        return Response(AgendaPointSerializer(point).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a point of the agenda (attendees)",
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"points/(?P<point_id>[0-9]+)",
        url_name="point",
    )
    def point_remove(self, request: Request, pk: str | None = None, point_id: str = "") -> Response:
        meeting = self.get_object()
        point = AgendaPoint.objects.filter(meeting=meeting, pk=int(point_id)).first()
        if point is None:
            from rest_framework.exceptions import NotFound

            raise NotFound("No such point on this meeting's agenda.")
        _call(services.agenda_point_remove, point=point, user=acting_user(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Reorder the agenda (attendees): every point id, once, in the new order",
        request=AgendaReorderSerializer,
        responses={
            200: AgendaPointSerializer(many=True),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    @action(detail=True, methods=["post"], url_path="points/reorder", url_name="points-reorder")
    def points_reorder(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        data = validated(AgendaReorderSerializer, request.data)
        ordered = _call(
            services.agenda_points_reorder, meeting=meeting, point_ids=data["points"],
            user=acting_user(request.user),
        )  # fmt: skip
        return Response(AgendaPointSerializer(ordered, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The meeting's decisions",
        responses={200: DecisionSerializer(many=True), **error_responses(401, 403, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a decision (meeting in session)",
        description="`commit`, `defer` (with `defer_until`), `reject` or `investigate`, "
        "on a point or an item, with a rationale, an owner and a due date (not in the "
        "past). An archived item is refused. The item's history records the decision; "
        "a `commit` with `item_status` sets the item's status in the same transaction.",
        parameters=[IDEMPOTENCY_KEY],
        request=DecisionCreateSerializer,
        responses={201: DecisionSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def decisions(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        if request.method == "GET":
            rows = selectors.decision_list().filter(meeting=meeting).order_by("id")
            return Response(DecisionSerializer(rows, many=True).data)
        data = validated(DecisionCreateSerializer, request.data)
        if meeting.status != MeetingStatus.IN_SESSION:
            raise Conflict("Decisions are recorded while the meeting is in session.")
        made = services.decision_record(
            meeting=meeting, created_by=acting_user(request.user), **data
        )
        return Response(DecisionSerializer(made).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Decisions of all meetings, by due date, with the follow-up filters",
        responses={200: DecisionSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="A decision", responses={200: DecisionSerializer, **error_responses(401, 403, 404)}
    ),
    partial_update=extend_schema(
        summary="Follow a decision up: owner, team, due date, status (done)",
        request=DecisionUpdateSerializer,
        responses={200: DecisionSerializer, **error_responses(400, 401, 403, 404)},
    ),
)
class DecisionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = (SharedWithMarketing,)
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilterSet
    filter_backends = (DjangoFilterBackend,)
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Decision]:
        return selectors.decision_list().order_by("due_date", "id")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        decision = self.get_object()
        data = validated(DecisionUpdateSerializer, request.data)
        saved = services.decision_update(
            decision=decision, data=data, user=acting_user(request.user)
        )
        return Response(DecisionSerializer(saved).data)
