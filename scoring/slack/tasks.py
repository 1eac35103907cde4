"""Celery tasks of Slack out. A failure is logged and given up: the publication it
announces is committed already and stays as it is."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from slack_sdk.errors import SlackApiError, SlackClientError

from scoring import selectors
from scoring.models import Ranking
from scoring.slack import messages, slack_out_enabled
from signals import radar_hooks
from signals.models import FrictionReport
from signals.slack.client import slack_client

logger = logging.getLogger(__name__)


def _board_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}/board/" if settings.PUBLIC_BASE_URL else ""


def _post(text: str, blocks: list[dict]) -> str:
    try:
        response = slack_client().chat_postMessage(
            channel=settings.SLACK_CHANNEL, text=text, blocks=blocks, unfurl_links=False
        )
    except (SlackApiError, SlackClientError, OSError) as exc:
        logger.warning("Slack message not sent: %s", exc)
        return "failed"
    return str(response.get("ts", "sent"))


@shared_task(name="scoring.slack_ranking_published")
def slack_ranking_published(ranking_id: int) -> str:
    """Announce ranking `ranking_id` in SLACK_CHANNEL."""
    if not slack_out_enabled():
        return "off"
    ranking = Ranking.objects.filter(pk=ranking_id).first()
    if ranking is None:
        return "gone"
    entries = list(
        selectors.ranking_entries(ranking=ranking).values("position", "title", "score")[
            : messages.TOP
        ]
    )
    text, blocks = messages.ranking_published_message(
        number=ranking.number,
        note=ranking.note,
        entries=entries,
        diff=selectors.ranking_diff(ranking=ranking),
        board_url=_board_url(),
    )
    return _post(text, blocks)


@shared_task(name="scoring.slack_weekly_digest")
def slack_weekly_digest() -> str:
    """New friction reports of the last 7 days (and emerging topics, radar permitting)."""
    if not slack_out_enabled():
        return "off"
    since = timezone.now() - timedelta(days=7)
    new = FrictionReport.objects.filter(created_at__gte=since)
    reports = list(
        new.order_by("-affected_people", "-id").values(
            "title", "campaign", "funnel_stage", "affected_people"
        )[:10]
    )
    text, blocks = messages.weekly_digest_message(
        reports=reports,
        total=new.count(),
        topics=radar_hooks.emerging_topics(since=since, limit=5),
        board_url=_board_url(),
    )
    return _post(text, blocks)
