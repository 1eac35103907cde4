from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = "Roadmap"

    def ready(self) -> None:
        from django.core import checks

        from roadmap.jira.checks import check_jira_settings

        checks.register(check_jira_settings)
