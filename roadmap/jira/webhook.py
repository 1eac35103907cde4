"""The Jira webhook: who may deliver (`jira_webhook_verify`), how a delivery is recognised
(`jira_webhook_delivery_id`), and what it does (`jira_webhook_receive`: a mapped status
becomes its item's status).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from roadmap.jira.models import JiraWebhookDelivery
from roadmap.models import RoadmapItem
from roadmap.services import items_set_status


@dataclass(frozen=True)
class JiraWebhookResult:
    """What a delivery did: `applied` with the item and its new status, or why not."""

    applied: bool
    detail: str
    item_id: int | None = None
    jira_key: str = ""
    status: str = ""


def jira_webhook_verify(
    *, secret: str, body: bytes, query_secret: str | None, signature: str | None
) -> bool | None:
    """Whether a delivery comes from our Jira: None when it carries no credential, else
    True only if every credential it carries is right, compared in constant time.

    Jira Cloud signs a webhook that has a secret with `X-Hub-Signature: sha256=<hex HMAC
    of the body>`; a `?secret=` in the URL serves senders that cannot sign (Automation's
    "Send web request"), at the price of the secret appearing in access logs.
    """
    if query_secret is None and signature is None:
        return None
    key = secret.encode()
    verdicts = []
    if query_secret is not None:
        verdicts.append(hmac.compare_digest(query_secret.encode(), key))
    if signature is not None:
        algorithm, _, given = signature.strip().partition("=")
        expected = hmac.new(key, body, hashlib.sha256).hexdigest()
        verdicts.append(
            algorithm.lower() == "sha256"
            and hmac.compare_digest(given.strip().lower().encode(), expected.encode())
        )
    return all(verdicts)


def jira_webhook_delivery_id(*, payload: dict[str, Any], header: str | None) -> str:
    """Jira's X-Atlassian-Webhook-Identifier (the same on each of its retries); without
    it, a hash of event, issue and timestamp (or of the whole payload)."""
    if header and header.strip():
        return header.strip()[:128]
    issue = _dict(payload.get("issue"))
    timestamp = payload.get("timestamp")
    if timestamp is None:
        basis = json.dumps(payload, sort_keys=True, default=str)
    else:
        issue_id = issue.get("id") or issue.get("key")
        basis = f"{payload.get('webhookEvent')}|{issue_id}|{timestamp}"
    return "sha256:" + hashlib.sha256(basis.encode()).hexdigest()


def _dict(value: Any) -> dict[str, Any]:
    """`value` when the payload has an object there, else an empty one."""
    return value if isinstance(value, dict) else {}


def _status_target(name: str) -> str | None:
    """The item status a Jira status maps to (JIRA_STATUS_MAP; names compare as Jira's
    do, case-insensitively)."""
    folded = name.casefold()
    status_map = settings.JIRA_STATUS_MAP
    assert isinstance(status_map, dict)  # parsed from its text when the app loads
    for jira_status, target in status_map.items():
        if jira_status.casefold() == folded:
            return target
    return None


def _status_changed(payload: dict[str, Any]) -> bool:
    """Whether the update changed the status. Jira Cloud sends a changelog with every
    `jira:issue_updated`; an update of another field (our own score push among them) must
    not reset a status changed here since. Without a changelog, the status is taken as
    news."""
    changelog = payload.get("changelog")
    if not isinstance(changelog, dict):
        return True
    entries = changelog.get("items")
    if not isinstance(entries, list):
        return True
    return any(isinstance(e, dict) and e.get("field") == "status" for e in entries)


class JiraWebhookInvalid(Exception):
    """The delivery is authentic but unusable (a NUL in a name, a timestamp that is not
    epoch milliseconds): `fields` says where, as a 400's `fields`."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{name}: {' '.join(m)}" for name, m in fields.items()))
        self.fields = fields


class JiraWebhookStale(Exception):
    """The delivery is dated further from now than JIRA_WEBHOOK_MAX_AGE_SECONDS: a replay
    of a captured delivery, or a retry too late to trust over what changed since."""


@dataclass(frozen=True)
class _Delivery:
    """What the service reads from a payload, checked."""

    event: str
    key: str
    jira_status: str
    actor: str
    timestamp_ms: int | None


# Jira's timestamps are epoch milliseconds; anything beyond this (year 5138) is not one.
_MAX_TIMESTAMP_MS = 10**14


def _read(payload: dict[str, Any], delivery_id: str) -> _Delivery:
    """The names the service uses, refused when they hold a NUL (no database text column
    takes one, and no Jira name holds one), and the timestamp, refused when it is not
    epoch milliseconds."""
    issue = _dict(payload.get("issue"))
    fields = _dict(issue.get("fields"))
    status = _dict(fields.get("status"))
    user = _dict(payload.get("user"))
    names = {
        "webhookEvent": str(payload.get("webhookEvent") or "")[:64],
        "issue.key": str(issue.get("key") or "")[:42],
        "issue.fields.status.name": str(status.get("name") or "")[:120],
        "user.displayName": str(user.get("displayName") or "").strip(),
        "X-Atlassian-Webhook-Identifier": delivery_id,
    }
    errors = {
        name: ["Must not contain a NUL character."]
        for name, value in names.items()
        if "\x00" in value
    }
    timestamp = payload.get("timestamp")
    if timestamp is not None and (
        not isinstance(timestamp, int)
        or isinstance(timestamp, bool)
        or not 0 < timestamp < _MAX_TIMESTAMP_MS
    ):
        errors["timestamp"] = ["Must be the time of the event in epoch milliseconds."]
    if errors:
        raise JiraWebhookInvalid(errors)
    return _Delivery(
        event=names["webhookEvent"],
        key=names["issue.key"],
        jira_status=names["issue.fields.status.name"],
        actor=names["user.displayName"],
        timestamp_ms=timestamp,
    )


def _check_age(timestamp_ms: int | None, *, now: datetime) -> None:
    """Refuse a delivery dated more than JIRA_WEBHOOK_MAX_AGE_SECONDS from now, either
    way. Jira's retries carry the original timestamp, so the age must outlast them (see
    the setting). A payload without a timestamp (Automation's "Send web request" may
    send none) is not dated: its signed body still makes it a one-time delivery."""
    if timestamp_ms is None:
        return
    max_age = settings.JIRA_WEBHOOK_MAX_AGE_SECONDS
    age = now.timestamp() - timestamp_ms / 1000
    if age > max_age:
        raise JiraWebhookStale(
            f"The delivery is dated {age:.0f} s ago, older than {max_age} s "
            "(JIRA_WEBHOOK_MAX_AGE_SECONDS): refused as a possible replay."
        )
    if -age > max_age:
        raise JiraWebhookStale(
            f"The delivery is dated {-age:.0f} s in the future, more than {max_age} s "
            "(JIRA_WEBHOOK_MAX_AGE_SECONDS): refused; check the clocks."
        )


@transaction.atomic
def jira_webhook_receive(
    *,
    payload: dict[str, Any],
    delivery_id: str,
    body: bytes,
    now: datetime | None = None,
) -> JiraWebhookResult:
    """Apply a `jira:issue_updated` delivery: the issue's new status, mapped with
    JIRA_STATUS_MAP, becomes its item's status (through items_set_status, so the change
    has a history row, attributed to Jira and its user, and the item is rescored).
    Unknown keys, unmapped statuses, other events and a delivery already received are
    ignored.

    A delivery is recognised by its id (Jira's identifier, the same on its retries) and
    by the hash of its verified body: a captured delivery re-sent under a new identifier,
    or none, is still the same signed content. One dated too far from now raises
    JiraWebhookStale; unusable content raises JiraWebhookInvalid (both before anything is
    written).

    The delivery is stored in the same transaction as the change, so a redelivery after a
    crash applies it, and a redelivery after success does nothing.
    """
    delivery = _read(payload, delivery_id)
    _check_age(delivery.timestamp_ms, now=now or timezone.now())
    try:
        with transaction.atomic():
            row = JiraWebhookDelivery.objects.create(
                delivery_id=delivery_id,
                body_sha256=hashlib.sha256(body).hexdigest(),
                event=delivery.event,
                jira_key=delivery.key,
                jira_status=delivery.jira_status,
                outcome=JiraWebhookDelivery.Outcome.IGNORED,
            )
    except IntegrityError:
        return JiraWebhookResult(False, "already received: this delivery was handled before")

    result = _webhook_apply(delivery=delivery, payload=payload)
    row.outcome = (
        JiraWebhookDelivery.Outcome.APPLIED
        if result.applied
        else JiraWebhookDelivery.Outcome.IGNORED
    )
    row.detail = result.detail[:300]
    row.save(update_fields=["outcome", "detail"])
    return result


def _change_reason(target: str, actor: str) -> str:
    """The history row's reason: made by Jira, and by whom there (the display name, cut
    to fit simple_history's 100 characters)."""
    reason = f"status set to {target} by Jira"
    if not actor:
        return reason
    room = 100 - len(reason) - len(" ()")
    name = actor if len(actor) <= room else actor[: room - 1] + "…"
    return f"{reason} ({name})"


def _webhook_apply(*, delivery: _Delivery, payload: dict[str, Any]) -> JiraWebhookResult:
    event, key, jira_status = delivery.event, delivery.key, delivery.jira_status
    if event != "jira:issue_updated":
        return JiraWebhookResult(False, f"event {event or '(none)'!r} is not handled")
    if not key or not jira_status:
        return JiraWebhookResult(False, "the payload names no issue key or status")
    if not _status_changed(payload):
        return JiraWebhookResult(False, "the update did not change the status", jira_key=key)
    target = _status_target(jira_status)
    if target is None:
        return JiraWebhookResult(
            False, f"the Jira status {jira_status!r} is not in JIRA_STATUS_MAP", jira_key=key
        )
    item = RoadmapItem.objects.filter(jira_key=key).only("pk", "status").first()
    if item is None:
        return JiraWebhookResult(False, f"no item has the Jira key {key}", jira_key=key)
    if item.status == target:
        return JiraWebhookResult(
            False, f"item {item.pk} is already {target}", item_id=item.pk, jira_key=key
        )
    items_set_status(
        item_ids=[item.pk], status=target, change_reason=_change_reason(target, delivery.actor)
    )
    return JiraWebhookResult(
        True,
        f"item {item.pk} set to {target} (Jira status {jira_status!r})",
        item_id=item.pk,
        jira_key=key,
        status=target,
    )
