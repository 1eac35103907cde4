"""Publishing a ranking pushes it to Jira: the publish queues the push after commit, and
the task sends exactly what Jira needs (run with -s to see the request log; with
CI_LOG_DIR set it is also saved as jira-push-120.log)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from roadmap.jira.models import JiraSyncRecord, JiraSyncRun
from roadmap.jira.tasks import jira_ranking_push_task
from roadmap.services import item_update
from scoring.models import Ranking
from scoring.services import item_scores_recompute_all, ranking_publish
from tests.support.factories import RoadmapItemFactory
from tests.support.jira import CONFIDENCE, EFFORT, IMPACT, ISSUE, RANK, REACH, SCORE

pytestmark = pytest.mark.django_db


@pytest.fixture
def jira(fake):
    """Jira configured with every field and the board's rank field; tasks in-process."""
    with override_settings(
        JIRA_BASE_URL=fake.base_url,
        JIRA_USER_EMAIL="bot@example.com",
        JIRA_API_TOKEN="t0ken",
        JIRA_SCORE_FIELD=SCORE,
        JIRA_REACH_FIELD=REACH,
        JIRA_IMPACT_FIELD=IMPACT,
        JIRA_CONFIDENCE_FIELD=CONFIDENCE,
        JIRA_EFFORT_FIELD=EFFORT,
        JIRA_RANK_FIELD_ID="10019",
        CELERY_TASK_ALWAYS_EAGER=True,
    ):
        yield fake


def items_ranked(count: int, *, unkeyed: int = 0) -> list:
    """`count` items with Jira keys PM-1..PM-count scoring 10·(count+1-n), so PM-n is
    n-th, and `unkeyed` items without a key in between; scored and ranked."""
    items = [
        RoadmapItemFactory(
            title=f"Item {n}",
            jira_key=f"PM-{n}",
            reach=10.0 * (count + 1 - n),
            impact=1.0,
            confidence=1.0,
            effort=1.0,
        )
        for n in range(1, count + 1)
    ]
    for n in range(unkeyed):
        RoadmapItemFactory(title=f"No key {n}", reach=10.0 * n + 5, impact=1, confidence=1)
    item_scores_recompute_all(now=timezone.now())
    return items


def publish_and_run(captured) -> Ranking:
    """Publish, then commit: the callbacks queued by the publish run (the push among
    them), in-process as without a broker."""
    with captured(execute=True):
        ranking = ranking_publish(note="", published_by=None)
    return ranking


def test_a_120_item_ranking_is_pushed_with_120_field_updates_and_exactly_3_rank_calls(
    jira, django_capture_on_commit_callbacks
):
    items_ranked(120, unkeyed=5)
    jira.board = [f"OTHER-{n}" for n in range(1, 4)] + [f"PM-{n}" for n in range(120, 0, -1)]

    ranking = publish_and_run(django_capture_on_commit_callbacks)

    log = jira.log()
    print("\n".join(["", f"--- Jira requests of the push of ranking {ranking.number} ---", *log]))
    if os.environ.get("CI_LOG_DIR"):
        path = Path(os.environ["CI_LOG_DIR"]) / "jira-push-120.log"
        path.write_text("\n".join(log) + "\n")

    fields = [seen for seen in jira.requests if seen.path.startswith(ISSUE)]
    ranks = [seen for seen in jira.requests if seen.path == RANK]
    assert len(jira.requests) == 123
    assert [seen.method for seen in jira.requests] == ["PUT"] * 123
    assert jira.requests[:120] == fields  # the values first, then the order
    assert [seen.path for seen in fields] == [f"{ISSUE}PM-{n}" for n in range(1, 121)]
    for n, seen in enumerate(fields, start=1):
        reach = 10.0 * (121 - n)
        assert seen.body == {
            "fields": {SCORE: reach, REACH: reach, IMPACT: 1.0, CONFIDENCE: 1.0, EFFORT: 1.0}
        }, n
    keys = [f"PM-{n}" for n in range(1, 121)]
    assert [seen.body for seen in ranks] == [
        {"issues": keys[1:51], "rankAfterIssue": "PM-1", "rankCustomFieldId": 10019},
        {"issues": keys[51:101], "rankAfterIssue": "PM-51", "rankCustomFieldId": 10019},
        {"issues": keys[101:120], "rankAfterIssue": "PM-101", "rankCustomFieldId": 10019},
    ]
    assert jira.order_of(keys) == keys

    run = JiraSyncRun.objects.get()
    assert (run.ranking_number, run.status, run.item_count) == (1, "succeeded", 120)
    assert (run.updated_count, run.unchanged_count, run.failed_count) == (120, 0, 0)
    assert (run.rank_calls, run.request_count, run.rank_synced) == (3, 123, True)
    assert JiraSyncRecord.objects.filter(run=run, action="fields", status="ok").count() == 120
    assert JiraSyncRecord.objects.filter(run=run, action="rank", status="ok").count() == 119
    head = JiraSyncRecord.objects.get(run=run, action="rank", jira_key="PM-1")
    assert (head.status, head.values) == ("skipped", {"position": 1})


def test_publishing_with_jira_configured_queues_the_push_after_commit(
    jira, django_capture_on_commit_callbacks
):
    items_ranked(3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ranking = ranking_publish(note="", published_by=None)

    run = JiraSyncRun.objects.get()
    assert (run.ranking_number, run.status, run.force) == (ranking.number, "queued", False)
    assert jira.requests == []  # nothing is sent before the publication commits
    for callback in callbacks:
        callback()
    run.refresh_from_db()
    assert run.status == "succeeded"
    assert [seen.path for seen in jira.requests] == [f"{ISSUE}PM-{n}" for n in (1, 2, 3)] + [RANK]


def test_publishing_without_jira_queues_no_push(django_capture_on_commit_callbacks):
    items_ranked(3)
    with django_capture_on_commit_callbacks(execute=True):
        ranking_publish(note="", published_by=None)
    assert not JiraSyncRun.objects.exists()


def test_the_next_publication_pushes_only_the_item_that_moved(
    jira, django_capture_on_commit_callbacks
):
    items = items_ranked(8)
    publish_and_run(django_capture_on_commit_callbacks)
    jira.requests.clear()

    item_update(item=items[5], data={"reach": 75.0})  # PM-6: from 30 to 75, 6th to 2nd
    item_scores_recompute_all(now=timezone.now())
    publish_and_run(django_capture_on_commit_callbacks)

    assert jira.log() == [
        f'PUT {ISSUE}PM-6 {{"fields":{{"{SCORE}":75.0,"{REACH}":75.0,"{IMPACT}":1.0,'
        f'"{CONFIDENCE}":1.0,"{EFFORT}":1.0}}}} -> 204',
        f'PUT {RANK} {{"issues":["PM-6"],"rankAfterIssue":"PM-1","rankCustomFieldId":10019}} '
        "-> 204",
    ]
    assert jira.order_of([f"PM-{n}" for n in range(1, 9)]) == [
        "PM-1",
        "PM-6",
        "PM-2",
        "PM-3",
        "PM-4",
        "PM-5",
        "PM-7",
        "PM-8",
    ]
    second = JiraSyncRun.objects.get(ranking_number=2)
    assert (second.status, second.updated_count, second.unchanged_count) == ("succeeded", 1, 7)


def test_the_task_of_a_ranking_that_is_gone_fails_its_run(jira):
    run = JiraSyncRun.objects.create(ranking_number=9)
    assert jira_ranking_push_task(ranking_id=999_999, run_id=run.pk) == {
        "run": run.pk,
        "status": "failed",
    }
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "ranking id 999999 is gone")
    assert jira.requests == []
