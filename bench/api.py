"""API latency benchmark (make bench-api): one request at a time against gunicorn on
127.0.0.1, a fresh PostgreSQL database `roadmap_bench_api` (seed_demo plus 1,000 items),
Redis and a Celery worker of our own.

Times the reads integrations and marketing make most (the live ranking, an item, an item's
score explanation) and the writes marketing makes (one friction report, then a bulk upsert
of 1,000, created then re-sent as updates), with the cost per record of each way in.

Prints a table; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    celery_worker,
    create_key,
    django_query,
    gunicorn,
    machine,
    percentile,
    print_table,
    recreate_database,
    redis_server,
    require_local,
    seed,
    service_env,
)

DATABASE = "roadmap_bench_api"
EXTRA_ITEMS = 1_000
BULK = 1_000


def timed(client: httpx.Client, method: str, url: str, expect: int, **kwargs) -> float:
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)
    elapsed = time.perf_counter() - started
    if response.status_code != expect:
        sys.exit(f"{method} {url}: {response.status_code} {response.text[:500]}")
    return elapsed


def report(external_id: str | None, item_id: int) -> dict:
    body = {
        "campaign": "Benchmark campaign",
        "channel": "paid_search",
        "funnel_stage": "activation",
        "affected_people": 1200,
        "severity": 1.0,
        "source": "bench-api",
        "observed_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
        "links": [{"item": item_id, "weight": 0.8}],
    }
    if external_id:
        body["external_id"] = external_id
    return body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=40, help="requests per read figure")
    parser.add_argument("--bulk-repeat", type=int, default=5)
    args = parser.parse_args()

    logdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    database_url = recreate_database(DATABASE)
    with redis_server(logdir) as redis_url:
        env = service_env(database_url, redis_url)
        print(f"seeding {DATABASE}: seed_demo + {EXTRA_ITEMS:,} items ...", flush=True)
        seeded = seed(env, extra_items=EXTRA_ITEMS)
        integration = create_key(env, "bench-integration", "integration")
        marketing = create_key(env, "bench-marketing", "marketing")
        item_ids = django_query(
            env,
            "import json; from roadmap.models import RoadmapItem; "
            "print(json.dumps(list(RoadmapItem.objects.values_list('pk', flat=True))))",
        )
        with celery_worker(env, logdir), gunicorn(env, logdir, workers=1) as server:
            require_local(server.url)
            reads = httpx.Client(
                base_url=server.url,
                headers={"Authorization": f"Api-Key {integration}"},
                timeout=60,
            )
            writes = httpx.Client(
                base_url=server.url, headers={"Authorization": f"Api-Key {marketing}"}, timeout=120
            )
            figures: dict[str, list[float]] = {}

            def measure(name: str, calls) -> None:
                for warm in calls[:3]:
                    warm()
                figures[name] = [call() for call in calls[3:]]

            n = args.repeat + 3
            ids = [item_ids[i * 7 % len(item_ids)] for i in range(n)]
            measure(
                "ranking",
                [lambda: timed(reads, "GET", "/api/v1/rankings/live/", 200)] * n,
            )
            measure(
                "ranking_200",
                [lambda: timed(reads, "GET", "/api/v1/rankings/live/?limit=200", 200)] * n,
            )
            measure(
                "item",
                [lambda i=i: timed(reads, "GET", f"/api/v1/items/{i}/", 200) for i in ids],
            )
            measure(
                "score",
                [lambda i=i: timed(reads, "GET", f"/api/v1/items/{i}/score/", 200) for i in ids],
            )
            measure(
                "report",
                [
                    lambda i=i: timed(
                        writes, "POST", "/api/v1/friction-reports/", 201, json=report(None, i)
                    )
                    for i in ids
                ],
            )
            created, updated = [], []
            for run in range(args.bulk_repeat):
                batch = [
                    report(
                        f"bulk-{run}-{uuid.uuid4().hex[:8]}",
                        item_ids[(run * BULK + k) % len(item_ids)],
                    )
                    for k in range(BULK)
                ]
                created.append(
                    timed(
                        writes,
                        "POST",
                        "/api/v1/friction-reports/bulk/",
                        200,
                        json={"records": batch},
                    )
                )
                for record in batch:
                    record["affected_people"] = 1500
                updated.append(
                    timed(
                        writes,
                        "POST",
                        "/api/v1/friction-reports/bulk/",
                        200,
                        json={"records": batch},
                    )
                )
            figures["bulk_create"] = created
            figures["bulk_update"] = updated
            reads.close()
            writes.close()

    ms = {name: statistics.median(values) * 1000 for name, values in figures.items()}
    p90 = {name: percentile(values, 0.9) * 1000 for name, values in figures.items()}
    per_record_bulk = ms["bulk_create"] / BULK
    rows = [
        ("live ranking, 50 items", f"{ms['ranking']:.1f} ms", f"p90 {p90['ranking']:.1f} ms"),
        (
            "live ranking, 200 items",
            f"{ms['ranking_200']:.1f} ms",
            f"p90 {p90['ranking_200']:.1f} ms",
        ),
        ("one item", f"{ms['item']:.1f} ms", f"p90 {p90['item']:.1f} ms"),
        ("item score explanation", f"{ms['score']:.1f} ms", f"p90 {p90['score']:.1f} ms"),
        ("one friction report (POST)", f"{ms['report']:.1f} ms", f"p90 {p90['report']:.1f} ms"),
        (
            f"bulk upsert, {BULK:,} new reports",
            f"{ms['bulk_create']:.0f} ms",
            f"{per_record_bulk:.2f} ms/record",
        ),
        (
            f"bulk upsert, {BULK:,} updated reports",
            f"{ms['bulk_update']:.0f} ms",
            f"{ms['bulk_update'] / BULK:.2f} ms/record",
        ),
        (
            "one POST per record / bulk per record",
            f"{ms['report'] / per_record_bulk:.1f}x",
            "bulk is cheaper",
        ),
    ]
    print(f"data: {seeded['items']:,} items; medians of {args.repeat} (bulk: {args.bulk_repeat})")
    print_table(rows)
    print(
        json.dumps(
            {
                "bench": "api",
                "items": seeded["items"],
                "ranking_ms": round(ms["ranking"], 1),
                "ranking_200_ms": round(ms["ranking_200"], 1),
                "item_ms": round(ms["item"], 1),
                "score_ms": round(ms["score"], 1),
                "report_post_ms": round(ms["report"], 1),
                "bulk_create_1000_ms": round(ms["bulk_create"], 1),
                "bulk_update_1000_ms": round(ms["bulk_update"], 1),
                "bulk_ms_per_record": round(per_record_bulk, 3),
                "single_over_bulk_per_record": round(ms["report"] / per_record_bulk, 1),
                "machine": machine(),
            }
        )
    )


if __name__ == "__main__":
    main()
