"""The signals app's Celery tasks, where Celery's autodiscovery looks for them."""

from signals.campaigns.tasks import friction_proposals_refresh, friction_proposals_refresh_all
from signals.loop.tasks import items_shipped_notify
from signals.radar.tasks import radar_refresh, radar_topics_refresh

__all__ = [
    "friction_proposals_refresh",
    "friction_proposals_refresh_all",
    "items_shipped_notify",
    "radar_refresh",
    "radar_topics_refresh",
]
