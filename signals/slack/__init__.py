"""Slack in: the slash command `/roadmap-signal` and the message shortcut "Send to
roadmap" create market signals (views verify Slack's signature and answer at once; the
signal is written by a Celery task after commit). See manifest.yml and the README."""

from __future__ import annotations

from django.conf import settings

SOURCE = "slack"
SHORTCUT_CALLBACK = "send_to_roadmap"
MODAL_CALLBACK = "roadmap_signal"


def slack_in_enabled() -> bool:
    return bool(settings.SLACK_SIGNING_SECRET)
