"""ViewSets of the campaigns API: campaigns (+ bulk, + dashboard), funnel snapshots
(+ bulk), friction proposals (confirm, dismiss).

Ownership is the signals' (config.api.permissions.EvidencePermission): product changes
anything, marketing creates and changes its own records, integration reads; only product
deletes. Confirming or dismissing a proposal is for product and marketing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from config.api.filtering import FILTER_BACKENDS
from config.api.openapi import (
    DETAIL_ERRORS,
    IDEMPOTENCY_KEY,
    READ_ERRORS,
    WRITE_ERRORS,
    error_responses,
)
from config.api.permissions import (
    SharedWithMarketing,
)
from config.api.serializers import bound_instance
from config.roles import acting_user
from signals.api.mixins import BulkUpsertMixin, OwnedRecordsMixin, conflicts_as_409
from signals.api.serializers import MAX_BULK_RECORDS, BulkResultSerializer
from signals.campaigns import proposals, selectors, services
from signals.campaigns.api.serializers import (
    CampaignBulkRecordSerializer,
    CampaignBulkSerializer,
    CampaignSerializer,
    DashboardQuerySerializer,
    DashboardSerializer,
    FrictionProposalSerializer,
    FunnelSnapshotBulkRecordSerializer,
    FunnelSnapshotBulkSerializer,
    FunnelSnapshotSerializer,
    ProposalConfirmSerializer,
    campaign_bulk_records_validate,
)
from signals.campaigns.filters import (
    CampaignFilterSet,
    FrictionProposalFilterSet,
    FunnelSnapshotFilterSet,
)
from signals.campaigns.models import Campaign, FunnelSnapshot

if TYPE_CHECKING:
    pass

# The dashboard's window, as `campaigns/dashboard/` and `kpis/` take it.
WINDOW_PARAMETERS = (
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="First day (YYYY-MM-DD); default a year before `to`.",
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (YYYY-MM-DD); default today."),
)


def _crud_schema(serializer: type[Any], noun: str, rules: str, bulk: type[Any]) -> dict[str, Any]:
    return {
        "list": extend_schema(
            summary=f"List {noun}s",
            responses={200: serializer(many=True), **error_responses(400, *READ_ERRORS)},
        ),
        "retrieve": extend_schema(
            summary=f"Read a {noun}",
            responses={200: serializer, **error_responses(*DETAIL_ERRORS)},
        ),
        "create": extend_schema(
            summary=f"Record a {noun} (product, marketing)",
            description=f"`submitted_by` is the caller. {rules} A (source, external_id) pair "
            "already taken answers 409 naming the existing record.",
            parameters=[IDEMPOTENCY_KEY],
            responses={201: serializer, **error_responses(400, 401, 403, 409, 422)},
        ),
        "update": extend_schema(
            summary=f"Replace a {noun} (product; marketing: its own)",
            description=rules,
            responses={200: serializer, **error_responses(*WRITE_ERRORS, 409)},
        ),
        "partial_update": extend_schema(
            summary=f"Change a {noun} (product; marketing: its own)",
            description=rules,
            responses={200: serializer, **error_responses(*WRITE_ERRORS, 409)},
        ),
        "destroy": extend_schema(
            summary=f"Delete a {noun} (product)",
            responses={204: None, **error_responses(*DETAIL_ERRORS)},
        ),
        "bulk": extend_schema(
            summary=f"Create or update up to {MAX_BULK_RECORDS:,} {noun}s at once",
            description=(
                f"Each record is identified by its (source, external_id): a new pair creates "
                f"a {noun}, a known one updates it, so re-sending a batch is harmless. Records "
                f"are answered one by one (created, updated or rejected with its reasons). "
                f"{rules} 400 refuses the whole request only when it is not 1 to "
                f"{MAX_BULK_RECORDS:,} records."
            ),
            parameters=[IDEMPOTENCY_KEY],
            request=bulk,
            responses={200: BulkResultSerializer, **error_responses(400, 401, 403, 409, 422)},
        ),
    }


_CAMPAIGN_RULES = (
    "Spend is 0 or more, the currency an ISO 4217 code, the period must not end before it "
    "starts, the channel one of the channel codes."
)
_SNAPSHOT_RULES = (
    "Known stages never grow down the funnel (impressions ≥ clicks ≥ sign_ups ≥ activated "
    "≥ paid ≥ retained_30 ≥ retained_90; null stages are unknown and skipped); the period "
    "must be in order and must not overlap another period of the same campaign."
)


class _OwnedViewSet(OwnedRecordsMixin, BulkUpsertMixin, viewsets.ModelViewSet):
    """Campaigns and snapshots: the signals' ownership rules, bulk upserts."""

    # Their records name campaigns and segments, read first in one query each.
    bulk_validate = staticmethod(campaign_bulk_records_validate)


@extend_schema_view(
    **_crud_schema(CampaignSerializer, "campaign", _CAMPAIGN_RULES, CampaignBulkSerializer),
)
class CampaignViewSet(_OwnedViewSet):
    queryset = selectors.campaign_list()
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilterSet
    bulk_serializer_class = CampaignBulkSerializer
    bulk_record_serializer_class = CampaignBulkRecordSerializer
    bulk_upsert = staticmethod(services.campaigns_bulk_upsert)

    def perform_create(self, serializer: BaseSerializer[Campaign]) -> None:
        with conflicts_as_409():
            serializer.instance = services.campaign_create(
                submitted_by=acting_user(self.request.user), **serializer.validated_data
            )

    def perform_update(self, serializer: BaseSerializer[Campaign]) -> None:
        with conflicts_as_409():
            serializer.instance = services.campaign_update(
                campaign=bound_instance(serializer), data=serializer.validated_data
            )

    def perform_destroy(self, instance: Campaign) -> None:
        services.campaign_delete(campaign=instance)

    @extend_schema(
        summary="Campaign dashboard: funnel rates, CAC and LTV/CAC by channel and segment",
        description=(
            "Over the window [from, to]: snapshots whose period lies inside it, and each "
            "campaign's spend prorated by its days inside it. Rates carry Wilson 95 % "
            "intervals; a null figure is not enough data (see `reason` and `notes`). "
            "Channels with at least 25 % of the sign-ups and under half the overall "
            "activation rate are flagged (`volume_warnings`). Proposed friction reports "
            "waiting for confirmation are listed, most people first. Four queries."
        ),
        parameters=list(WINDOW_PARAMETERS),
        responses={200: DashboardSerializer, **error_responses(400, *READ_ERRORS)},
    )
    @action(detail=False, methods=["get"])
    def dashboard(self, request: Request) -> Response:
        query = DashboardQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        return Response(
            DashboardSerializer(selectors.campaign_dashboard(**query.validated_data)).data
        )


@extend_schema_view(
    **_crud_schema(
        FunnelSnapshotSerializer, "funnel snapshot", _SNAPSHOT_RULES, FunnelSnapshotBulkSerializer
    ),
)
class FunnelSnapshotViewSet(_OwnedViewSet):
    queryset = selectors.snapshot_list()
    serializer_class = FunnelSnapshotSerializer
    filterset_class = FunnelSnapshotFilterSet
    bulk_serializer_class = FunnelSnapshotBulkSerializer
    bulk_record_serializer_class = FunnelSnapshotBulkRecordSerializer
    bulk_upsert = staticmethod(services.snapshots_bulk_upsert)

    def perform_create(self, serializer: BaseSerializer[FunnelSnapshot]) -> None:
        with conflicts_as_409():
            serializer.instance = services.snapshot_create(
                submitted_by=acting_user(self.request.user), **serializer.validated_data
            )

    def perform_update(self, serializer: BaseSerializer[FunnelSnapshot]) -> None:
        with conflicts_as_409():
            serializer.instance = services.snapshot_update(
                snapshot=bound_instance(serializer), data=serializer.validated_data
            )

    def perform_destroy(self, instance: FunnelSnapshot) -> None:
        services.snapshot_delete(snapshot=instance)


@extend_schema_view(
    list=extend_schema(
        summary="List friction proposals",
        responses={
            200: FrictionProposalSerializer(many=True),
            **error_responses(400, *READ_ERRORS),
        },
    ),
    retrieve=extend_schema(
        summary="Read a friction proposal",
        responses={200: FrictionProposalSerializer, **error_responses(*DETAIL_ERRORS)},
    ),
)
class FrictionProposalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Friction the funnels propose. They count in no score until a person confirms one."""

    queryset = selectors.proposal_list()
    serializer_class = FrictionProposalSerializer
    filterset_class = FrictionProposalFilterSet
    filter_backends = FILTER_BACKENDS
    permission_classes = (SharedWithMarketing,)
    lookup_value_regex = r"[0-9]+"

    @extend_schema(
        summary="Confirm a proposal: it becomes a friction report (product, marketing)",
        description="Creates an ordinary open friction report from the proposal's figures, "
        "linked to the items in `links` (they are rescored). Confirming twice changes "
        "nothing; confirming a dismissed proposal answers 409.",
        request=ProposalConfirmSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: FrictionProposalSerializer,
            **error_responses(*WRITE_ERRORS, 409, 422),
        },
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        body = ProposalConfirmSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        links = [(link["item"].pk, link["weight"]) for link in body.validated_data.get("links", [])]
        with conflicts_as_409():
            proposals.friction_proposal_confirm(
                proposal=proposal,
                user=acting_user(request.user),
                links=links,
                title=body.validated_data.get("title", ""),
            )
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Dismiss a proposal (product, marketing)",
        description="It stays on record and is not proposed again. Dismissing twice changes "
        "nothing; dismissing a confirmed proposal answers 409.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: FrictionProposalSerializer, **error_responses(*WRITE_ERRORS, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        with conflicts_as_409():
            proposals.friction_proposal_dismiss(proposal=proposal, user=acting_user(request.user))
        return Response(self.get_serializer(self.get_object()).data)
