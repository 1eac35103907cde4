from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = "Market evidence"

    def ready(self) -> None:
        from signals.slack import checks, tasks  # noqa: F401  (registers them)
