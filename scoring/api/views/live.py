"""The live ranking: 304 from the score generation, else one page read."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.request import Request

from config.api.conditional import client_has, not_modified
from scoring import selectors
from scoring.api.serializers import LiveRankingEntrySerializer
from scoring.api.views.common import errors, live_etag
from scoring.filters import LiveRankingFilterSet
from scoring.models import ItemScore


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

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
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
