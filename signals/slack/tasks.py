"""Celery task of Slack in: the signal is written here, after the view answered Slack."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from signals.slack import services


@shared_task(
    name="signals.slack_message_to_signal",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_jitter=True,
    max_retries=5,
)
def slack_message_to_signal(**fields: Any) -> dict[str, Any]:
    return services.slack_message_to_signal(**fields)
