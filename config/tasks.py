"""Thin Celery wrappers around config services."""

from __future__ import annotations

from celery import shared_task

from config import services


@shared_task(name="config.idempotency_records_prune")
def idempotency_records_prune() -> int:
    return services.idempotency_records_prune()
