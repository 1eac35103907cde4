"""Serializers of the signals API: market signals, friction reports, their links to items,
the bulk envelope whose records are validated one by one, and the shared KPIs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from config.api.fields import (
    ApiModelSerializer,
    PreloadedPrimaryKeyRelatedField,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
    as_pk,
)
from config.api.lean import NotLean, lean_validator
from config.api.serializers import StrictSerializer
from roadmap.api.serializers import RiceField
from roadmap.choices import MAX_PEOPLE
from roadmap.models import RoadmapItem
from signals import selectors
from signals.choices import ReportStatus
from signals.kpis.ranges import MAX_ABS_VALUE, kpi_lift
from signals.models import MIN_LINK_WEIGHT, FrictionReport, MarketSignal, Outcome
from signals.services import BulkRecord, BulkResult

MAX_BULK_RECORDS = 1000
MAX_LINKS_PER_RECORD = 100
# Clocks drift and time zones confuse: a day ahead is tolerated, more is a client bug.
MAX_FUTURE = timedelta(days=1)


class EvidenceLinkSerializer(StrictSerializer):
    """How strongly a signal or report bears on an item."""

    item = PreloadedPrimaryKeyRelatedField(
        queryset=RoadmapItem.objects.all(), help_text="Roadmap item id."
    )
    weight = StrictFloatField(
        default=1.0,
        min_value=MIN_LINK_WEIGHT,
        max_value=1,
        help_text=f"From {MIN_LINK_WEIGHT} to 1 (default 1).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # DRF applies field defaults only to full writes: in a PATCH a link without its
        # weight would reach the services without one. The schema says 1: apply it.
        attrs.setdefault("weight", 1.0)
        return attrs


class EvidenceSerializer(ApiModelSerializer):
    """Fields and checks signals and reports share."""

    links = EvidenceLinkSerializer(  # type: ignore[call-arg]  # ListSerializer kwargs via many=True
        many=True,
        required=False,
        max_length=MAX_LINKS_PER_RECORD,
        help_text="The items this bears on. On create, the initial links; on update, the "
        "complete new set (omit the field to keep the links as they are).",
    )

    class Meta:
        read_only_fields = ["submitted_by", "created_at", "updated_at"]
        # (source, external_id) is checked by the services: a duplicate is a 409 that
        # names the existing record, not a generic 400.
        validators: list[Any] = []

    def validate_observed_at(self, value: datetime) -> datetime:
        if value > timezone.now() + MAX_FUTURE:
            raise serializers.ValidationError("Must not be more than a day in the future.")
        return value

    def validate_links(self, links: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[int] = set()
        for link in links:
            # A PATCH validates nested links partially: a link must still name its item.
            if "item" not in link:
                raise serializers.ValidationError("Each link names its item.")
            if link["item"].pk in seen:
                raise serializers.ValidationError(
                    f"Item {link['item'].pk} is linked more than once."
                )
            seen.add(link["item"].pk)
        return links


# Where a record came from, when, and what it bears on: the tail of both field lists.
_EVIDENCE_FIELDS = [
    "source",
    "external_id",
    "segment",
    "observed_at",
    "links",
    "submitted_by",
    "created_at",
    "updated_at",
]


class MarketSignalSerializer(EvidenceSerializer):
    """A piece of market evidence: a customer request, sales feedback, a churn reason..."""

    class Meta(EvidenceSerializer.Meta):
        model = MarketSignal
        fields = [
            "id",
            "kind",
            "title",
            "summary",
            "account_name",
            "account_value",
            "dismissed",
            *_EVIDENCE_FIELDS,
        ]
        read_only_fields = [*EvidenceSerializer.Meta.read_only_fields, "dismissed"]


class FrictionReportSerializer(EvidenceSerializer):
    """Marketing's measurement of where a campaign stalls, and for how many people."""

    severity = RiceField(help_text="RICE impact scale: 0.25, 0.5, 1, 2 or 3.")
    affected_people = StrictIntegerField(
        min_value=0, max_value=MAX_PEOPLE, help_text="People affected per quarter."
    )

    class Meta(EvidenceSerializer.Meta):
        model = FrictionReport
        fields = [
            "id",
            "campaign",
            "title",
            "summary",
            "channel",
            "funnel_stage",
            "affected_people",
            "severity",
            "metric_name",
            "metric_before",
            "metric_after",
            "status",
            *_EVIDENCE_FIELDS,
        ]
        read_only_fields = [*EvidenceSerializer.Meta.read_only_fields, "status"]


class ReportStatusSerializer(StrictSerializer):
    """The status to resolve a report with."""

    status = serializers.ChoiceField(
        choices=ReportStatus.choices,
        help_text="`addressed` or `dismissed`; an open report is resolved once.",
    )


class OutcomeSerializer(ApiModelSerializer):
    """A KPI measured after an item shipped: before (`baseline`) and after (`measured`).

    Rates (activation_rate, conversion_rate, retention, churn) are fractions from 0 to 1,
    NPS runs from -100 to 100, LTV is 0 or more; `custom` needs `custom_kpi`, the others
    must leave it empty. The item must have shipped, the period must be in order and may
    end tomorrow at the latest. `team` is the submitter's (product or marketing).
    """

    item = PreloadedPrimaryKeyRelatedField(
        queryset=RoadmapItem.objects.all(), help_text="The shipped roadmap item measured."
    )
    item_title = serializers.CharField(source="item.title", read_only=True)
    baseline = StrictFloatField(
        min_value=-MAX_ABS_VALUE,
        max_value=MAX_ABS_VALUE,
        help_text="The KPI before the release (required: a measurement means nothing without it).",
        error_messages={
            "required": "A measured value needs its baseline: send the KPI before the release.",
            "null": "A measured value needs its baseline: send the KPI before the release.",
        },
    )
    measured = StrictFloatField(
        min_value=-MAX_ABS_VALUE,
        max_value=MAX_ABS_VALUE,
        help_text="The KPI measured over the period.",
    )
    people_measured = StrictIntegerField(
        min_value=0,
        max_value=MAX_PEOPLE,
        allow_null=True,
        required=False,
        help_text="People the measurement covers over the period (used to calibrate reach).",
    )
    lift = serializers.SerializerMethodField(
        help_text="Relative change in the KPI's good direction (0.2: 20 % better; for churn "
        "a fall is better); null when the baseline is 0 and the KPI moved."
    )

    class Meta:
        model = Outcome
        fields = [
            "id",
            "item",
            "item_title",
            "kpi",
            "custom_kpi",
            "segment",
            "channel",
            "baseline",
            "measured",
            "lift",
            "period_start",
            "period_end",
            "people_measured",
            "team",
            "source",
            "external_id",
            "submitted_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["team", "submitted_by", "created_at", "updated_at"]
        # (source, external_id) is checked by the services: a duplicate is a 409 that
        # names the existing record, not a generic 400.
        validators: list[Any] = []

    def get_lift(self, outcome: Outcome) -> float | None:
        lift = kpi_lift(outcome.kpi, outcome.baseline, outcome.measured)
        return lift if math.isfinite(lift) else None


# --- Bulk -------------------------------------------------------------------------------


class MarketSignalBulkRecordSerializer(MarketSignalSerializer):
    """A signal in a bulk request: the sender's (source, external_id) is required, since
    it is what makes re-sending a record update it."""

    source = StrictCharField(max_length=64)  # type: ignore[assignment]  # a field named "source"
    external_id = StrictCharField(max_length=200)


class FrictionReportBulkRecordSerializer(FrictionReportSerializer):
    """A friction report in a bulk request: (source, external_id) is required."""

    source = StrictCharField(max_length=64)  # type: ignore[assignment]  # a field named "source"
    external_id = StrictCharField(max_length=200)


class _AsSent(serializers.Field):
    """Any JSON value, untouched (even 1e400): records are judged one by one later."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class BulkRecordsField(serializers.ListField):
    """1 to 1,000 records, taken as they come: each is validated on its own afterwards
    (`bulk_records_validate`), so one bad record never fails its neighbours."""

    def __init__(self, *, record_serializer: type[serializers.Serializer], **kwargs: Any):
        self.record_serializer = record_serializer
        kwargs.setdefault("min_length", 1)
        kwargs.setdefault("max_length", MAX_BULK_RECORDS)
        super().__init__(child=_AsSent(), **kwargs)


class BulkRecordsFieldExtension(OpenApiSerializerFieldExtension):
    """In the schema, each record is its record component, so generated clients type
    them. The server checks records one by one after the request is accepted: a record
    that breaks the record schema is rejected in the answer (per record), not the whole
    request (.ci/schemathesis.toml states that rule for the bulk operations)."""

    target_class = BulkRecordsField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        component = auto_schema.resolve_serializer(self.target.record_serializer, direction)
        name = component.ref["$ref"].rsplit("/", 1)[-1]
        return {
            "type": "array",
            "items": {"$ref": f"#/components/schemas/{name}"},
            "description": "Each record is validated on its own: one that breaks "
            f"`{name}` (even one that is not an object) is rejected in the answer, by its "
            "index, and never fails its neighbours.",
            "minItems": self.target.min_length,
            "maxItems": self.target.max_length,
        }


class MarketSignalBulkSerializer(StrictSerializer):
    """A bulk request: the signals to create or update."""

    records = BulkRecordsField(record_serializer=MarketSignalBulkRecordSerializer)


class FrictionReportBulkSerializer(StrictSerializer):
    """A bulk request: the friction reports to create or update."""

    records = BulkRecordsField(record_serializer=FrictionReportBulkRecordSerializer)


class OutcomeBulkRecordSerializer(OutcomeSerializer):
    """An outcome in a bulk request: (source, external_id) is required."""

    source = StrictCharField(max_length=64)  # type: ignore[assignment]  # a field named "source"
    external_id = StrictCharField(max_length=200)


class OutcomeBulkSerializer(StrictSerializer):
    """A bulk request: the outcomes to create or update."""

    records = BulkRecordsField(record_serializer=OutcomeBulkRecordSerializer)


class BulkOutcomeSerializer(serializers.Serializer):
    """What became of one record of a bulk request."""

    index = serializers.IntegerField(help_text="The record's position in `records`.")
    status = serializers.CharField(help_text="`created`, `updated` or `rejected`.")
    id = serializers.IntegerField(allow_null=True, help_text="The record's id; null if rejected.")
    errors = serializers.DictField(  # type: ignore[assignment]  # a field named "errors"
        child=serializers.JSONField(),
        allow_null=True,
        help_text="Why the record was rejected: each field and its messages.",
    )


class BulkResultSerializer(serializers.Serializer):
    """The answer to a bulk request: counts, and one outcome per record."""

    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = BulkOutcomeSerializer(many=True, help_text="One entry per record, in order.")


def bulk_result_data(result: BulkResult) -> dict[str, Any]:
    """What BulkResultSerializer(result).data gives, built directly: DRF's field by field
    serialization of 1,000 answers costs more than the answers themselves."""
    return {
        "created": result.created,
        "updated": result.updated,
        "rejected": result.rejected,
        "results": [
            {
                "index": outcome.index,
                "status": outcome.status,
                "id": outcome.id,
                "errors": None if outcome.errors is None else dict(outcome.errors),
            }
            for outcome in result.results
        ],
    }


def evidence_fields(validated: Mapping[str, Any]) -> tuple[dict[str, Any], list | None]:
    """Validated evidence data as the services take it: the model fields, and the links
    as (item id, weight) pairs (None when the client did not send links)."""
    fields = dict(validated)
    links = fields.pop("links", None)
    pairs = None if links is None else [(link["item"].pk, link["weight"]) for link in links]
    return fields, pairs


def bulk_records_validate(
    serializer_class: type[ApiModelSerializer],
    records: Sequence[Any],
    *,
    context: Mapping[str, Any],
) -> list[BulkRecord]:
    """Validate each record on its own, without writing: the segments and items the
    records name are read first in one query each, so validation costs no query per
    record."""
    segment_ids: set[int] = set()
    item_ids: set[int] = set()
    for record in records:
        if not isinstance(record, dict):
            continue
        if (segment_id := as_pk(record.get("segment"))) is not None:
            segment_ids.add(segment_id)
        if (item_id := as_pk(record.get("item"))) is not None:  # outcomes name an item
            item_ids.add(item_id)
        links = record.get("links")
        if isinstance(links, list):
            for link in links[:MAX_LINKS_PER_RECORD]:
                if isinstance(link, dict) and (item_id := as_pk(link.get("item"))) is not None:
                    item_ids.add(item_id)
    preloaded = selectors.rows_named_by(segment_ids=segment_ids, item_ids=item_ids)
    serializer = serializer_class(context={**context, "preloaded": preloaded})
    # The serializer's checks without DRF's per-record machinery; a record the lean plan
    # does not vouch for goes through the serializer itself, which words its errors.
    lean = lean_validator(serializer)
    validated: list[BulkRecord] = []
    for index, record in enumerate(records):
        try:
            if lean is None:
                raise NotLean
            data = lean(record)
        except NotLean:
            try:
                data = serializer.run_validation(record)
            except serializers.ValidationError as exc:
                detail = exc.detail
                errors = detail if isinstance(detail, dict) else {"non_field_errors": detail}
                validated.append(BulkRecord(index=index, errors=errors))
                continue
        fields, links = evidence_fields(data)
        if links is not None:
            fields["links"] = links
        validated.append(BulkRecord(index=index, data=fields))
    return validated
