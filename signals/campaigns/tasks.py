"""Thin Celery wrappers around the campaign services (registered through signals.tasks)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from config.dispatch import RetryOptions
from signals.campaigns import proposals
from signals.campaigns.models import Campaign

# Transient failures only (a lost connection, a lock timeout); the daily run catches up on
# anything else.
_RETRY: RetryOptions = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="signals.friction_proposals_refresh", **_RETRY)
def friction_proposals_refresh(campaign_ids: list[int]) -> dict[str, int]:
    """Propose (or withdraw) friction from these campaigns' funnels; campaigns deleted
    meanwhile are simply absent."""
    result = proposals.friction_proposals_refresh(campaign_ids=campaign_ids)
    return {"created": result.created, "updated": result.updated, "withdrawn": result.withdrawn}


@shared_task(name="signals.friction_proposals_refresh_all", **_RETRY)
def friction_proposals_refresh_all() -> dict[str, int]:
    ids = list(
        Campaign.objects.filter(snapshots__isnull=False).distinct().values_list("pk", flat=True)
    )
    result = proposals.friction_proposals_refresh(campaign_ids=ids)
    return {"created": result.created, "updated": result.updated, "withdrawn": result.withdrawn}
