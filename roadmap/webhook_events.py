"""The outbound webhook events of roadmap items and launch plans (config.webhooks):
payload builders called by roadmap.services inside their transactions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from config.webhooks import event_emit, events_emit
from roadmap.models import LaunchPlan, RoadmapItem


def item_payload(item: RoadmapItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "status": item.status,
        "theme": item.theme_id,
        "owner": item.owner_id,
        "jira_key": item.jira_key,
        "reach": item.reach,
        "impact": item.impact,
        "confidence": item.confidence,
        "effort": item.effort,
        "version": item.version,
    }


def item_created(item: RoadmapItem) -> None:
    event_emit("item.created", {"item": item_payload(item)})


def item_status_changed(item: RoadmapItem, *, previous: str) -> None:
    if previous != item.status:
        events_emit(
            "item.status_changed",
            [{"item": item_payload(item), "from": previous, "to": item.status}],
        )


def items_status_changed(changes: Iterable[tuple[int, str]], *, status: str) -> None:
    """Bulk status changes: (item id, previous status) pairs, one event each."""
    changes = list(changes)
    if not changes:
        return
    items = RoadmapItem.objects.in_bulk([pk for pk, _ in changes])
    events_emit(
        "item.status_changed",
        [
            {"item": item_payload(items[pk]), "from": previous, "to": status}
            for pk, previous in changes
            if pk in items
        ],
    )


def launch_plan_changed(plan: LaunchPlan, *, action: str) -> None:
    """`action`: created, updated or deleted."""
    event_emit(
        "launch_plan.changed",
        {
            "action": action,
            "launch_plan": {
                "id": plan.pk,
                "item": plan.item_id,
                "status": plan.status,
                "target_launch_date": plan.target_launch_date,
            },
        },
    )


def items_shipped(item_ids: Iterable[int]) -> None:
    """`item.shipped`, one event per item, in the transaction that shipped them (the outbox:
    a broker outage delays the delivery, loses nothing)."""
    items = RoadmapItem.objects.filter(pk__in=list(item_ids)).order_by("pk")
    events_emit("item.shipped", [{"item": item_payload(item)} for item in items])
