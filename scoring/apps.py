from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        # Register the tasks in every process (web included): writers queue them by name.
        # The Jira push (in roadmap) reads published rankings through this provider.
        from config.dispatch import provider_register
        from roadmap.jira.tasks import PUSH_ITEMS_PROVIDER
        from scoring import tasks  # noqa: F401
        from scoring.committees import tasks as committee_tasks  # noqa: F401
        from scoring.jira import ranking_jira_push_items
        from scoring.slack import tasks as slack_tasks  # noqa: F401

        provider_register(PUSH_ITEMS_PROVIDER, ranking_jira_push_items)

        from django.db.models.signals import pre_delete

        from roadmap.models import RoadmapItem
        from scoring.services import item_delete_wait_recompute

        pre_delete.connect(
            item_delete_wait_recompute, sender=RoadmapItem, dispatch_uid="item-delete-recompute"
        )

        from roadmap.api.ical import EXTRA_EVENTS_PROVIDER
        from scoring.committees.selectors import meetings_calendar_events

        provider_register(EXTRA_EVENTS_PROVIDER, meetings_calendar_events)
