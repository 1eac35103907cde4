"""Slack in: the slash command and the "Send to roadmap" shortcut make market signals,
against a local stand-in of Slack's Web API (pytest-httpserver). Requests are signed as
Slack signs them (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model

from signals.models import MarketSignal

pytestmark = pytest.mark.django_db

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0001"
COMMANDS = "/integrations/slack/commands/"
INTERACTIVITY = "/integrations/slack/interactivity/"


@pytest.fixture
def slack(settings, httpserver):
    """Slack configured, its Web API and response URLs served by the local stand-in."""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the signal is written in-process after commit
    settings.SLACK_SIGNING_SECRET = SECRET
    settings.SLACK_TEAM_ID = TEAM
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    settings.SLACK_API_URL = httpserver.url_for("/api/")
    settings.SLACK_RESPONSE_URL_PREFIX = httpserver.url_for("/respond/")
    settings.SLACK_MAX_RETRIES = 0
    httpserver.expect_request("/api/users.info").respond_with_json(
        {"ok": True, "user": {"profile": {"email": "MARKETER@example.com", "real_name": "Mia"}}}
    )
    httpserver.expect_request("/api/views.open").respond_with_json({"ok": True})
    httpserver.expect_request("/respond/1").respond_with_data("ok")
    return httpserver


def signed(body: str, *, secret: str = SECRET, age: int = 0) -> dict[str, str]:
    timestamp = str(int(time.time()) - age)
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}


def post(client, path: str, body: str, headers: dict[str, str] | None = None):
    return client.post(
        path,
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers=signed(body) if headers is None else headers,
    )


def command(
    text: str,
    *,
    team: str = TEAM,
    trigger: str = "13345224609.738474920.8088930838d88f008e0",
    response_url: str = "",
) -> str:
    return urlencode(
        {
            "team_id": team,
            "team_domain": "acme",
            "channel_id": "C2147483705",
            "user_id": "U2147483697",
            "command": "/roadmap-signal",
            "text": text,
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )


def requests_to(server, path: str) -> list:
    return [request for request, _ in server.log if request.path == path]


def test_a_slash_command_with_a_kind_makes_a_signal_by_the_mapped_author(
    slack, client, marketing_user, django_capture_on_commit_callbacks
):
    body = command(
        "churn Acme leaves: no SSO on the team plan", response_url=slack.url_for("/respond/1")
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, COMMANDS, body)
    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    signal = MarketSignal.objects.get()
    assert signal.kind == "churn_reason"
    assert signal.title == "Acme leaves: no SSO on the team plan"
    assert signal.source == "slack"
    assert signal.external_id.startswith(f"{TEAM}:C2147483705:cmd-")
    assert signal.submitted_by == marketing_user  # matched by email, case aside
    (reply,) = requests_to(slack, "/respond/1")
    sent = json.loads(reply.get_data())
    assert sent["response_type"] == "ephemeral"
    assert f"#{signal.pk}" in sent["text"]
    assert "Acme leaves" in sent["text"]


def test_a_replayed_command_makes_no_second_signal(
    slack, client, marketing_user, django_capture_on_commit_callbacks
):
    body = command("request Bulk export", response_url=slack.url_for("/respond/1"))
    headers = signed(body)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, COMMANDS, body, headers).status_code == 200
    assert MarketSignal.objects.count() == 1
    last = json.loads(requests_to(slack, "/respond/1")[-1].get_data())
    assert last["text"].startswith("Already on the roadmap")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=00"},
        "wrong secret",
        "ten minutes old",
    ],
    ids=["unsigned", "bad signature", "wrong secret", "stale"],
)
def test_unsigned_forged_or_stale_requests_are_401_and_write_nothing(
    slack, client, headers, django_capture_on_commit_callbacks
):
    body = command("request Something")
    if headers == "wrong secret":
        headers = signed(body, secret="not-the-secret")
    elif headers == "ten minutes old":
        headers = signed(body, age=600)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, COMMANDS, body, headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert not MarketSignal.objects.exists()
    assert slack.log == []


def test_another_workspace_is_refused(slack, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, COMMANDS, command("request X", team="T9999"))
    assert response.status_code == 403
    assert not MarketSignal.objects.exists()


def test_slack_is_off_until_configured(client, settings):
    settings.SLACK_SIGNING_SECRET = ""
    response = post(client, COMMANDS, command("request X"))
    assert response.status_code == 404
    assert not MarketSignal.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "payload=not-json",
        "payload=%5B1%2C2%5D",
        urlencode({"payload": json.dumps({"type": "message_action", "team": {"id": TEAM}})}),
        urlencode({"payload": json.dumps({"type": "block_actions", "team": {"id": TEAM}})}),
        urlencode(
            {
                "payload": json.dumps(
                    {
                        "type": "view_submission",
                        "team": {"id": TEAM},
                        "view": {"callback_id": "roadmap_signal", "private_metadata": "{}"},
                    }
                )
            }
        ),
        "nothing=here",
    ],
)
def test_malformed_payloads_are_400_and_write_nothing(
    slack, client, body, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, INTERACTIVITY, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not MarketSignal.objects.exists()


def shortcut_payload() -> dict:
    return {
        "type": "message_action",
        "callback_id": "send_to_roadmap",
        "trigger_id": "1234.5678.abcd",
        "response_url": "",
        "team": {"id": TEAM, "domain": "acme"},
        "channel": {"id": "C0CUSTOMERS"},
        "user": {"id": "U0CLICKER"},
        "message": {
            "type": "message",
            "user": "U0AUTHOR",
            "ts": "1764640000.000200",
            "text": "Globex asks for SAML with Okta before renewing",
        },
    }


def test_the_shortcut_asks_for_the_kind_then_the_submission_makes_the_signal(
    slack, client, django_capture_on_commit_callbacks
):
    body = urlencode({"payload": json.dumps(shortcut_payload())})
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, INTERACTIVITY, body)
    assert response.status_code == 200
    assert not MarketSignal.objects.exists()  # nothing until a kind is chosen
    (opened,) = requests_to(slack, "/api/views.open")
    view = json.loads(opened.get_data())["view"]
    assert view["callback_id"] == "roadmap_signal"

    submission = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": "U0CLICKER"},
        "view": {
            "callback_id": "roadmap_signal",
            "private_metadata": view["private_metadata"],
            "state": {
                "values": {"kind_block": {"kind": {"selected_option": {"value": "sales_feedback"}}}}
            },
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, INTERACTIVITY, urlencode({"payload": json.dumps(submission)}))
    assert response.status_code == 200
    signal = MarketSignal.objects.get()
    assert signal.kind == "sales_feedback"
    assert signal.external_id == f"{TEAM}:C0CUSTOMERS:1764640000.000200"
    assert "https://acme.slack.com/archives/C0CUSTOMERS/p1764640000000200" in signal.summary
    assert signal.observed_at.timestamp() == pytest.approx(1764640000.0002)


def test_a_submission_without_a_known_kind_is_answered_in_the_modal(
    slack, client, django_capture_on_commit_callbacks
):
    metadata = json.dumps({"team": TEAM, "channel": "C1", "ts": "1.2", "user": "U1", "text": "x"})
    submission = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "view": {
            "callback_id": "roadmap_signal",
            "private_metadata": metadata,
            "state": {"values": {"kind_block": {"kind": {"selected_option": {"value": "gossip"}}}}},
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, INTERACTIVITY, urlencode({"payload": json.dumps(submission)}))
    assert response.json()["response_action"] == "errors"
    assert not MarketSignal.objects.exists()


def test_an_unknown_author_is_recorded_on_the_integration_user(
    slack, client, django_capture_on_commit_callbacks
):
    slack.clear()
    slack.expect_request("/api/users.info").respond_with_json(
        {"ok": True, "user": {"profile": {"email": "stranger@elsewhere.io", "real_name": "Sam"}}}
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(client, COMMANDS, command("support Export fails on large boards"))
    signal = MarketSignal.objects.get()
    assert signal.submitted_by.username == "slack-integration"
    assert signal.submitted_by.groups.filter(name="marketing").exists()
    assert not signal.submitted_by.has_usable_password()
    assert "From Slack, by Sam" in signal.summary
    assert get_user_model().objects.filter(username="slack-integration").count() == 1


def test_without_a_kind_or_a_modal_the_default_kind_applies(
    slack, client, settings, django_capture_on_commit_callbacks
):
    settings.SLACK_BOT_TOKEN = ""
    with django_capture_on_commit_callbacks(execute=True):
        post(client, COMMANDS, command("They keep asking about dark mode"))
    signal = MarketSignal.objects.get()
    assert signal.kind == settings.SLACK_DEFAULT_KIND
    assert signal.title == "They keep asking about dark mode"


def test_an_empty_command_answers_how_to_use_it(slack, client):
    response = post(client, COMMANDS, command("   "))
    assert response.status_code == 200
    assert "Usage" in response.json()["text"]
    assert not MarketSignal.objects.exists()


def test_a_response_url_elsewhere_than_slack_is_not_called(
    slack, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, COMMANDS, command("request X", response_url="http://169.254.169.254/x"))
    assert MarketSignal.objects.count() == 1
    assert not requests_to(slack, "/respond/1")
