"""Serializers of the shared KPIs (`GET /api/v1/kpis/`): the outcomes measured after
shipping (signals.kpis.selectors) and the campaigns' funnels over a window."""

from __future__ import annotations

from rest_framework import serializers

from roadmap.choices import Channel
from signals.campaigns.api.serializers import DashboardSerializer


class KpiMoverSerializer(serializers.Serializer):
    """An item's latest measurement of the KPI."""

    item = serializers.IntegerField()
    title = serializers.CharField()
    baseline = serializers.FloatField()
    measured = serializers.FloatField()
    lift = serializers.FloatField(
        allow_null=True,
        help_text="Relative change in the KPI's good direction; null from a baseline of 0.",
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class KpiGroupSerializer(serializers.Serializer):
    items = serializers.IntegerField(help_text="Items measured (each counts once).")
    baseline = serializers.FloatField(help_text="Mean of the items' baselines.")
    measured = serializers.FloatField(help_text="Mean of the items' latest measurements.")
    change = serializers.FloatField(help_text="measured - baseline.")
    lift = serializers.FloatField(allow_null=True, help_text="change relative to baseline.")
    moved_by = KpiMoverSerializer(many=True, help_text="The items, largest gain first.")


class KpiByChannelSerializer(KpiGroupSerializer):
    channel = serializers.ChoiceField(
        choices=Channel.choices, allow_null=True, help_text="Null: outcomes without a channel."
    )


class KpiBySegmentSerializer(KpiGroupSerializer):
    segment = serializers.IntegerField(
        allow_null=True, help_text="Null: outcomes not specific to a segment."
    )
    segment_name = serializers.CharField(allow_null=True)


class NpsReleaseSerializer(KpiMoverSerializer):
    change = serializers.FloatField(help_text="NPS after - NPS before.")
    shipped_at = serializers.DateTimeField(
        allow_null=True, help_text="When the item became shipped (from its history)."
    )
    people_measured = serializers.IntegerField(allow_null=True)


class SharedKpisSerializer(serializers.Serializer):
    """The KPIs both teams steer by, measured after shipping (outcomes)."""

    activation_rate_by_channel = KpiByChannelSerializer(many=True)
    conversion_rate_by_channel = KpiByChannelSerializer(many=True)
    ltv_by_segment = KpiBySegmentSerializer(many=True)
    nps_by_release = NpsReleaseSerializer(
        many=True, help_text="NPS before (baseline) and after (measured) each release."
    )
    campaigns = DashboardSerializer(
        help_text="The campaigns' funnels over the window: rates, CAC, LTV/CAC by channel "
        "and segment, volume-without-value warnings, proposals waiting."
    )
