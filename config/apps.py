from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfigConfig(AppConfig):
    """The API plumbing shared by every app: API keys, idempotency records."""

    name = "config"
    label = "config"
    verbose_name = _("API access")

    def ready(self) -> None:
        from config import checks, tasks  # noqa: F401  (registers checks and tasks)
        from config.webhooks import tasks as webhook_tasks  # noqa: F401
