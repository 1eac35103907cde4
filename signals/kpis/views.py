"""`GET /api/v1/kpis/`: the KPIs both teams steer by."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.openapi import ErrorSerializer, error_responses
from signals.campaigns.api.serializers import DashboardQuerySerializer
from signals.campaigns.api.views import WINDOW_PARAMETERS
from signals.campaigns.selectors import campaign_dashboard
from signals.kpis.selectors import kpis_shared
from signals.kpis.serializers import SharedKpisSerializer


class SharedKpisView(APIView):
    """The KPIs both teams steer by: the outcomes measured after shipping, crossed with the
    campaigns' funnels (acquisition cost, activation and retention by channel)."""

    @extend_schema(
        summary="Shared KPIs: activation and conversion by channel, LTV by segment, NPS "
        "before and after each release, and the campaigns' funnels",
        description="From the outcomes of shipped items, each item's latest measurement "
        "counting once per group; every figure lists the items that moved it. `campaigns` "
        "crosses acquisition with product usage over the window [from, to] (the figures "
        "of `campaigns/dashboard/`). Any role.",
        parameters=list(WINDOW_PARAMETERS),
        responses={
            200: SharedKpisSerializer,
            **error_responses(400, 401, 403),
            # The scoring API's wording, which this route had before it moved here.
            401: OpenApiResponse(ErrorSerializer, description="No valid credentials."),
        },
    )
    def get(self, request: Request) -> Response:
        query = DashboardQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = {**kpis_shared(), "campaigns": campaign_dashboard(**query.validated_data)}
        return Response(SharedKpisSerializer(data).data)
