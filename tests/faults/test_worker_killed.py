"""A worker killed with SIGKILL in the middle of a full recompute: the recompute leaves
nothing half-written, the task is delivered again, and its result equals a clean run.

How it comes back: tasks are acknowledged late (CELERY_TASK_ACKS_LATE), so the message the
dead worker held stays in Redis' unacknowledged set; after CELERY_VISIBILITY_TIMEOUT (3 s
here, 900 s by default) the next worker puts it back on the queue and runs it. The dirty
marks and the sweeper would not cover this case: a full recompute (the daily decay) runs
whether or not anything is dirty, and here nothing is.
"""

from __future__ import annotations

import math
import os
import re
import signal
import time

import pytest
import redis
from django.db import connection

from config.celery import app as celery_app
from scoring.models import ItemScore
from scoring.services import _RECOMPUTE_LOCK_KEY, item_scores_recompute_all
from tests.faults.data import generate
from tests.support.processes import celery_worker, service_env, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]

ITEMS = 25_000
VISIBILITY_TIMEOUT = 3
COLUMNS = (
    "item_id",
    "model_id",
    "score",
    "rankable",
    "reach",
    "impact",
    "confidence",
    "evidence",
    "effort",
    "missing",
    "signal_count",
    "report_count",
    "computed_at",
)


def recompute_lock_holder() -> int | None:
    """The server process holding the recompute's advisory lock, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = %s AND objid = %s",
            [_RECOMPUTE_LOCK_KEY >> 32, _RECOMPUTE_LOCK_KEY & 0xFFFFFFFF],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def scores() -> list[tuple]:
    return list(ItemScore.objects.order_by("item_id").values_list(*COLUMNS))


def same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        # Evidence sums are added up by PostgreSQL, in whatever order its plan reads them.
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12)
    return left == right


def test_a_recompute_killed_mid_run_is_redelivered_and_ends_as_a_clean_run_would(
    shared_db, own_redis, tmp_path
):
    generate(items=ITEMS, signals_per_item=4, reports_per_item=1)
    assert not ItemScore.objects.exists()
    env = service_env(redis_url=own_redis.url, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))

    with celery_worker(env, tmp_path, name="doomed") as doomed:
        with celery_app.connection_for_write(own_redis.url) as conn:
            celery_app.send_task("scoring.item_scores_recompute_all", connection=conn)
        holder = wait_for(
            recompute_lock_holder, timeout=30, interval=0.05, what="the recompute to start"
        )
        time.sleep(0.3)  # well inside the run, which takes over a second
        assert "recomputed all" not in doomed.output()
        os.kill(doomed.proc.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        doomed.proc.wait(timeout=10)
        doomed_log = doomed.output()
    print(f"killed the worker while backend {holder} held the recompute lock")
    received = re.search(
        r"Task scoring.item_scores_recompute_all\[([0-9a-f-]+)\] received", doomed_log
    )
    assert received, doomed_log[-3000:]
    assert "recomputed all" not in doomed_log

    # PostgreSQL notices the dead client, rolls its transaction back and frees the lock.
    wait_for(lambda: recompute_lock_holder() is None, timeout=60, what="the lock to go")
    assert not ItemScore.objects.exists(), "the killed run wrote part of its result"
    broker = redis.Redis.from_url(own_redis.url)
    assert broker.hlen("unacked") == 1, "the task should be held unacknowledged"
    assert broker.llen("celery") == 0

    time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
    with celery_worker(env, tmp_path, name="successor") as successor:
        wait_for(
            lambda: f"recomputed all {ITEMS} items" in successor.output(),
            timeout=90,
            interval=0.25,
            what="the redelivered recompute to finish",
        )
    assert broker.hlen("unacked") == 0
    # The very task the dead worker held, not a new one.
    assert f"Task scoring.item_scores_recompute_all[{received.group(1)}] succeeded" in (
        successor.output()
    )

    redelivered = scores()
    assert len(redelivered) == ITEMS
    computed_at = {row[-1] for row in redelivered}
    assert len(computed_at) == 1  # one run wrote every row
    clean = item_scores_recompute_all(now=computed_at.pop())
    assert clean.items == ITEMS
    again = scores()
    mismatches = [
        (a, b) for a, b in zip(redelivered, again, strict=True) if not all(map(same, a, b))
    ]
    assert mismatches == []
    assert sum(row[2] is not None for row in again) > ITEMS // 2  # mostly real scores
