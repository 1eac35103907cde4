"""django-filter FilterSets of the campaigns API."""

from __future__ import annotations

from collections import OrderedDict

import django_filters as filters
from django.db.models import QuerySet

from roadmap.choices import Channel
from roadmap.filters import IdFilter, NullsLastOrderingFilter, date_range_filters, text_search
from signals.campaigns.models import Campaign, FrictionProposal, FunnelSnapshot, ProposalStatus
from signals.choices import FunnelStage

_PERIOD_RANGE = {
    "from_field": "period_end",
    "to_field": "period_start",
    "from_help": "Periods that end on or after this date (YYYY-MM-DD).",
    "to_help": "Periods that start on or before this date (YYYY-MM-DD).",
}


class CampaignFilterSet(filters.FilterSet):
    channel = filters.MultipleChoiceFilter(
        choices=Channel.choices, help_text="One or more channels (repeat the parameter)."
    )
    segment = IdFilter(field_name="segment_id", help_text="Target segment id.")
    source = filters.CharFilter(help_text="The sending system, exactly.")
    currency = filters.CharFilter(help_text="ISO 4217 code, exactly.")
    submitted_by = IdFilter(field_name="submitted_by_id", help_text="Submitter (user) id.")
    q = filters.CharFilter(method="filter_q", help_text="Text search in names and UTM tags.")
    ordering = NullsLastOrderingFilter(
        fields={"period_start": "period_start", "spend": "spend", "name": "name", "id": "id"},
        help_text="Sort by period_start, spend, name or id; prefix with `-` to reverse. "
        "Default: latest start first.",
    )

    class Meta:
        model = Campaign
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return text_search(
            qs, ("name", "utm_source", "utm_medium", "utm_campaign", "external_id"), value
        )

    @classmethod
    def get_filters(cls) -> OrderedDict[str, filters.Filter]:
        return OrderedDict({**super().get_filters(), **date_range_filters(**_PERIOD_RANGE)})


class FunnelSnapshotFilterSet(filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", help_text="Campaign id.")
    channel = filters.MultipleChoiceFilter(
        field_name="campaign__channel",
        choices=Channel.choices,
        help_text="The campaign's channel; repeat for several.",
    )
    source = filters.CharFilter(help_text="The sending system, exactly.")
    submitted_by = IdFilter(field_name="submitted_by_id", help_text="Submitter (user) id.")
    ordering = NullsLastOrderingFilter(
        fields={"period_start": "period_start", "id": "id"},
        help_text="Sort by period_start or id; prefix with `-` to reverse.",
    )

    class Meta:
        model = FunnelSnapshot
        fields: list[str] = []

    @classmethod
    def get_filters(cls) -> OrderedDict[str, filters.Filter]:
        return OrderedDict({**super().get_filters(), **date_range_filters(**_PERIOD_RANGE)})


class FrictionProposalFilterSet(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=ProposalStatus.choices, help_text="One or more statuses."
    )
    campaign = IdFilter(field_name="campaign_id", help_text="Campaign id.")
    channel = filters.MultipleChoiceFilter(choices=Channel.choices, help_text="Channels.")
    funnel_stage = filters.MultipleChoiceFilter(
        choices=FunnelStage.choices, help_text="Funnel stages."
    )
    ordering = NullsLastOrderingFilter(
        fields={"affected_people": "affected_people", "created_at": "created_at", "id": "id"},
        help_text="Sort by affected_people, created_at or id; prefix with `-` to reverse.",
    )

    class Meta:
        model = FrictionProposal
        fields: list[str] = []
