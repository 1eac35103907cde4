"""Scoring benchmark on PostgreSQL (make bench-scoring).

Generates 100,000 items, 1,000,000 signals and 100,000 friction reports with links (once;
reused while the counts match), then times:

- floor: one SQL query computing the per-item sums of SCORING.md (R_m numerator, Σw·n·s,
  E_v parts) entirely inside PostgreSQL, returning a single row;
- full: a full recompute (read inputs, score 100,000 items, write scores, positions,
  history);
- dirty: a recompute of 100 items whose estimates were just edited.

Prints the figures and ratios; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# BENCH_SUFFIX (as in bench/load.py) keeps runs of several checkouts apart.
DATABASE = "roadmap_bench" + os.environ.get("BENCH_SUFFIX", "")


def _bench_database_url() -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parsed = urlparse(base)
    if not parsed.scheme.startswith("postgres"):
        sys.exit("bench/scoring.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    return base, urlunparse(parsed._replace(path=f"/{DATABASE}"))


def _ensure_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


admin_url, bench_url = _bench_database_url()
_ensure_database(admin_url)
os.environ["DATABASE_URL"] = bench_url
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from roadmap.models import DirtyItem, RoadmapItem  # noqa: E402
from roadmap.services import item_update  # noqa: E402
from scoring import selectors  # noqa: E402
from scoring.services import item_scores_recompute_all, item_scores_recompute_dirty  # noqa: E402

ITEMS, SIGNALS, REPORTS = 100_000, 1_000_000, 100_000

GENERATE = """
SELECT setseed(0.42);
TRUNCATE roadmap_roadmapitem, roadmap_theme, roadmap_segment, signals_marketsignal,
         signals_frictionreport, signals_signallink, signals_reportlink,
         scoring_itemscore, scoring_scorehistory, roadmap_dirtyitem CASCADE;
INSERT INTO roadmap_segment (slug, name, description)
  SELECT 'seg-' || g, 'Segment ' || g, '' FROM generate_series(1, 6) g;
INSERT INTO roadmap_theme (name, description, created_at)
  SELECT 'Theme ' || g, '', now() FROM generate_series(1, 10) g;
INSERT INTO roadmap_roadmapitem (title, description, status, theme_id, reach, impact,
    confidence, effort, jira_key, version, created_at,
    updated_at)
  SELECT 'Item ' || g, '',
    (ARRAY['candidate','candidate','planned','in_progress','shipped','archived'])
      [1 + floor(random()*6)::int],
    (SELECT min(id) FROM roadmap_theme) + (g % 10),
    CASE WHEN random() < 0.1 THEN NULL ELSE floor(random() * 50000) END,
    CASE WHEN random() < 0.1 THEN NULL ELSE (ARRAY[0.25,0.5,1,2,3])[1 + floor(random()*5)::int] END,
    CASE WHEN random() < 0.3 THEN NULL ELSE round(random()::numeric, 2)::float8 END,
    CASE WHEN random() < 0.05 THEN NULL ELSE 0.05 + random() * 20 END,
    '', 1, now(), now()
  FROM generate_series(1, {items}) g;
INSERT INTO signals_marketsignal (source, external_id, segment_id, observed_at, created_at,
    updated_at, kind, title, summary, account_name, dismissed)
  SELECT 'bench', 's' || g,
    CASE WHEN random() < 0.5 THEN NULL ELSE (SELECT min(id) FROM roadmap_segment) + (g % 6) END,
    now() - random() * interval '365 days', now(), now(),
    (ARRAY['customer_request','sales_feedback','churn_reason','support_ticket',
           'competitor_move','market_trend','usage_insight'])[1 + floor(random()*7)::int],
    'Signal ' || g, '', '', random() < 0.05
  FROM generate_series(1, {signals}) g;
INSERT INTO signals_frictionreport (source, external_id, segment_id, observed_at, created_at,
    updated_at, campaign, title, summary, channel, funnel_stage, affected_people, severity,
    metric_name, status)
  SELECT 'bench', 'r' || g,
    CASE WHEN random() < 0.5 THEN NULL ELSE (SELECT min(id) FROM roadmap_segment) + (g % 6) END,
    now() - random() * interval '365 days', now(), now(), 'Campaign ' || (g % 50), '', '',
    'email', 'activation', floor(random() * 5000)::bigint,
    (ARRAY[0.25,0.5,1,2,3])[1 + floor(random()*5)::int], '',
    (ARRAY['open','open','open','addressed','dismissed'])[1 + floor(random()*5)::int]
  FROM generate_series(1, {reports}) g;
INSERT INTO signals_signallink (item_id, signal_id, weight, created_at)
  SELECT (SELECT min(id) FROM roadmap_roadmapitem) + floor(random() * {items})::int, s.id,
    (ARRAY[1.0, 0.8, 0.5])[1 + floor(random()*3)::int], now()
  FROM signals_marketsignal s;
INSERT INTO signals_reportlink (item_id, report_id, weight, created_at)
  SELECT (SELECT min(id) FROM roadmap_roadmapitem) + floor(random() * {items})::int, r.id,
    (ARRAY[1.0, 0.8, 0.5])[1 + floor(random()*3)::int], now()
  FROM signals_frictionreport r;
ANALYZE;
"""


def _counts() -> tuple[int, int, int]:
    from signals.models import FrictionReport, MarketSignal

    return RoadmapItem.objects.count(), MarketSignal.objects.count(), FrictionReport.objects.count()


def _vacuum() -> None:
    # Steady state: autovacuum keeps the score table compact between daily recomputes;
    # without this, back-to-back full recomputes measure table bloat, not the code.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE scoring_itemscore")


def _timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        _vacuum()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if args.regenerate or _counts() != (ITEMS, SIGNALS, REPORTS):
        print(f"generating {ITEMS:,} items, {SIGNALS:,} signals, {REPORTS:,} reports ...")
        start = time.perf_counter()
        script = GENERATE.format(items=ITEMS, signals=SIGNALS, reports=REPORTS)
        with connection.cursor() as cursor:
            for statement in filter(str.strip, script.split(";")):
                cursor.execute(statement)
        print(f"  generated in {time.perf_counter() - start:.1f}s")
    items, signals, reports = _counts()
    print(f"data: {items:,} items, {signals:,} signals, {reports:,} friction reports")

    now = timezone.now()
    params = selectors.scoring_model_params(selectors.scoring_model_active())
    sums_sql, sums_params = selectors.evidence_sums_sql(params=params, now=now)
    # The floor: the same per-item sums, kept inside PostgreSQL (one row comes back).
    floor_sql = (
        "SELECT count(*), sum(q.rm), sum(q.se + q.rw) "
        f"FROM ({sums_sql}) q(item_id, rm, sev, rw, rc, se, sc)"
    )

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(floor_sql, sums_params)
            cursor.fetchall()

    # Warm the caches once so that every measurement reads from the same buffer state.
    floor()
    item_scores_recompute_all()

    floor_times = _timed(floor, args.repeat)
    full_times = _timed(item_scores_recompute_all, args.repeat)

    rng = random.Random(7)
    candidates = list(RoadmapItem.objects.values_list("pk", flat=True))
    dirty_times = []
    for _ in range(max(args.repeat, 5)):
        DirtyItem.objects.all().delete()
        with transaction.atomic():
            for pk in rng.sample(candidates, 100):
                item = RoadmapItem.objects.get(pk=pk)
                # Always a different value, so every one of the 100 is a real change.
                effort = round((item.effort or 1.0) * rng.uniform(1.1, 2.0), 3)
                item_update(item=item, data={"effort": effort})
            # Drop the queued after-commit recompute: we time the service ourselves.
            connection.run_on_commit.clear()
        assert DirtyItem.objects.count() == 100, DirtyItem.objects.count()
        start = time.perf_counter()
        result = item_scores_recompute_dirty()
        dirty_times.append(time.perf_counter() - start)
        assert result.items == 100

    floor_s = statistics.median(floor_times)
    full_s = statistics.median(full_times)
    dirty_s = statistics.median(dirty_times)
    ratio = full_s / floor_s
    rows = [
        ("floor: one SQL query, per-item sums", f"{floor_s * 1000:.1f} ms", len(floor_times)),
        (f"full recompute, {items:,} items", f"{full_s * 1000:.1f} ms", len(full_times)),
        ("ratio full / floor (target <= 2x)", f"{ratio:.2f}x", ""),
        ("recompute of 100 dirty items (< 200 ms)", f"{dirty_s * 1000:.1f} ms", len(dirty_times)),
    ]
    for label, value, runs in rows:
        print(f"{label:42s} {value:>12s}  {f'median of {runs}' if runs else ''}")
    print(
        json.dumps(
            {
                "bench": "scoring",
                "items": items,
                "signals": signals,
                "reports": reports,
                "floor_ms": round(floor_s * 1000, 1),
                "full_recompute_ms": round(full_s * 1000, 1),
                "full_over_floor": round(ratio, 2),
                "dirty_100_ms": round(dirty_s * 1000, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
