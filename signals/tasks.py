"""Celery tasks of the signals app (found by the Celery app's autodiscovery)."""

from signals.radar.tasks import radar_refresh, radar_topics_refresh

__all__ = ["radar_refresh", "radar_topics_refresh"]
