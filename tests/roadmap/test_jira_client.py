"""The Jira client is polite: it honours Retry-After, backs off on 5xx and network errors
with jitter, and gives up after JIRA_MAX_TRIES; other answers are the caller's to read.
"""

from __future__ import annotations

import base64
import socket
from typing import Any

import pytest

from roadmap.jira.client import JiraClient, JiraUnavailable
from tests.support.jira import ISSUE, RANK, FakeJira

# --- The client ---------------------------------------------------------------------------


def client_for(fake: FakeJira, sleeps: list[float], **kwargs: Any) -> JiraClient:
    options: dict[str, Any] = {"max_tries": 5, "jitter": lambda: 1.0, **kwargs}
    return JiraClient(
        base_url=fake.base_url,
        user_email="bot@example.com",
        api_token="t0ken",
        sleep=sleeps.append,
        **options,
    )


def test_a_429_is_retried_after_the_seconds_retry_after_asks_for(fake, sleeps):
    fake.answer("PUT", f"{ISSUE}PM-1", 429, headers={"Retry-After": "7"})

    response = client_for(fake, sleeps).issue_update_fields("PM-1", {"customfield_10050": 3.0})

    assert (response.status, response.tries) == (204, 2)
    assert sleeps == [7.0]
    assert [seen.status for seen in fake.requests] == [429, 204]
    assert fake.fields["PM-1"] == {"customfield_10050": 3.0}


def test_a_429_without_retry_after_backs_off_like_a_5xx(fake, sleeps):
    fake.answer("PUT", f"{ISSUE}PM-1", 429)
    client_for(fake, sleeps).issue_update_fields("PM-1", {})
    assert sleeps == [1.0]


@pytest.mark.parametrize(
    ("jitter", "delays"),
    [(1.0, [1.0, 2.0, 4.0, 8.0]), (0.0, [0.5, 1.0, 2.0, 4.0]), (0.5, [0.75, 1.5, 3.0, 6.0])],
)
def test_5xx_are_retried_with_exponential_backoff_and_jitter_then_given_up(
    fake, sleeps, jitter, delays
):
    fake.answer("PUT", f"{ISSUE}PM-1", 500, times=3)
    fake.answer("PUT", f"{ISSUE}PM-1", 503, times=2)
    client = client_for(fake, sleeps, jitter=lambda: jitter)

    with pytest.raises(JiraUnavailable) as gave_up:
        client.issue_update_fields("PM-1", {})

    assert (gave_up.value.status, gave_up.value.tries) == (503, 5)
    assert "after 5 tries" in str(gave_up.value)
    assert sleeps == delays  # no sleep after the last try
    assert len(fake.requests) == 5


def test_a_5xx_then_a_success_returns_the_success(fake, sleeps):
    fake.answer("PUT", RANK, 502)
    response = client_for(fake, sleeps).issues_rank(["PM-2"], after="PM-1")
    assert (response.status, response.tries, sleeps) == (204, 2, [1.0])


def test_backoff_is_capped_at_a_minute(fake, sleeps):
    fake.answer("PUT", f"{ISSUE}PM-1", 500, times=9)
    with pytest.raises(JiraUnavailable):
        client_for(fake, sleeps, max_tries=9).issue_update_fields("PM-1", {})
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


def test_a_refused_connection_is_retried_then_given_up(sleeps):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    client = JiraClient(
        base_url=f"http://127.0.0.1:{port}",
        user_email="bot@example.com",
        api_token="t0ken",
        max_tries=3,
        sleep=sleeps.append,
        jitter=lambda: 1.0,
    )
    with pytest.raises(JiraUnavailable) as gave_up:
        client.issue_update_fields("PM-1", {})
    assert gave_up.value.status is None
    assert "ConnectError" in str(gave_up.value)
    assert sleeps == [1.0, 2.0]
    assert client.attempts == [("PUT", f"{ISSUE}PM-1", None)] * 3


def test_a_retry_after_beyond_five_minutes_is_not_waited_for(fake, sleeps):
    fake.answer("PUT", f"{ISSUE}PM-1", 429, headers={"Retry-After": "3600"})
    with pytest.raises(JiraUnavailable, match="asked to wait 3600 s"):
        client_for(fake, sleeps).issue_update_fields("PM-1", {})
    assert sleeps == []
    assert len(fake.requests) == 1


@pytest.mark.parametrize("status", [400, 403, 404])
def test_a_4xx_is_returned_at_once_for_the_caller_to_read(fake, sleeps, status):
    fake.answer(
        "PUT", f"{ISSUE}PM-1", status, body={"errorMessages": ["Nope."], "errors": {"x": "y"}}
    )
    response = client_for(fake, sleeps).issue_update_fields("PM-1", {})
    assert (response.status, response.tries, sleeps) == (status, 1, [])
    assert response.error_message() == "Nope.; x: y"


def test_requests_carry_basic_auth_and_a_json_body(fake, sleeps):
    client_for(fake, sleeps).issues_rank(["PM-2", "PM-3"], before="PM-1", rank_field_id=10019)
    [seen] = fake.requests
    token = base64.b64encode(b"bot@example.com:t0ken").decode()
    assert seen.headers["Authorization"] == f"Basic {token}"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.body == {
        "issues": ["PM-2", "PM-3"],
        "rankBeforeIssue": "PM-1",
        "rankCustomFieldId": 10019,
    }


def test_a_rank_call_takes_one_to_fifty_issues_and_one_anchor(fake, sleeps):
    client = client_for(fake, sleeps)
    with pytest.raises(ValueError, match="1 to 50"):
        client.issues_rank([f"PM-{n}" for n in range(2, 53)], after="PM-1")
    with pytest.raises(ValueError, match="exactly one"):
        client.issues_rank(["PM-2"], after="PM-1", before="PM-3")
    assert fake.requests == []
