from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = _("Market evidence")

    def ready(self) -> None:
        # The evidence an item's score explanation lists: its ETag follows it (the
        # generation). Register the tasks in every process (web included): writers queue
        # them by name.
        from config.generations import generation_bump_on_write
        from signals import tasks  # noqa: F401
        from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink

        generation_bump_on_write(MarketSignal, FrictionReport, SignalLink, ReportLink)
        from signals.slack import checks  # noqa: F401  (registers them)
        from signals.slack import tasks as slack_tasks  # noqa: F401
