"""The Jira webhook: only Jira (the shared secret) gets in; a mapped status becomes the
item's status, with history and a rescore; the rest is ignored; a redelivery does
nothing twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from roadmap.jira.models import JiraWebhookDelivery
from roadmap.models import DirtyItem, RoadmapItem
from tests.support.api import assert_error
from tests.support.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/jira/webhook/"
SECRET = "correct-horse-battery-staple"
STATUS_MAP = {"Done": "shipped", "In Progress": "in_progress", "Won't Do": "archived"}


@pytest.fixture(autouse=True)
def _webhook_settings():
    with override_settings(JIRA_WEBHOOK_SECRET=SECRET, JIRA_STATUS_MAP=STATUS_MAP):
        yield


@pytest.fixture
def item():
    item = RoadmapItemFactory(jira_key="PM-7", status="planned")
    DirtyItem.objects.all().delete()
    return item


def event(
    key: str = "PM-7",
    status: str = "Done",
    *,
    name: str = "jira:issue_updated",
    timestamp: int | None = None,
    changelog: Any = "status",
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "timestamp": now_ms() if timestamp is None else timestamp,
        "webhookEvent": name,
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Dana"},
        "issue": {
            "id": "10042",
            "key": key,
            "fields": {"summary": "SSO", "status": {"name": status, "id": "10001"}},
        },
    }
    if changelog == "status":
        payload["changelog"] = {
            "id": "10100",
            "items": [{"field": "status", "fromString": "In Progress", "toString": status}],
        }
    elif changelog is not None:
        payload["changelog"] = changelog
    return payload


def now_ms(*, minus_seconds: float = 0) -> int:
    """Jira's `timestamp`: milliseconds since the epoch."""
    return int((time.time() - minus_seconds) * 1000)


def signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(
    payload: Any,
    *,
    sign: bool = True,
    query: str = "",
    delivery: str | None = "d-1",
    raw: bytes | None = None,
):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {}
    if sign:
        headers["HTTP_X_HUB_SIGNATURE"] = signature(body)
    if delivery is not None:
        headers["HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER"] = delivery
    return APIClient().post(URL + query, body, content_type="application/json", **headers)


# --- Who gets in ----------------------------------------------------------------------------


def test_a_signed_delivery_applies_the_mapped_status_with_history(item):
    response = deliver(event("PM-7", "Done"))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "applied": {"item": item.pk, "jira_key": "PM-7", "status": "shipped"}
    }
    item.refresh_from_db()
    assert (item.status, item.version) == ("shipped", 2)
    latest = item.history.first()
    assert (latest.status, latest.history_change_reason) == (
        "shipped",
        "status set to shipped by Jira (Dana)",
    )
    assert DirtyItem.objects.filter(item=item).exists()  # rescored
    delivery = JiraWebhookDelivery.objects.get()
    assert (delivery.delivery_id, delivery.outcome, delivery.jira_status) == (
        "d-1",
        "applied",
        "Done",
    )


def test_the_secret_may_come_as_a_query_parameter(item):
    response = deliver(event("PM-7", "In Progress"), sign=False, query=f"?secret={SECRET}")
    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_a_delivery_without_the_secret_is_refused_with_401(item):
    error = assert_error(deliver(event(), sign=False), 401)
    assert "X-Hub-Signature" in error["message"]
    item.refresh_from_db()
    assert item.status == "planned"
    assert not JiraWebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "credentials",
    [
        {"query": "?secret=wrong"},
        {"query": f"?secret={SECRET}x"},
        {"signature": "sha256=" + "0" * 64},
        {"signature": signature(b"another body")},
        # The right secret, the wrong algorithm.
        {"signature": "sha1=", "algorithm": hashlib.sha1},
        # Every credential given must be right.
        {"query": f"?secret={SECRET}", "signature": "sha256=" + "0" * 64},
    ],
)
def test_a_wrong_secret_or_signature_is_refused_with_403(item, credentials):
    body = json.dumps(event()).encode()
    headers = {}
    if "algorithm" in credentials:
        mac = hmac.new(SECRET.encode(), body, credentials["algorithm"]).hexdigest()
        headers["HTTP_X_HUB_SIGNATURE"] = credentials["signature"] + mac
    elif "signature" in credentials:
        headers["HTTP_X_HUB_SIGNATURE"] = credentials["signature"]
    response = APIClient().post(
        URL + credentials.get("query", ""), body, content_type="application/json", **headers
    )
    assert_error(response, 403)
    item.refresh_from_db()
    assert item.status == "planned"
    assert not JiraWebhookDelivery.objects.exists()


def test_without_a_configured_secret_the_webhook_refuses_everything(item):
    with override_settings(JIRA_WEBHOOK_SECRET=""):
        error = assert_error(deliver(event(), query="?secret="), 403)
    assert "JIRA_WEBHOOK_SECRET" in error["message"]


def test_a_signed_body_that_is_not_a_json_object_is_a_400(item):
    assert (
        "non_field_errors" in assert_error(deliver(None, raw=b"[1, 2]"), 400, "invalid")["fields"]
    )
    assert_error(deliver(None, raw=b"{not json"), 400, "invalid")


# --- What is ignored ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (event("PM-404", "Done"), "no item has the Jira key PM-404"),
        (event("PM-7", "Code Review"), "'Code Review' is not in JIRA_STATUS_MAP"),
        (event(name="jira:issue_created"), "'jira:issue_created' is not handled"),
        (
            event(changelog={"items": [{"field": "customfield_10050", "toString": "12"}]}),
            "did not change the status",
        ),
        (event("PM-7", "Planned"), "not in JIRA_STATUS_MAP"),
        ({"webhookEvent": "jira:issue_updated"}, "names no issue key or status"),
    ],
)
def test_unknown_keys_unmapped_statuses_and_other_events_are_ignored(item, payload, reason):
    response = deliver(payload)
    assert response.status_code == 200, response.content
    assert reason in response.json()["ignored"]
    assert set(response.json()) == {"ignored"}
    item.refresh_from_db()
    assert (item.status, item.history.count()) == ("planned", 1)
    assert JiraWebhookDelivery.objects.get().outcome == "ignored"


def test_status_names_compare_case_insensitively_as_in_jira(item):
    deliver(event("PM-7", "won't do"))
    item.refresh_from_db()
    assert item.status == "archived"


def test_a_status_the_item_already_has_changes_nothing(item):
    RoadmapItem.objects.filter(pk=item.pk).update(status="shipped")
    response = deliver(event("PM-7", "Done"))
    assert response.json() == {"ignored": f"item {item.pk} is already shipped"}
    assert item.history.count() == 1


def test_an_update_without_a_changelog_takes_the_status_as_news(item):
    deliver(event("PM-7", "Done", changelog=None))
    item.refresh_from_db()
    assert item.status == "shipped"


# --- Replays --------------------------------------------------------------------------------


def test_the_same_delivery_twice_does_nothing_the_second_time(item):
    first = deliver(event("PM-7", "Done"), delivery="abc-123")
    # Meanwhile someone reopens the item here; Jira retries its delivery.
    RoadmapItem.objects.filter(pk=item.pk).update(status="planned")
    again = deliver(event("PM-7", "Done"), delivery="abc-123")

    assert "applied" in first.json()
    assert again.status_code == 200
    assert "already received" in again.json()["ignored"]
    item.refresh_from_db()
    assert item.status == "planned"
    assert item.history.filter(status="shipped").count() == 1
    assert JiraWebhookDelivery.objects.count() == 1


def test_without_an_identifier_event_issue_and_timestamp_identify_a_delivery(item):
    first = now_ms(minus_seconds=60)
    deliver(event("PM-7", "Done", timestamp=first), delivery=None)
    RoadmapItem.objects.filter(pk=item.pk).update(status="planned")
    replay = deliver(event("PM-7", "Done", timestamp=first), delivery=None)
    later = deliver(event("PM-7", "Done", timestamp=first + 1), delivery=None)

    assert "already received" in replay.json()["ignored"]
    assert "applied" in later.json()
    assert JiraWebhookDelivery.objects.count() == 2


def test_the_webhook_needs_no_api_key_and_takes_only_post(item):
    assert_error(APIClient().get(URL + f"?secret={SECRET}"), 405)


@pytest.mark.parametrize("identifier", ["d-2", None])
def test_a_captured_delivery_resent_with_another_or_no_identifier_is_recognised_by_its_body(
    item, identifier
):
    payload = event("PM-7", "Done")
    assert "applied" in deliver(payload, delivery="d-1").json()
    # Someone reopens the item by hand; an attacker re-sends the captured signed body.
    RoadmapItem.objects.filter(pk=item.pk).update(status="planned")

    replay = deliver(payload, delivery=identifier)

    assert replay.status_code == 200, replay.content
    assert "already received" in replay.json()["ignored"]
    item.refresh_from_db()
    assert item.status == "planned"
    assert JiraWebhookDelivery.objects.count() == 1


def test_a_delivery_older_than_the_allowed_age_is_refused_with_a_400(item):
    with override_settings(JIRA_WEBHOOK_MAX_AGE_SECONDS=3600):
        stale = deliver(event("PM-7", "Done", timestamp=now_ms(minus_seconds=3601)))
        fresh = deliver(
            event("PM-7", "In Progress", timestamp=now_ms(minus_seconds=3500)), delivery="d-2"
        )

    error = assert_error(stale, 400, "stale_delivery")
    assert "older than 3600 s" in error["message"]
    assert "applied" in fresh.json()
    item.refresh_from_db()
    assert item.status == "in_progress"
    assert JiraWebhookDelivery.objects.count() == 1  # the stale one left no row


def test_a_delivery_dated_far_in_the_future_is_refused_too(item):
    with override_settings(JIRA_WEBHOOK_MAX_AGE_SECONDS=600):
        response = deliver(event(timestamp=now_ms(minus_seconds=-3600)))
    assert_error(response, 400, "stale_delivery")
    item.refresh_from_db()
    assert item.status == "planned"


@pytest.mark.parametrize("timestamp", ["yesterday", True, 1.5e300, [1], -1])
def test_a_timestamp_that_is_not_epoch_milliseconds_is_a_400(item, timestamp):
    payload = event()
    payload["timestamp"] = timestamp
    fields = assert_error(deliver(payload), 400, "invalid")["fields"]
    assert "timestamp" in fields
    assert not JiraWebhookDelivery.objects.exists()


@pytest.mark.parametrize("where", ["status", "key", "event", "user"])
def test_a_signed_delivery_with_a_nul_in_what_it_names_is_a_400_not_a_500(item, where):
    payload = event("PM-7", "Done")
    if where == "status":
        payload["issue"]["fields"]["status"]["name"] = "Do\x00ne"
    elif where == "key":
        payload["issue"]["key"] = "PM-\x007"
    elif where == "event":
        payload["webhookEvent"] = "jira:issue\x00updated"
    else:
        payload["user"]["displayName"] = "Da\x00na"
    raw = json.dumps(payload).encode()
    assert b"\\u0000" in raw  # JSON's escape of NUL: valid JSON, signed like any body

    response = deliver(None, raw=raw)

    assert_error(response, 400, "invalid")
    item.refresh_from_db()
    assert item.status == "planned"
    assert not JiraWebhookDelivery.objects.exists()


def test_a_status_change_made_by_the_webhook_is_recorded_as_made_by_jira_and_its_user(item):
    payload = event("PM-7", "Done")
    payload["user"]["displayName"] = "Dana Scully"

    deliver(payload)

    latest = item.history.first()
    assert latest.status == "shipped"
    assert latest.history_user is None  # no account of ours made it
    assert latest.history_change_reason == "status set to shipped by Jira (Dana Scully)"


def test_a_status_change_without_a_jira_user_is_recorded_as_made_by_jira(item):
    payload = event("PM-7", "Done")
    del payload["user"]
    deliver(payload)
    assert item.history.first().history_change_reason == "status set to shipped by Jira"
