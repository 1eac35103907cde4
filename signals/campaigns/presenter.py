"""The campaign dashboard shaped for a page: SVG charts and table rows with their text,
every word through gettext. The board's outcomes page includes
`campaigns/_dashboard.html` with `campaigns=campaign_panel(campaign_dashboard(...))`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from roadmap.choices import Channel
from signals.campaigns.charts import Bar, bar_chart_svg
from signals.campaigns.funnel import Rate
from signals.campaigns.selectors import Dashboard, GroupFigures
from signals.choices import FunnelStage

_NOTES = {
    "mixed_currencies": lambda: _("spends in several currencies"),
    "no_paid_customers": lambda: _("no paying customer yet"),
    "no_ltv": lambda: _("no LTV known"),
    "currency_not_reporting_currency": lambda: _("not in the reporting currency"),
}


def _number(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return _("not enough data")
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _percent(rate: Rate) -> str:
    if rate.value is None:
        return _("not enough data")
    return _("%(value)s %% (%(low)s–%(high)s)") % {
        "value": number_format(100 * rate.value, decimal_pos=1, use_l10n=True),
        "low": number_format(100 * (rate.low or 0.0), decimal_pos=1, use_l10n=True),
        "high": number_format(100 * (rate.high or 0.0), decimal_pos=1, use_l10n=True),
    }


def _money(value: float | None, currency: str | None) -> str:
    if value is None:
        return _("not enough data")
    return f"{_number(value, 0)} {currency or ''}".strip()


@dataclass(frozen=True)
class GroupRow:
    key: str
    label: str
    campaigns: int
    sign_ups: str
    activation: str
    retention_90: str
    spend: str
    cac: str
    ltv: str
    ltv_source: str
    ltv_to_cac: str
    payback: str
    warning: bool
    notes: str


@dataclass(frozen=True)
class ProposalLine:
    id: int
    campaign: str
    stage: str
    channel: str
    affected_people: str
    severity: str
    change: str


@dataclass(frozen=True)
class CampaignPanel:
    date_from: date
    date_to: date
    currency: str
    charts: list[tuple[str, SafeString]]  # (visible title, SVG)
    channels: list[GroupRow]
    segments: list[GroupRow]
    warnings: list[str]
    proposals: list[ProposalLine]
    proposals_waiting: int
    has_data: bool


def _row(group: GroupFigures) -> GroupRow:
    sources = {
        "outcomes": _("outcomes"),
        "settings": _("settings"),
        "mixed": _("outcomes and settings"),
    }
    return GroupRow(
        key=group.key,
        label=group.label if group.key else _("No segment"),
        campaigns=group.campaigns,
        sign_ups=_number(group.counts.get("sign_ups")),
        activation=_percent(group.rates["activation"]),
        retention_90=_percent(group.rates["retention_90"]),
        spend=_money(group.spend, group.currency),
        cac=_money(group.cac, group.currency),
        ltv=_money(group.ltv, group.currency),
        ltv_source=sources.get(group.ltv_source or "", ""),
        ltv_to_cac=_number(group.ltv_to_cac, 1),
        payback=_number(group.payback_months, 1),
        warning=group.volume_without_value,
        notes=", ".join(_NOTES[note]() for note in group.notes if note in _NOTES),
    )


def _rate_bars(groups: list[GroupFigures], rate: str) -> list[Bar]:
    return [
        Bar(
            label=_(g.label),
            value=g.rates[rate].value,
            low=g.rates[rate].low,
            high=g.rates[rate].high,
            flagged=g.volume_without_value,
            text=_percent(g.rates[rate]).split(" (")[0],
        )
        for g in groups
    ]


def campaign_panel(dashboard: Dashboard) -> CampaignPanel:
    channels = dashboard.channels
    no_data = _("not enough data")
    titles = (
        _("Activation rate by acquisition channel"),
        _("90-day retention by acquisition channel"),
        _("LTV/CAC by acquisition channel"),
    )
    activation = bar_chart_svg(
        _rate_bars(channels, "activation"),
        title=titles[0],
        description=_(
            "Share of sign-ups who activated, per channel, with its interval (95 %); channels "
            "flagged for volume without value are drawn in amber."
        ),
        no_data=no_data,
        chart_id="campaign-activation",
        maximum=1.0,
    )
    retention = bar_chart_svg(
        _rate_bars(channels, "retention_90"),
        title=titles[1],
        description=_("Share of paying customers still retained after 90 days, per channel."),
        no_data=no_data,
        chart_id="campaign-retention",
        maximum=1.0,
    )
    ltv_cac = bar_chart_svg(
        [
            Bar(label=_(g.label), value=g.ltv_to_cac, text=_number(g.ltv_to_cac, 1))
            for g in channels
        ],
        title=titles[2],
        description=_("Lifetime value over acquisition cost, per channel; above 3 is healthy."),
        no_data=no_data,
        chart_id="campaign-ltv-cac",
    )
    labels = dict(Channel.choices)
    stages = dict(FunnelStage.choices)
    warnings = [
        _("%(channel)s brings many sign-ups who rarely activate (volume without value).")
        % {"channel": _(str(labels.get(code, code)))}
        for code in dashboard.volume_warnings
    ]
    proposals = [
        ProposalLine(
            id=p.id,
            campaign=p.campaign_name,
            stage=_(str(stages.get(p.funnel_stage, p.funnel_stage))),
            channel=_(str(labels.get(p.channel, p.channel))),
            affected_people=_number(p.affected_people),
            severity=_number(p.severity, 2),
            change=_("%(before)s %% → %(after)s %%")
            % {
                "before": number_format(100 * p.figures.get("baseline", 0.0), decimal_pos=1),
                "after": number_format(100 * p.figures.get("rate", 0.0), decimal_pos=1),
            },
        )
        for p in dashboard.proposals
    ]
    return CampaignPanel(
        date_from=dashboard.date_from,
        date_to=dashboard.date_to,
        currency=dashboard.currency,
        # The charts escape every text they draw.
        charts=[
            (title, mark_safe(svg))  # noqa: S308
            for title, svg in zip(titles, (activation, retention, ltv_cac), strict=True)
        ],
        channels=[_row(g) for g in channels],
        segments=[_row(g) for g in dashboard.segments],
        warnings=warnings,
        proposals=proposals,
        proposals_waiting=dashboard.proposals_waiting,
        has_data=bool(channels),
    )


_RATE_NAMES = {
    "click_through": lambda: _("click-through rate"),
    "sign_up": lambda: _("sign-up rate"),
    "activation": lambda: _("activation rate"),
    "paid": lambda: _("paid conversion rate"),
    "retention_30": lambda: _("30-day retention"),
    "retention_90": lambda: _("90-day retention"),
}


def rate_name(rate: str) -> str:
    return _RATE_NAMES[rate]() if rate in _RATE_NAMES else rate


def proposal_figures(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """The test behind a proposal (FrictionProposal.figures) as (label, text) lines."""

    def pct(key: str) -> str:
        value = figures.get(key)
        if not isinstance(value, int | float):
            return _("not enough data")
        return _("%(value)s %%") % {"value": number_format(100 * value, 1, use_l10n=True)}

    def num(key: str, decimals: int = 0) -> str:
        value = figures.get(key)
        return _number(value if isinstance(value, int | float) else None, decimals)

    source = figures.get("baseline_source")
    baseline_from = (
        _("the campaign’s earlier periods")
        if source == "campaign"
        else _("the channel’s other campaigns over the earlier periods")
    )
    return [
        (_("Period"), f"{figures.get('period_start', '')} – {figures.get('period_end', '')}"),
        (
            _("Conversion in the period"),
            _("%(rate)s of %(people)s people") % {"rate": pct("rate"), "people": num("trials")},
        ),
        (
            _("Baseline"),
            _("%(rate)s of %(people)s people")
            % {"rate": pct("baseline"), "people": num("baseline_trials")},
        ),
        (_("Baseline from"), baseline_from),
        (_("Relative drop"), pct("relative_drop")),
        (_("z (threshold)"), f"{num('z', 2)} ({num('threshold', 3)})"),
        (_("People lost in the period"), num("people_lost")),
    ]
