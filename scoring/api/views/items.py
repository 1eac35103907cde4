"""An item's score: explanation, pending recomputation, history."""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.conditional import client_has, not_modified
from config.api.fields import MAX_PK, AwareDateTimeField
from roadmap.models import RoadmapItem
from scoring import selectors
from scoring.api.serializers import ItemScoreDetailSerializer, item_score_data
from scoring.api.serializers.causes import ScoreChangeSerializer
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
        since = None
        if request.query_params:
            query = ScoreSinceQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            since = query.validated_data.get("since")
        # The ETag covers the URL (so `since`); deleting the item moves the generation
        # too, so a 304 never outlives its item.
        item_id = int(pk or 0)
        exists = 0 < item_id <= MAX_PK
        read = None
        etag = None
        if request.META.get("HTTP_IF_NONE_MATCH"):
            etag = live_etag(request, "item-score")
            if client_has(request, etag):
                return not_modified(etag)
            read = selectors.item_score_read(item_id=item_id) if exists else None
        elif exists:
            # Nothing to compare: the generation comes with the read, in its statement.
            read = selectors.item_score_read(item_id=item_id, with_generation=True)
            if read is not None:
                etag = live_etag(request, "item-score", generation=read["generation"])
        if etag is None:
            etag = live_etag(request, "item-score")
        if read is None:
            # No such item: the 404 of every item route (or, if it was created since,
            # its read).
            read = selectors.item_score_read(item_id=self.get_object().pk)
            if read is None:
                raise NotFound()
        change = None
        if since is not None:
            # The API speaks English whatever the request's language (the board translates).
            with translation.override("en"):
                detail = selectors.item_score_change(item=self.get_object(), since=since)
                change = ScoreChangeSerializer(detail).data
        # The serializer's JSON, built from the one query's rows (a test holds both to the
        # same bytes); ItemScoreDetailSerializer documents it.
        response = Response(item_score_data(read, change))
        response["ETag"] = etag
        return response
