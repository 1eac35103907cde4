"""The notifications of shipped items, sent after the status change commits (queued by
name from roadmap.services.items_shipped_after_commit)."""

from __future__ import annotations

from celery import shared_task

from signals.loop.services import notifications_item_shipped


@shared_task(name="signals.items_shipped_notify", acks_late=True)
def items_shipped_notify(*, item_ids: list[int]) -> int:
    """Notify the people behind the evidence of items that shipped. Idempotent."""
    return notifications_item_shipped(item_ids=item_ids)
