"""ViewSets of the signals API: market signals and friction reports, their links to items,
outcomes, and their bulk upserts.

Reads come from signals.selectors, writes go through signals.services. Who may do what is
config.api.permissions.EvidencePermission: product anything, marketing creates and changes
its own records, integration reads; only product deletes (outcomes are not deleted
through the API).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.errors import Conflict
from config.api.filtering import FILTER_BACKENDS
from config.api.openapi import (
    DETAIL_ERRORS,
    IDEMPOTENCY_KEY,
    READ_ERRORS,
    WRITE_ERRORS,
    error_responses,
)
from config.api.permissions import EvidencePermission, ProductOnly, is_product
from roadmap.models import RoadmapItem
from signals import selectors, services
from signals.api.serializers import (
    MAX_BULK_RECORDS,
    BulkResultSerializer,
    EvidenceLinkSerializer,
    EvidenceSerializer,
    FrictionReportBulkRecordSerializer,
    FrictionReportBulkSerializer,
    FrictionReportSerializer,
    MarketSignalBulkRecordSerializer,
    MarketSignalBulkSerializer,
    MarketSignalSerializer,
    OutcomeBulkRecordSerializer,
    OutcomeBulkSerializer,
    OutcomeSerializer,
    ReportStatusSerializer,
    bulk_records_validate,
    bulk_result_data,
    evidence_fields,
)
from signals.filters import FrictionReportFilterSet, MarketSignalFilterSet, OutcomeFilterSet
from signals.models import FrictionReport, MarketSignal
from signals.radar.api.views import EvidenceSuggestionsMixin


@contextmanager
def _conflicts_as_409() -> Iterator[None]:
    """The services' conflicts, as the API's 409."""
    try:
        yield
    except services.DuplicateExternalId as exc:
        raise Conflict(exc.text, code="duplicate_external_id") from None
    except services.InvalidTransition as exc:
        raise Conflict(f"Invalid status change: {exc}.", code="invalid_transition") from None
    except services.BulkWriteConflict as exc:
        raise Conflict(str(exc), code="concurrent_write") from None


def _evidence_schema(serializer: type[EvidenceSerializer], noun: str) -> dict[str, Any]:
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
            summary=f"Submit a {noun} (product, marketing)",
            description="`submitted_by` is the caller. A (source, external_id) pair already "
            "taken answers 409 naming the existing record.",
            parameters=[IDEMPOTENCY_KEY],
            responses={201: serializer, **error_responses(400, 401, 403, 409, 422)},
        ),
        "update": extend_schema(
            summary=f"Replace a {noun} (product; marketing: its own)",
            responses={200: serializer, **error_responses(*WRITE_ERRORS, 409)},
        ),
        "partial_update": extend_schema(
            summary=f"Change a {noun} (product; marketing: its own)",
            responses={200: serializer, **error_responses(*WRITE_ERRORS, 409)},
        ),
        "destroy": extend_schema(
            summary=f"Delete a {noun} (product)",
            responses={204: None, **error_responses(*DETAIL_ERRORS)},
        ),
        "link": extend_schema(
            summary=f"Link the {noun} to an item, or reweight its link",
            request=EvidenceLinkSerializer,
            parameters=[IDEMPOTENCY_KEY],
            responses={
                201: OpenApiResponse(EvidenceLinkSerializer, description="A new link."),
                200: OpenApiResponse(EvidenceLinkSerializer, description="A new weight."),
                **error_responses(*WRITE_ERRORS, 422),
            },
        ),
        "unlink": extend_schema(
            summary=f"Unlink the {noun} from an item",
            parameters=[
                OpenApiParameter("item_id", OpenApiTypes.INT, OpenApiParameter.PATH),
            ],
            request=None,
            responses={204: None, **error_responses(*DETAIL_ERRORS)},
        ),
    }


def _bulk_schema(request: type[Any], record: type[Any], noun: str) -> dict[str, Any]:
    return {
        "bulk": extend_schema(
            summary=f"Create or update up to {MAX_BULK_RECORDS:,} {noun}s at once",
            description=(
                f"Each record is identified by its (source, external_id): a new pair creates "
                f"a {noun}, a known one updates it, so re-sending a batch is harmless. "
                "Records are answered one by one: an invalid record, a pair repeated "
                "within the request, or (for marketing) a record someone else submitted is "
                "`rejected` without affecting the others. A record with `links` gets "
                "exactly those links. 400 refuses the whole request only when it is not "
                f"1 to {MAX_BULK_RECORDS:,} records."
            ),
            request=request,
            parameters=[IDEMPOTENCY_KEY],
            responses={200: BulkResultSerializer, **error_responses(400, 401, 403, 409, 422)},
        )
    }


class BulkUpsertMixin:
    """`POST .../bulk/`: create or update up to 1,000 records by (source, external_id),
    answered record by record (signals.services.evidence_bulk_upsert)."""

    # Declared by each subclass.
    bulk_serializer_class: type[Any]
    bulk_record_serializer_class: type[Any]
    bulk_upsert: Callable[..., services.BulkResult]

    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        envelope = self.bulk_serializer_class(data=request.data)
        envelope.is_valid(raise_exception=True)
        records = bulk_records_validate(
            self.bulk_record_serializer_class,
            envelope.validated_data["records"],
            context=self.get_serializer_context(),  # type: ignore[attr-defined]
        )
        with _conflicts_as_409():
            result = type(self).bulk_upsert(
                records=records, user=request.user, may_update_any=is_product(request)
            )
        return Response(bulk_result_data(result))


class EvidenceViewSet(BulkUpsertMixin, EvidenceSuggestionsMixin, viewsets.ModelViewSet):
    """What signals and reports share: permissions, links, bulk upserts."""

    permission_classes = (EvidencePermission,)
    filter_backends = FILTER_BACKENDS
    lookup_value_regex = r"[0-9]+"

    # Declared by each subclass.
    evidence_kwarg: str  # how the link services name this kind of evidence

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "destroy":
            return [ProductOnly()]
        return super().get_permissions()

    @action(detail=True, methods=["post"], url_path="links")
    def link(self, request: Request, pk: str | None = None) -> Response:
        evidence = self.get_object()
        serializer = EvidenceLinkSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        link, created = services.evidence_link_upsert(
            **{self.evidence_kwarg: evidence}, **serializer.validated_data
        )
        return Response(
            EvidenceLinkSerializer(link).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @action(detail=True, methods=["delete"], url_path=r"links/(?P<item_id>[0-9]+)")
    def unlink(self, request: Request, pk: str | None = None, item_id: str = "") -> Response:
        evidence = self.get_object()
        item = get_object_or_404(RoadmapItem.objects.only("id"), pk=int(item_id))
        if not services.evidence_unlink(item=item, **{self.evidence_kwarg: evidence}):
            raise NotFound(f"This record is not linked to item {item.pk}.")
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    **_evidence_schema(MarketSignalSerializer, "market signal"),
    **_bulk_schema(MarketSignalBulkSerializer, MarketSignalBulkRecordSerializer, "signal"),
)
class MarketSignalViewSet(EvidenceViewSet):
    queryset = selectors.signal_list()
    serializer_class = MarketSignalSerializer
    filterset_class = MarketSignalFilterSet
    evidence_kwarg = "signal"
    bulk_serializer_class = MarketSignalBulkSerializer
    bulk_record_serializer_class = MarketSignalBulkRecordSerializer
    bulk_upsert = staticmethod(services.signals_bulk_upsert)

    def perform_create(self, serializer: MarketSignalSerializer) -> None:
        fields, links = evidence_fields(serializer.validated_data)
        with _conflicts_as_409():
            serializer.instance = services.signal_create(
                submitted_by=self.request.user, links=links or (), **fields
            )

    def perform_update(self, serializer: MarketSignalSerializer) -> None:
        fields, links = evidence_fields(serializer.validated_data)
        with _conflicts_as_409():
            serializer.instance = services.signal_update(
                signal=serializer.instance, data=fields, links=links
            )

    def perform_destroy(self, instance: MarketSignal) -> None:
        services.signal_delete(signal=instance)

    @extend_schema(
        summary="Dismiss a market signal",
        description="A dismissed signal stays on record but no longer counts in scores. "
        "Dismissing a dismissed signal changes nothing.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: MarketSignalSerializer, **error_responses(*DETAIL_ERRORS, 422)},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        return self._set_dismissed(dismissed=True)

    @extend_schema(
        summary="Restore a dismissed market signal",
        description="The signal counts in scores again. Restoring a signal that is not "
        "dismissed changes nothing.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: MarketSignalSerializer, **error_responses(*DETAIL_ERRORS, 422)},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        return self._set_dismissed(dismissed=False)

    def _set_dismissed(self, *, dismissed: bool) -> Response:
        signal = self.get_object()
        services.signals_set_dismissed(
            signal_ids=[signal.pk], dismissed=dismissed, user=self.request.user
        )
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema_view(
    **_evidence_schema(FrictionReportSerializer, "friction report"),
    **_bulk_schema(
        FrictionReportBulkSerializer, FrictionReportBulkRecordSerializer, "friction report"
    ),
)
class FrictionReportViewSet(EvidenceViewSet):
    queryset = selectors.report_list()
    serializer_class = FrictionReportSerializer
    filterset_class = FrictionReportFilterSet
    evidence_kwarg = "report"
    bulk_serializer_class = FrictionReportBulkSerializer
    bulk_record_serializer_class = FrictionReportBulkRecordSerializer
    bulk_upsert = staticmethod(services.reports_bulk_upsert)

    def perform_create(self, serializer: FrictionReportSerializer) -> None:
        fields, links = evidence_fields(serializer.validated_data)
        with _conflicts_as_409():
            serializer.instance = services.report_create(
                submitted_by=self.request.user, links=links or (), **fields
            )

    def perform_update(self, serializer: FrictionReportSerializer) -> None:
        fields, links = evidence_fields(serializer.validated_data)
        with _conflicts_as_409():
            serializer.instance = services.report_update(
                report=serializer.instance, data=fields, links=links
            )

    def perform_destroy(self, instance: FrictionReport) -> None:
        services.report_delete(report=instance)

    @extend_schema(
        summary="Resolve a friction report: addressed or dismissed",
        description="An open report is resolved once. Asking for the status it already has "
        "changes nothing (200); any other change answers 409.",
        request=ReportStatusSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: FrictionReportSerializer,
            **error_responses(*WRITE_ERRORS, 409, 422),
        },
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        report = self.get_object()
        serializer = ReportStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _conflicts_as_409():
            services.report_set_status(report=report, status=serializer.validated_data["status"])
        return Response(self.get_serializer(self.get_object()).data)


_OUTCOME_RULES = (
    "The item must have shipped; a rate (activation_rate, conversion_rate, retention, "
    "churn) is a fraction from 0 to 1, NPS runs from -100 to 100, LTV is 0 or more; "
    "`custom` needs `custom_kpi` and the others must leave it empty; the period must not "
    "end before it starts, nor after tomorrow."
)


@extend_schema_view(
    list=extend_schema(
        summary="List outcomes",
        responses={200: OutcomeSerializer(many=True), **error_responses(400, *READ_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="Read an outcome",
        responses={200: OutcomeSerializer, **error_responses(*DETAIL_ERRORS)},
    ),
    create=extend_schema(
        summary="Record an outcome of a shipped item (product, marketing)",
        description=f"`submitted_by` is the caller and `team` the caller's team. {_OUTCOME_RULES} "
        "A (source, external_id) pair already taken answers 409 naming the existing record.",
        parameters=[IDEMPOTENCY_KEY],
        responses={201: OutcomeSerializer, **error_responses(400, 401, 403, 409, 422)},
    ),
    update=extend_schema(
        summary="Replace an outcome (product; marketing: its own)",
        description=_OUTCOME_RULES,
        responses={200: OutcomeSerializer, **error_responses(*WRITE_ERRORS, 409)},
    ),
    partial_update=extend_schema(
        summary="Change an outcome (product; marketing: its own)",
        description=_OUTCOME_RULES,
        responses={200: OutcomeSerializer, **error_responses(*WRITE_ERRORS, 409)},
    ),
    **_bulk_schema(OutcomeBulkSerializer, OutcomeBulkRecordSerializer, "outcome"),
)
class OutcomeViewSet(
    BulkUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Outcomes: KPIs measured after an item shipped, by either team. Marketing changes
    only the outcomes it submitted, as with signals; there is no DELETE (product removes a
    wrong outcome in the admin)."""

    queryset = selectors.outcome_list()
    serializer_class = OutcomeSerializer
    filterset_class = OutcomeFilterSet
    filter_backends = FILTER_BACKENDS
    permission_classes = (EvidencePermission,)
    lookup_value_regex = r"[0-9]+"
    bulk_serializer_class = OutcomeBulkSerializer
    bulk_record_serializer_class = OutcomeBulkRecordSerializer
    bulk_upsert = staticmethod(services.outcomes_bulk_upsert)

    def perform_create(self, serializer: OutcomeSerializer) -> None:
        with _conflicts_as_409():
            serializer.instance = services.outcome_create(
                submitted_by=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer: OutcomeSerializer) -> None:
        with _conflicts_as_409():
            serializer.instance = services.outcome_update(
                outcome=serializer.instance, data=dict(serializer.validated_data)
            )


# --- Shared KPIs --------------------------------------------------------------------------
