"""Redis (broker and cache) down: marketing's reports are still accepted, fast, and nothing
is lost; once Redis is back, a worker with beat catches the scores up by itself.

What keeps a request off a dead Redis: config.dispatch queues after commit and swallows a
broker error (the item stays marked dirty); publishing gives up after
CELERY_BROKER_CONNECTION_TIMEOUT; the cache has socket timeouts; the throttle lets a
request through when its cache is unreachable; idempotency and sessions live in
PostgreSQL. The beat sweeper (every SCORING_SWEEP_SECONDS) recomputes whatever is dirty.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from roadmap.models import DirtyItem
from scoring.models import ItemScore
from scoring.services import item_scores_recompute_all
from signals.models import FrictionReport
from tests.support.factories import RoadmapItemFactory
from tests.support.processes import api_key, celery_worker, gunicorn, service_env, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]

REPORTS = 20
BOUND_SECONDS = 2.0


def report_body(index: int, item_id: int) -> dict:
    return {
        "campaign": "Spring trial push",
        "channel": "paid_search",
        "funnel_stage": "activation",
        "affected_people": 500 + index,
        "severity": 2.0,
        "source": "campaign-tool",
        "external_id": f"outage-{index}",
        "observed_at": (timezone.now() - timedelta(days=1)).isoformat(),
        "links": [{"item": item_id}],
    }


def test_with_redis_down_reports_are_accepted_within_2s_and_scores_catch_up_once_it_is_back(
    shared_db, own_redis, tmp_path
):
    items = [RoadmapItemFactory(reach=1000, impact=1, confidence=0.5, effort=1) for _ in range(4)]
    item_scores_recompute_all()
    before = {s.item_id: s.score for s in ItemScore.objects.all()}
    assert all(s.report_count == 0 for s in ItemScore.objects.all())
    key = api_key("marketer", "marketing")
    env = service_env(
        redis_url=own_redis.url, SCORING_SWEEP_SECONDS="1", SCORING_DEBOUNCE_SECONDS="1"
    )

    with gunicorn(env, tmp_path, workers=2) as server, server.client(key) as client:
        own_redis.kill()
        seconds = []
        expected: Counter[int] = Counter()
        for index in range(REPORTS):
            item = items[index % len(items)]
            started = time.monotonic()
            response = client.post(
                "/api/v1/friction-reports/",
                json=report_body(index, item.pk),
                # Half of them with an Idempotency-Key: that path needs no Redis either.
                headers={"Idempotency-Key": f"outage-{index}"} if index % 2 else {},
            )
            seconds.append(time.monotonic() - started)
            assert response.status_code == 201, response.text
            expected[item.pk] += 1
        health_started = time.monotonic()
        health = client.get("/health/?format=json")
        health_seconds = time.monotonic() - health_started
        server_log = server.log.read_text()

    print(f"report POSTs with Redis down: max {max(seconds):.3f}s, {seconds}")
    assert max(seconds) < BOUND_SECONDS
    # The operator sees the outage: the health check fails, and fast.
    assert health.status_code != 200
    assert health_seconds < BOUND_SECONDS
    assert "could not queue scoring.item_scores_recompute_dirty" in server_log
    assert "throttle cache unavailable; allowing the request" in server_log
    # Nothing lost: every report is a row, every linked item is marked dirty, no score moved.
    assert FrictionReport.objects.filter(source="campaign-tool").count() == REPORTS
    assert set(DirtyItem.objects.values_list("item_id", flat=True)) == set(expected)
    assert {s.item_id: s.score for s in ItemScore.objects.all()} == before

    own_redis.start()  # same port, empty: whatever was queued before is gone anyway
    with celery_worker(env, tmp_path, name="sweeper", beat=True) as worker:

        def caught_up() -> bool:
            counts = dict(ItemScore.objects.values_list("item_id", "report_count"))
            return counts == dict(expected) and not DirtyItem.objects.exists()

        # Well under the default 60 s sweep: SCORING_SWEEP_SECONDS=1 is what catches up.
        wait_for(caught_up, timeout=30, interval=0.5, what="the sweeper to catch up")
        log = worker.output()
    assert "scoring.item_scores_recompute_dirty" in log
    for score in ItemScore.objects.all():
        assert score.score > before[score.item_id]


def test_with_redis_hung_requests_still_answer_within_2s(shared_db, own_redis, tmp_path):
    """A Redis that accepts connections but never answers (here: stopped with SIGSTOP) is
    worse than a dead one: every call waits for its timeout. A request meets the cache at
    most twice (throttle, debounce), each bounded by the cache's 0.5 s socket timeout,
    and gives up queueing once the cache has failed."""
    item = RoadmapItemFactory()
    key = api_key("marketer", "marketing")
    env = service_env(redis_url=own_redis.url)

    with gunicorn(env, tmp_path, workers=1) as server, server.client(key) as client:
        assert client.get("/api/v1/items/").status_code == 200
        own_redis.pause()
        try:
            timings = []
            for index in range(5):
                started = time.monotonic()
                posted = client.post("/api/v1/friction-reports/", json=report_body(index, item.pk))
                timings.append(("POST", posted.status_code, time.monotonic() - started))
                started = time.monotonic()
                listed = client.get("/api/v1/rankings/live/")
                timings.append(("GET", listed.status_code, time.monotonic() - started))
        finally:
            own_redis.resume()

    print(f"with Redis hung: {[(m, s, round(t, 3)) for m, s, t in timings]}")
    assert {(method, status) for method, status, _ in timings} == {("POST", 201), ("GET", 200)}
    assert max(seconds for _, _, seconds in timings) < BOUND_SECONDS
    assert FrictionReport.objects.count() == 5
    assert DirtyItem.objects.filter(item=item).exists()
