from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = "Market evidence"

    def ready(self) -> None:
        # Register the tasks in every process (web included): writers queue them by name.
        from signals import tasks  # noqa: F401
