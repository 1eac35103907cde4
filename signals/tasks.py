"""The signals app's Celery tasks, where Celery's autodiscovery looks for them."""

from signals.campaigns.tasks import (  # noqa: F401
    friction_proposals_refresh,
    friction_proposals_refresh_all,
)
from signals.loop.tasks import items_shipped_notify  # noqa: F401
