"""API benchmark (make bench-api): every figure against the floor of the same work, in one
process, through Django's test client with production settings (no debug), on a fresh
PostgreSQL database `roadmap_bench_api<BENCH_SUFFIX>` (seed_demo plus 1,000 items and a
published ranking of 1,000 entries).

A floor is the same rows read with one raw SQL query and serialized with orjson (for the
304: the cheapest authenticated GET, a one-row read; for bulk writes: COPY of the same
rows). The item score explanation's floor reads exactly what `items/{id}/score/` needs, in
one statement: the item, its score and the score's scoring model (version and parameters,
which the contributors are computed under), its position over the whole live ranking, its
dirty mark, its last 100 history points with their model versions, and its contributors'
rows (every report and signal linked to it, with the fields the engine weighs); history and
contributors come back as two JSON arrays of that one row. Prints one line per figure with
its floor, ratio and target, and this process's CPU time for both (PostgreSQL's own is not
in it: on a loaded machine the wall time also counts waiting for a core); the last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import (
    admin_database_url,
    create_key,
    machine,
    recreate_database,
    seed,
    service_env,
)

DATABASE = "roadmap_bench_api" + os.environ.get("BENCH_SUFFIX", "")
EXTRA_ITEMS = 1_000
BULK = 1_000


def median_ms(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The median wall time and the median CPU time of this process, in ms."""
    for _ in range(3):
        call()
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(times) * 1000, statistics.median(cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30, help="runs per read figure")
    parser.add_argument("--bulk-repeat", type=int, default=3)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of the last run (no seeding)"
    )
    parser.add_argument(
        "--part",
        choices=("all", "reads", "bulk"),
        default="all",
        help="measure only the reads or only the bulk ingestion (default: all)",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="write a pyinstrument profile of the first bulk requests (new, updated) to DIR",
    )
    args = parser.parse_args()

    if args.reuse:
        admin = urlparse(admin_database_url())
        database_url = urlunparse(admin._replace(path=f"/{DATABASE}"))
        env = service_env(database_url, None)
    else:
        database_url = recreate_database(DATABASE)
        env = service_env(database_url, None)
        print(f"seeding {DATABASE}: seed_demo + {EXTRA_ITEMS:,} items ...", flush=True)
        seed(env, extra_items=EXTRA_ITEMS)
    integration = create_key(env, "bench-integration", "integration")
    marketing = create_key(env, "bench-marketing", "marketing")

    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)  # the in-process cache: throttles cost no network
    # Tasks are queued (to kombu's in-memory transport, which nothing consumes), as a
    # production web process queues them for its workers: without a broker they would
    # run inside the request (the embedded default), and a bulk write would be timed
    # with the recompute and the radar refresh it queues.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    # As config/wsgi.py does in every web process: what the start allocated is kept out of
    # the collector's full passes.
    import gc

    gc.freeze()
    import orjson
    from django.db import connection
    from django.test import Client

    from roadmap.models import RoadmapItem, Theme
    from scoring.services import ranking_publish

    ranking = ranking_publish(note="bench", published_by=None)
    seeded = {"items": RoadmapItem.objects.count()}
    item_ids = list(RoadmapItem.objects.order_by("pk").values_list("pk", flat=True))
    theme_id = Theme.objects.values_list("pk", flat=True).first()
    reads = Client(HTTP_AUTHORIZATION=f"Api-Key {integration}", SERVER_NAME="127.0.0.1")
    writes = Client(HTTP_AUTHORIZATION=f"Api-Key {marketing}", SERVER_NAME="127.0.0.1")

    def get(url: str, expect: int = 200, **headers: str) -> bytes:
        response = reads.get(url, headers=headers)
        if response.status_code != expect:
            sys.exit(f"GET {url}: {response.status_code} {response.content[:300]!r}")
        return response.content

    def raw(sql: str, params: list[object]) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    figures: dict[str, dict[str, float]] = {}

    def figure(
        name: str, now: tuple[float, float], floor: tuple[float, float], target: float | None
    ) -> None:
        figures[name] = {
            "ms": now[0],
            "floor_ms": floor[0],
            "ratio": now[0] / floor[0],
            "target": target,
            "cpu_ms": now[1],
            "floor_cpu_ms": floor[1],
        }

    if args.part != "bulk":
        # -- The latest published ranking, 1,000 entries --------------------------------------
        latest = "/api/v1/rankings/latest/"
        etag = reads.get(latest)["ETag"]
        entry_sql = (
            "SELECT r.number, r.published_at, r.note, r.item_count, e.position, e.item_id, "
            "e.title, e.jira_key, e.score, e.reach, e.impact, e.confidence, e.effort, "
            "e.explanation FROM scoring_ranking r JOIN scoring_rankingentry e "
            "ON e.ranking_id = r.id WHERE r.id = %s ORDER BY e.position LIMIT 1000"
        )

        def latest_floor() -> bytes:
            rows = raw(entry_sql, [ranking.pk])
            return orjson.dumps(
                [
                    dict(
                        zip(
                            (
                                "position",
                                "item",
                                "title",
                                "jira_key",
                                "score",
                                "reach",
                                "impact",
                                "confidence",
                                "effort",
                                "explanation",
                            ),
                            row[4:],
                            strict=True,
                        )
                    )
                    for row in rows
                ]
            )

        n = args.repeat
        figure(
            "latest ranking, 1,000 entries",
            median_ms(lambda: get(latest), n),
            median_ms(latest_floor, n),
            3.0,
        )
        # -- The cheapest authenticated GET, and the 304 against it ---------------------------
        cheapest = median_ms(lambda: get(f"/api/v1/themes/{theme_id}/"), n)
        with_key = median_ms(lambda: raw("SELECT 1", []), n)
        figure("cheapest authenticated GET (one row)", cheapest, with_key, None)
        # Counted at the cursor: the query log is cleared when a request starts.
        executed = [0]

        def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            executed[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            get(f"/api/v1/themes/{theme_id}/")
        figures["cheapest authenticated GET (one row)"]["queries"] = executed[0]
        figure(
            "latest ranking 304 (If-None-Match)",
            median_ms(lambda: get(latest, 304, if_none_match=etag), n),
            cheapest,
            1.5,
        )
        # -- One live page of 200 -------------------------------------------------------------
        live_sql = (
            "SELECT s.item_id, i.title, i.status, i.theme_id, t.name, i.owner_id, u.username, "
            "i.jira_key, s.score, s.reach, s.reach_product, s.reach_marketing, s.impact, "
            "s.impact_product, s.impact_marketing, s.confidence, s.confidence_product, "
            "s.evidence, s.effort, s.effort_estimate, s.computed_at, "
            "ROW_NUMBER() OVER (ORDER BY s.score DESC, s.item_id) "
            "FROM scoring_itemscore s JOIN roadmap_roadmapitem i ON i.id = s.item_id "
            "LEFT JOIN roadmap_theme t ON t.id = i.theme_id "
            "LEFT JOIN auth_user u ON u.id = i.owner_id WHERE s.rankable "
            "ORDER BY s.score DESC, s.item_id LIMIT 200"
        )

        def rows_floor(sql: str, params: list[object]) -> Callable[[], bytes]:
            def run() -> bytes:
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    names = [c.name for c in cursor.description]
                    return orjson.dumps([dict(zip(names, row, strict=True)) for row in cursor])

            return run

        figure(
            "live ranking, page of 200",
            median_ms(lambda: get("/api/v1/rankings/live/?limit=200"), n),
            median_ms(rows_floor(live_sql, []), n),
            3.0,
        )
        # -- One item score explanation -------------------------------------------------------
        scored = item_ids[len(item_ids) // 2]
        # Everything the endpoint reads, and nothing more, in one statement (see the
        # docstring): one row, with the history and the contributors' inputs as JSON arrays.
        score_sql = (
            "SELECT i.id, i.title, i.status, "
            "EXISTS (SELECT 1 FROM roadmap_dirtyitem d WHERE d.item_id = i.id) AS dirty, "
            "s.score, s.rankable, s.reach, s.reach_product, s.reach_marketing, s.impact, "
            "s.impact_product, s.impact_marketing, s.confidence, s.confidence_product, "
            "s.evidence, s.effort, s.effort_estimate, s.missing, s.signal_count, "
            "s.report_count, s.computed_at, m.version, m.product_weight, m.half_life_days, "
            "m.evidence_gain, m.evidence_saturation, m.min_effort, m.default_confidence, "
            "m.kind_weights, m.friction_evidence_weight, m.segment_weights, "
            # The position over the whole live ranking (score desc, then item id).
            "CASE WHEN s.rankable THEN (SELECT COUNT(*) FROM scoring_itemscore r "
            "WHERE r.rankable AND (r.score > s.score OR (r.score = s.score "
            "AND r.item_id <= s.item_id))) END AS position, "
            "(SELECT json_agg(p) FROM (SELECT h.computed_at, hm.version AS model_version, "
            "h.score, h.position, h.reach, h.impact, h.confidence, h.effort "
            "FROM scoring_scorehistory h JOIN scoring_scoringmodel hm ON hm.id = h.model_id "
            "WHERE h.item_id = i.id ORDER BY h.computed_at DESC, h.id DESC LIMIT 100) p) "
            "AS history, "
            "(SELECT json_agg(c) FROM (SELECT l.report_id, r.affected_people, r.severity, "
            "r.observed_at, seg.slug, l.weight, r.status FROM signals_reportlink l "
            "JOIN signals_frictionreport r ON r.id = l.report_id "
            "LEFT JOIN roadmap_segment seg ON seg.id = r.segment_id "
            "WHERE l.item_id = i.id) c) AS reports, "
            "(SELECT json_agg(c) FROM (SELECT l.signal_id, g.kind, g.observed_at, seg.slug, "
            "l.weight, g.dismissed FROM signals_signallink l "
            "JOIN signals_marketsignal g ON g.id = l.signal_id "
            "LEFT JOIN roadmap_segment seg ON seg.id = g.segment_id "
            "WHERE l.item_id = i.id) c) AS signals "
            "FROM roadmap_roadmapitem i LEFT JOIN scoring_itemscore s ON s.item_id = i.id "
            "LEFT JOIN scoring_scoringmodel m ON m.id = s.model_id WHERE i.id = %s"
        )
        figure(
            "item score explanation",
            median_ms(lambda: get(f"/api/v1/items/{scored}/score/"), n),
            median_ms(rows_floor(score_sql, [scored]), n),
            3.0,
        )

    rate_new = rate_upd = 0.0
    if args.part != "reads":
        # -- Bulk ingestion of 1,000 signals, new then updated --------------------------------
        def record(run: int, k: int, title: str, tag: str) -> dict[str, object]:
            return {
                "kind": "customer_request",
                "title": title,
                "observed_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
                "source": "bench-api",
                "external_id": f"bulk-{tag}-{k}",
                "links": [{"item": item_ids[(run * BULK + k) % len(item_ids)], "weight": 0.8}],
            }

        created, updated, copies = [], [], []
        # This process's CPU time per request (the server's side of the work; PostgreSQL's
        # own is not in it): on a loaded machine the wall time also counts waiting for a core.
        cpu: dict[str, list[float]] = {"new": [], "updated": []}
        # With --profile, one more run first, profiled and not counted.
        profiled = 1 if args.profile else 0
        for run in range(args.bulk_repeat + profiled):
            tag = uuid.uuid4().hex[:6]
            batch = [record(run, k, f"Signal {tag} {k}", tag) for k in range(BULK)]
            for target, title in ((created, "new"), (updated, "updated")):
                if title == "updated":
                    for sent in batch:
                        sent["title"] = f"{sent['title']} (updated)"
                body = json.dumps({"records": batch})  # the client's work, not the server's
                profiler = None
                if run < profiled:
                    from pyinstrument import Profiler  # installed by whoever profiles

                    profiler = Profiler(interval=0.0005)
                    profiler.start()
                started, started_cpu = time.perf_counter(), time.process_time()
                response = writes.post(
                    "/api/v1/signals/bulk/", body, content_type="application/json"
                )
                if run >= profiled:
                    target.append(time.perf_counter() - started)
                    cpu[title].append(time.process_time() - started_cpu)
                if profiler is not None:
                    profiler.stop()
                    out = Path(args.profile) / f"bulk-{title}.txt"
                    out.write_text(profiler.output_text(unicode=True, show_all=False))
                    print(f"profile: {out}", flush=True)
                if response.status_code != 200:
                    sys.exit(f"bulk: {response.status_code} {response.content[:300]!r}")
            # The floor: COPY of the same rows into a table shaped like the signals.
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cols = "kind, title, observed_at, source, external_id"
                cursor.execute(
                    f"CREATE TEMPORARY TABLE bench_copy AS SELECT {cols} "
                    "FROM signals_marketsignal WHERE false"
                )
                with cursor.cursor.copy(f"COPY bench_copy ({cols}) FROM STDIN") as copy:
                    for sent in batch:
                        copy.write_row(
                            (
                                sent["kind"],
                                sent["title"],
                                sent["observed_at"],
                                sent["source"],
                                sent["external_id"],
                            )
                        )
                cursor.execute("DROP TABLE bench_copy")
            if run >= profiled:
                copies.append(time.perf_counter() - started)
        copy_ms = statistics.median(copies) * 1000
        for name, values, title in (
            ("bulk 1,000 new signals", created, "new"),
            ("bulk 1,000 updates", updated, "updated"),
        ):
            figures[name] = {
                "ms": statistics.median(values) * 1000,
                "floor_ms": copy_ms,
                "ratio": statistics.median(values) * 1000 / copy_ms,
                "target": None,
                "cpu_ms": statistics.median(cpu[title]) * 1000,
            }
        rate_new = BULK / (figures["bulk 1,000 new signals"]["ms"] / 1000)
        rate_upd = BULK / (figures["bulk 1,000 updates"]["ms"] / 1000)

    print(
        f"data: {seeded['items']:,} items, ranking {ranking.number} of {ranking.item_count:,}; "
        f"medians of {args.repeat} (bulk: {args.bulk_repeat})"
    )
    print(
        f"{'figure':<40} {'now':>10} {'floor':>10} {'ratio':>7}  {'target':<13} "
        f"{'cpu now':>10} {'cpu floor':>10}"
    )
    for name, f in figures.items():
        target = f"<= {f['target']:g}x" if f["target"] else ""
        ok = "" if not f["target"] else (" ok" if f["ratio"] <= f["target"] else " MISSED")
        cpu = f"{f['cpu_ms']:>8.2f}ms" if "cpu_ms" in f else ""
        cpu_floor = f"{f['floor_cpu_ms']:>8.2f}ms" if "floor_cpu_ms" in f else ""
        print(
            f"{name:<40} {f['ms']:>8.2f}ms {f['floor_ms']:>8.2f}ms {f['ratio']:>6.1f}x  "
            f"{target + ok:<13} {cpu:>10} {cpu_floor:>10}"
        )
    queries = figures.get("cheapest authenticated GET (one row)", {}).get("queries", 0.0)
    if args.part != "bulk":
        print(f"{'cheapest authenticated GET, queries':<40} {queries:>10.0f}   target <= 2")
    if args.part != "reads":
        print(f"{'bulk new, signals/s':<40} {rate_new:>10.0f}   target >= 5000")
        print(f"{'bulk updates, signals/s':<40} {rate_upd:>10.0f}   target >= 3000")
        for name in ("bulk 1,000 new signals", "bulk 1,000 updates"):
            cpu_ms = figures[name]["cpu_ms"]
            label = f"{name}, CPU of this process"
            print(f"{label:<40} {cpu_ms:>8.2f}ms   ({BULK / cpu_ms * 1000:,.0f}/s)")
    load = os.getloadavg()
    print(f"load average: {' '.join(f'{x:.2f}' for x in load)}")
    table = [
        (
            name,
            f"{f['ms']:,.2f} ms",
            f"floor {f['floor_ms']:,.2f} ms, {f['ratio']:.2f}x"
            + (f" (target <= {f['target']:g}x)" if f["target"] else ""),
        )
        for name, f in figures.items()
    ]
    if args.part != "bulk":
        table.append(("cheapest authenticated GET, queries", f"{queries:.0f}", "target <= 2"))
    if args.part != "reads":
        table += [
            ("bulk new signals per second", f"{rate_new:,.0f}", "target >= 5,000"),
            ("bulk updated signals per second", f"{rate_upd:,.0f}", "target >= 3,000"),
        ]
    summary: dict[str, object] = {
        "bench": "api",
        "part": args.part,
        "items": seeded["items"],
        "table": table,
    }
    for name, f in figures.items():
        # "bulk 1,000 new signals" and "bulk 1,000 updates" keep their own keys.
        key = re.sub(r"[^a-z0-9]+", "_", name.lower().replace("1,000", "1000")).strip("_")
        summary[key] = {k: round(v, 3) if isinstance(v, float) else v for k, v in f.items()}
    summary.update(
        cheapest_get_queries=queries,
        bulk_new_per_s=round(rate_new),
        bulk_update_per_s=round(rate_upd),
        machine=machine(),
        load_average=[round(x, 2) for x in load],
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
