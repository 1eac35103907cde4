from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = "Roadmap"

    def ready(self) -> None:
        from django.core import checks

        from roadmap.jira.checks import check_jira_settings

        checks.register(check_jira_settings)

        # What the live ranking and the item score views show: their ETags follow it.
        from django.contrib.auth import get_user_model

        from config.generations import generation_bump_on_write
        from roadmap.models import RoadmapItem, Theme

        generation_bump_on_write(RoadmapItem, Theme, get_user_model())
