"""Radar benchmark (make bench-radar): quality on the labelled set, then speed.

Quality (embedded default, a throwaway SQLite database): tests/data/radar_eval.json is
loaded through the services, a third of the labelled evidence is linked beforehand (every
third piece of each item, by key), the radar is rebuilt, and the suggestions of the other
two thirds are judged: recall@3, precision@1; duplicate flags against the 10 labelled
pairs: precision and recall; emerging topics: found / missed / false. The same figures for
the plain baseline: TF-IDF over character n-grams of each item's title and description,
cosine similarity, nothing else (duplicates: the same vectors between evidence; topics: the
same grouping and test on those vectors).

Speed (PostgreSQL, database roadmap_bench_radar<BENCH_SUFFIX> next to BENCH_DATABASE_URL):
items and signals generated with generate_series, profiles built, then the suggestions of
one new piece of evidence timed (median and 95th percentile over many), and a topic
refresh of 20,000 unlinked pieces.

Each labelled set is measured when present: the development set tests/data/radar_eval.json
(which the radar's author has read), the held-out set tests/data/radar_holdout.json
(written by someone else, copied in unread; nothing is tuned on it beyond looking at the
aggregate figures) and the blind set tests/data/radar_blind.json (written on 3 December
2026 without access to the radar or the other sets, in a third domain), and the tuning
set tests/data/radar_train.json (written by hand later that day, a second set the radar is
tuned on, like the development set). Link suggestions
are also given by the evidence's language: the items are in English, so French evidence
is the cross-language case. The last line printed is one JSON object with every figure.

    python bench/radar.py [--part quality|speed|all] [--items N] [--signals N] [--unlinked N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVAL_SET = ROOT / "tests" / "data" / "radar_eval.json"
# Written by someone else, never read while building the radar: only its aggregate figures
# are looked at (see the note in the module docstring).
HOLDOUT_SET = ROOT / "tests" / "data" / "radar_holdout.json"
# Written blind on 3 December 2026 by a helper that could not read the radar's code nor
# the other sets, in a third domain, and measured as it came.
BLIND_SET = ROOT / "tests" / "data" / "radar_blind.json"
# Written by hand on 3 December 2026 (a fourth domain) as a second set to tune on, after
# the blind set was measured: the duplicate model is fitted on it and the development set.
TRAIN_SET = ROOT / "tests" / "data" / "radar_train.json"
QUALITY_SETS = {"dev": EVAL_SET, "train": TRAIN_SET, "holdout": HOLDOUT_SET, "blind": BLIND_SET}
# BENCH_SUFFIX (as in bench/load.py) keeps runs of several checkouts apart.
SPEED_DATABASE = "roadmap_bench_radar" + os.environ.get("BENCH_SUFFIX", "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=["quality", "speed", "all"], default="all")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--unlinked", type=int, default=20_000)
    parser.add_argument(
        "--set", choices=sorted(QUALITY_SETS), default="dev", help=argparse.SUPPRESS
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.part == "quality":
            from bench.radar_quality import run

            run(QUALITY_SETS[args.set])
        else:
            from bench.radar_speed import run

            run(items=args.items, signals=args.signals, unlinked=args.unlinked)
        return
    parts = ["quality", "speed"] if args.part == "all" else [args.part]
    summary: dict[str, object] = {}
    for part in parts:
        env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
        env.pop("REDIS_URL", None)
        env.pop("CELERY_BROKER_URL", None)
        command = [sys.executable, __file__, "--child", "--part", part]
        command += ["--items", str(args.items), "--signals", str(args.signals)]
        command += ["--unlinked", str(args.unlinked)]
        if part == "speed":
            env["DATABASE_URL"] = _speed_database(
                os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
            )
            figures = _run(command, env)
            summary["speed"] = figures.get("speed") if isinstance(figures, dict) else figures
            continue
        quality: dict[str, object] = {}
        for name, path in QUALITY_SETS.items():
            if not path.exists():
                print(f"({name} set {path.relative_to(ROOT)} is missing: skipped)", flush=True)
                continue
            folder = tempfile.mkdtemp(prefix="radar-bench-")
            env["DATABASE_URL"] = f"sqlite:///{folder}/radar.sqlite3"
            print(f"== {name} set", flush=True)
            figures = _run([*command, "--set", name], env)
            quality[name] = figures.get("quality") if isinstance(figures, dict) else figures
        summary["quality"] = quality
        summary["targets"] = {
            "recall@3": 0.92,
            "precision@1": 0.78,
            "dup_precision": 0.8,
            "dup_recall": 0.6,
            "topics": "all found, ≤ 1 false",
        }
    print(json.dumps(summary, ensure_ascii=False))


def _run(command: list[str], env: dict[str, str]) -> object:
    """Run one child, echo its output, and return its last line read as JSON."""
    result = subprocess.run(
        command, env=env, cwd=ROOT, check=False, stdout=subprocess.PIPE, text=True
    )
    lines = result.stdout.splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    if result.returncode:
        print("\n".join(lines[-1:]))
        sys.exit(result.returncode)
    try:
        return json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        print(lines[-1])
        return {}


def _speed_database(admin_url: str) -> str:
    from urllib.parse import urlparse, urlunparse

    import psycopg

    parsed = urlparse(admin_url)
    if not parsed.scheme.startswith("postgres"):
        sys.exit("the speed part needs PostgreSQL: set BENCH_DATABASE_URL=postgres://...")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [SPEED_DATABASE]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{SPEED_DATABASE}"')
    return urlunparse(parsed._replace(path=f"/{SPEED_DATABASE}"))


if __name__ == "__main__":
    main()
