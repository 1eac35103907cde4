"""The Jira webhook: who may deliver (`jira_webhook_verify`), how a delivery is recognised
(`jira_webhook_delivery_id`), and what it does (`jira_webhook_receive`: a mapped status
becomes its item's status).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from roadmap.models import JiraWebhookDelivery, RoadmapItem
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
    issue = payload.get("issue") if isinstance(payload.get("issue"), dict) else {}
    timestamp = payload.get("timestamp")
    if timestamp is None:
        basis = json.dumps(payload, sort_keys=True, default=str)
    else:
        issue_id = issue.get("id") or issue.get("key")
        basis = f"{payload.get('webhookEvent')}|{issue_id}|{timestamp}"
    return "sha256:" + hashlib.sha256(basis.encode()).hexdigest()


def _status_target(name: str) -> str | None:
    """The item status a Jira status maps to (JIRA_STATUS_MAP; names compare as Jira's
    do, case-insensitively)."""
    folded = name.casefold()
    for jira_status, target in settings.JIRA_STATUS_MAP.items():
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


@transaction.atomic
def jira_webhook_receive(*, payload: dict[str, Any], delivery_id: str) -> JiraWebhookResult:
    """Apply a `jira:issue_updated` delivery: the issue's new status, mapped with
    JIRA_STATUS_MAP, becomes its item's status (through items_set_status, so the change
    has a history row and the item is rescored). Unknown keys, unmapped statuses, other
    events and a delivery already received are ignored.

    The delivery is stored in the same transaction as the change, so a redelivery after a
    crash applies it, and a redelivery after success does nothing.
    """
    issue = payload.get("issue") if isinstance(payload.get("issue"), dict) else {}
    fields = issue.get("fields") if isinstance(issue.get("fields"), dict) else {}
    status = fields.get("status") if isinstance(fields.get("status"), dict) else {}
    event = str(payload.get("webhookEvent") or "")[:64]
    key = str(issue.get("key") or "")[:42]
    jira_status = str(status.get("name") or "")[:120]
    try:
        with transaction.atomic():
            delivery = JiraWebhookDelivery.objects.create(
                delivery_id=delivery_id,
                event=event,
                jira_key=key,
                jira_status=jira_status,
                outcome=JiraWebhookDelivery.Outcome.IGNORED,
            )
    except IntegrityError:
        return JiraWebhookResult(False, "already received: this delivery was handled before")

    result = _webhook_apply(event=event, key=key, jira_status=jira_status, payload=payload)
    delivery.outcome = (
        JiraWebhookDelivery.Outcome.APPLIED
        if result.applied
        else JiraWebhookDelivery.Outcome.IGNORED
    )
    delivery.detail = result.detail[:300]
    delivery.save(update_fields=["outcome", "detail"])
    return result


def _webhook_apply(
    *, event: str, key: str, jira_status: str, payload: dict[str, Any]
) -> JiraWebhookResult:
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
    items_set_status(item_ids=[item.pk], status=target)
    return JiraWebhookResult(
        True,
        f"item {item.pk} set to {target} (Jira status {jira_status!r})",
        item_id=item.pk,
        jira_key=key,
        status=target,
    )
