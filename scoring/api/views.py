"""Scoring API: model versions and what-if previews, the live ranking, published rankings
and their diffs, an item's score. Each method calls one selector or service.

Every GET answers with an ETag and honours If-None-Match with 304. Published rankings are
served as stored bytes with a strong ETag derived from the ranking (scoring.api.
representations); the live ranking and item scores derive theirs from the score
generation (config.generations), so a 304 costs one indexed lookup, not a render. Other
GETs get theirs from Django's ConditionalGetMiddleware, which hashes the body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import translation
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.conditional import client_has, etag_digest, json_bytes_response, not_modified
from config.api.errors import Conflict
from config.api.fields import AwareDateTimeField
from config.api.openapi import error_responses
from config.api.permissions import ProductOnly
from config.api.renderers import dumps
from config.generations import generation_value
from config.roles import Role, acting_user, user_roles
from roadmap.jira import queue as jira
from roadmap.models import RoadmapItem
from scoring import selectors, services
from scoring.api import representations
from scoring.api.serializers import (
    CalibrationApplySerializer,
    CalibrationReportSerializer,
    ConfidenceCalibrationSerializer,
    ItemScoreDetailSerializer,
    LiveRankingEntrySerializer,
    PreviewQuerySerializer,
    RankingDetailSerializer,
    RankingDiffSerializer,
    RankingEntrySerializer,
    RankingJiraSerializer,
    RankingPublishSerializer,
    RankingPushQueuedSerializer,
    RankingPushSerializer,
    RankingSerializer,
    ScoringModelCreateSerializer,
    ScoringModelParamsSerializer,
    ScoringModelPreviewSerializer,
    ScoringModelSerializer,
)
from scoring.filters import LiveRankingFilterSet
from scoring.models import ItemScore, Ranking, RankingEntry

JIRA_NOT_CONFIGURED = "Jira is not configured (set the JIRA_* variables)."


def errors(*codes: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """Error answers from the one table (config.api.openapi); `descriptions`
    (`e409="..."`) override the text where a view means something specific."""
    return error_responses(*codes, **descriptions)


class ProductOrMarketing(permissions.BasePermission):
    """What-if previews: both teams argue about the weights; only product saves them."""

    message = "Only the product and marketing roles may preview scoring parameters."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(user_roles(request.user) & {Role.PRODUCT, Role.MARKETING})


@extend_schema_view(
    list=extend_schema(
        summary="Every scoring model version, newest first",
        responses={200: ScoringModelSerializer(many=True), **errors(401, 403)},
    ),
    retrieve=extend_schema(
        summary="One scoring model version",
        responses={200: ScoringModelSerializer, **errors(401, 403, 404)},
    ),
)
class ScoringModelViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Scoring model versions. A version never changes: creating one saves the parameters
    sent over the active version's as version N+1 and activates it."""

    queryset = selectors.scoring_models()
    serializer_class = ScoringModelSerializer
    filter_backends: list[Any] = []

    @extend_schema(
        summary="Create a version (product)",
        request=ScoringModelCreateSerializer,
        responses={201: ScoringModelSerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        body = ScoringModelCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        params = dict(body.validated_data)
        note = params.pop("note")
        model = services.scoring_model_create_version(
            params=params, note=note, created_by=acting_user(request.user)
        )
        return Response(self.get_serializer(model).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Make this version the active one (product)",
        request=None,
        responses={200: ScoringModelSerializer, **errors(401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        model = services.scoring_model_activate(model=self.get_object())
        return Response(self.get_serializer(model).data)

    @extend_schema(
        summary="What-if: the ranking candidate parameters would give (product, marketing)",
        description="The parameters sent are laid over the active version's; both rankings "
        "are computed in memory at the same instant, so every change in position is due to "
        "the parameters alone. Nothing is saved.",
        request=ScoringModelParamsSerializer,
        parameters=[PreviewQuerySerializer],
        responses={200: ScoringModelPreviewSerializer, **errors(400, 401, 403)},
    )
    @action(detail=False, methods=["post"], permission_classes=[ProductOrMarketing])
    def preview(self, request: Request) -> Response:
        query = PreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = ScoringModelParamsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        preview = selectors.scoring_model_preview(
            params=body.validated_data, limit=query.validated_data["limit"]
        )
        return Response(ScoringModelPreviewSerializer(preview).data)


@extend_schema_view(
    list=extend_schema(
        summary="The live ranking",
        description="Ranked items by score, then item id. Filters narrow the list but never "
        "renumber it: `position` is the item's place in the whole ranking.",
        responses={200: LiveRankingEntrySerializer(many=True), **errors(400, 401, 403)},
    )
)
class LiveRankingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = LiveRankingEntrySerializer
    filterset_class = LiveRankingFilterSet
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self) -> QuerySet[ItemScore]:
        return selectors.live_ranking()

    # A 304 or the cached bytes: plain HttpResponses, which DRF passes through as they are.
    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        # The score generation moves with every write this list shows: unchanged, the
        # client's copy is current, and one primary-key lookup answers it.
        etag = live_etag(request, "live")
        if client_has(request, etag):
            return not_modified(etag)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        positions = selectors.item_positions(item_ids=[score.item_id for score in page])
        context = {**self.get_serializer_context(), "positions": positions}
        response = self.get_paginated_response(
            self.get_serializer(page, many=True, context=context).data
        )
        response["ETag"] = etag
        return response


def live_etag(request: Request, kind: str, *parts: object) -> str:
    """The ETag of a live read: the score generation, plus what else the body depends on
    (the full URL with its filters and host, the format)."""
    fmt = getattr(request.accepted_renderer, "format", "")
    digest = etag_digest(kind, fmt, request.build_absolute_uri(), *parts)
    return f'"{kind}-{generation_value()}-{digest}"'


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
            note=body.validated_data["note"], published_by=acting_user(request.user)
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

    # A 304 or the cached bytes: plain HttpResponses, which DRF passes through as they are.
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
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


class ScoreSinceQuerySerializer(serializers.Serializer):
    since = AwareDateTimeField(required=False)


@extend_schema_view(
    retrieve=extend_schema(
        summary="An item's score: explanation, pending recomputation, history",
        description="With `since` (an ISO 8601 datetime with a time zone), `change` says how "
        "and why the score moved from its last history point at or before `since` to now: "
        "the factor split of SCORING.md and the estimates, evidence and model version that "
        "changed in between.",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                OpenApiParameter.QUERY,
                required=False,
                description="Aware datetime, e.g. 2026-11-01T00:00:00Z; a naive or "
                "malformed value is a 400.",
            )
        ],
        responses={200: ItemScoreDetailSerializer, **errors(400, 401, 403, 404)},
    )
)
class ItemScoreViewSet(viewsets.GenericViewSet):
    queryset = RoadmapItem.objects.all()
    serializer_class = ItemScoreDetailSerializer
    filter_backends: list[Any] = []

    def retrieve(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        query = ScoreSinceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # The ETag covers the URL (so `since`); deleting the item moves the generation
        # too, so a 304 never outlives its item.
        etag = live_etag(request, "item-score")
        if client_has(request, etag):
            return not_modified(etag)
        item = self.get_object()
        with translation.override("en"):
            detail = selectors.item_score_detail(item=item, since=query.validated_data.get("since"))
        response = Response(self.get_serializer(detail).data)
        response["ETag"] = etag
        return response


# --- Closing the loop: calibration (the shared KPIs are in signals.api.views) ---------


class CalibrationView(APIView):
    """How well the scores of shipped items predicted their measured outcomes."""

    @extend_schema(
        summary="Calibration: estimate accuracy by owner, theme and team",
        description="For shipped items with outcomes, the reach and impact their score "
        "assumed when they shipped against the reach and impact their outcomes measured "
        '(README, "Calibration"), as measured / assumed ratios (geometric means) with the '
        "count of items, by owner (with a suggested confidence multiplier once an owner "
        "has 2 calibrated items not used before), by theme, and by team (product's reach "
        "estimate R_p and marketing's R_m against the measured reach). Any role.",
        responses={200: CalibrationReportSerializer, **errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(CalibrationReportSerializer(selectors.calibration_report()).data)


class CalibrationApplyView(APIView):
    permission_classes = [ProductOnly]

    @extend_schema(
        summary="Apply an owner's suggested confidence multiplier (product)",
        description="Multiplies the confidence of the owner's open items (candidate, "
        "planned, in progress) by the suggestion; items without a confidence get the "
        "model's default confidence × the multiplier. Each changed item gets a history "
        "entry (`calibration: ×m from N shipped items`, with the caller), a new version "
        "and a rescore. `multiplier` must equal the current suggestion: a stale one, or "
        "none, answers 409 and changes nothing.",
        request=CalibrationApplySerializer,
        responses={
            200: ConfidenceCalibrationSerializer,
            **errors(
                400,
                401,
                403,
                409,
                e409="The multiplier is not the owner's current suggestion (it changed, "
                "or there is none): read `calibration/` again.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        body = CalibrationApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            record = services.calibration_apply(
                owner=body.validated_data["owner"],
                multiplier=body.validated_data["multiplier"],
                applied_by=acting_user(request.user),
            )
        except services.CalibrationConflict as exc:
            raise Conflict(str(exc), code="stale_suggestion") from None
        return Response(ConfidenceCalibrationSerializer(record).data)
