"""Friction measured: funnel drops proposed as friction reports, confirmed by a person.

For every snapshot of a campaign and every rate of funnel.RATES, the snapshot's
conversion is tested against its baseline with funnel.stage_drop (pooled two-proportion
z-test, z ≤ −2.326, at least 30 people on each side, a relative drop of 10 % or more):

- the baseline is the campaign's own earlier periods (snapshots that ended before this one
  starts), pooled, when they hold at least funnel.MIN_TRIALS people for that rate;
- otherwise the same channel's other campaigns over the same earlier periods.

A significant drop becomes a FrictionProposal (stage, channel, campaign, people lost per
quarter, severity from the relative drop). Proposals count in no score. Marketing (or
product) confirms one, which creates an ordinary friction report through
signals.services.report_create (linked to the items named, so they are rescored), or
dismisses it. Refreshing is safe to run twice: it creates what is missing, updates the
figures of proposals still waiting, withdraws waiting proposals whose drop is no longer
significant, and never touches a decided one.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadmap.choices import Channel
from signals.campaigns import funnel
from signals.campaigns.models import Campaign, FrictionProposal, FunnelSnapshot, ProposalStatus
from signals.choices import FunnelStage
from signals.models import FrictionReport
from signals.services import InvalidTransition, LinkPairs, report_create

# The funnel stage a falling rate is friction at.
RATE_STAGES: dict[str, str] = {
    "click_through": FunnelStage.AWARENESS,
    "sign_up": FunnelStage.ACQUISITION,
    "activation": FunnelStage.ACTIVATION,
    "paid": FunnelStage.CONVERSION,
    "retention_30": FunnelStage.RETENTION,
    "retention_90": FunnelStage.RETENTION,
}
RATE_LABELS: dict[str, str] = {
    "click_through": "click-through rate",
    "sign_up": "sign-up rate",
    "activation": "activation rate",
    "paid": "paid conversion rate",
    "retention_30": "30-day retention",
    "retention_90": "90-day retention",
}
PROPOSAL_SOURCE = "funnel-proposal"


@dataclass(frozen=True)
class _Row:
    campaign_id: int
    channel: str
    start: date
    end: date
    pk: int
    counts: dict[str, int | None]


@dataclass(frozen=True)
class Finding:
    """A significant drop found in one snapshot."""

    snapshot_id: int
    campaign_id: int
    rate: str
    channel: str
    drop: funnel.Drop
    baseline_source: str  # "campaign" or "channel"
    period_start: date
    period_end: date

    @property
    def affected_people(self) -> int:
        days = (self.period_end - self.period_start).days + 1
        return funnel.per_quarter(self.drop.people_lost, days)

    def figures(self) -> dict[str, Any]:
        d = self.drop
        return {
            "rate_name": self.rate,
            "rate": d.rate,
            "baseline": d.baseline,
            "trials": d.trials,
            "baseline_trials": d.baseline_trials,
            "z": d.z,
            "threshold": funnel.Z_THRESHOLD,
            "relative_drop": d.relative_drop,
            "people_lost": d.people_lost,
            "baseline_source": self.baseline_source,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
        }


class _Prefix:
    """Sums of (successes, trials) per rate over rows sorted by period end, so the sum over
    the rows that ended before a date is one bisection."""

    def __init__(self, rows: Sequence[_Row]) -> None:
        self.ends = [row.end for row in rows]
        self.sums: dict[str, list[tuple[int, int]]] = {}
        for name, (top, bottom) in funnel.RATES.items():
            running = [(0, 0)]
            x = n = 0
            for row in rows:
                a, b = row.counts[top], row.counts[bottom]
                if a is not None and b is not None:
                    x += min(a, b)
                    n += b
                running.append((x, n))
            self.sums[name] = running

    def before(self, name: str, day: date) -> tuple[int, int]:
        return self.sums[name][bisect_left(self.ends, day)]


def drops_find(*, campaign_ids: Iterable[int]) -> list[Finding]:
    """The significant drops in the snapshots of these campaigns. Two queries."""
    ids = set(campaign_ids)
    channels = set(Campaign.objects.filter(pk__in=ids).values_list("channel", flat=True).distinct())
    rows = [
        _Row(
            campaign_id=r["campaign_id"],
            channel=r["campaign__channel"],
            start=r["period_start"],
            end=r["period_end"],
            pk=r["pk"],
            counts={stage: r[stage] for stage in funnel.STAGES},
        )
        for r in FunnelSnapshot.objects.filter(campaign__channel__in=channels).values(
            "pk", "campaign_id", "campaign__channel", "period_start", "period_end", *funnel.STAGES
        )
    ]
    rows.sort(key=lambda row: (row.end, row.pk))
    by_channel: dict[str, list[_Row]] = {}
    by_campaign: dict[int, list[_Row]] = {}
    for row in rows:
        by_channel.setdefault(row.channel, []).append(row)
        by_campaign.setdefault(row.campaign_id, []).append(row)
    channel_sums = {channel: _Prefix(group) for channel, group in by_channel.items()}
    findings: list[Finding] = []
    for campaign_id in sorted(ids & by_campaign.keys()):
        own_rows = by_campaign[campaign_id]
        own = _Prefix(own_rows)
        for row in own_rows:
            rates = funnel.funnel_rates(row.counts)
            for name, observed in rates.items():
                if not observed.enough:
                    continue
                assert observed.successes is not None
                assert observed.trials is not None
                x0, n0 = own.before(name, row.start)
                source = "campaign"
                if n0 < funnel.MIN_TRIALS:
                    cx, cn = channel_sums[row.channel].before(name, row.start)
                    x0, n0, source = cx - x0, cn - n0, "channel"
                drop = funnel.stage_drop(observed.successes, observed.trials, x0, n0)
                if drop is None or not drop.significant or drop.people_lost <= 0:
                    continue
                findings.append(
                    Finding(
                        snapshot_id=row.pk,
                        campaign_id=campaign_id,
                        rate=name,
                        channel=row.channel,
                        drop=drop,
                        baseline_source=source,
                        period_start=row.start,
                        period_end=row.end,
                    )
                )
    return findings


@dataclass(frozen=True)
class RefreshResult:
    created: int
    updated: int
    withdrawn: int


@transaction.atomic
def friction_proposals_refresh(*, campaign_ids: Iterable[int]) -> RefreshResult:
    """Bring the waiting proposals of these campaigns in line with their funnels (see the
    module docstring). A constant number of queries whatever the number of snapshots."""
    ids = sorted(set(campaign_ids))
    if not ids:
        return RefreshResult(0, 0, 0)
    # Serialise refreshes of the same campaigns (two workers after two bulk writes).
    list(
        Campaign.objects.select_for_update(no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values("pk")
    )
    findings = {(f.snapshot_id, f.rate): f for f in drops_find(campaign_ids=ids)}
    existing = {
        (p.snapshot_id, p.rate): p for p in FrictionProposal.objects.filter(campaign_id__in=ids)
    }
    to_create: list[FrictionProposal] = []
    to_update: list[FrictionProposal] = []
    to_withdraw: list[int] = []
    for key, finding in findings.items():
        proposal = existing.get(key)
        if proposal is None:
            proposal = FrictionProposal(
                campaign_id=finding.campaign_id, snapshot_id=finding.snapshot_id, rate=finding.rate
            )
            _fill(proposal, finding)
            to_create.append(proposal)
        elif proposal.status == ProposalStatus.PROPOSED:
            _fill(proposal, finding)
            to_update.append(proposal)
    for key, proposal in existing.items():
        if key not in findings and proposal.status == ProposalStatus.PROPOSED:
            to_withdraw.append(proposal.pk)
    if to_create:
        FrictionProposal.objects.bulk_create(to_create)
    if to_update:
        now = timezone.now()
        for proposal in to_update:
            proposal.updated_at = now
        FrictionProposal.objects.bulk_update(
            to_update,
            ["funnel_stage", "channel", "affected_people", "severity", "figures", "updated_at"],
        )
    if to_withdraw:
        FrictionProposal.objects.filter(pk__in=to_withdraw, status=ProposalStatus.PROPOSED).delete()
    return RefreshResult(len(to_create), len(to_update), len(to_withdraw))


def _fill(proposal: FrictionProposal, finding: Finding) -> None:
    proposal.funnel_stage = RATE_STAGES[finding.rate]
    proposal.channel = finding.channel
    proposal.affected_people = finding.affected_people
    proposal.severity = finding.drop.severity
    proposal.figures = finding.figures()


def _decided(proposal: FrictionProposal, target: str) -> FrictionProposal | None:
    """The proposal locked; it again when already `target` (asking twice is harmless);
    InvalidTransition when it was decided otherwise."""
    locked = FrictionProposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)
    if locked.status == target:
        return locked
    if locked.status != ProposalStatus.PROPOSED:
        raise InvalidTransition(f"a proposal cannot go from {locked.status} to {target}")
    return None


@transaction.atomic
def friction_proposal_confirm(
    *,
    proposal: FrictionProposal,
    user: User | None,
    links: LinkPairs = (),
    title: str = "",
) -> FrictionProposal:
    """Confirm a proposal: it becomes an ordinary open friction report (report_create),
    linked to the items in `links`, which are rescored. The report records the campaign
    (its name, and the proposal it came from through `proposal.report`)."""
    done = _decided(proposal, ProposalStatus.CONFIRMED)
    if done is not None:
        return done
    locked = FrictionProposal.objects.select_related("campaign", "snapshot").get(pk=proposal.pk)
    campaign, snapshot, figures = locked.campaign, locked.snapshot, locked.figures
    label = RATE_LABELS.get(locked.rate, locked.rate)
    report: FrictionReport = report_create(
        submitted_by=user,
        links=links,
        campaign=campaign.name[:200],
        title=(
            title
            or _("%(label)s fell in %(campaign)s") % {"label": label, "campaign": campaign.name}
        )[:200],
        summary=_(
            "Measured from the funnel of %(start)s to %(end)s: %(rate).1f %% against a "
            "baseline of %(baseline).1f %% (%(source)s history), z = %(z).2f; about "
            "%(lost)s people lost over the period."
        )
        % {
            "start": snapshot.period_start.isoformat(),
            "end": snapshot.period_end.isoformat(),
            "rate": 100 * figures.get("rate", 0.0),
            "baseline": 100 * figures.get("baseline", 0.0),
            "source": figures.get("baseline_source", ""),
            "z": figures.get("z", 0.0),
            "lost": f"{figures.get('people_lost', 0):,}",
        },
        channel=locked.channel,
        funnel_stage=locked.funnel_stage,
        affected_people=locked.affected_people,
        severity=locked.severity,
        metric_name=label,
        metric_before=figures.get("baseline"),
        metric_after=figures.get("rate"),
        segment_id=campaign.segment_id,
        observed_at=datetime.combine(snapshot.period_end, time(12), tzinfo=UTC),
        source=PROPOSAL_SOURCE,
        external_id=str(locked.pk),
    )
    locked.status = ProposalStatus.CONFIRMED
    locked.report = report
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "report", "decided_by", "decided_at", "updated_at"])
    return locked


@transaction.atomic
def friction_proposal_dismiss(*, proposal: FrictionProposal, user: User | None) -> FrictionProposal:
    """Dismiss a proposal: it stays on record, is never proposed again, counts nowhere."""
    done = _decided(proposal, ProposalStatus.DISMISSED)
    if done is not None:
        return done
    locked = FrictionProposal.objects.get(pk=proposal.pk)
    locked.status = ProposalStatus.DISMISSED
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return locked


def channel_label(code: str) -> str:
    return str(dict(Channel.choices).get(code, code))
