"""An item's score: explanation, pending recomputation, history."""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.conditional import client_has, not_modified
from config.api.fields import AwareDateTimeField
from roadmap.models import RoadmapItem
from scoring import selectors
from scoring.api.serializers import ItemScoreDetailSerializer
from scoring.api.views.common import errors, live_etag


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
