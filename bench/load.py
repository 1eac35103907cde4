"""Load test (make bench-load): 60 s of mixed traffic from locust against gunicorn on
127.0.0.1, with Redis and a Celery worker of our own, on a fresh PostgreSQL database
`roadmap_load` (seed_demo plus 1,000 items).

The mix (bench/locustfile.py): 70% reads (live ranking, items, score explanations) with
integration keys, 20% friction reports and signals posted with marketing keys, 10% item
edits with product keys; several keys per role. Reports requests per second, p50 and p99
latency, errors (must be 0), acknowledged writes against the rows in the database
afterwards (must be equal), and the gunicorn master's and workers' memory (RSS) at start
and end. Exits 1 when a check fails.

Bounded: locust runs --run-time seconds and at most --max-requests requests, and is
killed if it overruns by a minute. Traffic goes to 127.0.0.1 only.

Prints a table; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    BIN,
    ROOT,
    celery_worker,
    create_key,
    django_query,
    gunicorn,
    machine,
    print_table,
    recreate_database,
    redis_server,
    require_local,
    seed,
    service_env,
    stop,
)

DATABASE = "roadmap_load" + os.environ.get("BENCH_SUFFIX", "")
EXTRA_ITEMS = 1_000
KEYS_PER_ROLE = 3

COUNTS = """
import json
from django.db.models import Sum
from roadmap.models import RoadmapItem
from signals.models import FrictionReport, MarketSignal
def ids(model):
    return sorted(model.objects.filter(source="load").values_list("external_id", flat=True))
print(json.dumps({
    "reports": ids(FrictionReport),
    "signals": ids(MarketSignal),
    "versions": RoadmapItem.objects.aggregate(v=Sum("version"))["v"],
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run-time", type=int, default=60, help="seconds of traffic")
    parser.add_argument("--users", type=int, default=12, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()

    logdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    database_url = recreate_database(DATABASE)
    with redis_server(logdir) as redis_url:
        env = service_env(database_url, redis_url)
        print(f"seeding {DATABASE}: seed_demo + {EXTRA_ITEMS:,} items ...", flush=True)
        seeded = seed(env, extra_items=EXTRA_ITEMS)
        keys = {
            role: [create_key(env, f"load-{role}-{n}", role) for n in range(KEYS_PER_ROLE)]
            for role in ("product", "marketing", "integration")
        }
        item_ids = django_query(
            env,
            "import json; from roadmap.models import RoadmapItem; "
            "print(json.dumps(list(RoadmapItem.objects.values_list('pk', flat=True))))",
        )
        before = django_query(env, COUNTS)
        result_path = logdir / "locust-result.json"
        health_path = logdir / "locust-health.json"

        with celery_worker(env, logdir), gunicorn(env, logdir, workers=args.workers) as server:
            require_local(server.url)
            import httpx

            # One request per worker process, so every worker has loaded the app.
            for _ in range(args.workers * 2):
                httpx.get(f"{server.url}/api/v1/items/", timeout=10)
            rss_start = server.rss_mib()
            print(
                f"load: {args.users} clients, {args.run_time}s, {args.workers} gunicorn "
                f"workers, {seeded['items']:,} items ...",
                flush=True,
            )
            locust_env = {
                **os.environ,
                "LOAD_KEYS": json.dumps(keys),
                "LOAD_ITEM_IDS": json.dumps(item_ids),
                "LOAD_RESULT": str(result_path),
                "LOAD_MAX_REQUESTS": str(args.max_requests),
            }

            def run_locust(locustfile: str, seconds: int, extra_env: dict[str, str]) -> None:
                with open(logdir / "locust.log", "ab") as log:
                    locust = subprocess.Popen(
                        [
                            *(str(BIN / "locust"), "-f", str(ROOT / "bench" / locustfile)),
                            *("--headless", "--only-summary", "--host", server.url),
                            *("--users", str(args.users), "--spawn-rate", str(args.users)),
                            *("--run-time", f"{seconds}s", "--stop-timeout", "10"),
                            *("--exit-code-on-error", "0", "--loglevel", "WARNING"),
                        ],
                        cwd=ROOT,
                        env={**locust_env, **extra_env},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                try:
                    locust.wait(timeout=seconds + 60)
                except subprocess.TimeoutExpired:
                    stop(locust, signal.SIGKILL)
                    sys.exit("locust overran its time bound and was killed")

            run_locust("locustfile.py", args.run_time, {})
            # The baseline, same clients and gunicorn: what serving /health/ costs.
            health_seconds = max(5, min(args.run_time, 20))
            run_locust("locust_health.py", health_seconds, {"LOAD_RESULT": str(health_path)})
            rss_end = server.rss_mib()
            processes = len(server.pids())
        # The worker may still hold debounced recomputations: they write scores, not the
        # rows counted here, so the comparison does not wait for them.
        time.sleep(0.5)
        after = django_query(env, COUNTS)

    if not result_path.exists():
        sys.exit(f"locust wrote no result; see {logdir / 'locust.log'}")
    result = json.loads(result_path.read_text())
    health = json.loads(health_path.read_text()) if health_path.exists() else {"rps": 0.0}
    ratio = result["rps"] / health["rps"] if health["rps"] else 0.0
    acked = result["acknowledged"]
    stored_reports = set(after["reports"]) - set(before["reports"])
    stored_signals = set(after["signals"]) - set(before["signals"])
    version_bumps = after["versions"] - before["versions"]
    writes_acked = len(acked["reports"]) + len(acked["signals"]) + len(acked["edits"])
    writes_stored = len(stored_reports) + len(stored_signals) + version_bumps
    checks = {
        "no errors": result["failures"] == 0,
        "reports acknowledged = stored": set(acked["reports"]) == stored_reports,
        "signals acknowledged = stored": set(acked["signals"]) == stored_signals,
        "item edits acknowledged = versions bumped": len(acked["edits"]) == version_bumps,
    }
    rows = [
        ("requests", f"{result['requests']:,}", f"{args.run_time} s, {args.users} clients"),
        ("requests per second", f"{result['rps']:.1f}", f"{ratio:.2f}x /health/"),
        ("/health/ requests per second", f"{health['rps']:.1f}", "same gunicorn, same clients"),
        ("latency p50", f"{result['p50_ms']:.0f} ms", "all requests"),
        ("latency p99", f"{result['p99_ms']:.0f} ms", f"max {result['max_ms']:.0f} ms"),
        ("errors", f"{result['failures']}", "must be 0"),
        ("writes acknowledged", f"{writes_acked:,}", "reports + signals + item edits"),
        ("writes in the database", f"{writes_stored:,}", "must equal the line above"),
        ("gunicorn RSS at start", f"{rss_start:.0f} MiB", f"{processes} processes"),
        ("gunicorn RSS at end", f"{rss_end:.0f} MiB", f"{rss_end - rss_start:+.0f} MiB"),
    ]
    for name, entry in sorted(result["by_name"].items()):
        rows.append(
            (
                f"  {name}",
                f"{entry['requests']:,}",
                f"p50 {entry['p50_ms']:.0f} ms, p99 {entry['p99_ms']:.0f} ms",
            )
        )
    print_table(rows)
    for error in result["errors"]:
        print("error:", error)
    failed = [name for name, ok in checks.items() if not ok]
    for name in failed:
        print("FAILED:", name)
    print(
        json.dumps(
            {
                "bench": "load",
                "items": seeded["items"],
                "seconds": args.run_time,
                "users": args.users,
                "gunicorn_workers": args.workers,
                "requests": result["requests"],
                "rps": round(result["rps"], 1),
                "health_rps": round(health["rps"], 1),
                "rps_over_health": round(ratio, 3),
                "p50_ms": result["p50_ms"],
                "p99_ms": result["p99_ms"],
                "errors": result["failures"],
                "writes_acknowledged": writes_acked,
                "writes_stored": writes_stored,
                "rss_start_mib": rss_start,
                "rss_end_mib": rss_end,
                "checks_passed": not failed,
                "machine": machine(),
            }
        )
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
