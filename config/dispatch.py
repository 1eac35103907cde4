"""Queue Celery work after the current transaction commits, and let a higher app answer a
lower app by name (providers, below).

Writers never talk to the broker inside a transaction: the task is sent after commit, and
a broker that is down costs a log line, not a failed request. Work queued this way must be
recoverable from the database (the scoring sweeper re-runs whatever is still dirty).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

# After the cache or the broker failed, this process does not try either again for this
# many seconds: one request may queue several tasks (scores, the radar), and each would
# otherwise wait for the same dead Redis. The work stays recorded in the database (dirty
# and stale marks), so skipping a send only waits for the sweeper.
UNAVAILABLE_BACKOFF_SECONDS = 5.0
_unavailable_until = 0.0


def _mark_unavailable() -> None:
    global _unavailable_until
    _unavailable_until = time.monotonic() + UNAVAILABLE_BACKOFF_SECONDS


def _debounce_key(task_name: str) -> str:
    return f"debounce:{task_name}"


def debounce_release(task_name: str) -> None:
    """Called by a debounced task when it starts, so later writes queue a fresh run."""
    try:
        cache.delete(_debounce_key(task_name))
    except Exception:  # a cache outage must not stop the work itself
        logger.warning("could not release debounce key for %s", task_name, exc_info=True)


def send_after_commit(
    task_name: str, *, kwargs: dict[str, Any] | None = None, debounce: float | None = None
) -> None:
    """Send `task_name` once the surrounding transaction commits (now, outside one).

    With `debounce`, a burst of calls within that many seconds sends one task, delayed by
    `debounce` seconds. Without a broker (the embedded default), the task runs in-process.
    """

    def send() -> None:
        task = celery_app.tasks[task_name]
        if settings.CELERY_TASK_ALWAYS_EAGER:
            task.apply(kwargs=kwargs or {})
            return
        if time.monotonic() < _unavailable_until:
            logger.warning(
                "not queueing %s: Redis failed moments ago; the sweeper will catch up", task_name
            )
            return
        key = _debounce_key(task_name)
        try:
            if debounce and not cache.add(key, 1, timeout=int(debounce) + 60):
                return  # one is already queued and has not started yet
        except Exception:
            # The cache is Redis, and so is the broker: don't wait for it a second time.
            _mark_unavailable()
            logger.warning(
                "could not queue %s (cache unavailable); the sweeper will catch up",
                task_name,
                exc_info=True,
            )
            return
        try:
            # countdown 0 is "no countdown" to Celery (it only converts a truthy one to an ETA).
            task.apply_async(kwargs=kwargs or {}, countdown=debounce or 0)
        except Exception:
            # Broker down: the database still says what is to be done.
            _mark_unavailable()
            logger.warning(
                "could not queue %s; the sweeper will catch up", task_name, exc_info=True
            )
            if debounce:
                try:
                    cache.delete(key)
                except Exception:
                    logger.debug("cache unavailable while releasing %s", key, exc_info=True)

    transaction.on_commit(send, robust=True)


# --- Providers: a higher app answers a lower app's question by name -----------------------
#
# Imports go one way (config ← roadmap ← signals ← scoring). When a lower app needs data
# only a higher one has (the Jira push, in roadmap, needs a published ranking's entries,
# in scoring), the higher app registers a function under a name at start (its
# AppConfig.ready) and the lower app calls it by that name: no upward import.

_PROVIDERS: dict[str, Callable[..., Any]] = {}


def provider_register(name: str, function: Callable[..., Any]) -> None:
    """Register `function` as the provider of `name` (once per process; the same function
    again is fine, another one is a programming error)."""
    registered = _PROVIDERS.get(name)
    if registered is not None and registered is not function:
        raise RuntimeError(f"{name} is already provided by {registered!r}")
    _PROVIDERS[name] = function


def provider(name: str) -> Callable[..., Any]:
    """The function registered for `name`; LookupError when no installed app provides it."""
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise LookupError(f"nothing provides {name!r}: is its app installed?") from None


class RetryOptions(TypedDict, total=False):
    """The retry options every app's tasks pass to `shared_task(**options)`, typed so that a
    misspelt option is a type error rather than an option Celery silently ignores."""

    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: bool | int
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int
