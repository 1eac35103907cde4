"""The Slack Web API client every integration uses: slack_sdk's WebClient, retrying a 429
after its Retry-After, and 5xx answers and connection errors with exponential backoff
and jitter, SLACK_MAX_RETRIES times."""

from __future__ import annotations

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import RandomJitter

TIMEOUT_SECONDS = 10


def slack_client(*, timeout: int = TIMEOUT_SECONDS, retries: int | None = None) -> WebClient:
    """`retries` None: SLACK_MAX_RETRIES (0 where Slack waits for our answer)."""
    retries = settings.SLACK_MAX_RETRIES if retries is None else retries
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5, jitter=RandomJitter())
    return WebClient(
        token=settings.SLACK_BOT_TOKEN or None,
        base_url=settings.SLACK_API_URL,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=retries, interval_calculator=backoff),
            RateLimitErrorRetryHandler(max_retry_count=retries),
            ServerErrorRetryHandler(max_retry_count=retries, interval_calculator=backoff),
        ],
    )
