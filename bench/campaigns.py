"""Campaign dashboard benchmark on PostgreSQL (make bench-campaigns).

Creates the database roadmap_bench_campaigns next to BENCH_DATABASE_URL, generates 100
campaigns over 9 channels and 6 segments with 24 monthly funnel snapshots each (2,400
snapshots), LTV outcomes for half the segments, then times:

- the dashboard over the 24 months (signals.campaigns.selectors.campaign_dashboard), with
  its query count (target: within 200 ms, a fixed number of queries);
- the same dashboard as the API serves it (serialized);
- a friction-proposal refresh of all 100 campaigns.

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness import percentile, recreate_database  # noqa: E402

os.environ["DATABASE_URL"] = recreate_database("roadmap_bench_campaigns")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("CAMPAIGN_ARPA", "60")
os.environ.setdefault("CAMPAIGN_GROSS_MARGIN", "0.8")
os.environ.setdefault("CAMPAIGN_MONTHLY_CHURN", "0.03")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from roadmap.choices import Channel  # noqa: E402
from roadmap.models import RoadmapItem, Segment  # noqa: E402
from signals.campaigns.api.serializers import DashboardSerializer  # noqa: E402
from signals.campaigns.models import Campaign, FunnelSnapshot  # noqa: E402
from signals.campaigns.proposals import friction_proposals_refresh  # noqa: E402
from signals.campaigns.selectors import campaign_dashboard  # noqa: E402
from signals.models import Outcome  # noqa: E402

CAMPAIGNS, MONTHS = 100, 24
TARGET_MS = 200.0
FIRST = date(2025, 1, 1)


def _month(index: int) -> tuple[date, date]:
    year, month = FIRST.year + (FIRST.month - 1 + index) // 12, (FIRST.month - 1 + index) % 12 + 1
    start = date(year, month, 1)
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return start, date.fromordinal(date(next_year, next_month, 1).toordinal() - 1)


def generate() -> None:
    rng = random.Random(42)
    segments = Segment.objects.bulk_create(
        [Segment(slug=f"seg-{n}", name=f"Segment {n}") for n in range(6)]
    )
    item = RoadmapItem.objects.create(title="Shipped", status="shipped")
    Outcome.objects.bulk_create(
        [
            Outcome(
                item=item,
                kpi="ltv",
                baseline=900,
                measured=1000 + 200 * n,
                period_start=FIRST,
                period_end=_month(MONTHS - 1)[1],
                segment=segments[n],
                team="product",
                source="bench",
                external_id=f"ltv-{n}",
            )
            for n in range(3)
        ]
    )
    channels = Channel.values
    campaigns = Campaign.objects.bulk_create(
        [
            Campaign(
                name=f"Campaign {n}",
                channel=channels[n % len(channels)],
                segment=segments[n % len(segments)] if n % 7 else None,
                period_start=FIRST,
                period_end=_month(MONTHS - 1)[1],
                spend=Decimal(rng.randrange(10_000, 200_000)),
                currency="EUR" if n % 10 else "USD",
                source="bench",
                external_id=f"c{n}",
            )
            for n in range(CAMPAIGNS)
        ]
    )
    snapshots = []
    for campaign in campaigns:
        for m in range(MONTHS):
            start, end = _month(m)
            impressions = rng.randrange(10_000, 100_000)
            clicks = impressions * rng.randrange(2, 8) // 100
            sign_ups = clicks * rng.randrange(10, 30) // 100
            activated = sign_ups * rng.randrange(20, 60) // 100
            paid = activated * rng.randrange(10, 40) // 100
            retained_30 = paid * rng.randrange(70, 100) // 100
            retained_90 = retained_30 * rng.randrange(60, 100) // 100
            snapshots.append(
                FunnelSnapshot(
                    campaign=campaign,
                    period_start=start,
                    period_end=end,
                    impressions=None if rng.random() < 0.05 else impressions,
                    clicks=clicks,
                    sign_ups=sign_ups,
                    activated=activated,
                    paid=paid,
                    retained_30=retained_30 if m < MONTHS - 1 else None,
                    retained_90=retained_90 if m < MONTHS - 3 else None,
                    source="bench",
                    external_id=f"c{campaign.pk}-m{m}",
                )
            )
    FunnelSnapshot.objects.bulk_create(snapshots, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    generate()
    print(
        f"generated {Campaign.objects.count()} campaigns, {FunnelSnapshot.objects.count():,} "
        f"snapshots in {time.perf_counter() - start:.1f}s"
    )
    window = {"date_from": FIRST, "date_to": _month(MONTHS - 1)[1]}

    refresh_start = time.perf_counter()
    refreshed = friction_proposals_refresh(
        campaign_ids=Campaign.objects.values_list("pk", flat=True)
    )
    refresh_ms = (time.perf_counter() - refresh_start) * 1000

    campaign_dashboard(**window)  # warm the caches
    with CaptureQueriesContext(connection) as captured:
        dashboard = campaign_dashboard(**window)
    queries = len(captured.captured_queries)

    times, serialized = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        dashboard = campaign_dashboard(**window)
        t1 = time.perf_counter()
        DashboardSerializer(dashboard).data  # noqa: B018
        t2 = time.perf_counter()
        times.append((t1 - t0) * 1000)
        serialized.append((t2 - t0) * 1000)
    median_ms = statistics.median(times)
    p95_ms = percentile(times, 0.95)
    serialized_ms = statistics.median(serialized)
    rows = [
        (f"dashboard, {CAMPAIGNS} campaigns x {MONTHS} months", f"{median_ms:.1f} ms", "median"),
        ("dashboard p95", f"{p95_ms:.1f} ms", f"target < {TARGET_MS:.0f} ms"),
        ("dashboard + serialization", f"{serialized_ms:.1f} ms", "median"),
        ("dashboard queries", str(queries), "fixed"),
        (
            "proposal refresh, all campaigns",
            f"{refresh_ms:.0f} ms",
            f"{refreshed.created} proposals",
        ),
    ]
    for label, value, note in rows:
        print(f"{label:42s} {value:>12s}  {note}")
    print(
        json.dumps(
            {
                "bench": "campaigns",
                "campaigns": CAMPAIGNS,
                "months": MONTHS,
                "snapshots": CAMPAIGNS * MONTHS,
                "dashboard_ms": round(median_ms, 1),
                "dashboard_p95_ms": round(p95_ms, 1),
                "dashboard_serialized_ms": round(serialized_ms, 1),
                "dashboard_queries": queries,
                "target_ms": TARGET_MS,
                "within_target": p95_ms < TARGET_MS,
                "proposal_refresh_ms": round(refresh_ms, 1),
                "proposals": refreshed.created,
                "channels": len(dashboard.channels),
            }
        )
    )
    sys.exit(0 if p95_ms < TARGET_MS else 1)


if __name__ == "__main__":
    main()
