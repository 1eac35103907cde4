from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = "Market evidence"

    def ready(self) -> None:
        # Register the tasks in every process: roadmap queues the ship notifications by name.
        from signals import tasks  # noqa: F401
