"""A real Celery worker on the real Redis broker recomputes what a committed write marked.

Needs PostgreSQL (the worker is another process and must see the test database) and
Redis; under REQUIRE_SERVICES=1 it fails rather than skips when either is missing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from config.celery import app as celery_app
from scoring.models import ItemScore
from scoring.services import item_scores_recompute_all
from signals.services import report_create
from tests.support.factories import RoadmapItemFactory
from tests.support.services import need_service

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _redis_up() -> bool:
    if not settings.CELERY_BROKER_URL:
        return False
    try:
        return bool(redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def worker(transactional_db):
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    need_service("Redis", _redis_up(), "set REDIS_URL")
    celery_app.control.purge()
    cache.delete("debounce:scoring.item_scores_recompute_dirty")
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        output, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    print(output[-4000:])


def test_a_report_saved_in_one_transaction_changes_the_linked_score_through_the_worker(worker):
    item = RoadmapItemFactory(reach=1000, impact=1, confidence=0.5, effort=1)
    item_scores_recompute_all()
    before = ItemScore.objects.get(item=item).score

    with transaction.atomic():
        report_create(
            campaign="Trial push",
            channel="paid_search",
            funnel_stage="activation",
            affected_people=4000,
            severity=3,
            observed_at=item.created_at,
            links=[(item.pk, 1.0)],
        )

    deadline = time.monotonic() + 60
    after = before
    while time.monotonic() < deadline and after == before:
        time.sleep(0.5)
        after = ItemScore.objects.get(item=item).score
    assert worker.poll() is None, "the worker died"
    assert after > before
    assert ItemScore.objects.get(item=item).report_count == 1
