"""Jira in the scoring API and admin: the pull view of the latest ranking (with its ETag),
the on-demand push (`rankings/{number}/push-to-jira/`, the Ranking admin action), and the
Jira sync records in the admin."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from roadmap.jira.models import JiraSyncRecord, JiraSyncRun
from scoring.services import item_scores_recompute_all, ranking_publish
from tests.support.api import api_client_for, assert_error
from tests.support.factories import RoadmapItemFactory
from tests.support.jira import RANK

pytestmark = pytest.mark.django_db

PULL = "/api/v1/rankings/latest/jira/"


@pytest.fixture
def jira(fake):
    with override_settings(
        JIRA_BASE_URL=fake.base_url,
        JIRA_USER_EMAIL="bot@example.com",
        JIRA_API_TOKEN="t0ken",
        JIRA_SCORE_FIELD="customfield_10050",
        CELERY_TASK_ALWAYS_EAGER=True,
    ):
        yield fake


@pytest.fixture
def published():
    """Ranking 1: PM-1 (score 300), an item without a key (200), PM-3 (100)."""
    RoadmapItemFactory(jira_key="PM-1", reach=300, impact=1, confidence=1, effort=1)
    RoadmapItemFactory(jira_key="", reach=200, impact=1, confidence=1, effort=1)
    RoadmapItemFactory(jira_key="PM-3", reach=100, impact=2, confidence=0.5, effort=1)
    item_scores_recompute_all(now=timezone.now())
    return ranking_publish(note="March committee", published_by=None)


# --- Pull -----------------------------------------------------------------------------------


def test_the_pull_lists_the_entries_with_a_jira_key_in_ranking_order(integration_user, published):
    response = api_client_for(integration_user).get(PULL)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["number"], body["note"], body["issue_count"]) == (1, "March committee", 2)
    assert body["published_at"] == published.published_at.isoformat().replace("+00:00", "Z")
    first, second = body["issues"]
    entry = published.entries.get(jira_key="PM-3")
    assert second == {
        "key": "PM-3",
        "position": 3,
        "item": entry.item_id,
        "title": entry.title,
        "score": 100.0,
        "reach": 100.0,
        "impact": 2.0,
        "confidence": 0.5,
        "effort": 1.0,
        "explanation_url": f"http://testserver/api/v1/items/{entry.item_id}/score/",
    }
    assert (first["key"], first["position"], first["score"]) == ("PM-1", 1, 300.0)


def test_the_pull_answers_304_to_its_strong_etag_until_a_new_publication(
    integration_user, published
):
    api = api_client_for(integration_user)
    first = api.get(PULL)
    etag = first["ETag"]
    assert etag.startswith('"')  # strong: no W/

    again = api.get(PULL, HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content) == (304, b"")

    ranking_publish(note="April", published_by=None)
    fresh = api.get(PULL, HTTP_IF_NONE_MATCH=etag)
    assert (fresh.status_code, fresh.json()["number"]) == (200, 2)
    assert fresh["ETag"] != etag


def test_every_role_may_pull_and_nobody_else(
    product_user, marketing_user, integration_user, client, published
):
    for user in (product_user, marketing_user, integration_user):
        assert api_client_for(user).get(PULL).status_code == 200
    assert_error(client.get(PULL), 401)


def test_the_pull_answers_404_in_the_error_shape_before_any_publication(integration_user):
    error = assert_error(api_client_for(integration_user).get(PULL), 404)
    assert "No ranking" in error["message"]


def test_the_pull_costs_the_same_queries_for_few_and_many_entries(
    integration_user, django_assert_max_num_queries
):
    for n in range(1, 61):
        RoadmapItemFactory(jira_key=f"PM-{n}", reach=n, impact=1, confidence=1, effort=1)
    item_scores_recompute_all(now=timezone.now())
    ranking_publish(note="", published_by=None)
    api = api_client_for(integration_user)
    with django_assert_max_num_queries(5):
        response = api.get(PULL)
    assert response.json()["issue_count"] == 60


# --- Push on demand ---------------------------------------------------------------------------


def test_product_pushes_a_ranking_on_demand_and_gets_202_with_the_run(
    product_user, published, jira, django_capture_on_commit_callbacks
):
    api = api_client_for(product_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/rankings/1/push-to-jira/", {"force": True}, format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    run = JiraSyncRun.objects.get()
    assert (body["run"], body["ranking"], body["status"], body["force"]) == (
        run.pk,
        1,
        "queued",
        True,
    )
    run.refresh_from_db()
    assert (run.status, run.force, run.updated_count) == ("succeeded", True, 2)
    assert [seen.body for seen in jira.requests if seen.path == RANK] == [
        {"issues": ["PM-3"], "rankAfterIssue": "PM-1"}
    ]


def test_a_push_with_no_body_pushes_what_changed(product_user, published, jira):
    response = api_client_for(product_user).post("/api/v1/rankings/1/push-to-jira/")
    assert response.status_code == 202, response.content
    assert response.json()["force"] is False


def test_pushing_without_jira_configured_answers_409_in_the_error_shape(product_user, published):
    response = api_client_for(product_user).post("/api/v1/rankings/1/push-to-jira/")
    error = assert_error(response, 409, "jira_not_configured")
    assert "JIRA_" in error["message"]
    assert not JiraSyncRun.objects.exists()


def test_only_product_may_push(marketing_user, integration_user, client, published, jira):
    for user in (marketing_user, integration_user):
        assert_error(api_client_for(user).post("/api/v1/rankings/1/push-to-jira/"), 403)
    assert_error(client.post("/api/v1/rankings/1/push-to-jira/"), 401)
    assert not JiraSyncRun.objects.exists()


def test_pushing_an_unknown_ranking_or_a_bad_body_is_refused(product_user, published, jira):
    api = api_client_for(product_user)
    assert_error(api.post("/api/v1/rankings/9/push-to-jira/"), 404)
    fields = assert_error(
        api.post("/api/v1/rankings/1/push-to-jira/", {"force": "yes"}, format="json"), 400
    )["fields"]
    assert "force" in fields
    unknown = api.post("/api/v1/rankings/1/push-to-jira/", {"forced": True}, format="json")
    assert "forced" in assert_error(unknown, 400)["fields"]
    assert not JiraSyncRun.objects.exists()


# --- Admin ------------------------------------------------------------------------------------


@pytest.fixture
def pm_client(client, product_user):
    client.force_login(product_user)
    return client


RANKINGS = reverse("admin:scoring_ranking_changelist")


def test_the_ranking_admin_pushes_the_selected_ranking_to_jira(
    pm_client, published, jira, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = pm_client.post(
            RANKINGS, {"action": "push_to_jira", "_selected_action": [published.pk]}, follow=True
        )

    run = JiraSyncRun.objects.get()
    assert run.status == "succeeded"
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    run_page = reverse("admin:roadmap_jirasyncrun_change", args=[run.pk])
    assert messages == [
        f'Queued the push of ranking 1 to Jira (<a href="{run_page}">run {run.pk}</a>).'
    ]
    page = pm_client.get(RANKINGS).content.decode()
    assert "succeeded" in page  # the "last Jira push" column


def test_the_ranking_admin_says_when_jira_is_not_configured(pm_client, published):
    response = pm_client.post(
        RANKINGS, {"action": "push_to_jira_forced", "_selected_action": [published.pk]}, follow=True
    )
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Jira is not configured")
    assert not JiraSyncRun.objects.exists()


def test_rankings_are_read_only_in_the_admin(pm_client, published):
    assert pm_client.get(reverse("admin:scoring_ranking_add")).status_code == 403
    page = pm_client.get(reverse("admin:scoring_ranking_change", args=[published.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert (
        pm_client.get(reverse("admin:scoring_ranking_delete", args=[published.pk])).status_code
        == 403
    )


def test_jira_sync_records_are_filtered_by_status_action_and_run_in_the_admin(
    pm_client, published, jira, django_capture_on_commit_callbacks
):
    jira.missing = {"PM-3"}
    for action in ("push_to_jira", "push_to_jira_forced"):
        with django_capture_on_commit_callbacks(execute=True):
            pm_client.post(RANKINGS, {"action": action, "_selected_action": [published.pk]})
    run, forced = JiraSyncRun.objects.order_by("id")
    # PM-3's key is flagged after the first push, so the forced one leaves it out.
    assert (run.status, forced.status, forced.key_missing_count) == ("partial", "succeeded", 1)
    url = reverse("admin:roadmap_jirasyncrecord_changelist")

    failed = pm_client.get(url, {"status__exact": "failed", "action__exact": "fields"})
    assert failed.status_code == 200
    assert [r.jira_key for r in failed.context["cl"].result_list] == ["PM-3"]
    key_missing = pm_client.get(url, {"status__exact": "key_missing", "action__exact": "fields"})
    assert [r.jira_key for r in key_missing.context["cl"].result_list] == ["PM-3"]
    by_run = pm_client.get(url, {"run__id__exact": run.pk})
    assert by_run.context["cl"].result_count == JiraSyncRecord.objects.filter(run=run).count()
    filters = {spec.title for spec in failed.context["cl"].filter_specs}
    assert {"status", "action", "run"} <= filters
    runs = pm_client.get(
        reverse("admin:roadmap_jirasyncrun_changelist"), {"status__exact": "partial"}
    )
    assert [r.pk for r in runs.context["cl"].result_list] == [run.pk]
    assert pm_client.get(reverse("admin:roadmap_jirasyncrun_add")).status_code == 403


def test_the_jira_route_shadows_neither_latest_nor_a_ranking_number(integration_user, published):
    api = api_client_for(integration_user)
    latest = api.get("/api/v1/rankings/latest/").json()
    assert (latest["number"], len(latest["entries"])) == (1, 3)
    assert api.get("/api/v1/rankings/1/").json()["number"] == 1
    assert_error(api.get("/api/v1/rankings/1/jira/"), 404)
