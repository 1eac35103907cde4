"""Concurrent writers against a live server (gunicorn, several processes and threads):
two updates with the same If-Match, and one Idempotency-Key sent many times at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from config.models import IdempotencyRecord
from roadmap.models import RoadmapItem
from signals.models import FrictionReport
from tests.support.factories import RoadmapItemFactory
from tests.support.processes import Server, api_key, gunicorn, service_env

pytestmark = [pytest.mark.services, pytest.mark.slow]


def race(
    server: Server, key: str, count: int, send: Callable[[int, httpx.Client], httpx.Response]
) -> list[httpx.Response]:
    """`count` clients, connected beforehand, send at the same instant."""
    clients = [server.client(key) for _ in range(count)]
    for client in clients:
        assert client.get("/api/v1/themes/").status_code == 200  # the connection is open
    barrier = threading.Barrier(count)
    responses: list[httpx.Response | None] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            responses[index] = send(index, clients[index])
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for client in clients:
        client.close()
    assert not errors, errors
    return [response for response in responses if response is not None]


def test_two_updates_with_the_same_if_match_one_succeeds_and_the_other_gets_412(
    shared_db, own_redis, tmp_path
):
    key = api_key("pm", "product")
    items = RoadmapItemFactory.create_batch(6, effort=1.0)
    env = service_env(redis_url=own_redis.url)

    with gunicorn(env, tmp_path, workers=2, threads=2) as server:
        for item in items:
            assert item.version == 1
            responses = race(
                server,
                key,
                2,
                lambda index, client, item=item: client.patch(
                    f"/api/v1/items/{item.pk}/",
                    json={"effort": 2.0 + index},
                    headers={"If-Match": '"1"'},
                ),
            )
            statuses = sorted(response.status_code for response in responses)
            assert statuses == [200, 412], [(r.status_code, r.text) for r in responses]
            winner = next(r for r in responses if r.status_code == 200).json()
            loser = next(r for r in responses if r.status_code == 412).json()
            assert loser["error"]["code"] == "precondition_failed"
            stored = RoadmapItem.objects.get(pk=item.pk)
            assert stored.version == 2 == winner["version"]
            assert stored.effort == winner["effort"]
            assert stored.history.count() == 2  # created, and the one update that won


def test_one_idempotency_key_sent_concurrently_creates_exactly_one_friction_report(
    shared_db, own_redis, tmp_path
):
    key = api_key("marketer", "marketing")
    item = RoadmapItemFactory()
    # No external_id: nothing but the Idempotency-Key stands between a retry and a twin.
    body = {
        "campaign": "Spring trial push",
        "channel": "paid_search",
        "funnel_stage": "activation",
        "affected_people": 2400,
        "severity": 2.0,
        "observed_at": (timezone.now() - timedelta(days=1)).isoformat(),
        "links": [{"item": item.pk}],
    }
    env = service_env(redis_url=own_redis.url)

    with gunicorn(env, tmp_path, workers=2, threads=4) as server:
        for attempt in range(3):
            responses = race(
                server,
                key,
                8,
                lambda index, client, attempt=attempt: client.post(
                    "/api/v1/friction-reports/",
                    json={**body, "campaign": f"Spring trial push {attempt}"},
                    headers={"Idempotency-Key": f"retry-storm-{attempt}"},
                ),
            )
            assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
            assert len({r.json()["id"] for r in responses}) == 1
            replayed = [r.headers.get("Idempotent-Replayed") for r in responses]
            assert replayed.count("true") == 7
            assert (
                FrictionReport.objects.filter(campaign=f"Spring trial push {attempt}").count() == 1
            )

    assert FrictionReport.objects.count() == 3
    assert IdempotencyRecord.objects.count() == 3
