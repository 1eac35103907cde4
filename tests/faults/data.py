"""Enough data for a full recompute to take seconds, written straight into the tables.

Items go through the ORM (bulk_create, so every column gets its model default); signals,
reports and their links, ten times as many, through set-based SQL on PostgreSQL.
"""

from __future__ import annotations

from django.db import connection

from roadmap.models import RoadmapItem, Theme

EVIDENCE_SQL = """
SELECT setseed(0.7);
INSERT INTO signals_marketsignal (source, external_id, observed_at, created_at, updated_at,
    kind, title, summary, account_name, dismissed)
  SELECT 'faults', 's' || g, now() - random() * interval '365 days', now(), now(),
    (ARRAY['customer_request','sales_feedback','churn_reason','support_ticket',
           'competitor_move','market_trend','usage_insight'])[1 + floor(random() * 7)::int],
    'Signal ' || g, '', '', random() < 0.05
  FROM generate_series(1, %(signals)s) g;
INSERT INTO signals_frictionreport (source, external_id, observed_at, created_at, updated_at,
    campaign, title, summary, channel, funnel_stage, affected_people, severity, metric_name,
    status)
  SELECT 'faults', 'r' || g, now() - random() * interval '365 days', now(), now(),
    'Campaign ' || (g %% 50), '', '', 'email', 'activation', floor(random() * 5000)::bigint,
    (ARRAY[0.25, 0.5, 1, 2, 3])[1 + floor(random() * 5)::int], '',
    (ARRAY['open', 'open', 'open', 'addressed', 'dismissed'])[1 + floor(random() * 5)::int]
  FROM generate_series(1, %(reports)s) g;
INSERT INTO signals_signallink (item_id, signal_id, weight, created_at)
  SELECT %(first)s + floor(random() * %(items)s)::int, s.id,
    (ARRAY[1.0, 0.8, 0.5])[1 + floor(random() * 3)::int], now()
  FROM signals_marketsignal s WHERE s.source = 'faults';
INSERT INTO signals_reportlink (item_id, report_id, weight, created_at)
  SELECT %(first)s + floor(random() * %(items)s)::int, r.id,
    (ARRAY[1.0, 0.8, 0.5])[1 + floor(random() * 3)::int], now()
  FROM signals_frictionreport r WHERE r.source = 'faults';
ANALYZE
"""


def generate(*, items: int, signals_per_item: int = 10, reports_per_item: int = 1) -> list[int]:
    """Create `items` items (ids consecutive) with evidence linked at random; return the
    item ids. Nothing is marked dirty and no score is computed."""
    theme = Theme.objects.create(name="Faults")
    statuses = ["candidate", "candidate", "planned", "in_progress", "shipped", "archived"]
    impacts = [0.25, 0.5, 1.0, 2.0, 3.0]
    created = RoadmapItem.objects.bulk_create(
        [
            RoadmapItem(
                title=f"Item {n}",
                status=statuses[n % len(statuses)],
                theme=theme,
                reach=None if n % 10 == 0 else float((n * 7919) % 50_000),
                impact=None if n % 11 == 0 else impacts[n % len(impacts)],
                confidence=None if n % 3 == 0 else round((n % 100) / 100, 2),
                effort=None if n % 20 == 0 else 0.05 + (n % 200) / 10,
            )
            for n in range(items)
        ],
        batch_size=5000,
    )
    ids = sorted(item.pk for item in created)
    assert ids == list(range(ids[0], ids[0] + items))
    params = {
        "signals": items * signals_per_item,
        "reports": items * reports_per_item,
        "first": ids[0],
        "items": items,
    }
    with connection.cursor() as cursor:
        for statement in filter(str.strip, EVIDENCE_SQL.split(";")):
            cursor.execute(statement, params)
    return ids
