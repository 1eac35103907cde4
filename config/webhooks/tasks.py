"""Thin Celery wrappers around the webhook services."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from config.dispatch import RetryOptions
from config.webhooks import services

_RETRY: RetryOptions = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="config.webhook_deliveries_send", **_RETRY)
def webhook_deliveries_send(delivery_ids: list[int]) -> dict[str, int]:
    return services.deliveries_send(delivery_ids=delivery_ids)


@shared_task(name="config.webhook_deliveries_sweep", **_RETRY)
def webhook_deliveries_sweep() -> dict[str, int]:
    return services.deliveries_sweep()
