"""Demo campaigns: four channels over the six months before today, one of which ("Trial
giveaway", social) brings ever more sign-ups while its activation collapses, so the first
run proposes a friction report at activation.

Called by the demo writer (`campaigns_demo_seed`); it writes through the services and only
what is missing (every record has a demo (source, external_id)), so running it twice
changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from roadmap.models import Segment
from signals.campaigns import proposals, services
from signals.campaigns.models import Campaign, FunnelSnapshot

DEMO_SOURCE = "demo-campaigns"

# name, channel, UTM source/medium, monthly spend, then per month:
# (impressions, clicks, sign-ups, activated, paid, retained at 30 d, retained at 90 d)
_Month = tuple[int, int, int, int, int, int, int]
_CAMPAIGNS: tuple[tuple[str, str, str, str, int, tuple[_Month, ...]], ...] = (
    (
        "Search: team plan",
        "paid_search",
        "google",
        "cpc",
        6000,
        tuple((60_000, 3_000, 420, 170, 46, 42, 36) for _ in range(6)),
    ),
    (
        "Trial giveaway",
        "social",
        "linkedin",
        "paid-social",
        4000,
        (
            (80_000, 2_400, 300, 120, 24, 21, 17),
            (82_000, 2_500, 310, 122, 25, 22, 18),
            (85_000, 2_600, 320, 126, 25, 22, 18),
            (120_000, 4_800, 700, 100, 16, 13, 9),
            (160_000, 7_000, 1_100, 70, 9, 7, 5),
            (210_000, 9_800, 1_600, 50, 6, 5, 3),
        ),
    ),
    (
        "Newsletter: onboarding tips",
        "email",
        "newsletter",
        "email",
        800,
        tuple((25_000, 1_900, 260, 140, 38, 36, 33) for _ in range(6)),
    ),
    (
        "Guides: roadmap templates",
        "content",
        "blog",
        "organic",
        2500,
        tuple((40_000, 2_000, 240, 110, 27, 25, 22) for _ in range(6)),
    ),
)


@dataclass(frozen=True)
class DemoResult:
    campaigns: int
    snapshots: int
    proposals: int


def _months(today: date) -> list[tuple[date, date]]:
    """The six whole months before the current one, oldest first."""
    first_of_this = today.replace(day=1)
    months: list[tuple[date, date]] = []
    end = first_of_this - timedelta(days=1)
    for _ in range(6):
        start = end.replace(day=1)
        months.append((start, end))
        end = start - timedelta(days=1)
    return months[::-1]


@transaction.atomic
def campaigns_demo_seed(
    *,
    user: User | None = None,
    segments: Sequence[Segment] = (),
    today: date | None = None,
) -> DemoResult:
    """Write the demo campaigns and their funnels that are missing, then propose friction.
    `segments` (optional) are given to the campaigns in turn as their target."""
    months = _months(today or timezone.localdate())
    have_campaigns = dict(
        Campaign.objects.filter(source=DEMO_SOURCE).values_list("external_id", "pk")
    )
    have_snapshots = set(
        FunnelSnapshot.objects.filter(source=DEMO_SOURCE).values_list("external_id", flat=True)
    )
    created_campaigns = created_snapshots = 0
    campaign_ids: list[int] = []
    for index, (name, channel, utm_source, utm_medium, monthly, funnel) in enumerate(_CAMPAIGNS):
        key = f"campaign-{index + 1}"
        campaign_id = have_campaigns.get(key)
        if campaign_id is None:
            campaign = services.campaign_create(
                submitted_by=user,
                name=name,
                channel=channel,
                segment=segments[index % len(segments)] if segments else None,
                period_start=months[0][0],
                period_end=months[-1][1],
                spend=Decimal(monthly * len(months)),
                currency="EUR",
                utm_source=utm_source,
                utm_medium=utm_medium,
                utm_campaign=name.lower().replace(":", "").replace(" ", "-"),
                source=DEMO_SOURCE,
                external_id=key,
            )
            campaign_id = campaign.pk
            created_campaigns += 1
        campaign_ids.append(campaign_id)
        for (start, end), counts in zip(months, funnel, strict=True):
            snapshot_key = f"{key}-{start:%Y-%m}"
            if snapshot_key in have_snapshots:
                continue
            stages: dict[str, Any] = dict(
                zip(
                    (
                        "impressions",
                        "clicks",
                        "sign_ups",
                        "activated",
                        "paid",
                        "retained_30",
                        "retained_90",
                    ),
                    counts,
                    strict=True,
                )
            )
            # Retention is not known yet for the latest months.
            if end > months[-1][1] - timedelta(days=90):
                stages["retained_90"] = None
            if end > months[-1][1] - timedelta(days=30):
                stages["retained_30"] = None
            services.snapshot_create(
                submitted_by=user,
                campaign_id=campaign_id,
                period_start=start,
                period_end=end,
                source=DEMO_SOURCE,
                external_id=snapshot_key,
                **stages,
            )
            created_snapshots += 1
    # Now, not after commit: the demo's first page must already show the proposal.
    refreshed = proposals.friction_proposals_refresh(campaign_ids=campaign_ids)
    return DemoResult(created_campaigns, created_snapshots, refreshed.created)
