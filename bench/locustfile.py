"""Mixed traffic for `make bench-load` (bench/load.py starts this with locust --headless).

70% reads (the live ranking, an item, an item's score explanation) with integration keys,
20% posts (friction reports and market signals) with marketing keys, 10% item edits with
product keys. Every acknowledged write is counted (and its id kept) so that load.py can
compare it with the rows in the database afterwards.

Bounded twice: locust's --run-time, and LOAD_MAX_REQUESTS requests in all, after which
every simulated user stops. Only 127.0.0.1 is accepted as the host.

Configuration comes from the environment load.py sets: LOAD_KEYS (JSON: role -> keys),
LOAD_ITEM_IDS (JSON list), LOAD_RESULT (where to write the counts), LOAD_MAX_REQUESTS.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from locust import HttpUser, between, events, task
from locust.exception import StopUser

KEYS: dict[str, list[str]] = json.loads(os.environ.get("LOAD_KEYS", "{}"))
ITEM_IDS: list[int] = json.loads(os.environ.get("LOAD_ITEM_IDS", "[]"))
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "200000"))
OBSERVED = (datetime.now(UTC) - timedelta(days=2)).isoformat()

acknowledged: dict[str, list] = {"reports": [], "signals": [], "edits": []}
sent = itertools.count(1)
user_numbers = itertools.count()


@events.test_start.add_listener
def _refuse_remote_hosts(environment, **kwargs) -> None:
    host = urlparse(environment.host or "").hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"refusing to load {host!r}: 127.0.0.1 only")


@events.test_stop.add_listener
def _write_result(environment, **kwargs) -> None:
    total = environment.stats.total
    result = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.total_rps,
        "p50_ms": total.get_response_time_percentile(0.5),
        "p99_ms": total.get_response_time_percentile(0.99),
        "max_ms": total.max_response_time,
        "by_name": {
            name: {
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "p50_ms": entry.get_response_time_percentile(0.5),
                "p99_ms": entry.get_response_time_percentile(0.99),
            }
            for (name, _method), entry in environment.stats.entries.items()
        },
        "errors": [
            f"{error.method} {error.name}: {error.error} x{error.occurrences}"
            for error in environment.stats.errors.values()
        ],
        "acknowledged": acknowledged,
    }
    with open(os.environ["LOAD_RESULT"], "w") as out:
        json.dump(result, out)


class Client(HttpUser):
    """One client of each role, taking turns as the mix says, with a short pause between
    requests (LOAD_WAIT_MAX_SECONDS at most)."""

    wait_time = between(0, float(os.environ.get("LOAD_WAIT_MAX_SECONDS", "0.1")))

    def on_start(self) -> None:
        number = next(user_numbers)
        self.rng = random.Random(number)
        self.keys = {role: keys[number % len(keys)] for role, keys in KEYS.items()}

    def _auth(self, role: str) -> dict[str, str]:
        if next(sent) > MAX_REQUESTS:
            raise StopUser()
        return {"Authorization": f"Api-Key {self.keys[role]}"}

    def _item(self) -> int:
        return self.rng.choice(ITEM_IDS)

    @task(30)
    def live_ranking(self) -> None:
        self.client.get("/api/v1/rankings/live/", headers=self._auth("integration"))

    @task(20)
    def item(self) -> None:
        self.client.get(
            f"/api/v1/items/{self._item()}/", headers=self._auth("integration"), name="item"
        )

    @task(20)
    def item_score(self) -> None:
        self.client.get(
            f"/api/v1/items/{self._item()}/score/",
            headers=self._auth("integration"),
            name="item score",
        )

    @task(10)
    def post_report(self) -> None:
        external_id = f"load-{uuid.uuid4().hex}"
        body = {
            "campaign": "Load campaign",
            "channel": "paid_search",
            "funnel_stage": "activation",
            "affected_people": self.rng.randrange(10, 5000),
            "severity": self.rng.choice([0.5, 1.0, 2.0]),
            "source": "load",
            "external_id": external_id,
            "observed_at": OBSERVED,
            "links": [{"item": self._item(), "weight": 0.8}],
        }
        with self.client.post(
            "/api/v1/friction-reports/",
            json=body,
            headers=self._auth("marketing"),
            name="post report",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                acknowledged["reports"].append(external_id)
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(10)
    def post_signal(self) -> None:
        external_id = f"load-{uuid.uuid4().hex}"
        body = {
            "kind": self.rng.choice(["customer_request", "sales_feedback", "churn_reason"]),
            "title": "Customers ask for this",
            "source": "load",
            "external_id": external_id,
            "observed_at": OBSERVED,
            "links": [{"item": self._item()}],
        }
        with self.client.post(
            "/api/v1/signals/",
            json=body,
            headers=self._auth("marketing"),
            name="post signal",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                acknowledged["signals"].append(external_id)
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(10)
    def edit_item(self) -> None:
        item = self._item()
        with self.client.patch(
            f"/api/v1/items/{item}/",
            json={"effort": round(self.rng.uniform(0.5, 12.0), 2)},
            headers=self._auth("product"),
            name="edit item",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                acknowledged["edits"].append(item)
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
