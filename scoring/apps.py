from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "Scoring"

    def ready(self) -> None:
        # Register the tasks in every process (web included): writers queue them by name.
        from scoring import tasks  # noqa: F401
        from scoring.slack import tasks as slack_tasks  # noqa: F401
