"""The event types outbound webhooks carry, and who sends each.

Adding an event (the radar's `radar.topic_emerged`, the loop's `item.shipped`, ...): name
it here with a line saying what it means, then call
`config.webhooks.event_emit("<type>", {...})` from the service that makes the change,
inside its transaction. Subscriptions can name any type listed here.
"""

from __future__ import annotations

EVENT_TYPES: dict[str, str] = {
    "ranking.published": "A ranking was published (number, note, top entries).",
    "item.created": "A roadmap item was created.",
    "item.status_changed": "A roadmap item changed status (from, to).",
    "item.score_changed": (
        "An item's score moved by at least WEBHOOK_SCORE_CHANGE_THRESHOLD of its value, or "
        "its position by at least WEBHOOK_POSITION_CHANGE_THRESHOLD places."
    ),
    "report.created": "A friction report was created.",
    "report.linked": "A friction report was linked to an item (or its weight changed).",
    "launch_plan.changed": "A launch plan was created, changed or deleted.",
    "outcome.created": "An outcome was recorded for a shipped item.",
    # Sent by features that are being built: listed now so subscriptions may name them.
    "radar.topic_emerged": "The radar found an emerging topic (sent once the radar exists).",
    "item.shipped": "An item shipped (its status became shipped).",
}
