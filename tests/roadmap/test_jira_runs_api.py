"""`GET /api/v1/jira/runs/{id}/`: what a push did, with its records, for the product and
integration roles (issue 18, item 15)."""

from __future__ import annotations

import pytest

from roadmap.jira.models import JiraSyncRecord, JiraSyncRun
from tests.support.api import api_client_for, assert_error

pytestmark = pytest.mark.django_db


def url(run_id: object) -> str:
    return f"/api/v1/jira/runs/{run_id}/"


@pytest.fixture
def run() -> JiraSyncRun:
    run = JiraSyncRun.objects.create(
        ranking_number=4,
        status="failed",
        item_count=3,
        updated_count=1,
        failed_count=1,
        not_attempted_count=1,
        error="PUT /rest/api/3/issue/PM-2: HTTP 503 after 5 tries; giving up",
    )
    rows = [
        ("PM-1", 1, "fields", "ok", 204, ""),
        ("PM-2", 2, "fields", "failed", 503, "HTTP 503"),
        ("PM-3", 3, "fields", "not_attempted", None, "the run stopped before this item"),
    ]
    for key, position, action, status, http_status, error in rows:
        JiraSyncRecord.objects.create(
            run=run,
            item_id=position,
            jira_key=key,
            position=position,
            action=action,
            status=status,
            http_status=http_status,
            error=error,
            values={"customfield_10050": 1.0} if status == "ok" else {},
        )
    return run


def test_product_and_integration_read_a_run_with_its_records(product_user, integration_user, run):
    for user in (product_user, integration_user):
        response = api_client_for(user).get(url(run.pk))
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["id"], body["ranking"], body["status"]) == (run.pk, 4, "failed")
        assert (body["failed_count"], body["not_attempted_count"], body["key_missing_count"]) == (
            1,
            1,
            0,
        )
        assert "HTTP 503" in body["error"]
        assert [(r["jira_key"], r["status"]) for r in body["records"]] == [
            ("PM-1", "ok"),
            ("PM-2", "failed"),
            ("PM-3", "not_attempted"),
        ]
        first = body["records"][0]
        assert first == {
            "item": 1,
            "jira_key": "PM-1",
            "position": 1,
            "action": "fields",
            "status": "ok",
            "http_status": 204,
            "error": "",
            "values": {"customfield_10050": 1.0},
            "created_at": first["created_at"],
        }


def test_marketing_and_anonymous_may_not_read_runs(marketing_user, client, run):
    assert_error(api_client_for(marketing_user).get(url(run.pk)), 403)
    assert_error(client.get(url(run.pk)), 401)


def test_an_unknown_run_is_a_404_in_the_error_shape(integration_user, run):
    api = api_client_for(integration_user)
    assert_error(api.get(url(run.pk + 1)), 404)
    assert_error(api.get(url("abc")), 404)
    assert_error(api.get(url("9" * 30)), 404)


def test_reading_a_run_costs_the_same_queries_for_few_and_many_records(
    integration_user, run, django_assert_max_num_queries
):
    JiraSyncRecord.objects.bulk_create(
        JiraSyncRecord(
            run=run, item_id=n, jira_key=f"PM-{n}", position=n, action="rank", status="ok"
        )
        for n in range(10, 210)
    )
    api = api_client_for(integration_user)
    with django_assert_max_num_queries(6):
        response = api.get(url(run.pk))
    assert len(response.json()["records"]) == 203


def test_the_push_answer_points_at_the_run_url(product_user, run):
    # The schema documents the endpoint with its error answers.
    from django.urls import reverse

    assert reverse("jira-run-detail", args=[run.pk]) == url(run.pk)
