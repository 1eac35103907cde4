"""The live ranking: 304 from the score generation, else one query for the page."""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.request import Request

from config.api.conditional import client_has, not_modified
from config.api.pagination import Pagination
from scoring import selectors
from scoring.api.serializers import LiveRankingEntrySerializer, live_ranking_entries
from scoring.api.views.common import errors, live_etag
from scoring.filters import LiveRankingFilterSet, live_ranking_filtered
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
    # The serializer, filter set and queryset declare the schema; `list` reads the page
    # as plain rows (selectors.live_ranking_page) and renders them without a serializer.
    serializer_class = LiveRankingEntrySerializer
    filterset_class = LiveRankingFilterSet
    filter_backends = [DjangoFilterBackend]
    queryset = ItemScore.objects.none()

    # A 304 or the cached bytes: plain HttpResponses, which DRF passes through as they are.
    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        # The score generation moves with every write this list shows: unchanged, the
        # client's copy is current, and one primary-key lookup answers it.
        etag = live_etag(request, "live")
        if client_has(request, etag):
            return not_modified(etag)
        items = None
        if live_ranking_filtered(request.query_params):
            filterset = LiveRankingFilterSet(
                data=request.query_params, queryset=self.queryset, request=request
            )
            if not filterset.is_valid():
                raise filter_utils.translate_validation(filterset.errors)  # type: ignore[misc]  # untyped: returns a ValidationError
            items = filterset.item_ids()
        # Bad limit/offset are a 400 after bad filters and before any query, as before.
        paginator = self.paginator
        assert isinstance(paginator, Pagination)
        limit, offset = paginator.get_limit(request), paginator.get_offset(request)
        count, rows = selectors.live_ranking_page(items=items, limit=limit, offset=offset)
        paginator.request, paginator.limit, paginator.offset = request, limit, offset
        paginator.count = count
        paginator.display_page_controls = count > limit
        response = paginator.get_paginated_response(live_ranking_entries(rows))
        response["ETag"] = etag
        return response
