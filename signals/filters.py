"""django-filter FilterSets of the signals API."""

from __future__ import annotations

from collections import OrderedDict

import django_filters as filters
from django.db.models import QuerySet

from roadmap.choices import Channel
from roadmap.filters import (
    FlagFilter,
    IdFilter,
    NullsLastOrderingFilter,
    StrictIsoDateTimeFilter,
    date_range_filters,
    text_search,
)
from signals.choices import FunnelStage, Kpi, ReportStatus, SignalKind, Team
from signals.models import FrictionReport, MarketSignal, Outcome


class EvidenceFilterSet(filters.FilterSet):
    """Filters signals and reports share."""

    segment = IdFilter(field_name="segment_id", help_text="Segment id.")
    source = filters.CharFilter(help_text="The sending system, exactly.")
    item = IdFilter(field_name="links__item_id", help_text="Linked to this item id.")
    observed_after = StrictIsoDateTimeFilter(
        field_name="observed_at", lookup_expr="gte", help_text="Observed at or after (ISO 8601)."
    )
    observed_before = StrictIsoDateTimeFilter(
        field_name="observed_at", lookup_expr="lt", help_text="Observed before (ISO 8601)."
    )
    submitted_by = IdFilter(field_name="submitted_by_id", help_text="Submitter (user) id.")
    q = filters.CharFilter(method="filter_q", help_text="Text search.")

    search_fields: tuple[str, ...] = ()

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return text_search(qs, self.search_fields, value)


_EVIDENCE_ORDERING = {
    "observed_at": "observed_at",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "id": "id",
}


class MarketSignalFilterSet(EvidenceFilterSet):
    kind = filters.MultipleChoiceFilter(
        choices=SignalKind.choices, help_text="One or more kinds (repeat the parameter)."
    )
    dismissed = FlagFilter(help_text="Only dismissed (true) or only counted (false) signals.")
    ordering = NullsLastOrderingFilter(
        fields=_EVIDENCE_ORDERING,
        help_text="Sort by observed_at, created_at, updated_at or id; prefix with `-` to "
        "reverse. Default: newest observation first.",
    )

    search_fields = ("title", "summary", "account_name", "external_id")

    class Meta:
        model = MarketSignal
        fields: list[str] = []


class FrictionReportFilterSet(EvidenceFilterSet):
    channel = filters.MultipleChoiceFilter(
        choices=Channel.choices, help_text="One or more channels (repeat the parameter)."
    )
    funnel_stage = filters.MultipleChoiceFilter(
        choices=FunnelStage.choices, help_text="One or more funnel stages."
    )
    status = filters.MultipleChoiceFilter(
        choices=ReportStatus.choices, help_text="One or more statuses."
    )
    ordering = NullsLastOrderingFilter(
        fields={**_EVIDENCE_ORDERING, "affected_people": "affected_people", "severity": "severity"},
        help_text="Sort by observed_at, created_at, updated_at, id, affected_people or "
        "severity; prefix with `-` to reverse. Default: newest observation first.",
    )

    search_fields = ("campaign", "title", "summary", "metric_name", "external_id")

    class Meta:
        model = FrictionReport
        fields: list[str] = []


class OutcomeFilterSet(filters.FilterSet):
    item = IdFilter(field_name="item_id", help_text="Roadmap item id.")
    kpi = filters.MultipleChoiceFilter(
        choices=Kpi.choices, help_text="One or more KPIs (repeat the parameter)."
    )
    segment = IdFilter(field_name="segment_id", help_text="Segment id.")
    channel = filters.MultipleChoiceFilter(
        choices=Channel.choices, help_text="One or more channels (repeat the parameter)."
    )
    team = filters.MultipleChoiceFilter(
        choices=Team.choices, help_text="The team that measured it."
    )
    source = filters.CharFilter(help_text="The sending system, exactly.")
    submitted_by = IdFilter(field_name="submitted_by_id", help_text="Submitter (user) id.")
    ordering = NullsLastOrderingFilter(
        fields={
            "period_end": "period_end",
            "created_at": "created_at",
            "updated_at": "updated_at",
            "id": "id",
        },
        help_text="Sort by period_end, created_at, updated_at or id; prefix with `-` to "
        "reverse. Default: latest period first.",
    )

    class Meta:
        model = Outcome
        fields: list[str] = []

    @classmethod
    def get_filters(cls) -> OrderedDict[str, filters.Filter]:
        return OrderedDict(
            {
                **super().get_filters(),
                **date_range_filters(
                    from_field="period_end",
                    to_field="period_start",
                    from_help="Periods that end on or after this date (YYYY-MM-DD).",
                    to_help="Periods that start on or before this date (YYYY-MM-DD).",
                ),
            }
        )
