"""The baseline of make bench-load: the same clients, the same gunicorn, /health/ only.
Writes {"requests", "rps", "failures"} to LOAD_RESULT."""

from __future__ import annotations

import json
import os

from locust import HttpUser, between, events, task


class Health(HttpUser):
    # The same think time as the mixed load (bench/locustfile.py).
    wait_time = between(0, float(os.environ.get("LOAD_WAIT_MAX_SECONDS", "0.1")))

    @task
    def health(self) -> None:
        self.client.get("/health/")


@events.test_stop.add_listener
def _write_result(environment, **kwargs) -> None:
    total = environment.stats.total
    with open(os.environ["LOAD_RESULT"], "w") as out:
        json.dump(
            {
                "requests": total.num_requests,
                "rps": total.total_rps,
                "failures": total.num_failures,
            },
            out,
        )
