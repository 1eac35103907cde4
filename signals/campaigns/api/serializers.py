"""Serializers of the campaigns API: campaigns, funnel snapshots, friction proposals, the
dashboard, and their bulk envelopes (validated record by record, as for signals)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import (
    ApiModelSerializer,
    PreloadedPrimaryKeyRelatedField,
    StrictCharField,
    StrictIntegerField,
    as_pk,
)
from config.api.serializers import StrictSerializer
from roadmap.choices import MAX_PEOPLE
from roadmap.models import Segment
from signals.api.serializers import BulkRecordsField, EvidenceLinkSerializer
from signals.campaigns import selectors
from signals.campaigns.funnel import RATES, STAGES
from signals.campaigns.models import (
    MAX_SPEND,
    Campaign,
    FrictionProposal,
    FunnelSnapshot,
    currency_error,
)
from signals.services import BulkRecord

# A dashboard window longer than this is a typo (and a heavy query for nothing).
MAX_WINDOW = timedelta(days=366 * 10)
DEFAULT_WINDOW = timedelta(days=365)


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^[0-9]{1,12}(?:\.[0-9]{1,2})?$"}
)
class SpendField(serializers.DecimalField):
    """An amount of money, 0 or more, with at most two decimals."""


class CampaignSerializer(ApiModelSerializer):
    """A marketing campaign: channel, target segment, period, spend and UTM tags."""

    spend = SpendField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        max_value=MAX_SPEND,
        help_text="Spend over the whole period, 0 or more.",
        error_messages={"min_value": "Spend cannot be negative."},
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "channel",
            "segment",
            "period_start",
            "period_end",
            "spend",
            "currency",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "source",
            "external_id",
            "submitted_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["submitted_by", "created_at", "updated_at"]
        # (source, external_id) is checked by the services: a duplicate is a 409.
        validators: list[Any] = []

    def validate_currency(self, value: str) -> str:
        problem = currency_error(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("period_start", getattr(self.instance, "period_start", None))
        end = attrs.get("period_end", getattr(self.instance, "period_end", None))
        if start and end and start > end:
            raise serializers.ValidationError(
                {"period_end": ["The period must not end before it starts."]}
            )
        return attrs


def _count(label: str) -> StrictIntegerField:
    return StrictIntegerField(
        min_value=0,
        max_value=MAX_PEOPLE,
        allow_null=True,
        required=False,
        help_text=f"{label}; null when unknown.",
    )


class FunnelSnapshotSerializer(ApiModelSerializer):
    """A campaign's funnel over one period. Known stages never grow down the funnel
    (impressions ≥ clicks ≥ sign_ups ≥ activated ≥ paid ≥ retained_30 ≥ retained_90);
    one campaign's periods never overlap."""

    campaign = PreloadedPrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), help_text="Campaign id."
    )
    impressions = _count("Impressions")
    clicks = _count("Clicks")
    sign_ups = _count("Sign-ups")
    activated = _count("Sign-ups who activated")
    paid = _count("Converted to paid")
    retained_30 = _count("Paying customers retained at 30 days")
    retained_90 = _count("Paying customers retained at 90 days")

    class Meta:
        model = FunnelSnapshot
        fields = [
            "id",
            "campaign",
            "period_start",
            "period_end",
            *STAGES,
            "source",
            "external_id",
            "submitted_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["submitted_by", "created_at", "updated_at"]
        # The period (overlap) and the key are checked by the services.
        validators: list[Any] = []


class CampaignBulkRecordSerializer(CampaignSerializer):
    """A campaign in a bulk request: (source, external_id) is required."""

    source = StrictCharField(max_length=64)  # type: ignore[assignment]  # a field named "source"
    external_id = StrictCharField(max_length=200)


class FunnelSnapshotBulkRecordSerializer(FunnelSnapshotSerializer):
    """A funnel snapshot in a bulk request: (source, external_id) is required."""

    source = StrictCharField(max_length=64)  # type: ignore[assignment]  # a field named "source"
    external_id = StrictCharField(max_length=200)


class CampaignBulkSerializer(StrictSerializer):
    """A bulk request: the campaigns to create or update."""

    records = BulkRecordsField(record_serializer=CampaignBulkRecordSerializer)


class FunnelSnapshotBulkSerializer(StrictSerializer):
    """A bulk request: the funnel snapshots to create or update."""

    records = BulkRecordsField(record_serializer=FunnelSnapshotBulkRecordSerializer)


def campaign_bulk_records_validate(
    serializer_class: type[ApiModelSerializer],
    records: Sequence[Any],
    *,
    context: Mapping[str, Any],
) -> list[BulkRecord]:
    """Validate each record on its own; the segments and campaigns named are read first,
    one query each, so validation costs no query per record."""
    segment_ids: set[int] = set()
    campaign_ids: set[int] = set()
    for record in records:
        if not isinstance(record, dict):
            continue
        if (segment_id := as_pk(record.get("segment"))) is not None:
            segment_ids.add(segment_id)
        if (campaign_id := as_pk(record.get("campaign"))) is not None:
            campaign_ids.add(campaign_id)
    preloaded = {
        Segment: Segment.objects.in_bulk(segment_ids) if segment_ids else {},
        Campaign: selectors.campaigns_by_id(campaign_ids),
    }
    serializer = serializer_class(context={**context, "preloaded": preloaded})
    validated: list[BulkRecord] = []
    for index, record in enumerate(records):
        try:
            data = serializer.run_validation(record)
        except serializers.ValidationError as exc:
            detail = exc.detail
            errors = detail if isinstance(detail, dict) else {"non_field_errors": detail}
            validated.append(BulkRecord(index=index, errors=errors))
            continue
        validated.append(BulkRecord(index=index, data=dict(data)))
    return validated


# --- Proposals ----------------------------------------------------------------------------


class FrictionProposalSerializer(serializers.ModelSerializer):
    """A friction report the funnels propose, waiting for a person (or decided)."""

    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    figures = serializers.DictField(
        read_only=True,
        help_text="The test behind it: rate and baseline (fractions), trials, z, threshold, "
        "relative_drop, people_lost over the period, baseline_source (campaign or channel).",
    )

    class Meta:
        model = FrictionProposal
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "snapshot",
            "rate",
            "funnel_stage",
            "channel",
            "affected_people",
            "severity",
            "figures",
            "status",
            "report",
            "decided_by",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProposalConfirmSerializer(StrictSerializer):
    """How a confirmed proposal becomes a friction report."""

    links = EvidenceLinkSerializer(  # type: ignore[call-arg]  # ListSerializer kwargs via many=True
        many=True,
        required=False,
        max_length=100,
        help_text="The items the friction bears on; they are rescored.",
    )
    title = StrictCharField(max_length=200, required=False, allow_blank=True)

    def validate_links(self, links: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[int] = set()
        for link in links:
            if link["item"].pk in seen:
                raise serializers.ValidationError(
                    f"Item {link['item'].pk} is linked more than once."
                )
            seen.add(link["item"].pk)
        return links


# --- Dashboard ----------------------------------------------------------------------------


class DashboardQuerySerializer(StrictSerializer):
    """The dashboard's window: `from` and `to` (dates, both included)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # `from` is a Python keyword: the fields are declared here, not in the class body.
        return {
            "from": serializers.DateField(
                required=False, help_text="First day (YYYY-MM-DD); default: a year before `to`."
            ),
            "to": serializers.DateField(required=False, help_text="Last day; default: today."),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end: date = attrs.get("to") or date.today()
        start: date = attrs.get("from") or end - DEFAULT_WINDOW
        if start > end:
            raise serializers.ValidationError({"to": ["`to` must not be before `from`."]})
        if end - start > MAX_WINDOW:
            raise serializers.ValidationError({"from": ["The window is at most ten years."]})
        return {"date_from": start, "date_to": end}


class RateSerializer(serializers.Serializer):
    """A rate with its Wilson 95 % interval; `value` null means not enough data."""

    value = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    successes = serializers.IntegerField(allow_null=True)
    trials = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(
        allow_null=True,
        help_text="Why there is no value: `unknown` (a count is missing) or `no_people` (0/0).",
    )


class RatesSerializer(serializers.Serializer):
    click_through = RateSerializer()
    sign_up = RateSerializer()
    activation = RateSerializer()
    paid = RateSerializer()
    retention_30 = RateSerializer()
    retention_90 = RateSerializer()


assert set(RatesSerializer().fields) == set(RATES)  # one field per rate of funnel.RATES


class GroupFiguresSerializer(serializers.Serializer):
    """The figures of one channel or segment; null money figures mean not enough data,
    and `notes` says why (mixed_currencies, no_paid_customers, no_ltv,
    currency_not_reporting_currency)."""

    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label"
    campaigns = serializers.IntegerField()
    spend = serializers.FloatField(allow_null=True)
    currency = serializers.CharField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    rates = RatesSerializer()
    cac = serializers.FloatField(allow_null=True)
    ltv = serializers.FloatField(allow_null=True)
    ltv_source = serializers.CharField(allow_null=True)
    ltv_to_cac = serializers.FloatField(allow_null=True)
    payback_months = serializers.FloatField(allow_null=True)
    volume_without_value = serializers.BooleanField()
    notes = serializers.ListField(child=serializers.CharField())


class ProposalRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign_id = serializers.IntegerField()
    campaign_name = serializers.CharField()
    channel = serializers.CharField()
    funnel_stage = serializers.CharField()
    rate = serializers.CharField()
    affected_people = serializers.IntegerField()
    severity = serializers.FloatField()
    figures = serializers.DictField()


class DashboardSerializer(serializers.Serializer):
    """Derived figures per channel and per segment over the window (selectors)."""

    date_from = serializers.DateField()
    date_to = serializers.DateField()
    currency = serializers.CharField(help_text="The reporting currency of LTV and ARPA.")
    overall = GroupFiguresSerializer()
    channels = GroupFiguresSerializer(many=True)
    segments = GroupFiguresSerializer(many=True)
    volume_warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="Channels with high volume and low activation (volume without value).",
    )
    proposals = ProposalRowSerializer(many=True)
    proposals_waiting = serializers.IntegerField(
        help_text=f"Proposals waiting (counted up to {selectors.MAX_PROPOSALS_SHOWN + 1})."
    )
