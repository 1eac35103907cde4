"""API of the radar: suggestions per piece of evidence and as a queue, decisions on them,
duplicate flags, emerging topics. Views call a selector or a service and nothing else.

Who may act: product on any evidence, marketing on the evidence it submitted (the
services check it); everyone with a role reads. Topics are product's to act on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.errors import Conflict
from config.api.filtering import FILTER_BACKENDS
from config.api.openapi import DETAIL_ERRORS, IDEMPOTENCY_KEY, READ_ERRORS, error_responses
from config.api.permissions import EvidencePermission, ProductOnly, ReadAnyRoleWriteProduct
from config.roles import acting_user
from signals.radar import selectors, services, topic_services
from signals.radar.api.serializers import (
    CreatedItemSerializer,
    DuplicateSerializer,
    EvidenceSuggestionsSerializer,
    RadarTopicSerializer,
    SuggestionDecisionSerializer,
    TopicItemCreateSerializer,
)
from signals.radar.models import (
    DuplicateStatus,
    RadarDuplicate,
    RadarSuggestion,
    RadarTopic,
    TopicStatus,
)

if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission


@contextmanager
def _decisions() -> Iterator[None]:
    """A decision that contradicts an earlier one is a 409; someone else's evidence a 403."""
    try:
        yield
    except services.RadarForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except DjangoValidationError as exc:
        raise Conflict(" ".join(exc.messages), code="decided") from None


class EvidenceSuggestionsMixin:
    """`GET /signals/{id}/suggestions/` and `GET /friction-reports/{id}/suggestions/`."""

    evidence_kwarg: str
    get_object: Callable[[], Any]

    @extend_schema(
        summary="The items this evidence most likely belongs to",
        description="Up to 3 items with their similarity (0 to 1) and the words that "
        "matched, and a probable duplicate if there is one. Computed in the background "
        "when the evidence, its links or the items change; `pending` says a refresh is "
        "queued. Items rejected for this evidence are never suggested again.",
        responses={200: EvidenceSuggestionsSerializer, **error_responses(*DETAIL_ERRORS)},
    )
    @action(detail=True, methods=["get"])
    def suggestions(self, request: Request, pk: str | None = None) -> Response:
        evidence = self.get_object()
        row = selectors.evidence_suggestions(**{self.evidence_kwarg: evidence})
        return Response(EvidenceSuggestionsSerializer(row).data)


def _unlinked(request: Request) -> bool:
    """`?unlinked=`: true (the default) or false, strictly."""
    values = request.query_params.getlist("unlinked")
    if not values:
        return True
    if len(values) > 1 or values[0].lower() not in ("true", "false"):
        raise ValidationError({"unlinked": ["Give true or false, once."]})
    return values[0].lower() == "true"


class SuggestionPermission(EvidencePermission):
    """Any role reads; product and marketing decide (marketing: on its own evidence,
    checked by the services)."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return True


@extend_schema_view(
    list=extend_schema(
        summary="The queue: evidence with open suggestions, newest first",
        parameters=[
            OpenApiParameter(
                "unlinked",
                OpenApiTypes.BOOL,
                description="true (default): only evidence linked to no item.",
            )
        ],
        responses={
            200: EvidenceSuggestionsSerializer(many=True),
            **error_responses(400, *READ_ERRORS),
        },
    ),
)
class SuggestionViewSet(viewsets.GenericViewSet):
    """`/suggestions/`: the queue, and a decision on each suggestion."""

    queryset = RadarSuggestion.objects.select_related("doc")
    permission_classes = (SuggestionPermission,)
    filter_backends = ()  # `unlinked` is read by `list`, and documented there
    lookup_value_regex = r"[0-9]+"
    serializer_class = SuggestionDecisionSerializer

    def list(self, request: Request) -> Response:
        docs = selectors.suggestion_queue(unlinked=_unlinked(request))
        page = self.paginate_queryset(docs)
        rows = selectors.suggestion_rows(page if page is not None else list(docs[:50]))
        data = EvidenceSuggestionsSerializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _decide(self, decide: Callable[..., RadarSuggestion]) -> Response:
        suggestion = self.get_object()
        with _decisions():
            decided = decide(suggestion=suggestion, user=self.request.user)
        return Response(SuggestionDecisionSerializer(decided).data)

    @extend_schema(
        summary="Accept a suggestion: link the evidence to the item (weight 1)",
        description="Product: any evidence; marketing: the evidence it submitted. Accepting "
        "twice changes nothing; accepting a rejected suggestion answers 409.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: SuggestionDecisionSerializer, **error_responses(*DETAIL_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(services.suggestion_accept)

    @extend_schema(
        summary="Reject a suggestion: this item is never suggested for this evidence again",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: SuggestionDecisionSerializer, **error_responses(*DETAIL_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(services.suggestion_reject)


class DuplicateFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DuplicateStatus.choices)

    class Meta:
        model = RadarDuplicate
        fields = ["status"]


@extend_schema_view(
    list=extend_schema(
        summary="Probable duplicates, most similar first",
        responses={200: DuplicateSerializer(many=True), **error_responses(400, *READ_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="Read a duplicate flag",
        responses={200: DuplicateSerializer, **error_responses(*DETAIL_ERRORS)},
    ),
)
class DuplicateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = selectors.duplicate_list()
    serializer_class = DuplicateSerializer
    permission_classes = (SuggestionPermission,)
    filter_backends = FILTER_BACKENDS
    filterset_class = DuplicateFilterSet
    lookup_value_regex = r"[0-9]+"

    def _decide(self, decide: Callable[..., RadarDuplicate]) -> Response:
        flag = self.get_object()
        with _decisions():
            decided = decide(duplicate=flag, user=self.request.user)
        return Response(self.get_serializer(decided).data)

    @extend_schema(
        summary="Confirm a duplicate: it is dismissed with a reference to its original",
        description="The duplicate stops counting in scores (a signal is dismissed, an open "
        "report set dismissed); the original and its links stay.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: DuplicateSerializer, **error_responses(*DETAIL_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(services.duplicate_confirm)

    @extend_schema(
        summary="Reject a duplicate flag: the pair is never flagged again",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: DuplicateSerializer, **error_responses(*DETAIL_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(services.duplicate_reject)


class TopicFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TopicStatus.choices)

    class Meta:
        model = RadarTopic
        fields = ["status"]


@extend_schema_view(
    list=extend_schema(
        summary="Topics of unlinked evidence, emerging first",
        description="Groups of unlinked evidence with their recent rate (last "
        "RADAR_RECENT_DAYS days) tested against their own baseline (the RADAR_BASELINE_DAYS "
        "before): `emerging` when the topic holds at least RADAR_TOPIC_MIN_SIZE pieces and "
        "the one-sided exact conditional binomial test is significant at a false discovery "
        "rate of RADAR_TOPIC_ALPHA (Benjamini-Hochberg) over every group tested, the "
        "grouping being cut at several levels.",
        responses={200: RadarTopicSerializer(many=True), **error_responses(400, *READ_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="Read a topic",
        responses={200: RadarTopicSerializer, **error_responses(*DETAIL_ERRORS)},
    ),
)
class RadarTopicViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = selectors.topic_list()
    serializer_class = RadarTopicSerializer
    permission_classes = (ReadAnyRoleWriteProduct,)
    filter_backends = FILTER_BACKENDS
    filterset_class = TopicFilterSet
    lookup_value_regex = r"[0-9]+"

    def get_permissions(self) -> Sequence[_SupportsHasPermission]:
        if self.action in ("dismiss", "create_item"):
            return [ProductOnly()]
        return super().get_permissions()

    @extend_schema(
        summary="Dismiss a topic (product)",
        description="The topic stays dismissed through later refreshes.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: RadarTopicSerializer, **error_responses(*DETAIL_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        topic = self.get_object()
        with _decisions():
            topic = topic_services.topic_dismiss(topic=topic, user=acting_user(request.user))
        return Response(self.get_serializer(topic).data)

    @extend_schema(
        summary="Create a candidate item from a topic (product)",
        description="A new candidate item, linked (weight 1) to the topic's evidence.",
        request=TopicItemCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: CreatedItemSerializer, **error_responses(*DETAIL_ERRORS, 400, 409)},
    )
    @action(detail=True, methods=["post"], url_path="create-item")
    def create_item(self, request: Request, pk: str | None = None) -> Response:
        topic = self.get_object()
        serializer = TopicItemCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _decisions():
            item = topic_services.topic_item_create(
                topic=topic, user=acting_user(request.user), **serializer.validated_data
            )
        return Response(CreatedItemSerializer(item).data, status=status.HTTP_201_CREATED)
