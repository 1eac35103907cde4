"""Write use-cases of outbound webhooks: emit events into the outbox, deliver them,
manage subscriptions.

At least once: `event_emit` writes the event and one delivery per subscribed endpoint in
the caller's transaction, and queues the send after commit; a broker that is down loses
nothing, since the beat sweeper sends whatever is due. A delivery is claimed with a
compare-and-set on `next_attempt_at` (the lease), so two workers never send it at once,
and no database transaction is open during the HTTP request.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.dispatch import send_after_commit
from config.webhooks import sender, signing
from config.webhooks.events import EVENT_TYPES
from config.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from config.webhooks.urlguard import UrlRefused, check_url

logger = logging.getLogger(__name__)

SEND_TASK = "config.webhook_deliveries_send"
SWEEP_BATCH = 500


def _retry_window() -> timedelta:
    return timedelta(hours=settings.WEBHOOK_RETRY_HOURS)


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after `attempts` failed ones: exponential
    (base × 2^(attempts-1), capped) with "equal jitter" (half fixed, half random), so
    receivers coming back up are not hit by every sender at the same instant."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    delay = min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_MAX_SECONDS)
    return delay / 2 + (rng or random).uniform(0, delay / 2)


# --- Emitting ---------------------------------------------------------------------------


def subscribed_to(event_type: str) -> list[int]:
    return [
        pk
        for pk, events in WebhookSubscription.objects.filter(is_active=True).values_list(
            "pk", "events"
        )
        if isinstance(events, list) and event_type in events
    ]


def events_emit(event_type: str, payloads: Iterable[Mapping[str, Any]]) -> int:
    """Write one event per payload, and a delivery of each to every active subscription
    to `event_type`, in the caller's transaction; queue their sending after commit.

    Costs one query when nobody subscribes (and writes nothing), three otherwise, whatever
    the number of payloads. Returns the number of events written.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}; add it to EVENT_TYPES")
    payloads = list(payloads)
    if not payloads:
        return 0
    subscription_ids = subscribed_to(event_type)
    if not subscription_ids:
        return 0
    now = timezone.now()
    events = [
        WebhookEvent(type=event_type, payload=dict(payload), created_at=now) for payload in payloads
    ]
    retry_until = now + _retry_window()
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(events)
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    event=event,
                    subscription_id=subscription_id,
                    next_attempt_at=now,
                    retry_until=retry_until,
                )
                for event in events
                for subscription_id in subscription_ids
            ]
        )
    ids = [d.pk for d in deliveries if d.pk is not None]
    if ids:
        send_after_commit(SEND_TASK, kwargs={"delivery_ids": ids})
    else:
        # Backends that do not return ids from bulk inserts: the sweeper sends them.
        send_after_commit("config.webhook_deliveries_sweep")
    return len(events)


def event_emit(event_type: str, payload: Mapping[str, Any]) -> int:
    """Emit one event (see `events_emit`)."""
    return events_emit(event_type, [payload])


# --- Delivering -------------------------------------------------------------------------


def event_body(event: WebhookEvent) -> bytes:
    """The JSON body of an event, as Standard Webhooks suggests: type, timestamp, data."""
    envelope = {
        "type": event.type,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def _claim(delivery_id: int) -> bool:
    now = timezone.now()
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 2 + 60)
    return (
        WebhookDelivery.objects.filter(
            pk=delivery_id,
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            subscription__is_active=True,
        ).update(next_attempt_at=lease)
        == 1
    )


def delivery_attempt(*, delivery_id: int) -> str:
    """Send one due delivery once; return its status afterwards ("skipped" when it was
    not due, already sent, taken by another worker, or its subscription is disabled)."""
    if not _claim(delivery_id):
        return "skipped"
    delivery = (
        WebhookDelivery.objects.select_related("event", "subscription")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return "skipped"
    event, subscription = delivery.event, delivery.subscription
    body = event_body(event)
    now = timezone.now()
    result = sender.post(
        url=subscription.url,
        body=body,
        headers=signing.headers(
            secret=subscription.secret,
            message_id=event.message_id,
            timestamp=int(now.timestamp()),
            body=body,
        ),
    )
    return _record(delivery, result, attempted_at=now)


@transaction.atomic
def _record(delivery: WebhookDelivery, result: sender.AttemptResult, *, attempted_at) -> str:
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=attempted_at,
        status_code=result.status_code,
        ok=result.ok,
        error=result.error,
        response_excerpt=result.excerpt,
        duration_ms=result.duration_ms,
    )
    attempts = delivery.attempts + 1
    now = timezone.now()
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": attempted_at,
        "last_status_code": result.status_code,
        "last_error": result.error,
    }
    subscriptions = WebhookSubscription.objects.filter(pk=delivery.subscription_id)
    if result.ok:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
        subscriptions.update(consecutive_failures=0)
    else:
        next_at = now + timedelta(seconds=retry_delay(attempts))
        if next_at > delivery.retry_until:
            fields.update(status=DeliveryStatus.FAILED)
        else:
            fields.update(next_attempt_at=next_at)
        subscriptions.update(consecutive_failures=F("consecutive_failures") + 1)
        _disable_if_failing(delivery.subscription_id)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    return str(fields.get("status", DeliveryStatus.PENDING))


def _disable_if_failing(subscription_id: int) -> None:
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    disabled = WebhookSubscription.objects.filter(
        pk=subscription_id, is_active=True, consecutive_failures__gte=limit
    ).update(
        is_active=False,
        disabled_at=timezone.now(),
        disabled_reason=f"Disabled after {limit} failed attempts in a row.",
    )
    if disabled:
        # The owner sees the flag (and a message) in the admin; the log tells operators.
        logger.warning(
            "webhook subscription %s disabled after %d failed attempts", subscription_id, limit
        )


def deliveries_send(*, delivery_ids: Sequence[int]) -> dict[str, int]:
    """Attempt each of these deliveries that is due; count them by resulting status."""
    counts: dict[str, int] = {}
    for delivery_id in delivery_ids:
        status = delivery_attempt(delivery_id=delivery_id)
        counts[status] = counts.get(status, 0) + 1
    return counts


def deliveries_due(*, limit: int = SWEEP_BATCH) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=timezone.now(),
            subscription__is_active=True,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_sweep(*, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Send whatever is due (the beat sweeper): retries, and what a broker outage kept
    from being queued."""
    return deliveries_send(delivery_ids=deliveries_due(limit=limit))


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (same message id), whatever its status, with a fresh retry
    window. Refused while its subscription is disabled."""
    subscription = WebhookSubscription.objects.get(pk=delivery.subscription_id)
    if not subscription.is_active:
        raise ValidationError(
            {"subscription": ["The subscription is disabled; enable it first."]},
            code="disabled",
        )
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now, retry_until=now + _retry_window()
    )
    send_after_commit(SEND_TASK, kwargs={"delivery_ids": [delivery.pk]})
    delivery.refresh_from_db()
    return delivery


# --- Subscriptions ----------------------------------------------------------------------


def _validate(subscription: WebhookSubscription) -> None:
    errors: dict[str, list[str]] = {}
    events = subscription.events
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        errors["events"] = ["Give a non-empty list of event types."]
    else:
        unknown = sorted(set(events) - set(EVENT_TYPES))
        if unknown:
            errors["events"] = [
                f"Unknown event type(s): {', '.join(unknown)}. Known: "
                f"{', '.join(sorted(EVENT_TYPES))}."
            ]
        subscription.events = sorted(set(events))
    try:
        check_url(subscription.url)
    except UrlRefused as exc:
        errors["url"] = [str(exc)]
    try:
        subscription.full_clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def subscription_create(
    *,
    url: str,
    events: list[str],
    owner: User | None,
    description: str = "",
    is_active: bool = True,
) -> WebhookSubscription:
    subscription = WebhookSubscription(
        url=url, events=events, owner=owner, description=description, is_active=is_active
    )
    _validate(subscription)
    subscription.save()
    return subscription


_EDITABLE = {"url", "events", "description", "is_active"}


@transaction.atomic
def subscription_update(
    *, subscription: WebhookSubscription, data: Mapping[str, Any]
) -> WebhookSubscription:
    """Change a subscription. Turning it back on clears its failure count and sends what
    was waiting, with a fresh retry window."""
    unknown = set(data) - _EDITABLE
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    enabling = data.get("is_active") is True and not locked.is_active
    for name, value in data.items():
        setattr(locked, name, value)
    _validate(locked)
    if enabling:
        locked.consecutive_failures = 0
        locked.disabled_at = None
        locked.disabled_reason = ""
    locked.save()
    if enabling:
        now = timezone.now()
        locked.deliveries.filter(status=DeliveryStatus.PENDING).update(
            next_attempt_at=now, retry_until=now + _retry_window()
        )
        send_after_commit("config.webhook_deliveries_sweep")
    return locked


@transaction.atomic
def subscription_rotate_secret(*, subscription: WebhookSubscription) -> WebhookSubscription:
    from config.webhooks.models import new_secret

    WebhookSubscription.objects.filter(pk=subscription.pk).update(secret=new_secret())
    subscription.refresh_from_db()
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: WebhookSubscription) -> None:
    subscription.delete()
