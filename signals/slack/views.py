"""Slack's requests: the slash command and the interactivity endpoint (message shortcut,
modal submission).

Every request is checked before anything else: Slack's signature over the raw body with
SLACK_SIGNING_SECRET (slack_sdk's SignatureVerifier, timestamps older than 5 minutes
refused), then the workspace. A bad or stale signature is a 401, another workspace a 403,
a malformed payload a 400, and none of them writes anything. Slack wants an answer within
3 seconds: the view only queues the work (signals.slack_message_to_signal) and answers.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier

from config.api.errors import error_body
from config.dispatch import send_after_commit
from signals.choices import SignalKind
from signals.slack import MODAL_CALLBACK, SHORTCUT_CALLBACK, slack_in_enabled
from signals.slack.client import slack_client
from signals.slack.services import SlackMessage

logger = logging.getLogger(__name__)

TASK = "signals.slack_message_to_signal"
TEXT_LIMIT = 2500  # private_metadata holds 3,000 characters
KIND_ALIASES = {
    **{kind: kind for kind in SignalKind.values},
    **{kind.replace("_", "-"): kind for kind in SignalKind.values},
    "request": SignalKind.CUSTOMER_REQUEST,
    "sales": SignalKind.SALES_FEEDBACK,
    "churn": SignalKind.CHURN_REASON,
    "support": SignalKind.SUPPORT_TICKET,
    "competitor": SignalKind.COMPETITOR_MOVE,
    "trend": SignalKind.MARKET_TREND,
    "usage": SignalKind.USAGE_INSIGHT,
}


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _refusal(exc: Refused) -> JsonResponse:
    return JsonResponse(error_body(exc.status, exc.code, exc.message), status=exc.status)


def _verify(request: HttpRequest) -> None:
    if not slack_in_enabled():
        raise Refused(404, "not_found", "Slack is not configured here.")
    verifier = SignatureVerifier(settings.SLACK_SIGNING_SECRET)
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    try:
        valid = bool(
            timestamp.isdigit()
            and signature
            and verifier.is_valid(body=request.body, timestamp=timestamp, signature=signature)
        )
    except ValueError:
        valid = False
    if not valid:
        raise Refused(401, "bad_signature", "Missing, bad or stale Slack signature.")


def _check_team(team_id: Any) -> str:
    if not isinstance(team_id, str) or not team_id:
        raise Refused(400, "invalid", "The payload names no workspace.")
    if settings.SLACK_TEAM_ID and team_id != settings.SLACK_TEAM_ID:
        raise Refused(403, "wrong_workspace", "This workspace is not the one configured.")
    return team_id


def _str(data: Any, key: str, *, required: bool = True) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise Refused(400, "invalid", f"The payload has no valid {key!r}.")
    return value


def _ephemeral(text: str) -> JsonResponse:
    return JsonResponse({"response_type": "ephemeral", "text": text})


def _queue(message: SlackMessage) -> None:
    send_after_commit(TASK, kwargs=message.as_kwargs())


def _kind_options() -> list[dict[str, Any]]:
    return [
        {"text": {"type": "plain_text", "text": str(label)}, "value": value}
        for value, label in SignalKind.choices
    ]


def _open_modal(*, trigger_id: str, metadata: dict[str, str], text: str) -> bool:
    """Ask for the kind in a modal. Called while Slack waits: no retries, 2 s at most."""
    if not settings.SLACK_BOT_TOKEN:
        return False
    view = {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": "Send to roadmap"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(metadata)[:3000],
        "blocks": [
            {"type": "section", "text": {"type": "plain_text", "text": text[:2900] or "—"}},
            {
                "type": "input",
                "block_id": "kind_block",
                "label": {"type": "plain_text", "text": "Kind of signal"},
                "element": {
                    "type": "static_select",
                    "action_id": "kind",
                    "options": _kind_options(),
                },
            },
        ],
    }
    try:
        slack_client(timeout=2, retries=0).views_open(trigger_id=trigger_id, view=view)
    except (SlackApiError, SlackClientError, OSError) as exc:
        logger.warning("Slack modal not opened: %s", exc)
        return False
    return True


@csrf_exempt
@require_POST
def slash_command(request: HttpRequest) -> HttpResponse:
    """`/roadmap-signal [kind] <text>`: with a kind, the signal is made at once; without
    one, a modal asks for it (or SLACK_DEFAULT_KIND applies when no modal can open)."""
    try:
        _verify(request)
        data = request.POST
        team = _check_team(data.get("team_id"))
        channel = _str(data, "channel_id")
        user = _str(data, "user_id")
        trigger_id = _str(data, "trigger_id")
        response_url = _str(data, "response_url", required=False)
        text = (data.get("text") or "").strip()
    except Refused as exc:
        return _refusal(exc)
    if not text:
        return _ephemeral(
            "Usage: /roadmap-signal [kind] <what the customer said>. Kinds: "
            + ", ".join(sorted(set(KIND_ALIASES) - set(SignalKind.values)))
            + "."
        )
    first, _, rest = text.partition(" ")
    kind = KIND_ALIASES.get(first.lower().rstrip(":"))
    if kind is not None and rest.strip():
        text = rest.strip()
    fields = {
        "team": team,
        "channel": channel,
        "ts": f"cmd-{trigger_id}",
        "user": user,
        "text": text,
        "response_url": response_url,
    }
    if kind is None:
        metadata = {**fields, "text": text[:TEXT_LIMIT]}
        if _open_modal(trigger_id=trigger_id, metadata=metadata, text=text):
            return HttpResponse(status=200)
        kind = settings.SLACK_DEFAULT_KIND
    _queue(SlackMessage(kind=kind, **fields))
    return _ephemeral("Sending it to the roadmap…")


@csrf_exempt
@require_POST
def interactivity(request: HttpRequest) -> HttpResponse:
    """The message shortcut (opens the modal) and the modal's submission (queues the
    signal)."""
    try:
        _verify(request)
        try:
            payload = json.loads(request.POST.get("payload", ""))
        except ValueError:
            raise Refused(400, "invalid", "The payload is not JSON.") from None
        if not isinstance(payload, dict):
            raise Refused(400, "invalid", "The payload is not a JSON object.")
        team = _check_team((payload.get("team") or {}).get("id"))
        kind = payload.get("type")
        if kind == "message_action":
            return _shortcut(payload, team)
        if kind == "view_submission":
            return _submission(payload, team)
        raise Refused(400, "invalid", f"Unsupported interaction {kind!r}.")
    except Refused as exc:
        return _refusal(exc)


def _shortcut(payload: dict[str, Any], team: str) -> HttpResponse:
    if payload.get("callback_id") != SHORTCUT_CALLBACK:
        raise Refused(400, "invalid", "Unknown shortcut.")
    message = payload.get("message")
    channel = _str(payload.get("channel") or {}, "id")
    ts = _str(message or {}, "ts")
    text = _str(message or {}, "text", required=False)
    author = _str(message or {}, "user", required=False) or _str(payload.get("user") or {}, "id")
    domain = _str(payload.get("team") or {}, "domain", required=False)
    permalink = (
        f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}" if domain else ""
    )
    metadata = {
        "team": team,
        "channel": channel,
        "ts": ts,
        "user": author,
        "text": text[:TEXT_LIMIT],
        "permalink": permalink,
        "response_url": _str(payload, "response_url", required=False),
    }
    if not _open_modal(trigger_id=_str(payload, "trigger_id"), metadata=metadata, text=text):
        # No modal (no bot token, Slack unreachable): send it with the default kind.
        _queue(SlackMessage(kind=settings.SLACK_DEFAULT_KIND, **metadata))
    return HttpResponse(status=200)


def _submission(payload: dict[str, Any], team: str) -> HttpResponse:
    view = payload.get("view")
    if not isinstance(view, dict) or view.get("callback_id") != MODAL_CALLBACK:
        raise Refused(400, "invalid", "Unknown view.")
    try:
        metadata = json.loads(view.get("private_metadata") or "")
        kind = view["state"]["values"]["kind_block"]["kind"]["selected_option"]["value"]
    except (ValueError, KeyError, TypeError):
        raise Refused(400, "invalid", "The submission is incomplete.") from None
    if kind not in SignalKind.values:
        return JsonResponse(
            {"response_action": "errors", "errors": {"kind_block": "Pick a kind from the list."}}
        )
    fields = {
        name: _str(metadata, name, required=False) for name in SlackMessage.__dataclass_fields__
    }
    fields.pop("kind")
    if fields["team"] != team or not fields["channel"] or not fields["ts"]:
        raise Refused(400, "invalid", "The submission does not match its message.")
    _queue(SlackMessage(kind=kind, **fields))
    return HttpResponse(status=200)
