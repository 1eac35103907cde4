"""The fault tests' machinery: real processes (gunicorn, Celery workers, a Redis of our
own) against the real PostgreSQL test database, each stopped by its own id.

Every fault test needs PostgreSQL (the servers and workers are other processes and must
see the test's committed rows) and the `redis-server` binary; under REQUIRE_SERVICES=1 a
missing one fails the test instead of skipping it. The shared Redis on 6379 is never
touched: a test that needs a broker starts its own on a free port, so it may kill it, and
no other test's worker can take its tasks.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection

from config.models import ApiKey
from tests.support.factories import UserFactory
from tests.support.services import migrated_rows_restore, need_service

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    condition: Callable[[], Any], *, timeout: float, interval: float = 0.1, what: str = ""
) -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(interval)


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Stop a process we started (and its children: it leads its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# --- Redis of our own ---------------------------------------------------------------------


class RedisServer:
    """A throwaway redis-server on a free port: no persistence, ours to kill and restart."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        assert REDIS_SERVER
        with open(self.workdir / f"redis-{self.port}.log", "ab") as log:
            self.proc = subprocess.Popen(
                [
                    *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self.ping, timeout=10, what=f"redis on {self.port}")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def pause(self) -> None:
        """Hung, not dead: connections are accepted (by the kernel) and never answered."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def kill(self) -> None:
        """Down hard, as a crash: the port refuses connections."""
        assert self.proc is not None
        _stop(self.proc, signal.SIGKILL)
        assert not self.ping()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    need_service("redis-server", REDIS_SERVER is not None, "the redis-server binary is missing")
    server = RedisServer(tmp_path).start()
    yield server
    if server.proc is not None:
        _stop(server.proc, signal.SIGKILL)


# --- The database the processes share ------------------------------------------------------


def database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def shared_db(transactional_db: None) -> None:
    """The test database, committed as we go (other processes read it), with the rows the
    migrations seed: an earlier transactional test's flush may have removed them."""
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    migrated_rows_restore()


def api_key(username: str, role: str) -> str:
    user = UserFactory(username=username, role=role)
    _, key = ApiKey.objects.create_key(user=user, name=f"{username} (faults)")
    return key


def other_backends(*, application_name: str | None = None) -> list[int]:
    """Server processes connected to the test database, ours excepted."""
    sql = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()"
    )
    params: list[str] = []
    if application_name:
        sql += " AND application_name = %s"
        params.append(application_name)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# --- Processes of the service --------------------------------------------------------------


def service_env(*, redis_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a production process of the service on this test database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "SCORING_", "API_", "SECURE_"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_TLS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url(),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path) -> None:
        self.proc = proc
        self.url = f"http://127.0.0.1:{port}"
        self.log = log

    def client(self, key: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Api-Key {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)


@contextmanager
def gunicorn(
    env: dict[str, str], workdir: Path, *, workers: int = 2, threads: int = 1
) -> Iterator[Server]:
    port = free_port()
    log = workdir / f"gunicorn-{port}.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [
                *(str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"),
                *("--workers", str(workers), "--threads", str(threads), "--timeout", "60"),
                *("--log-level", "info", "--access-logfile", "-"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(proc, port, log)

    def answers() -> bool:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            return httpx.get(f"{server.url}/api/v1/items/", timeout=2).status_code == 401
        except httpx.TransportError:
            return False

    try:
        wait_for(answers, timeout=30, interval=0.2, what="gunicorn to answer")
        yield server
    finally:
        _stop(proc)
        print(f"--- {log.name} (tail)\n{log.read_text()[-3000:]}")


class Worker:
    def __init__(self, proc: subprocess.Popen, log: Path) -> None:
        self.proc = proc
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def celery_worker(
    env: dict[str, str], workdir: Path, *, name: str, beat: bool = False
) -> Iterator[Worker]:
    """One Celery worker process (--pool=solo: the task runs in that very process, so a
    SIGKILL of it is a SIGKILL of the task), optionally with an embedded beat."""
    log = workdir / f"worker-{name}.log"
    args = [str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"]
    args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    args += ["--hostname", f"{name}-{os.getpid()}@%h"]
    if beat:
        args += ["--beat", "--schedule", str(workdir / f"beat-{name}")]
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = Worker(proc, log)
    try:
        wait_for(
            lambda: "ready." in worker.output() or proc.poll() is not None,
            timeout=30,
            interval=0.2,
            what=f"worker {name} to be ready",
        )
        assert proc.poll() is None, worker.output()[-3000:]
        yield worker
    finally:
        _stop(proc)
        print(f"--- {log.name} (tail)\n{worker.output()[-3000:]}")
