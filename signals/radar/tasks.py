"""Thin Celery wrappers around the radar's services (beat entries in config.settings)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from config.dispatch import RetryOptions, debounce_release, send_after_commit
from signals.radar import services, topic_services

logger = logging.getLogger(__name__)

# Transient failures only; the beat sweep retries anything else on its next run.
_RETRY: RetryOptions = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name=services.REFRESH_TASK, **_RETRY)
def radar_refresh() -> dict[str, float]:
    """Stale profiles and docs, one batch; queues the next batch while some remain."""
    debounce_release(services.REFRESH_TASK)
    result = services.radar_refresh()
    if result.remaining:
        send_after_commit(services.REFRESH_TASK)
    if result.docs or result.profiles:
        logger.info(
            "radar: %d profiles, %d docs in %.3fs", result.profiles, result.docs, result.seconds
        )
    return {"profiles": result.profiles, "docs": result.docs, "seconds": result.seconds}


@shared_task(name="signals.radar_topics_refresh", **_RETRY)
def radar_topics_refresh() -> dict[str, float]:
    result = topic_services.radar_topics_refresh()
    logger.info(
        "radar topics: %d docs, %d topics (%d emerging) in %.1fs",
        result.docs,
        result.topics,
        result.emerging,
        result.seconds,
    )
    return {"docs": result.docs, "topics": result.topics, "emerging": result.emerging}
