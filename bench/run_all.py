"""Every benchmark of the project (make bench): bench/scoring.py, bench/api.py,
bench/load.py and bench/campaigns.py, one after the other, each in its own process; then
one table of their figures and ratios, read from the JSON object each prints as its last line.

Prints the table and the machine; the last line is one JSON object with everything.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, admin_database_url, machine, print_table

BENCHES = ("scoring", "api", "load", "campaigns")


def run(name: str) -> tuple[dict, float]:
    env = dict(os.environ)
    if name == "scoring":
        # As `make bench-scoring` runs it.
        env.update(DEBUG="1", DATABASE_URL=admin_database_url())
    print(f"\n=== bench/{name}.py ===", flush=True)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    print(proc.stdout, end="", flush=True)
    lines = proc.stdout.strip().splitlines()
    try:
        figures = json.loads(lines[-1])
    except (IndexError, ValueError):
        sys.exit(f"bench/{name}.py printed no JSON last line (exit {proc.returncode})")
    if proc.returncode:
        figures["exit_code"] = proc.returncode
    return figures, elapsed


def rows_for(results: dict[str, dict]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    if "scoring" in results:
        s = results["scoring"]
        rows += [
            (
                f"full recompute, {s['items']:,} items",
                f"{s['full_recompute_ms']:,.0f} ms",
                f"{s['full_over_floor']:.2f}x the one-query floor (target <= 2x)",
            ),
            ("one-query floor (per-item sums)", f"{s['floor_ms']:,.0f} ms", ""),
            ("recompute of 100 dirty items", f"{s['dirty_100_ms']:.0f} ms", "target < 200 ms"),
        ]
    if "api" in results:
        # bench/api.py lists its own rows: each figure with its floor, ratio and target.
        rows += [(label, value, note) for label, value, note in results["api"]["table"]]
    if "load" in results:
        lo = results["load"]
        rows += [
            (
                "load: requests per second",
                f"{lo['rps']:.1f}",
                f"{lo.get('rps_over_health', 0):.2f}x /health/ ({lo.get('health_rps', 0):.0f}/s); "
                f"{lo['users']} clients, {lo['seconds']} s, {lo['gunicorn_workers']} workers",
            ),
            ("load: latency p50 / p99", f"{lo['p50_ms']:.0f} / {lo['p99_ms']:.0f} ms", ""),
            ("load: errors", str(lo["errors"]), "must be 0"),
            (
                "load: writes acknowledged / stored",
                f"{lo['writes_acknowledged']:,} / {lo['writes_stored']:,}",
                "must be equal",
            ),
            (
                "load: gunicorn RSS start / end",
                f"{lo['rss_start_mib']:.0f} / {lo['rss_end_mib']:.0f} MiB",
                "",
            ),
        ]
    if "campaigns" in results:
        c = results["campaigns"]
        rows += [
            (
                f"campaign dashboard, {c['campaigns']} x {c['months']} months",
                f"{c['dashboard_ms']:.0f} ms",
                f"p95 {c['dashboard_p95_ms']:.0f} ms (target < {c['target_ms']:.0f} ms), "
                f"{c['dashboard_queries']} queries",
            ),
            (
                "friction proposals, all campaigns",
                f"{c['proposal_refresh_ms']:,.0f} ms",
                f"{c['proposals']:,} proposed",
            ),
        ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="+", choices=BENCHES, default=list(BENCHES))
    args = parser.parse_args()

    results: dict[str, dict] = {}
    seconds: dict[str, float] = {}
    for name in args.only:
        results[name], seconds[name] = run(name)
    for figures in results.values():
        figures.pop("machine", None)

    host = machine()
    print("\n=== all benchmarks ===")
    print_table(rows_for(results))
    print(
        f"machine: {host['nproc']} CPUs ({host['cpu']}), {host['memory_gib']} GiB, "
        f"PostgreSQL {host['postgresql']}"
    )
    failed = sorted(name for name, figures in results.items() if figures.get("exit_code"))
    print(json.dumps({"bench": "all", **results, "seconds": seconds, "machine": host}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
