"""Campaign funnels the campaign tests share."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.support.factories import CampaignFactory, FunnelSnapshotFactory


def month(m: int, **counts: Any) -> dict[str, Any]:
    start = date(2026, m, 1)
    end = date(2026, m + 1, 1).replace(day=1) if m < 12 else date(2027, 1, 1)
    return {
        "period_start": start,
        "period_end": date.fromordinal(end.toordinal() - 1),
        "impressions": 20_000,
        "clicks": 2_000,
        "sign_ups": 200,
        "activated": 80,
        "paid": 20,
        "retained_30": None,
        "retained_90": None,
        **counts,
    }


def collapsing_campaign(**campaign: Any):
    """Three steady months (40 % activation), then sign-ups triple while activation falls
    to 10 %: 60 of 600 against 240 of 600 at the baseline rate."""
    owner = CampaignFactory(**campaign)
    for m in (1, 2, 3):
        FunnelSnapshotFactory(campaign=owner, **month(m))
    bad = FunnelSnapshotFactory(
        campaign=owner, **month(4, clicks=3_000, sign_ups=600, activated=60, paid=6)
    )
    return owner, bad


SNAPSHOT_HEADER = (
    "external_id,campaign,period_start,period_end,impressions,clicks,sign_ups,activated,paid"
)


def collapsing_funnel_csv(campaign_key: str, *, source: str = "") -> bytes:
    """collapsing_campaign's four months as a funnel file naming the campaign by
    `campaign_key` (its external_id or number), as marketing would import it."""
    lines = [SNAPSHOT_HEADER + (",source" if source else "")]
    for m in (1, 2, 3, 4):
        row = month(m) if m < 4 else month(4, clicks=3_000, sign_ups=600, activated=60, paid=6)
        cells = [
            f"F-{m}",
            campaign_key,
            row["period_start"].isoformat(),
            row["period_end"].isoformat(),
            *(str(row[k]) for k in ("impressions", "clicks", "sign_ups", "activated", "paid")),
        ]
        lines.append(",".join(cells + ([source] if source else [])))
    return ("\n".join(lines) + "\n").encode()
