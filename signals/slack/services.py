"""Write use-case of Slack in: a market signal from a Slack message, idempotent on
(source `slack`, external id `team:channel:ts`), so Slack's retries and replays never
create two."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from config.roles import Role
from signals import radar_hooks
from signals.choices import SignalKind
from signals.models import MarketSignal
from signals.services import DuplicateExternalId, signal_create
from signals.slack import SOURCE
from signals.slack.client import slack_client

logger = logging.getLogger(__name__)

TITLE_CHARS = 200


@dataclass(frozen=True)
class SlackMessage:
    """What a Slack request tells about the message to turn into a signal."""

    team: str
    channel: str
    ts: str  # the message's ts (shortcut) or the command's trigger id
    user: str  # Slack user id of the message's author
    text: str
    kind: str
    permalink: str = ""
    response_url: str = ""
    author_name: str = ""

    @property
    def external_id(self) -> str:
        return f"{self.team}:{self.channel}:{self.ts}"

    def as_kwargs(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _observed_at(ts: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return timezone.now()


def slack_author(*, user_id: str) -> tuple[User, str]:
    """The user a Slack author maps to, by email (users.info, scope users:read.email),
    else the integration user; and a display name for the record."""
    name, email = user_id, ""
    if settings.SLACK_BOT_TOKEN and user_id:
        try:
            profile = slack_client().users_info(user=user_id)["user"]["profile"]
            email = str(profile.get("email") or "")
            name = str(profile.get("real_name") or profile.get("display_name") or user_id)
        except (SlackApiError, SlackClientError, KeyError, TypeError, OSError) as exc:
            logger.warning("Slack user %s not looked up: %s", user_id, exc)
    users = get_user_model().objects.filter(is_active=True)
    if email:
        user = users.filter(email__iexact=email).order_by("pk").first()
        if user is not None:
            return user, name
    return integration_user(), name


def integration_user() -> User:
    """The user signals of unmapped Slack authors are recorded under (marketing role, no
    password, no API key: it only owns records)."""
    user, created = get_user_model().objects.get_or_create(
        username=settings.SLACK_INTEGRATION_USERNAME, defaults={"is_active": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        group = Group.objects.filter(name=Role.MARKETING).first()
        if group is not None:
            user.groups.add(group)
    return user


def slack_signal_create(*, message: SlackMessage) -> tuple[MarketSignal, bool]:
    """Create the signal of `message`, or return the one it already made; True when new."""
    existing = MarketSignal.objects.filter(source=SOURCE, external_id=message.external_id).first()
    if existing is not None:
        return existing, False
    if message.kind not in SignalKind.values:
        raise ValueError(f"unknown signal kind {message.kind!r}")
    user, name = slack_author(user_id=message.user)
    text = message.text.strip()
    title = (text.splitlines()[0] if text else "Slack message")[:TITLE_CHARS]
    footer = f"From Slack, by {message.author_name or name}"
    if message.permalink:
        footer += f": {message.permalink}"
    try:
        with transaction.atomic():
            signal = signal_create(
                submitted_by=user,
                kind=message.kind,
                title=title,
                summary=f"{text}\n\n{footer}",
                source=SOURCE,
                external_id=message.external_id,
                observed_at=_observed_at(message.ts),
            )
    except DuplicateExternalId:
        # A retry of the same message won the race: it is the same signal.
        return MarketSignal.objects.get(source=SOURCE, external_id=message.external_id), False
    return signal, True


def reply_text(signal: MarketSignal, *, created: bool) -> str:
    kind = SignalKind(signal.kind).label.lower()
    verb = "Added" if created else "Already on the roadmap:"
    text = f"{verb} signal #{signal.pk} “{signal.title}” ({kind})."
    suggestion = radar_hooks.top_link_suggestion(signal_id=signal.pk)
    if suggestion:
        text += f" It looks like item #{suggestion['item']} “{suggestion['title']}”."
    return text


def slack_reply(*, response_url: str, text: str) -> bool:
    """An ephemeral reply through the request's response_url (only to Slack's own host)."""
    if not response_url.startswith(settings.SLACK_RESPONSE_URL_PREFIX):
        logger.warning("Slack response_url refused (not under SLACK_RESPONSE_URL_PREFIX)")
        return False
    try:
        response = WebhookClient(response_url, timeout=10).send(
            text=text, response_type="ephemeral", replace_original=False
        )
    except (SlackClientError, OSError) as exc:
        logger.warning("Slack reply not sent: %s", exc)
        return False
    return response.status_code == 200


def slack_message_to_signal(**fields: Any) -> dict[str, Any]:
    """The task's work: create (or find) the signal and tell the user which one."""
    message = SlackMessage(**fields)
    signal, created = slack_signal_create(message=message)
    if message.response_url:
        slack_reply(response_url=message.response_url, text=reply_text(signal, created=created))
    return {"signal": signal.pk, "created": created}
