"""What each kind of file holds: its columns (in template order), the required ones, how
cells are read, which columns name other rows, and the serializer, validation and bulk
service of its `POST .../bulk/` endpoint, which the import reuses unchanged."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from signals import services
from signals.api.serializers import (
    MAX_BULK_RECORDS,
    FrictionReportBulkRecordSerializer,
    MarketSignalBulkRecordSerializer,
    bulk_records_validate,
)
from signals.campaigns import services as campaign_services
from signals.campaigns.api.serializers import (
    CampaignBulkRecordSerializer,
    FunnelSnapshotBulkRecordSerializer,
    campaign_bulk_records_validate,
)
from signals.campaigns.funnel import STAGES

Kind = Literal["reports", "signals", "campaigns", "snapshots"]
KINDS: tuple[Kind, ...] = ("reports", "signals", "campaigns", "snapshots")
MAX_IMPORT_ROWS = MAX_BULK_RECORDS
DEFAULT_SOURCE = "file-import"


@dataclass(frozen=True)
class KindSpec:
    serializer: type[Any]  # the bulk record serializer of the API
    validate: Callable[..., Any]  # validates records as the bulk endpoint does
    upsert: Callable[..., Any]  # the bulk service
    columns: tuple[str, ...]  # in template order; `external_id` is required
    required: tuple[str, ...]
    integers: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    decimals: frozenset[str] = frozenset()  # amounts: kept as decimal text, never a float
    # Columns naming other rows, resolved before validation (see rows.py): "segment"
    # (a slug), "items" (ids with weights), "campaign" (a campaign's external_id or id).
    references: frozenset[str] = frozenset()
    # Columns read as a date and time in the site's time zone, or as a date.
    moments: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    example: Mapping[str, Any] = field(default_factory=dict)
    # Rules across fields the bulk service checks on the model (funnel order, period
    # order): run in the dry run too, through the model's own clean().
    model_clean: bool = False
    # Rules across records the bulk service checks (overlapping periods), without writing.
    precheck: Callable[..., Any] | None = None


_COMMON_TAIL = ("segment", "observed_at", "items", "source")

SPECS: dict[Kind, KindSpec] = {
    "reports": KindSpec(
        serializer=FrictionReportBulkRecordSerializer,
        validate=bulk_records_validate,
        upsert=services.reports_bulk_upsert,
        columns=(
            "external_id",
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
            *_COMMON_TAIL,
        ),
        required=(
            "external_id",
            "campaign",
            "channel",
            "funnel_stage",
            "affected_people",
            "severity",
            "observed_at",
        ),
        integers=frozenset({"affected_people"}),
        numbers=frozenset({"severity", "metric_before", "metric_after"}),
        references=frozenset({"segment", "items"}),
        moments=frozenset({"observed_at"}),
        example={
            "external_id": "SPRING-001",
            "campaign": "Spring webinar",
            "title": "Sign-up form too long",
            "summary": "Half of the visitors leave at the company size field.",
            "channel": "email",
            "funnel_stage": "activation",
            "affected_people": 1200,
            "severity": 2,
            "metric_name": "sign-up rate",
            "metric_before": 0.12,
            "metric_after": "",
            "segment": "",
            "observed_at": "2026-11-03",
            "items": "",
            "source": DEFAULT_SOURCE,
        },
    ),
    "signals": KindSpec(
        serializer=MarketSignalBulkRecordSerializer,
        validate=bulk_records_validate,
        upsert=services.signals_bulk_upsert,
        columns=(
            "external_id",
            "kind",
            "title",
            "summary",
            "account_name",
            "account_value",
            *_COMMON_TAIL,
        ),
        required=("external_id", "kind", "title", "observed_at"),
        numbers=frozenset({"account_value"}),
        references=frozenset({"segment", "items"}),
        moments=frozenset({"observed_at"}),
        example={
            "external_id": "CRM-4711",
            "kind": "customer_request",
            "title": "SSO for small teams",
            "summary": "Asked again at the renewal call.",
            "account_name": "Acme",
            "account_value": 24000,
            "segment": "",
            "observed_at": "2026-11-03",
            "items": "",
            "source": DEFAULT_SOURCE,
        },
    ),
}

SPECS["campaigns"] = KindSpec(
    serializer=CampaignBulkRecordSerializer,
    validate=campaign_bulk_records_validate,
    upsert=campaign_services.campaigns_bulk_upsert,
    columns=(
        "external_id",
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
    ),
    required=(
        "external_id",
        "name",
        "channel",
        "period_start",
        "period_end",
        "spend",
        "currency",
    ),
    decimals=frozenset({"spend"}),
    model_clean=True,
    references=frozenset({"segment"}),
    dates=frozenset({"period_start", "period_end"}),
    example={
        "external_id": "SPRING-EMAIL",
        "name": "Spring webinar",
        "channel": "email",
        "segment": "",
        "period_start": "2026-03-01",
        "period_end": "2026-05-31",
        "spend": "12000.00",
        "currency": "EUR",
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "spring-webinar",
        "source": DEFAULT_SOURCE,
    },
)

SPECS["snapshots"] = KindSpec(
    serializer=FunnelSnapshotBulkRecordSerializer,
    validate=campaign_bulk_records_validate,
    upsert=campaign_services.snapshots_bulk_upsert,
    columns=("external_id", "campaign", "period_start", "period_end", *STAGES, "source"),
    required=("external_id", "campaign", "period_start", "period_end"),
    integers=frozenset(STAGES),
    model_clean=True,
    precheck=campaign_services.snapshots_periods_check,
    references=frozenset({"campaign"}),
    dates=frozenset({"period_start", "period_end"}),
    example={
        "external_id": "SPRING-EMAIL-2026-03",
        "campaign": "SPRING-EMAIL",
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
        "impressions": 80000,
        "clicks": 4000,
        "sign_ups": 900,
        "activated": 420,
        "paid": 60,
        "retained_30": 55,
        "retained_90": "",
        "source": DEFAULT_SOURCE,
    },
)
