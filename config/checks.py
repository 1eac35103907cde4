"""System checks of the configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.DEBUG or settings.SECRET_KEY_CONFIGURED:
        return []
    return [
        Error(
            "SECRET_KEY is not set.",
            hint="Set SECRET_KEY in the environment (a long random string).",
            id="config.E001",
        )
    ]
