"""Read use-cases for campaigns: lists, and the dashboard of derived figures.

The dashboard (`campaign_dashboard`) costs four queries whatever the number of campaigns
and snapshots: the snapshots' sums per campaign (one GROUP BY), the campaigns, the LTV of
outcomes by segment, the proposals waiting. The formulas are funnel.py's; this module only
groups and sums.

What counts in a window [from, to]:
- snapshots whose period lies inside it (start ≥ from and end ≤ to);
- of each campaign, the share of its spend that falls in it (spend spread evenly over the
  campaign's days, funnel.prorated_spend);
- CAC, LTV/CAC and payback per group only when the group spends in one currency, and
  LTV/CAC and payback only when that currency is CAMPAIGN_CURRENCY (LTVs and ARPA are in
  it; there are no exchange rates here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Avg, Case, Count, Q, QuerySet, Sum, When
from django.db.models.functions import Least

from roadmap.choices import Channel
from roadmap.models import Segment
from signals.campaigns import funnel
from signals.campaigns.models import Campaign, FrictionProposal, FunnelSnapshot, ProposalStatus
from signals.choices import Kpi
from signals.models import Outcome

MAX_PROPOSALS_SHOWN = 100


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.all()


def snapshot_list() -> QuerySet[FunnelSnapshot]:
    return FunnelSnapshot.objects.all()


def proposal_list() -> QuerySet[FrictionProposal]:
    return FrictionProposal.objects.select_related("campaign")


def campaigns_with_counts() -> QuerySet[Campaign]:
    """Campaigns for the web list: segment joined, snapshots and waiting proposals counted.
    One query."""
    return Campaign.objects.select_related("segment").annotate(
        snapshot_count=Count("snapshots", distinct=True),
        waiting_count=Count(
            "proposals",
            filter=Q(proposals__status=ProposalStatus.PROPOSED),
            distinct=True,
        ),
    )


def proposals_waiting_count() -> int:
    return FrictionProposal.objects.filter(status=ProposalStatus.PROPOSED).count()


def campaigns_by_id(ids: Iterable[int]) -> dict[int, Campaign]:
    """The campaigns a bulk request names, in one query (none for no ids)."""
    wanted = set(ids)
    return Campaign.objects.in_bulk(wanted) if wanted else {}


@dataclass(frozen=True)
class Settings:
    """The economics the dashboard assumes where outcomes say nothing (config.settings)."""

    currency: str
    arpa: float | None
    gross_margin: float | None
    monthly_churn: float | None


def economics() -> Settings:
    return Settings(
        currency=settings.CAMPAIGN_CURRENCY,
        arpa=settings.CAMPAIGN_ARPA,
        gross_margin=settings.CAMPAIGN_GROSS_MARGIN,
        monthly_churn=settings.CAMPAIGN_MONTHLY_CHURN,
    )


@dataclass
class GroupFigures:
    """The figures of one channel or one segment over the window."""

    key: str  # channel code, or segment id as text ("" for campaigns without a segment)
    label: str
    campaigns: int = 0
    spend: float | None = 0.0  # None: the group spends in several currencies
    currency: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # known counts, summed
    rates: dict[str, funnel.Rate] = field(default_factory=dict)
    cac: float | None = None
    ltv: float | None = None
    ltv_source: str | None = None  # "outcomes", "settings", "mixed" or None
    ltv_to_cac: float | None = None
    payback_months: float | None = None
    volume_without_value: bool = False
    notes: list[str] = field(default_factory=list)  # why a figure is missing

    # Working sums, not shown.
    _sums: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _currencies: set[str] = field(default_factory=set, repr=False)
    _ltv_weighted: float = 0.0
    _ltv_paid: int = 0
    _ltv_missing: bool = False
    _ltv_sources: set[str] = field(default_factory=set, repr=False)


@dataclass(frozen=True)
class ProposalRow:
    id: int
    campaign_id: int
    campaign_name: str
    channel: str
    funnel_stage: str
    rate: str
    affected_people: int
    severity: float
    figures: dict[str, Any]


@dataclass(frozen=True)
class Dashboard:
    date_from: date
    date_to: date
    currency: str
    channels: list[GroupFigures]
    segments: list[GroupFigures]
    overall: GroupFigures
    volume_warnings: list[str]  # channel codes
    proposals: list[ProposalRow]
    proposals_waiting: int


def _pair_sums() -> dict[str, Any]:
    """Per rate, the sums of successes and trials over the snapshots where both stages are
    known (a stage unknown in one period must not bias the rate)."""
    sums: dict[str, Any] = {}
    for name, (top, bottom) in funnel.RATES.items():
        both = Q(**{f"{top}__isnull": False, f"{bottom}__isnull": False})
        sums[f"x_{name}"] = Sum(Case(When(both, then=Least(top, bottom))))
        sums[f"n_{name}"] = Sum(Case(When(both, then=bottom)))
    for stage in funnel.STAGES:
        sums[f"s_{stage}"] = Sum(stage)
    return sums


def campaign_dashboard(*, date_from: date, date_to: date) -> Dashboard:
    """The derived figures per channel and per segment over [date_from, date_to]; see
    the module docstring. Four queries."""
    econ = economics()
    in_window = Q(period_start__gte=date_from, period_end__lte=date_to)
    per_campaign: dict[int, Mapping[str, Any]] = {
        row["campaign_id"]: row
        for row in FunnelSnapshot.objects.filter(in_window)
        .order_by()
        .values("campaign_id")
        .annotate(**_pair_sums())
    }
    campaigns = list(
        Campaign.objects.filter(
            Q(period_start__lte=date_to, period_end__gte=date_from) | Q(pk__in=list(per_campaign))
        )
        .select_related("segment")
        .only(
            "id",
            "channel",
            "currency",
            "spend",
            "period_start",
            "period_end",
            "segment__id",
            "segment__name",
        )
        .order_by("id")
    )
    ltv_by_segment: dict[int, float] = {
        row["segment_id"]: float(row["ltv"])
        for row in Outcome.objects.filter(
            kpi=Kpi.LTV, segment__isnull=False, period_end__lte=date_to
        )
        .order_by()
        .values("segment_id")
        .annotate(ltv=Avg("measured"))
        if row["ltv"] is not None
    }
    settings_ltv = funnel.ltv_from_settings(
        arpa=econ.arpa, gross_margin=econ.gross_margin, churn=econ.monthly_churn
    )

    channel_labels = dict(Channel.choices)
    channels: dict[str, GroupFigures] = {}
    segments: dict[str, GroupFigures] = {}
    overall = GroupFigures(key="all", label="All channels")
    window = (date_from.toordinal(), date_to.toordinal())
    for campaign in campaigns:
        sums = per_campaign.get(campaign.pk, {})
        spend = funnel.prorated_spend(
            float(campaign.spend),
            campaign.period_start.toordinal(),
            campaign.period_end.toordinal(),
            *window,
        )
        segment: Segment | None = campaign.segment
        if segment is not None and segment.pk in ltv_by_segment:
            ltv, source = ltv_by_segment[segment.pk], "outcomes"
        elif settings_ltv is not None:
            ltv, source = settings_ltv, "settings"
        else:
            ltv, source = None, None
        groups = (
            channels.setdefault(
                campaign.channel,
                GroupFigures(
                    key=campaign.channel,
                    label=str(channel_labels.get(campaign.channel, campaign.channel)),
                ),
            ),
            segments.setdefault(
                str(segment.pk) if segment else "",
                GroupFigures(
                    key=str(segment.pk) if segment else "",
                    label=segment.name if segment else "No segment",
                ),
            ),
            overall,
        )
        for group in groups:
            _add(group, campaign.currency, spend, sums, ltv, source)

    for group in (*channels.values(), *segments.values(), overall):
        _finish(group, econ)
    all_sign_ups = overall.counts.get("sign_ups", 0)
    overall_activation = overall.rates["activation"].value
    warnings: list[str] = []
    for group in channels.values():
        group.volume_without_value = funnel.volume_without_value(
            sign_ups=group.counts.get("sign_ups", 0),
            all_sign_ups=all_sign_ups,
            activation=group.rates["activation"].value,
            overall=overall_activation,
        )
        if group.volume_without_value:
            warnings.append(group.key)

    waiting = FrictionProposal.objects.filter(status=ProposalStatus.PROPOSED)
    proposal_rows = [
        ProposalRow(
            id=p.pk,
            campaign_id=p.campaign_id,
            campaign_name=p.campaign.name,
            channel=p.channel,
            funnel_stage=p.funnel_stage,
            rate=p.rate,
            affected_people=p.affected_people,
            severity=p.severity,
            figures=p.figures,
        )
        for p in waiting.select_related("campaign")
        .only(
            "id",
            "campaign_id",
            "campaign__name",
            "channel",
            "funnel_stage",
            "rate",
            "affected_people",
            "severity",
            "figures",
        )
        .order_by("-affected_people", "id")[: MAX_PROPOSALS_SHOWN + 1]
    ]
    channel_order = {code: n for n, code in enumerate(Channel.values)}
    return Dashboard(
        date_from=date_from,
        date_to=date_to,
        currency=econ.currency,
        channels=sorted(channels.values(), key=lambda g: channel_order.get(g.key, 99)),
        segments=sorted(segments.values(), key=lambda g: (g.key == "", g.label)),
        overall=overall,
        volume_warnings=warnings,
        proposals=proposal_rows[:MAX_PROPOSALS_SHOWN],
        # More than shown is "at least MAX + 1": a count query for a number nobody reads
        # exactly would be a fifth query.
        proposals_waiting=len(proposal_rows),
    )


def _add(
    group: GroupFigures,
    currency: str,
    spend: float,
    sums: Mapping[str, Any],
    ltv: float | None,
    ltv_source: str | None,
) -> None:
    group.campaigns += 1
    group._currencies.add(currency)
    group.spend = (group.spend or 0.0) + spend
    for stage in funnel.STAGES:
        value = sums.get(f"s_{stage}")
        if value is not None:
            group.counts[stage] = group.counts.get(stage, 0) + int(value)
    for name in funnel.RATES:
        x, n = sums.get(f"x_{name}"), sums.get(f"n_{name}")
        if n is not None:
            pair = group._sums.setdefault(name, [0, 0])
            pair[0] += int(x or 0)
            pair[1] += int(n)
    paid = int(sums.get("s_paid") or 0)
    if paid > 0:
        if ltv is None:
            group._ltv_missing = True
        else:
            group._ltv_weighted += ltv * paid
            group._ltv_paid += paid
            group._ltv_sources.add(ltv_source or "")


def _finish(group: GroupFigures, econ: Settings) -> None:
    """Rates, CAC and LTV from the sums (funnel.py's definitions)."""
    for name in funnel.RATES:
        pair = group._sums.get(name)
        group.rates[name] = funnel.rate(*pair) if pair else funnel.rate(None, None)
    if len(group._currencies) > 1:
        group.spend = None
        group.notes.append("mixed_currencies")
        return
    group.currency = next(iter(group._currencies), None)
    group.cac = funnel.cac(group.spend or 0.0, group.counts.get("paid"))
    if group.cac is None:
        group.notes.append("no_paid_customers")
    if group._ltv_missing or group._ltv_paid == 0:
        group.notes.append("no_ltv")
    else:
        group.ltv = group._ltv_weighted / group._ltv_paid
        sources = group._ltv_sources
        group.ltv_source = next(iter(sources)) if len(sources) == 1 else "mixed"
    if group.currency != econ.currency:
        if group.currency is not None:
            group.notes.append("currency_not_reporting_currency")
        return
    group.ltv_to_cac = funnel.ltv_to_cac(group.ltv, group.cac)
    margin = funnel.monthly_margin(
        arpa=econ.arpa, gross_margin=econ.gross_margin, ltv=group.ltv, churn=econ.monthly_churn
    )
    group.payback_months = funnel.payback_months(group.cac, margin)
