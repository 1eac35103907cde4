"""Outbound webhooks following the Standard Webhooks specification.

`event_emit(type, payload)` / `events_emit(type, payloads)` write events into the outbox in
the caller's transaction; Celery delivers them (see `services`). Event types: `events`.
"""

from __future__ import annotations

from typing import Any


def event_emit(event_type: str, payload: Any) -> int:
    from config.webhooks.services import event_emit as emit

    return emit(event_type, payload)


def events_emit(event_type: str, payloads: Any) -> int:
    from config.webhooks.services import events_emit as emit

    return emit(event_type, payloads)
