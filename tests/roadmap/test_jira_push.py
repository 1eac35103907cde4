"""The push of plain ranking data to Jira (roadmap.jira.push) against a fake Jira:
what it sends, what it leaves out because Jira already has it, how it survives missing
issues and an unwell Jira, and what it records."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from roadmap.jira import jira_settings
from roadmap.jira.client import JiraClient
from roadmap.jira.models import JiraSyncRecord, JiraSyncRun
from roadmap.jira.push import JiraPushItem, jira_ranking_push
from roadmap.jira.runs import JiraPushBusy
from roadmap.models import RoadmapItem
from roadmap.services import item_update
from tests.support.factories import RoadmapItemFactory
from tests.support.jira import ISSUE, RANK, REACH, SCORE, FakeJira, jira_configured

pytestmark = pytest.mark.django_db


@pytest.fixture
def jira(fake):
    with jira_configured(
        fake,
        JIRA_REACH_FIELD=REACH,
        JIRA_IMPACT_FIELD="",
        JIRA_CONFIDENCE_FIELD="",
        JIRA_EFFORT_FIELD="",
        JIRA_RANK_FIELD_ID="",
        JIRA_MAX_TRIES=5,
    ):
        yield fake


@pytest.fixture
def push(jira, sleeps):
    """Push `items` as ranking `number` with a client that records its sleeps."""

    def run(items: list[JiraPushItem], *, number: int = 1, **kwargs: Any) -> JiraSyncRun:
        client = JiraClient.from_settings(
            jira_settings(),
            sleep=sleeps.append,
            jitter=lambda: 1.0,
            transport=kwargs.pop("transport", None),
        )
        jira.requests.clear()
        return jira_ranking_push(ranking_number=number, items=items, client=client, **kwargs)

    return run


def ranking(*keys: str, scores: dict[str, float] | None = None) -> list[JiraPushItem]:
    """Items in this order, scoring 100, 99, ... unless `scores` says otherwise."""
    scores = scores or {}
    return [
        JiraPushItem(
            item_id=int(key.split("-")[1]),
            jira_key=key,
            position=position,
            score=scores.get(key, 101.0 - position),
            reach=1000.0,
            impact=1.0,
            confidence=0.8,
            effort=2.0,
        )
        for position, key in enumerate(keys, start=1)
    ]


def keys(n: int) -> list[str]:
    return [f"PM-{i}" for i in range(1, n + 1)]


def records(run: JiraSyncRun, action: str) -> dict[str, tuple[str, int | None]]:
    return {
        r.jira_key: (r.status, r.http_status)
        for r in JiraSyncRecord.objects.filter(run=run, action=action)
    }


def rank_bodies(fake: FakeJira) -> list[Any]:
    return [seen.body for seen in fake.requests if seen.path == RANK]


# --- What is sent ---------------------------------------------------------------------------


def test_a_second_push_after_one_item_moved_sends_only_that_change(push, jira):
    jira.board = [f"OTHER-{n}" for n in range(3)] + list(reversed(keys(10)))
    first = push(ranking(*keys(10)))
    assert first.status == JiraSyncRun.Status.SUCCEEDED
    assert jira.order_of(keys(10)) == keys(10)

    # PM-7 jumps to second place: its score changes, nothing else does.
    moved = ["PM-1", "PM-7", "PM-2", "PM-3", "PM-4", "PM-5", "PM-6", "PM-8", "PM-9", "PM-10"]
    scores = {f"PM-{n}": 101.0 - n for n in range(1, 11)} | {"PM-7": 99.5}
    second = push(ranking(*moved, scores=scores), number=2)

    assert jira.log() == [
        f'PUT {ISSUE}PM-7 {{"fields":{{"{SCORE}":99.5,"{REACH}":1000.0}}}} -> 204',
        f'PUT {RANK} {{"issues":["PM-7"],"rankAfterIssue":"PM-1"}} -> 204',
    ]
    assert jira.order_of(keys(10)) == moved
    assert (second.status, second.updated_count, second.unchanged_count) == ("succeeded", 1, 9)
    assert (second.rank_calls, second.request_count, second.rank_synced) == (1, 2, True)
    fields = records(second, "fields")
    assert fields["PM-7"] == ("ok", 204)
    assert {status for key, (status, _) in fields.items() if key != "PM-7"} == {"skipped"}
    rank = records(second, "rank")
    assert rank["PM-7"] == ("ok", None)
    assert len(rank) == 10


def test_pushing_the_same_ranking_again_sends_nothing(push, jira):
    push(ranking(*keys(6)))
    again = push(ranking(*keys(6)), number=2)
    assert jira.requests == []
    assert (again.status, again.unchanged_count, again.rank_calls) == ("succeeded", 6, 0)


def test_an_item_moved_to_the_top_is_ranked_before_the_old_first(push, jira):
    push(ranking(*keys(5)))
    push(ranking("PM-4", "PM-1", "PM-2", "PM-3", "PM-5", scores={"PM-4": 200.0}), number=2)
    assert rank_bodies(jira) == [{"issues": ["PM-4"], "rankBeforeIssue": "PM-1"}]
    assert jira.order_of(keys(5)) == ["PM-4", "PM-1", "PM-2", "PM-3", "PM-5"]


def test_force_sends_every_value_and_the_whole_order(push, jira):
    push(ranking(*keys(4)))
    forced = push(ranking(*keys(4)), number=2, force=True)
    assert [seen.path for seen in jira.requests] == [f"{ISSUE}PM-{n}" for n in range(1, 5)] + [RANK]
    assert rank_bodies(jira) == [{"issues": ["PM-2", "PM-3", "PM-4"], "rankAfterIssue": "PM-1"}]
    assert (forced.force, forced.updated_count, forced.unchanged_count) == (True, 4, 0)


def test_values_are_rounded_to_six_significant_digits(push, jira):
    push(ranking("PM-1", scores={"PM-1": 1234.56789123}))
    assert jira.fields["PM-1"][SCORE] == 1234.57
    # A change below that precision is no change.
    push(ranking("PM-1", scores={"PM-1": 1234.5699}), number=2)
    assert jira.requests == []


@override_settings(JIRA_RANK_FIELD_ID="customfield_10019")
def test_the_rank_field_is_named_when_configured(push, jira):
    push(ranking(*keys(2)))
    assert rank_bodies(jira) == [
        {"issues": ["PM-2"], "rankAfterIssue": "PM-1", "rankCustomFieldId": 10019}
    ]


# --- Missing issues -------------------------------------------------------------------------


def test_a_missing_issue_fails_alone_and_the_rest_goes_through(push, jira):
    jira.missing = {"PM-3"}

    run = push(ranking(*keys(6)))

    assert [seen.status for seen in jira.requests if seen.path != RANK] == [204, 204, 404] + [
        204
    ] * 3
    assert rank_bodies(jira) == [
        {"issues": ["PM-2", "PM-4", "PM-5", "PM-6"], "rankAfterIssue": "PM-1"}
    ]
    assert (run.status, run.failed_count, run.updated_count) == ("partial", 1, 5)
    fields = JiraSyncRecord.objects.get(run=run, action="fields", jira_key="PM-3")
    assert (fields.status, fields.http_status) == ("failed", 404)
    assert "issue not found" in fields.error
    assert records(run, "rank")["PM-3"] == ("failed", None)
    assert jira.order_of(keys(6)) == ["PM-1", "PM-2", "PM-4", "PM-5", "PM-6"]


def test_a_missing_issue_is_tried_again_by_the_next_push(push, jira):
    jira.missing = {"PM-2"}
    push(ranking(*keys(3)))
    jira.missing = set()  # someone fixed the key in Jira
    run = push(ranking(*keys(3)), number=2)
    assert [seen.path for seen in jira.requests] == [f"{ISSUE}PM-2", RANK]
    assert rank_bodies(jira) == [{"issues": ["PM-2"], "rankAfterIssue": "PM-1"}]
    assert run.status == "succeeded"


def test_a_rank_call_refused_for_one_issue_with_207_ranks_the_others(push, jira):
    push(ranking(*keys(5)))
    jira.missing = {"PM-3"}  # deleted since; its values did not change, so no PUT finds out
    jira.rank_refusal = "207"

    run = push(ranking("PM-1", "PM-5", "PM-3", "PM-2", "PM-4"), number=2)

    # PM-1, PM-2 and PM-4 keep their order: PM-5 and PM-3 move in one call.
    assert rank_bodies(jira) == [{"issues": ["PM-5", "PM-3"], "rankAfterIssue": "PM-1"}]
    assert jira.order_of(["PM-1", "PM-2", "PM-4", "PM-5"]) == ["PM-1", "PM-5", "PM-2", "PM-4"]
    assert records(run, "rank")["PM-3"] == ("failed", 207)
    assert (run.status, run.rank_synced) == ("partial", True)


def test_a_rank_call_refused_whole_is_retried_issue_by_issue(push, jira):
    push(ranking(*keys(5)))
    jira.missing = {"PM-3"}
    jira.rank_refusal = "400"

    run = push(ranking("PM-1", "PM-5", "PM-3", "PM-2", "PM-4"), number=2)

    assert [
        (seen.method, seen.path, seen.status)
        for seen in jira.requests
        if seen.path == RANK or seen.method == "GET"
    ] == [
        ("PUT", RANK, 400),
        ("GET", f"{ISSUE}PM-1", 200),  # is the anchor there? yes: an issue is missing
        ("PUT", RANK, 204),
        ("PUT", RANK, 400),
    ]
    assert rank_bodies(jira) == [
        {"issues": ["PM-5", "PM-3"], "rankAfterIssue": "PM-1"},
        {"issues": ["PM-5"], "rankAfterIssue": "PM-1"},
        {"issues": ["PM-3"], "rankAfterIssue": "PM-5"},
    ]
    assert jira.order_of(["PM-1", "PM-2", "PM-4", "PM-5"]) == ["PM-1", "PM-5", "PM-2", "PM-4"]
    assert records(run, "rank")["PM-3"] == ("failed", 400)
    assert run.status == "partial"


def test_a_missing_anchor_is_replaced_by_the_nearest_issue_in_place(push, jira):
    push(ranking(*keys(5)))
    jira.missing = {"PM-1"}

    scores = {"PM-1": 100.0, "PM-4": 99.5, "PM-2": 99.0, "PM-3": 98.0, "PM-5": 96.0}
    run = push(ranking("PM-1", "PM-4", "PM-2", "PM-3", "PM-5", scores=scores), number=2)

    assert [(seen.method, seen.path, seen.status) for seen in jira.requests] == [
        ("PUT", f"{ISSUE}PM-4", 204),
        ("PUT", RANK, 400),
        ("GET", f"{ISSUE}PM-1", 404),
        ("PUT", RANK, 204),
    ]
    assert rank_bodies(jira)[1] == {"issues": ["PM-4"], "rankBeforeIssue": "PM-2"}
    assert jira.order_of(["PM-2", "PM-3", "PM-4", "PM-5"]) == ["PM-4", "PM-2", "PM-3", "PM-5"]
    assert records(run, "rank")["PM-1"] == ("failed", 400)
    assert (run.status, run.rank_synced) == ("partial", True)


# --- An unwell Jira -------------------------------------------------------------------------


def test_retry_after_is_honoured_and_the_call_retried(push, jira, sleeps):
    jira.answer("PUT", f"{ISSUE}PM-2", 429, headers={"Retry-After": "3"})
    run = push(ranking(*keys(3)))
    assert sleeps == [3.0]
    assert [seen.status for seen in jira.requests if seen.path == f"{ISSUE}PM-2"] == [429, 204]
    assert (run.status, run.request_count) == ("succeeded", 5)


def test_a_jira_answering_5xx_is_given_up_after_max_tries_and_the_run_fails(push, jira, sleeps):
    jira.answer("PUT", f"{ISSUE}PM-2", 500, times=5)

    run = push(ranking(*keys(4)))

    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert [seen.path for seen in jira.requests] == [f"{ISSUE}PM-1"] + [f"{ISSUE}PM-2"] * 5
    assert run.status == JiraSyncRun.Status.FAILED
    assert "HTTP 500 after 5 tries" in run.error
    assert (run.request_count, run.failed_count, run.rank_synced) == (6, 1, None)
    record = JiraSyncRecord.objects.get(run=run, jira_key="PM-2", action="fields")
    assert (record.action, record.status, record.http_status) == ("fields", "failed", 500)
    assert records(run, "fields") == {
        "PM-1": ("ok", 204),
        "PM-2": ("failed", 500),
        "PM-3": ("not_attempted", None),
        "PM-4": ("not_attempted", None),
    }
    # The next push sends what this one could not.
    retry = push(ranking(*keys(4)), number=1)
    assert [seen.path for seen in jira.requests] == [
        *(f"{ISSUE}PM-{n}" for n in (2, 3, 4)),
        RANK,
    ]
    assert retry.status == "succeeded"


@override_settings(JIRA_MAX_TRIES=2)
def test_jira_max_tries_bounds_the_attempts(push, jira, sleeps):
    jira.answer("PUT", f"{ISSUE}PM-1", 502, times=2)
    run = push(ranking(*keys(2)))
    assert (sleeps, len(jira.requests), run.status) == ([1.0], 2, "failed")
    assert "after 2 tries" in run.error


def test_jira_giving_up_during_the_rank_step_makes_the_next_push_rerank_everything(push, jira):
    jira.answer("PUT", RANK, 503, times=5)
    run = push(ranking(*keys(3)))
    assert (run.status, run.rank_synced) == ("failed", False)
    assert records(run, "rank") == {
        "PM-1": ("not_attempted", None),  # the run stopped before it was recorded in place
        "PM-2": ("failed", 503),
        "PM-3": ("failed", 503),
    }
    assert run.not_attempted_count == 0  # every item had its fields step

    push(ranking(*keys(3)), number=2)
    assert rank_bodies(jira) == [{"issues": ["PM-2", "PM-3"], "rankAfterIssue": "PM-1"}]


def test_refused_credentials_stop_the_run_at_once(push, jira):
    jira.answer("PUT", f"{ISSUE}PM-1", 401, body={"errorMessages": ["Unauthorized"]})
    run = push(ranking(*keys(3)))
    assert len(jira.requests) == 1
    assert run.status == "failed"
    assert "refused the credentials" in run.error


# --- Runs -----------------------------------------------------------------------------------


def test_a_push_waits_while_another_is_running(push, jira):
    JiraSyncRun.objects.create(ranking_number=1, status="running", started_at=timezone.now())
    with pytest.raises(JiraPushBusy):
        push(ranking(*keys(2)), number=2)
    assert jira.requests == []
    assert JiraSyncRun.objects.count() == 1


def test_a_run_whose_worker_died_is_abandoned_and_does_not_block(push, jira):
    stale = JiraSyncRun.objects.create(
        ranking_number=1, status="running", started_at=timezone.now() - timedelta(hours=1)
    )
    run = push(ranking(*keys(2)), number=2)
    stale.refresh_from_db()
    assert (stale.status, stale.error) == ("failed", "abandoned: its worker stopped")
    assert run.status == "succeeded"


def test_a_redelivered_task_does_not_push_twice(push, jira):
    queued = JiraSyncRun.objects.create(ranking_number=1)
    first = push(ranking(*keys(2)), run_id=queued.pk)
    assert (first.pk, first.status) == (queued.pk, "succeeded")
    again = push(ranking(*keys(2)), run_id=queued.pk)
    assert (again.pk, again.status, jira.requests) == (queued.pk, "succeeded", [])


def test_a_push_without_jira_configured_fails_its_run_and_sends_nothing(push, jira):
    with override_settings(JIRA_API_TOKEN=""):
        run = push(ranking(*keys(2)))
    assert (run.status, jira.requests) == ("failed", [])
    assert "not configured" in run.error


class NoTransactionTransport(httpx.HTTPTransport):
    """Fails the request if the database connection is inside a transaction."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert not connection.in_atomic_block, f"{request.url} sent inside a transaction"
        return super().handle_request(request)


@pytest.mark.django_db(transaction=True)
def test_no_http_call_is_made_inside_a_database_transaction(push, jira):
    jira.missing = {"PM-4"}
    items = ranking(*random.Random(7).sample(keys(80), 80))
    run = push(items, transport=NoTransactionTransport())
    assert run.status == "partial"
    assert len(jira.requests) == 80 + 2


# --- What a run tells its reader (issue 18, items 15 and 16) -------------------------------


def test_an_aborted_run_records_the_items_it_never_reached_as_not_attempted(push, jira):
    jira.answer("PUT", f"{ISSUE}PM-2", 500, times=5)

    run = push(ranking(*keys(4)))

    assert run.status == "failed"
    assert records(run, "fields") == {
        "PM-1": ("ok", 204),
        "PM-2": ("failed", 500),
        "PM-3": ("not_attempted", None),
        "PM-4": ("not_attempted", None),
    }
    assert set(records(run, "rank").values()) == {("not_attempted", None)}
    assert (run.item_count, run.failed_count, run.not_attempted_count) == (4, 1, 2)


def test_a_run_that_gives_up_puts_an_excerpt_of_jiras_answer_in_its_error(push, jira):
    jira.answer(
        "PUT",
        f"{ISSUE}PM-1",
        503,
        body={"errorMessages": ["Site under maintenance until 10:00 UTC"]},
        times=5,
    )
    run = push(ranking(*keys(2)))
    assert run.status == "failed"
    assert "HTTP 503 after 5 tries" in run.error
    assert "Site under maintenance until 10:00 UTC" in run.error


def test_a_huge_answer_is_cut_to_an_excerpt_in_the_run_error(push, jira):
    jira.answer("PUT", f"{ISSUE}PM-1", 502, body={"errorMessages": ["x" * 50_000]}, times=5)
    run = push(ranking(*keys(1)))
    assert "xxxx" in run.error
    assert len(run.error) < 2_000


def keyed_items(*keys: str) -> list[JiraPushItem]:
    """Real items with these keys (the flag lives on the item), ranked in this order."""
    items = [RoadmapItemFactory(jira_key=key) for key in keys]
    return [
        JiraPushItem(
            item_id=item.pk,
            jira_key=item.jira_key,
            position=position,
            score=100.0 - position,
            reach=1000.0,
            impact=1.0,
            confidence=0.8,
            effort=2.0,
        )
        for position, item in enumerate(items, start=1)
    ]


def test_a_key_jira_answers_404_for_is_flagged_and_not_sent_again_until_it_changes(push, jira):
    items = keyed_items("PM-1", "PM-2", "PM-3")
    jira.missing = {"PM-2"}

    first = push(items)

    assert first.status == "partial"
    flagged = RoadmapItem.objects.get(jira_key="PM-2")
    assert flagged.jira_key_missing_since is not None
    assert RoadmapItem.objects.filter(jira_key_missing_since__isnull=False).count() == 1

    second = push(items, number=2, force=True)

    assert f"{ISSUE}PM-2" not in [seen.path for seen in jira.requests]
    assert all("PM-2" not in (seen.body or {}).get("issues", []) for seen in jira.requests)
    assert (second.status, second.failed_count, second.key_missing_count) == ("succeeded", 0, 1)
    assert records(second, "fields")["PM-2"] == ("key_missing", None)
    assert records(second, "rank")["PM-2"] == ("key_missing", None)
    note = JiraSyncRecord.objects.get(run=second, action="fields", jira_key="PM-2").error
    assert "Jira key not found" in note

    # Someone corrects the key: the flag goes, and the next push sends it.
    item_update(item=flagged, data={"jira_key": "PM-22"})
    flagged.refresh_from_db()
    assert flagged.jira_key_missing_since is None
    corrected = [
        JiraPushItem(**{**vars(item), "jira_key": "PM-22"}) if item.jira_key == "PM-2" else item
        for item in items
    ]
    third = push(corrected, number=3)
    assert f"{ISSUE}PM-22" in [seen.path for seen in jira.requests]
    assert (third.status, third.key_missing_count) == ("succeeded", 0)


def test_a_key_jira_refuses_in_a_rank_call_with_404_is_flagged_too(push, jira):
    items = keyed_items("PM-1", "PM-2", "PM-3")
    push(items)
    jira.missing = {"PM-3"}  # deleted since; its values did not change
    jira.rank_refusal = "207"
    moved = [items[0], items[2], items[1]]
    reordered = [
        JiraPushItem(**{**vars(item), "position": position})
        for position, item in enumerate(moved, start=1)
    ]
    run = push(reordered, number=2)
    assert records(run, "rank")["PM-3"] == ("failed", 207)
    assert RoadmapItem.objects.get(jira_key="PM-3").jira_key_missing_since is not None
