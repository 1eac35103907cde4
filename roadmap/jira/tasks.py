"""The Celery task of the Jira push. It runs in roadmap, which knows nothing of scoring:
the published ranking's entries come from the provider scoring registers under
PUSH_ITEMS_PROVIDER (config.dispatch), as plain `JiraPushRanking` data."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from config.dispatch import RetryOptions, provider
from roadmap.jira.push import JiraPushRanking, jira_ranking_push
from roadmap.jira.queue import PUSH_TASK, jira_sync_run_fail
from roadmap.jira.runs import JiraPushBusy

logger = logging.getLogger(__name__)

# Registered by scoring: `(ranking_id: int) -> JiraPushRanking | None` (None: no such
# ranking).
PUSH_ITEMS_PROVIDER = "roadmap.jira.push_items"

# Transient failures only (a lost connection, a lock timeout). Another push running is not
# an error either: wait for it (pushes never interleave). A worker that died mid-push frees
# the slot after CELERY_TASK_TIME_LIMIT (runs.runs_abandon).
_PUSH_RETRY: RetryOptions = {
    "autoretry_for": (OperationalError, InterfaceError, JiraPushBusy),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 10,
}


def _push(ranking_id: int, force: bool, run_id: int | None) -> dict[str, object]:
    ranking: JiraPushRanking | None = provider(PUSH_ITEMS_PROVIDER)(ranking_id=ranking_id)
    if ranking is None:
        if run_id is not None:
            jira_sync_run_fail(run_id=run_id, error=f"ranking id {ranking_id} is gone")
        return {"run": run_id, "status": "failed"}
    run = jira_ranking_push(
        ranking_number=ranking.number, items=ranking.items, force=force, run_id=run_id
    )
    return {"run": run.pk, "status": run.status}


@shared_task(name=PUSH_TASK, **_PUSH_RETRY)
def jira_ranking_push_task(
    ranking_id: int, force: bool = False, run_id: int | None = None
) -> dict[str, object]:
    """Push a published ranking's entries with a Jira key to Jira (roadmap.jira.push)."""
    return _push(ranking_id, force, run_id)


# The task's name before it moved out of scoring: messages a broker still holds from
# before the upgrade run under it. Remove once no deployment queues it any more.
@shared_task(name="scoring.ranking_push_to_jira", **_PUSH_RETRY)
def ranking_push_to_jira(
    ranking_id: int, force: bool = False, run_id: int | None = None
) -> dict[str, object]:
    return _push(ranking_id, force, run_id)
