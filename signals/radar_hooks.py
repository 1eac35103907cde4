"""The radar (signals.radar) as the integrations (Slack, MCP) read it: plain mappings, so
Slack messages and MCP tools need not know the radar's models."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from signals.models import MarketSignal
from signals.radar.selectors import evidence_suggestions, radar_topics_emerging

logger = logging.getLogger(__name__)


def radar_available() -> bool:
    return True


def emerging_topics(
    *, since: datetime | None = None, limit: int = 10
) -> Sequence[Mapping[str, Any]] | None:
    """The radar's emerging topics (last seen after `since`, if given), most significant
    first: label, size, top terms, growth and p-value."""
    topics = radar_topics_emerging(limit=limit)
    return [
        {
            "id": topic.pk,
            "label": topic.label,
            "count": topic.size,
            "terms": list(topic.top_terms),
            "growth": topic.growth,
            "p_value": topic.p_value,
        }
        for topic in topics
        if since is None or topic.last_seen is None or topic.last_seen >= since
    ]


def top_link_suggestion(*, signal_id: int) -> Mapping[str, Any] | None:
    """The radar's best item for a signal, or None (not computed yet, or nothing close)."""
    try:
        signal = MarketSignal.objects.get(pk=signal_id)
        suggestions = evidence_suggestions(signal=signal).suggestions
    except Exception:  # a suggestion is a courtesy: never fail the reply for it
        logger.warning("radar link suggestion failed for signal %s", signal_id, exc_info=True)
        return None
    if not suggestions:
        return None
    best = suggestions[0]
    return {"item": best.item_id, "title": best.item_title, "similarity": best.similarity}
