"""PostgreSQL drops the server's connections (a failover, a restart, an administrator's
pg_terminate_backend) between two requests: the next requests still succeed.

The server keeps its connection between requests (DATABASE_CONN_MAX_AGE > 0); Django
checks a reused connection before its first query in a request (CONN_HEALTH_CHECKS, always
on in config/settings.py) and opens a new one when the old is gone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from signals.models import FrictionReport
from tests.support.factories import RoadmapItemFactory
from tests.support.processes import (
    api_key,
    database_url,
    gunicorn,
    other_backends,
    service_env,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.slow]

APP = "faults-web"


def terminate_everyone_else() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_requests_succeed_after_the_servers_database_connections_are_terminated(
    shared_db, own_redis, tmp_path
):
    item = RoadmapItemFactory()
    reader = api_key("jira-bot", "integration")
    writer = api_key("marketer", "marketing")
    env = service_env(
        redis_url=own_redis.url,
        DATABASE_URL=f"{database_url()}?application_name={APP}",
        DATABASE_CONN_MAX_AGE="600",
    )
    report = {
        "campaign": "Webinar series",
        "channel": "events",
        "funnel_stage": "conversion",
        "affected_people": 120,
        "severity": 1.0,
        "observed_at": (timezone.now() - timedelta(days=3)).isoformat(),
        "links": [{"item": item.pk}],
    }

    # One process, one thread: the server has exactly one connection, and it is reused.
    with (
        gunicorn(env, tmp_path, workers=1, threads=1) as server,
        server.client(reader) as reads,
        server.client(writer) as writes,
    ):
        for _ in range(3):
            assert reads.get("/api/v1/items/").status_code == 200
        backends = other_backends(application_name=APP)
        assert len(backends) == 1, backends

        for round_ in range(3):
            old = other_backends(application_name=APP)
            assert terminate_everyone_else() >= 1
            wait_for(
                lambda old=old: not set(old) & set(other_backends(application_name=APP)),
                timeout=10,
                what="the terminated backend to exit",
            )

            listed = reads.get("/api/v1/items/")
            posted = writes.post("/api/v1/friction-reports/", json=report)
            assert listed.status_code == 200, listed.text
            assert posted.status_code == 201, posted.text
            new = other_backends(application_name=APP)
            assert len(new) == 1, (round_, old, new)
            assert new != old, (round_, old, new)
        server_log = server.log.read_text()

    assert FrictionReport.objects.count() == 3
    assert " 500 " not in server_log
