"""Where the integrations (Slack, MCP) find the radar, once it exists.

The radar (signals.radar) is being built; these hooks look its selectors up by name and
answer "not available" until they are there, so nothing here must change when it lands:

- `RADAR_EMERGING_TOPICS`: `emerging_topics(*, since: datetime | None, limit: int)`
  returning a sequence of mappings with at least `label` (str) and `count` (int), and
  optionally `id`, `terms`, `signal_ids`.
- `RADAR_LINK_SUGGESTIONS`: `link_suggestions(*, signal_id: int, limit: int)` returning a
  sequence of mappings with at least `item` (id), `title` and `similarity` (0..1).

Rename the dotted paths here if the radar names them differently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

RADAR_EMERGING_TOPICS = "signals.radar.selectors.emerging_topics"
RADAR_LINK_SUGGESTIONS = "signals.radar.selectors.link_suggestions"


def _load(path: str) -> Callable[..., Any] | None:
    try:
        return import_string(path)
    except ImportError:
        return None


def radar_available() -> bool:
    return _load(RADAR_EMERGING_TOPICS) is not None


def emerging_topics(
    *, since: datetime | None = None, limit: int = 10
) -> Sequence[Mapping[str, Any]] | None:
    """The radar's emerging topics, or None while the radar does not exist."""
    selector = _load(RADAR_EMERGING_TOPICS)
    if selector is None:
        return None
    return list(selector(since=since, limit=limit))


def top_link_suggestion(*, signal_id: int) -> Mapping[str, Any] | None:
    """The radar's best item for a signal, or None (no radar, or nothing close)."""
    selector = _load(RADAR_LINK_SUGGESTIONS)
    if selector is None:
        return None
    try:
        suggestions = list(selector(signal_id=signal_id, limit=1))
    except Exception:  # a suggestion is a courtesy: never fail the reply for it
        logger.warning("radar link suggestion failed for signal %s", signal_id, exc_info=True)
        return None
    return suggestions[0] if suggestions else None
