"""Thin Celery wrappers around scoring services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from config.dispatch import debounce_release
from roadmap.jira import services as jira
from scoring import selectors, services, webhook_events
from scoring.models import Ranking

logger = logging.getLogger(__name__)

# Transient failures only: a lost connection or a lock timeout is worth retrying; a bug is
# not, and the sweeper retries the work anyway.
_TRANSIENT = (OperationalError, InterfaceError)
_RETRY = {
    "autoretry_for": _TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="scoring.item_scores_recompute_dirty", **_RETRY)
def item_scores_recompute_dirty() -> dict[str, float]:
    debounce_release("scoring.item_scores_recompute_dirty")
    result = services.item_scores_recompute_dirty()
    if result.items:
        logger.info("recomputed %d dirty items in %.3fs", result.items, result.seconds)
    return {"items": result.items, "seconds": result.seconds}


@shared_task(name="scoring.item_scores_recompute_all", **_RETRY)
def item_scores_recompute_all() -> dict[str, float]:
    result = services.item_scores_recompute_all()
    logger.info("recomputed all %d items in %.3fs", result.items, result.seconds)
    return {"items": result.items, "seconds": result.seconds}


# Another push running is not an error: wait for it (pushes never interleave). A worker
# that died mid-push frees the slot after CELERY_TASK_TIME_LIMIT (jira._runs_abandon).
_PUSH_RETRY = {
    "autoretry_for": (*_TRANSIENT, jira.JiraPushBusy),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(name="scoring.ranking_push_to_jira", **_PUSH_RETRY)
def ranking_push_to_jira(
    ranking_id: int, force: bool = False, run_id: int | None = None
) -> dict[str, object]:
    """Push a published ranking's entries with a Jira key to Jira (roadmap.jira)."""
    ranking = Ranking.objects.filter(pk=ranking_id).first()
    if ranking is None:
        if run_id is not None:
            jira.jira_sync_run_fail(run_id=run_id, error=f"ranking id {ranking_id} is gone")
        return {"run": run_id, "status": "failed"}
    # The entries with a Jira key, as plain data: roadmap knows nothing of scoring.
    entries = (
        selectors.ranking_entries(ranking=ranking)
        .exclude(jira_key="")
        .values_list(
            "item_id", "jira_key", "position", "score", "reach", "impact", "confidence", "effort"
        )
    )
    run = jira.jira_ranking_push(
        ranking_number=ranking.number,
        items=[jira.JiraPushItem(*row) for row in entries],
        force=force,
        run_id=run_id,
    )
    return {"run": run.pk, "status": run.status}


@shared_task(name="scoring.score_changes_emit", **_RETRY)
def score_changes_emit() -> int:
    """item.score_changed webhooks for the score history written since the last run."""
    return webhook_events.score_changes_emit()
