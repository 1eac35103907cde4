"""The committee's background work: the minutes of a closed meeting, emailed to the
attendees and posted to Slack when configured. Safe to run twice: a compare-and-set on
`minutes_sent_at` lets one run send them."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from slack_sdk.errors import SlackApiError, SlackClientError

from scoring.committees import minutes
from scoring.committees.models import CommitteeMeeting, MeetingStatus
from scoring.slack import slack_out_enabled
from signals.slack.client import slack_client

logger = logging.getLogger(__name__)


def _minutes_url(meeting_id: int) -> str:
    if not settings.PUBLIC_BASE_URL:
        return ""
    path = reverse("board:committee-minutes", kwargs={"meeting_id": meeting_id})
    return f"{settings.PUBLIC_BASE_URL}{path}"


@shared_task(
    name="scoring.committee_minutes_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def committee_minutes_send(meeting_id: int) -> str:
    """Email the minutes of closed meeting `meeting_id` once, then post them to Slack."""
    claimed = CommitteeMeeting.objects.filter(
        pk=meeting_id, status=MeetingStatus.CLOSED, minutes_sent_at__isnull=True
    ).update(minutes_sent_at=timezone.now())
    if claimed != 1:
        return "gone or sent"
    try:
        sent = minutes.minutes_email(meeting_id=meeting_id)
    except Exception:
        # Give the claim back, so a retry (or a person, from the admin) sends them.
        CommitteeMeeting.objects.filter(pk=meeting_id).update(minutes_sent_at=None)
        raise
    if slack_out_enabled():
        text, blocks = minutes.minutes_slack_message(
            meeting_id=meeting_id, board_url=_minutes_url(meeting_id)
        )
        try:
            slack_client().chat_postMessage(
                channel=settings.SLACK_CHANNEL, text=text, blocks=blocks, unfurl_links=False
            )
        except (SlackApiError, SlackClientError, OSError) as exc:
            logger.warning("Slack minutes not sent: %s", exc)
    return f"emailed {sent}"
