from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = "Roadmap"

    def ready(self) -> None:
        from django.core import checks

        from roadmap.jira.checks import check_jira_settings

        checks.register(check_jira_settings)
        # Register the Jira push task in every process: scoring queues it by name.
        from roadmap.jira import tasks  # noqa: F401
