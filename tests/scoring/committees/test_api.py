"""/api/v1/committees/ and /api/v1/decisions/: the meeting cycle, refusals in the one
error shape, filters, idempotent creation, a query budget on the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from scoring.committees.models import CommitteeMeeting, Decision
from tests.support.api import API, api_client_for, assert_error, error_fields
from tests.support.committees import decision, meeting_in_session, meeting_planned
from tests.support.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


def _day(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def test_product_and_marketing_run_a_meeting_through_the_api(product_user, marketing_user):
    pm, mkt = api_client_for(product_user), api_client_for(marketing_user)
    item = RoadmapItemFactory(status="candidate")
    created = mkt.post(
        f"{API}/committees/",
        {"title": "March", "date": _day(1), "attendees": [product_user.pk, marketing_user.pk]},
        format="json",
    )
    assert created.status_code == 201, created.content
    meeting = created.json()
    assert meeting["status"] == "planned"
    assert isinstance(meeting["agenda"], list)
    url = f"{API}/committees/{meeting['id']}"
    point = mkt.post(f"{url}/points/", {"title": "Pricing page"}, format="json")
    assert point.status_code == 201
    assert pm.post(f"{url}/start/").json()["status"] == "in_session"
    made = pm.post(
        f"{url}/decisions/",
        {"kind": "commit", "rationale": "Go", "owner": product_user.pk, "team": "product",
         "due_date": _day(30), "item": item.pk, "item_status": "planned"},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.content
    item.refresh_from_db()
    assert item.status == "planned"
    closed = pm.post(f"{url}/close/", {"publish": True, "note": "March"}, format="json")
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    assert closed.json()["ranking"] == 1


def test_starting_a_second_meeting_is_a_conflict(product_user):
    meeting_in_session(attendees=[product_user])
    other = meeting_planned(attendees=[product_user], title="Other")
    response = api_client_for(product_user).post(f"{API}/committees/{other.pk}/start/")
    error = assert_error(response, 409)
    assert "in session" in error["message"]


def test_closing_twice_is_a_conflict(product_user):
    meeting = meeting_in_session(attendees=[product_user])
    client = api_client_for(product_user)
    assert (
        client.post(f"{API}/committees/{meeting.pk}/close/", {}, format="json").status_code == 200
    )
    assert_error(client.post(f"{API}/committees/{meeting.pk}/close/", {}, format="json"), 409)


def test_marketing_may_not_publish_when_closing(marketing_user):
    meeting = meeting_in_session(attendees=[marketing_user])
    response = api_client_for(marketing_user).post(
        f"{API}/committees/{meeting.pk}/close/", {"publish": True}, format="json"
    )
    assert_error(response, 403)
    meeting.refresh_from_db()
    assert meeting.status == "in_session"


def test_bad_decisions_are_400s_naming_the_field(product_user):
    meeting = meeting_in_session(attendees=[product_user])
    archived = RoadmapItemFactory(status="archived")
    client = api_client_for(product_user)
    base = {"kind": "investigate", "rationale": "Why", "owner": product_user.pk, "team": "product"}
    url = f"{API}/committees/{meeting.pk}/decisions/"
    assert "due_date" in error_fields(
        client.post(url, {**base, "due_date": _day(-1)}, format="json")
    )
    assert "item" in error_fields(client.post(url, {**base, "item": archived.pk}, format="json"))
    assert "defer_until" in error_fields(client.post(url, {**base, "kind": "defer"}, format="json"))
    assert "kind" in error_fields(client.post(url, {**base, "kind": "maybe"}, format="json"))
    assert "surprise" in error_fields(client.post(url, {**base, "surprise": 1}, format="json"))
    assert Decision.objects.count() == 0


def test_a_decision_on_a_planned_meeting_is_a_conflict(product_user):
    meeting = meeting_planned(attendees=[product_user])
    response = api_client_for(product_user).post(
        f"{API}/committees/{meeting.pk}/decisions/",
        {"kind": "reject", "rationale": "No", "owner": product_user.pk, "team": "product"},
        format="json",
    )
    assert_error(response, 409)


def test_integration_accounts_read_but_do_not_write(integration_user):
    client = api_client_for(integration_user)
    assert client.get(f"{API}/committees/").status_code == 200
    response = client.post(f"{API}/committees/", {"title": "X", "date": _day(1)}, format="json")
    assert_error(response, 403)


def test_creating_a_meeting_twice_with_the_same_idempotency_key_creates_one(product_user):
    client = api_client_for(product_user)
    body = {"title": "March", "date": _day(3)}
    first = client.post(f"{API}/committees/", body, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    again = client.post(f"{API}/committees/", body, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert CommitteeMeeting.objects.count() == 1


def test_decisions_filter_by_status_owner_team_due_dates_and_overdue(product_user, marketing_user):
    meeting = meeting_in_session(attendees=[product_user, marketing_user])
    late = decision(meeting, owner=product_user, team="product", due_date=_date(2))
    soon = decision(meeting, owner=marketing_user, team="marketing", due_date=_date(10))
    Decision.objects.filter(pk=late.pk).update(due_date=_date(-2))
    client = api_client_for(product_user)

    def ids(query: str) -> list[int]:
        response = client.get(f"{API}/decisions/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("overdue=true") == [late.pk]
    assert ids("overdue=false") == [soon.pk]
    assert ids(f"owner={marketing_user.pk}") == [soon.pk]
    assert ids("team=product") == [late.pk]
    assert ids(f"due_after={_day(0)}") == [soon.pk]
    assert ids(f"due_before={_day(0)}") == [late.pk]
    assert ids("status=done") == []
    assert_error(client.get(f"{API}/decisions/?overdue=maybe"), 400)
    assert_error(client.get(f"{API}/decisions/?due_before=yesterday"), 400)
    done = client.patch(f"{API}/decisions/{soon.pk}/", {"status": "done"}, format="json")
    assert done.status_code == 200
    assert done.json()["done_at"]
    assert ids("status=done") == [soon.pk]


def _date(n: int):
    return timezone.localdate() + timedelta(days=n)


def test_the_meeting_list_has_a_query_budget(product_user, django_assert_max_num_queries):
    for n in range(8):
        meeting_planned(attendees=[product_user], title=f"Meeting {n}")
    client = api_client_for(product_user)
    client.get(f"{API}/committees/")
    with django_assert_max_num_queries(12):
        response = client.get(f"{API}/committees/")
    assert len(response.json()["results"]) == 8
