"""Slack out: a message to SLACK_CHANNEL when a ranking is published (top 10, the main
moves and their causes, a link to the board) and a weekly digest of new friction reports
(and the radar's emerging topics once it exists). Sent from Celery after the publication
commits; a Slack failure is logged and never touches the publication."""

from __future__ import annotations

from django.conf import settings

from config.dispatch import send_after_commit

PUBLISHED_TASK = "scoring.slack_ranking_published"


def slack_out_enabled() -> bool:
    return bool(settings.SLACK_BOT_TOKEN and settings.SLACK_CHANNEL)


def slack_ranking_published_queue(*, ranking_id: int) -> None:
    """Queue the announcement of a ranking for after the current transaction commits."""
    if slack_out_enabled():
        send_after_commit(PUBLISHED_TASK, kwargs={"ranking_id": ranking_id})
