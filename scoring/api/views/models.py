"""Scoring model versions and the what-if preview."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from scoring import selectors, services
from scoring.api.serializers import (
    PreviewQuerySerializer,
    ScoringModelCreateSerializer,
    ScoringModelParamsSerializer,
    ScoringModelPreviewSerializer,
    ScoringModelSerializer,
)
from scoring.api.views.common import ProductOrMarketing, errors


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
            params=params, note=note, created_by=request.user
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
