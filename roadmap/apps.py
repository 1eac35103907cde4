from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = _("Roadmap")

    def ready(self) -> None:
        from django.core import checks

        from roadmap.jira.checks import check_jira_settings

        checks.register(check_jira_settings)

        # What the live ranking and the item score views show: their ETags follow it.
        from django.contrib.auth import get_user_model

        from config.generations import generation_bump_on_write
        from roadmap.models import RoadmapItem, Theme

        generation_bump_on_write(RoadmapItem, Theme, get_user_model())
        # Settings hold JIRA_STATUS_MAP as the raw string (config knows no app); parse it
        # here, once, strictly: a bad map stops the process before it serves anything.
        from django.conf import settings

        from roadmap.jira import parse_status_map

        if isinstance(settings.JIRA_STATUS_MAP, str):
            settings.JIRA_STATUS_MAP = parse_status_map(settings.JIRA_STATUS_MAP)
        # Register the Jira push task in every process: scoring queues it by name.
        from roadmap.jira import tasks  # noqa: F401
