"""Published rankings: immutable snapshots served as stored bytes (scoring.api.
representations), their diffs, their Jira shape and push."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.conditional import client_has, json_bytes_response, not_modified
from config.api.errors import Conflict
from config.api.permissions import ProductOnly
from config.api.renderers import dumps
from roadmap.jira import queue as jira
from scoring import selectors, services
from scoring.api import representations
from scoring.api.serializers import (
    RankingDetailSerializer,
    RankingDiffSerializer,
    RankingEntrySerializer,
    RankingJiraSerializer,
    RankingPublishSerializer,
    RankingPushQueuedSerializer,
    RankingPushSerializer,
    RankingSerializer,
)
from scoring.api.views.common import JIRA_NOT_CONFIGURED, errors
from scoring.models import Ranking, RankingEntry

_NUMBER = OpenApiParameter(
    "number", int, OpenApiParameter.PATH, description="The ranking's number."
)


@extend_schema_view(
    list=extend_schema(
        summary="Published rankings, newest first",
        responses={200: RankingSerializer(many=True), **errors(401, 403)},
    ),
    retrieve=extend_schema(
        summary="A published ranking with its entries",
        parameters=[_NUMBER],
        responses={200: RankingDetailSerializer, **errors(401, 403, 404)},
    ),
)
class RankingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Published rankings: immutable, numbered snapshots of the live ranking."""

    lookup_field = "number"
    lookup_value_regex = "[0-9]{1,10}"
    serializer_class = RankingSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Ranking]:
        if self.action == "retrieve":
            return selectors.rankings_with_entries()
        return selectors.rankings()

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action in ("retrieve", "latest"):
            return RankingDetailSerializer
        if self.action == "entries":
            return RankingEntrySerializer
        return RankingSerializer

    @extend_schema(
        summary="Publish the live ranking (product)",
        description="Recomputes pending scores, then freezes the live ranking as ranking N.",
        request=RankingPublishSerializer,
        responses={201: RankingSerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        body = RankingPublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ranking = services.ranking_publish(
            note=body.validated_data["note"], published_by=request.user
        )
        location = reverse("ranking-detail", kwargs={"number": ranking.number})
        return Response(
            RankingSerializer(ranking).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    def _published(
        self,
        request: Request,
        ranking: Ranking | None,
        kind: str,
        variant: str,
        build: Callable[[Ranking], Any],
        store: bool = True,
    ) -> HttpResponseBase:
        """Answer from the stored representation: 304 from the ETag alone, else the
        stored bytes, rendered and stored on their first read."""
        if ranking is None:
            raise NotFound("No ranking has been published yet.")
        ranking_id, number = ranking.pk, ranking.number
        if getattr(request.accepted_renderer, "format", "") != "json":
            return Response(build(ranking))  # the browsable API renders its own page
        etag = representations.representation_etag(
            ranking_id=ranking_id, number=number, kind=kind, variant=variant
        )
        if client_has(request, etag):
            return not_modified(etag)
        body = representations.representation_body(
            ranking_id=ranking_id, kind=kind, variant=variant
        )
        if body is None:
            body = dumps(build(ranking))
            if store:
                # After the request's transaction (now, outside one): a read stores what
                # it rendered without adding to its own cost; idempotent.
                stored = body
                transaction.on_commit(
                    lambda: representations.representation_store(
                        ranking=(ranking_id, number), kind=kind, variant=variant, body=stored
                    ),
                    robust=True,
                )
        return json_bytes_response(body, etag)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        key = selectors.ranking_key(number=kwargs["number"])
        if key is None:
            raise NotFound("No such ranking.")
        return self._published(
            request, key, representations.DETAIL, "", representations.detail_data
        )

    @extend_schema(
        summary="The latest published ranking with its entries",
        description="Poll with If-None-Match: an unchanged ranking answers 304. The body "
        "of a published ranking never changes: it is served as stored bytes with a strong "
        "ETag.",
        responses={200: RankingDetailSerializer, **errors(401, 403, 404)},
    )
    @action(detail=False, methods=["get"])
    def latest(self, request: Request) -> HttpResponseBase:
        return self._published(
            request,
            selectors.ranking_key(),
            representations.DETAIL,
            "",
            representations.detail_data,
        )

    @extend_schema(
        summary="The latest published ranking, shaped for Jira",
        description="The entries with a Jira key, by position, with their score, factors "
        "and the absolute URL of their explanation: what a Jira Automation rule or a "
        'script needs to set a score field or order a board (README, "Jira"). Poll '
        "with If-None-Match: an unchanged ranking answers 304.",
        responses={200: RankingJiraSerializer, **errors(401, 403, 404)},
    )
    @action(detail=False, methods=["get"], url_path="latest/jira")
    def latest_jira(self, request: Request) -> HttpResponseBase:
        def build(ranking: Ranking) -> Any:
            issues = selectors.ranking_entries(ranking=ranking).exclude(jira_key="")
            data = {"ranking": ranking, "issues": list(issues)}
            return RankingJiraSerializer(data, context=self.get_serializer_context()).data

        # The explanation URLs are absolute: one stored body per host the API answers on.
        return self._published(
            request,
            selectors.ranking_key(),
            representations.JIRA,
            request.build_absolute_uri("/"),
            build,
        )

    @extend_schema(
        summary="Push this ranking to Jira (product)",
        description="Queues the push of the ranking's scores and order into Jira and "
        "answers 202 with the run, whose outcome `GET /api/v1/jira/runs/{run}/` reads. Sends "
        "only what changed since the last push, unless `force`.",
        request=RankingPushSerializer,
        parameters=[_NUMBER],
        responses={
            202: RankingPushQueuedSerializer,
            **errors(400, 401, 403, 404, 409, e409=JIRA_NOT_CONFIGURED),
        },
    )
    @action(
        detail=True, methods=["post"], url_path="push-to-jira", permission_classes=[ProductOnly]
    )
    def push_to_jira(self, request: Request, number: str | None = None) -> Response:
        ranking = self.get_object()
        body = RankingPushSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = jira.jira_push_queue(
                ranking_id=ranking.pk,
                ranking_number=ranking.number,
                force=body.validated_data["force"],
            )
        except jira.JiraNotConfigured as exc:
            raise Conflict(str(exc), code="jira_not_configured") from None
        return Response(RankingPushQueuedSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="What moved since the previous ranking, and why",
        parameters=[_NUMBER],
        responses={200: RankingDiffSerializer, **errors(401, 403, 404)},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, number: str | None = None) -> Response:
        # The API speaks English whatever the request's language (the board translates).
        with translation.override("en"):
            diff = selectors.ranking_diff(ranking=self.get_object())
        return Response(RankingDiffSerializer(diff).data)

    @extend_schema(
        summary="Every entry of a published ranking, by position",
        parameters=[_NUMBER],
        responses={200: RankingEntrySerializer(many=True), **errors(401, 403, 404)},
    )
    @action(detail=True, methods=["get"])
    def entries(self, request: Request, number: str | None = None) -> HttpResponseBase:
        key = selectors.ranking_key(number=number or "")
        if key is None:
            raise NotFound("No such ranking.")
        paginator = self.paginator
        assert paginator is not None  # the default pagination class is set
        # Bad limit/offset are a 400 before anything else, as the schema says.
        limit = paginator.get_limit(request)  # type: ignore[attr-defined]
        offset = paginator.get_offset(request)  # type: ignore[attr-defined]

        def build(ranking: Ranking) -> Any:
            entries: QuerySet[RankingEntry] = selectors.ranking_entries(ranking=ranking)
            page = self.paginate_queryset(entries)
            return self.get_paginated_response(self.get_serializer(page, many=True).data).data

        # The page's links carry the full URL: it is the variant. Only aligned pages of
        # the ranking are stored, so a client cannot fill the table with odd offsets.
        aligned = set(request.query_params) <= {"limit", "offset"} and offset % limit == 0
        return self._published(
            request,
            key,
            representations.ENTRIES,
            request.build_absolute_uri(),
            build,
            store=aligned and offset < max(key.item_count, 1),
        )
