"""What the API benchmarks share: a fresh PostgreSQL database seeded like production data,
a Redis, a gunicorn and a Celery worker of our own on free ports of 127.0.0.1, API keys, the
servers' memory, and a description of the machine.

Nothing here talks to anything but 127.0.0.1; every process started is stopped by its id.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def require_local(url: str) -> str:
    """Refuse any target that is not this machine."""
    host = urlparse(url).hostname
    if host not in LOCAL_HOSTS:
        sys.exit(f"refusing to send benchmark traffic to {host!r}: 127.0.0.1 only")
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not urlparse(url).scheme.startswith("postgres"):
        sys.exit("the API benchmarks need PostgreSQL: set BENCH_DATABASE_URL=postgres://...")
    return require_local(url)


def recreate_database(name: str) -> str:
    """Drop and create database `name` next to BENCH_DATABASE_URL's; return its URL."""
    import psycopg

    admin = admin_database_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(urlparse(admin)._replace(path=f"/{name}"))


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop a process we started, with its children (it leads its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait_until(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


@contextmanager
def redis_server(logdir: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if not binary:
        sys.exit("redis-server is needed (apt-get install redis-server)")
    port = free_port()
    with open(logdir / "redis.log", "ab") as log:
        proc = subprocess.Popen(
            [
                *(binary, "--port", str(port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(logdir)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        import redis

        def up() -> bool:
            try:
                return bool(redis.Redis(port=port, socket_timeout=0.5).ping())
            except redis.RedisError:
                return False

        wait_until(up, timeout=10, what="redis")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc, signal.SIGKILL)


def service_env(database_url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    """A production process of the service (no debug, so no per-query bookkeeping)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "SECURE_", "API_", "DEBUG"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_TLS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        # The benchmark is many requests from few keys: lift the per-key budget.
        API_THROTTLE_RATE="100000000/min",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


SEED_EXTRA = """
import json, random
from roadmap.models import RoadmapItem, Theme
from roadmap.services import items_mark_all_dirty
from scoring.services import item_scores_recompute_all
rng = random.Random(7)
themes = list(Theme.objects.all())
RoadmapItem.objects.bulk_create([
    RoadmapItem(
        title=f"Bench item {n}", theme=rng.choice(themes),
        status=rng.choice(["candidate", "planned", "in_progress"]),
        reach=float(rng.randrange(100, 50_000)), impact=rng.choice([0.25, 0.5, 1.0, 2.0, 3.0]),
        confidence=round(rng.uniform(0.2, 1.0), 2), effort=round(rng.uniform(0.2, 12.0), 2),
    )
    for n in range(EXTRA)
])
result = item_scores_recompute_all()
from roadmap.models import DirtyItem
DirtyItem.objects.all().delete()
print(json.dumps({"items": RoadmapItem.objects.count(), "scored": result.scored}))
"""


def seed(env: dict[str, str], *, extra_items: int) -> dict[str, int]:
    """Migrate, load the demo data set (seed_demo), add `extra_items` items, score all."""
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--quiet")
    out = manage(env, "shell", "-c", SEED_EXTRA.replace("EXTRA", str(extra_items)))
    # Statistics for the planner now, as autovacuum would give them soon after a load
    # (and never, where it is switched off).
    analyze = "from django.db import connection; connection.cursor().execute('ANALYZE')"
    manage(env, "shell", "-c", analyze)
    return json.loads(out.strip().splitlines()[-1])


def create_key(env: dict[str, str], user: str, role: str) -> str:
    return manage(env, "create_api_key", "--user", user, "--role", role).strip().splitlines()[-1]


def django_query(env: dict[str, str], code: str) -> object:
    """Run `code` (which prints one JSON line last) in a Django shell; return its value."""
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


class Server:
    def __init__(self, proc: subprocess.Popen, url: str) -> None:
        self.proc = proc
        self.url = url

    def pids(self) -> list[int]:
        """The gunicorn master and its workers."""
        pids = [self.proc.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.proc.pid:
                    pids.append(int(entry.name))
        return pids

    def rss_mib(self) -> float:
        """Resident memory of the master and its workers (VmRSS), MiB."""
        total_kib = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total_kib += int(line.split()[1])
            except OSError:
                continue
        return round(total_kib / 1024, 1)


@contextmanager
def gunicorn(env: dict[str, str], logdir: Path, *, workers: int) -> Iterator[Server]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(logdir / "gunicorn.log", "ab") as log:
        proc = subprocess.Popen(
            [
                *(str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"),
                *("--workers", str(workers), "--log-level", "warning", "--timeout", "60"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(proc, url)

    def answers() -> bool:
        if proc.poll() is not None:
            sys.exit((logdir / "gunicorn.log").read_text()[-3000:])
        try:
            return httpx.get(f"{url}/api/v1/items/", timeout=2).status_code == 401
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, timeout=60, what="gunicorn")
        yield server
    finally:
        stop(proc)


@contextmanager
def celery_worker(env: dict[str, str], logdir: Path) -> Iterator[subprocess.Popen]:
    """One worker process, as production runs it, to take the debounced recomputations."""
    log_path = logdir / "worker.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [
                *(str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"),
                *("--without-gossip", "--without-mingle", "--hostname", f"bench-{os.getpid()}@%h"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(lambda: "ready." in log_path.read_text(), timeout=60, what="the worker")
        yield proc
    finally:
        stop(proc)


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    info: dict[str, object] = {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": cpu,
    }
    try:
        import psycopg

        with psycopg.connect(admin_database_url()) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    except Exception as exc:  # the description must not stop a benchmark
        info["postgresql"] = f"unknown ({exc.__class__.__name__})"
    return info


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def print_table(rows: list[tuple[str, str, str]]) -> None:
    width = max(len(label) for label, _, _ in rows)
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>14}  {note}")
