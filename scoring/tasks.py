"""Thin Celery wrappers around scoring services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from config.dispatch import RetryOptions, debounce_release
from scoring import services, webhook_events

logger = logging.getLogger(__name__)

# Transient failures only: a lost connection or a lock timeout is worth retrying; a bug is
# not, and the sweeper retries the work anyway.
_TRANSIENT = (OperationalError, InterfaceError)
_RETRY: RetryOptions = {
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


@shared_task(name="scoring.score_changes_emit", **_RETRY)
def score_changes_emit() -> int:
    """item.score_changed webhooks for the score history written since the last run."""
    return webhook_events.score_changes_emit()
