"""Launch plans: the shared go-to-market plan of an item, its API, calendar and iCalendar
feed, its admin, and the migration that moved the launch fields off the item."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from config.models import ApiKey
from roadmap.models import LaunchPlan
from tests.support.api import API, api_client_for, assert_error, error_fields
from tests.support.factories import (
    LaunchPlanFactory,
    RoadmapItemFactory,
    SegmentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PLANS = f"{API}/launch-plans/"
CALENDAR = f"{PLANS}calendar/"
FEED = f"{API}/launch-plans/calendar.ics"
CHECKLIST = {
    "positioning_approved": True,
    "sales_enablement_ready": True,
    "documentation_ready": True,
    "campaign_assets_ready": True,
    "analytics_ready": True,
}


def today():
    return timezone.localdate()


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


@pytest.fixture
def pm(product_user):
    return api_client_for(product_user)


@pytest.fixture
def marketer(marketing_user):
    return api_client_for(marketing_user)


@pytest.fixture
def bot(integration_user):
    return api_client_for(integration_user)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


# --- Writing plans -------------------------------------------------------------------------


def test_product_plans_a_launch_with_owners_segments_channels_and_a_checklist(
    pm, product_user, marketing_user
):
    item = RoadmapItemFactory(status="planned", title="SSO for trials")
    segments = SegmentFactory.create_batch(2)
    response = pm.post(
        PLANS,
        {
            "item": item.pk,
            "target_segments": [s.pk for s in segments],
            "value_proposition": "Sign in once.",
            "key_messages": ["No new password", "Works with Okta and Azure AD"],
            "channels": ["email", "product_led"],
            "product_owner": product_user.pk,
            "marketing_owner": marketing_user.pk,
            "target_launch_date": days(30),
            "positioning_approved": True,
            "documentation_ready": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["item_title"] == "SSO for trials"
    assert body["readiness"] == "2/5"
    assert body["readiness_missing"] == [
        "sales_enablement_ready",
        "campaign_assets_ready",
        "analytics_ready",
    ]
    assert body["status"] == "planned"
    assert sorted(body["target_segments"]) == sorted(s.pk for s in segments)
    plan = LaunchPlan.objects.get(pk=body["id"])
    assert plan.item == item
    assert plan.history.first().history_user == product_user


def test_marketing_shares_the_plan_it_changes_and_deletes_plans_too(marketer, marketing_user):
    plan = LaunchPlanFactory()

    changed = marketer.patch(
        f"{PLANS}{plan.pk}/", {"campaign_assets_ready": True, "channels": ["social"]}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["readiness"] == "1/5"
    assert plan.history.first().history_user == marketing_user

    assert marketer.delete(f"{PLANS}{plan.pk}/").status_code == 204
    assert not LaunchPlan.objects.exists()


def test_integrations_read_plans_but_cannot_write_them(bot):
    plan = LaunchPlanFactory()
    assert bot.get(f"{PLANS}{plan.pk}/").status_code == 200
    assert_error(bot.patch(f"{PLANS}{plan.pk}/", {"status": "ready"}, format="json"), 403)


def test_a_second_plan_for_the_same_item_is_a_409_naming_the_first(pm):
    plan = LaunchPlanFactory()

    response = pm.post(PLANS, {"item": plan.item_id}, format="json")

    error = assert_error(response, 409, "conflict")
    assert f"(id {plan.pk})" in error["fields"]["item"][0]
    assert LaunchPlan.objects.count() == 1


def test_a_plan_is_ready_only_with_its_whole_checklist_done(pm):
    item = RoadmapItemFactory(status="in_progress")

    refused = pm.post(
        PLANS, {"item": item.pk, "status": "ready", "positioning_approved": True}, format="json"
    )
    assert "status" in error_fields(refused)
    assert not LaunchPlan.objects.exists()

    accepted = pm.post(PLANS, {"item": item.pk, "status": "ready", **CHECKLIST}, format="json")
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["readiness"] == "5/5"

    undone = pm.patch(
        f"{PLANS}{accepted.json()['id']}/", {"documentation_ready": False}, format="json"
    )
    assert "status" in error_fields(undone)
    assert LaunchPlan.objects.get().documentation_ready is True


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("channels", ["email", "email"]),
        ("channels", ["carrier_pigeon"]),
        ("channels", "email"),
        ("key_messages", ["ok"] * 11),
        ("key_messages", [""]),
        ("key_messages", ["x" * 301]),
        ("status", "postponed"),
        ("target_launch_date", "next week"),
        ("target_segments", [999999]),
        ("positioning_approved", "yes"),
        ("positioning_approved", 1),
        ("item", None),
    ],
)
def test_an_invalid_value_is_refused_with_400_naming_the_field_and_nothing_is_stored(
    pm, field, value
):
    item = RoadmapItemFactory()
    response = pm.post(PLANS, {"item": item.pk, field: value}, format="json")
    assert field in error_fields(response)
    assert not LaunchPlan.objects.exists()


def test_owners_must_have_the_role_of_their_side(pm, product_user, marketing_user):
    item = RoadmapItemFactory()
    response = pm.post(
        PLANS,
        {"item": item.pk, "product_owner": marketing_user.pk, "marketing_owner": product_user.pk},
        format="json",
    )
    assert set(error_fields(response)) == {"product_owner", "marketing_owner"}


def test_a_plan_stays_with_its_item(pm):
    plan = LaunchPlanFactory()
    other = RoadmapItemFactory()
    response = pm.patch(f"{PLANS}{plan.pk}/", {"item": other.pk}, format="json")
    assert "item" in error_fields(response)


def test_unknown_fields_are_refused(pm):
    item = RoadmapItemFactory()
    response = pm.post(PLANS, {"item": item.pk, "readiness": "5/5"}, format="json")
    assert "readiness" in error_fields(response)


def test_items_no_longer_carry_launch_fields(pm):
    item = RoadmapItemFactory()
    body = pm.get(f"{API}/items/{item.pk}/").json()
    assert not {"value_proposition", "launch_channels", "target_launch_date"} & set(body)


# --- Filters ---------------------------------------------------------------------------------


def test_plans_filter_by_date_segment_channel_owner_and_status(pm, product_user, marketing_user):
    smb = SegmentFactory(slug="smb")
    past = LaunchPlanFactory(target_launch_date=today() - timedelta(days=3), channels=["sales"])
    soon = LaunchPlanFactory(
        target_launch_date=today() + timedelta(days=5),
        channels=["email", "paid_search"],
        product_owner=product_user,
    )
    later = LaunchPlanFactory(
        target_launch_date=today() + timedelta(days=60),
        channels=["paid_search"],
        marketing_owner=marketing_user,
        status="cancelled",
    )
    soon.target_segments.add(smb)
    undated = LaunchPlanFactory(target_launch_date=None, channels=[])

    assert ids(pm.get(PLANS)) == [past.pk, soon.pk, later.pk, undated.pk]
    assert ids(pm.get(PLANS, {"upcoming": "true"})) == [soon.pk, later.pk]
    assert ids(pm.get(PLANS, {"upcoming": "false"})) == [past.pk, undated.pk]
    assert ids(pm.get(PLANS, {"from": days(0), "to": days(30)})) == [soon.pk]
    assert ids(pm.get(PLANS, {"segment": smb.pk})) == [soon.pk]
    assert ids(pm.get(PLANS, {"channel": "paid_search"})) == [soon.pk, later.pk]
    assert ids(pm.get(PLANS, {"channel": ["sales", "email"]})) == [past.pk, soon.pk]
    assert ids(pm.get(PLANS, {"owner": product_user.pk})) == [soon.pk]
    assert ids(pm.get(PLANS, {"owner": marketing_user.pk})) == [later.pk]
    assert ids(pm.get(PLANS, {"status": "cancelled"})) == [later.pk]
    assert ids(pm.get(PLANS, {"item": soon.item_id})) == [soon.pk]


@pytest.mark.parametrize(
    "query",
    [{"from": ""}, {"to": "tomorrow"}, {"channel": "telepathy"}, {"upcoming": "maybe"}],
)
def test_a_bad_filter_is_a_400(pm, query):
    assert_error(pm.get(PLANS, query), 400)


def test_listing_fifty_plans_stays_within_the_query_budget(pm, django_assert_max_num_queries):
    segment = SegmentFactory()
    for plan in LaunchPlanFactory.create_batch(50):
        plan.target_segments.add(segment)
    pm.get(PLANS)  # the API key's "last used" write
    with django_assert_max_num_queries(6):
        response = pm.get(PLANS, {"limit": 50})
    assert len(response.json()["results"]) == 50


# --- The calendar ----------------------------------------------------------------------------


def test_the_calendar_lists_upcoming_launches_by_date(pm):
    first = LaunchPlanFactory(target_launch_date=today() + timedelta(days=2))
    same_day = LaunchPlanFactory(target_launch_date=today() + timedelta(days=2))
    today_plan = LaunchPlanFactory(target_launch_date=today())
    LaunchPlanFactory(target_launch_date=today() - timedelta(days=1))  # past
    LaunchPlanFactory(target_launch_date=today() + timedelta(days=1), status="cancelled")
    LaunchPlanFactory(target_launch_date=None)

    body = pm.get(CALENDAR).json()

    assert body["today"] == today().isoformat()
    assert body["count"] == 3
    assert [(day["date"], [p["id"] for p in day["launches"]]) for day in body["days"]] == [
        (today().isoformat(), [today_plan.pk]),
        (days(2), [first.pk, same_day.pk]),
    ]


def test_the_calendar_takes_the_list_filters(pm):
    email = LaunchPlanFactory(channels=["email"])
    LaunchPlanFactory(channels=["social"])
    body = pm.get(CALENDAR, {"channel": "email"}).json()
    assert [p["id"] for day in body["days"] for p in day["launches"]] == [email.pk]


def test_the_calendar_reads_a_constant_number_of_queries(pm, django_assert_max_num_queries):
    LaunchPlanFactory.create_batch(30)
    pm.get(CALENDAR)
    with django_assert_max_num_queries(5):
        response = pm.get(CALENDAR)
    assert response.json()["count"] == 30


# --- The iCalendar feed ----------------------------------------------------------------------


def _events(response: Any) -> list[Any]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/calendar")
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def _key_for(user: Any, **extra: Any) -> str:
    _, key = ApiKey.objects.create_key(user=user, name="calendar", **extra)
    return key


def test_the_feed_has_one_all_day_event_per_dated_plan(
    client, integration_user, product_user, marketing_user
):
    smb = SegmentFactory(slug="smb", name="SMB")
    plan = LaunchPlanFactory(
        item=RoadmapItemFactory(title="SSO for trials"),
        target_launch_date=today() + timedelta(days=9),
        value_proposition="Sign in once.",
        channels=["email", "paid_search"],
        product_owner=product_user,
        marketing_owner=marketing_user,
        documentation_ready=True,
    )
    plan.target_segments.add(smb)
    cancelled = LaunchPlanFactory(status="cancelled", target_launch_date=today())
    LaunchPlanFactory(target_launch_date=None)

    events = _events(client.get(FEED, {"key": _key_for(integration_user)}))

    assert len(events) == 2
    event = next(
        e for e in events if str(e["uid"]) == f"launch-plan-{plan.pk}@roadmap-prioritization"
    )
    assert event.decoded("dtstart") == plan.target_launch_date
    assert event.decoded("dtend") == plan.target_launch_date + timedelta(days=1)
    assert event["dtstart"].params["VALUE"] == "DATE"
    assert str(event["summary"]) == "Launch: SSO for trials"
    description = str(event["description"])
    assert "Sign in once." in description
    assert "Readiness: 1/5" in description
    assert [str(c) for c in event["categories"].cats] == ["Email", "Paid search", "SMB"]
    other = next(e for e in events if e is not event)
    assert str(other["uid"]) == f"launch-plan-{cancelled.pk}@roadmap-prioritization"
    assert str(other["status"]) == "CANCELLED"


def test_an_event_keeps_its_uid_when_the_plan_moves(client, integration_user):
    plan = LaunchPlanFactory()
    key = _key_for(integration_user)
    before = _events(client.get(FEED, {"key": key}))
    again = _events(client.get(FEED, {"key": key}))
    LaunchPlan.objects.filter(pk=plan.pk).update(target_launch_date=today() + timedelta(days=90))
    after = _events(client.get(FEED, {"key": key}))

    assert str(before[0]["uid"]) == str(again[0]["uid"]) == str(after[0]["uid"])
    assert after[0].decoded("dtstart") == today() + timedelta(days=90)


def test_an_unchanged_feed_is_the_same_bytes_so_its_etag_holds(client, integration_user):
    LaunchPlanFactory.create_batch(2)
    key = _key_for(integration_user)
    first = client.get(FEED, {"key": key})
    second = client.get(FEED, {"key": key}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 304
    assert "private" in first["Cache-Control"]


@pytest.mark.parametrize("accept", ["text/calendar", "*/*", "application/json", "image/png"])
def test_the_feed_is_icalendar_whatever_the_client_accepts(client, integration_user, accept):
    LaunchPlanFactory()
    response = client.get(FEED, {"key": _key_for(integration_user)}, HTTP_ACCEPT=accept)
    assert len(_events(response)) == 1


def test_the_feed_takes_the_key_in_a_header_too(integration_user):
    LaunchPlanFactory()
    assert len(_events(api_client_for(integration_user).get(FEED))) == 1


def test_the_feed_applies_the_list_filters(client, integration_user):
    wanted = LaunchPlanFactory(channels=["events"])
    LaunchPlanFactory(channels=["email"])
    events = _events(client.get(FEED, {"key": _key_for(integration_user), "channel": "events"}))
    assert [str(e["uid"]) for e in events] == [f"launch-plan-{wanted.pk}@roadmap-prioritization"]


def test_a_bad_key_in_the_query_is_a_401_in_the_error_shape_and_is_not_logged(client, caplog):
    secret = "abcdefgh.this-is-not-a-valid-key"
    with caplog.at_level(logging.DEBUG):
        response = client.get(FEED, {"key": secret}, HTTP_ACCEPT="text/calendar")

    assert_error(response, 401)
    assert response["Content-Type"].startswith("application/json")
    assert secret not in caplog.text
    assert "this-is-not-a-valid-key" not in caplog.text


def test_an_expired_key_in_the_query_is_a_401(client, integration_user):
    key = _key_for(integration_user, expiry_date=timezone.now() - timedelta(days=1))
    assert_error(client.get(FEED, {"key": key}), 401)


def test_the_feed_without_credentials_is_a_401(client):
    assert_error(client.get(FEED), 401)


def test_a_key_in_the_query_opens_only_the_feed(client, integration_user):
    key = _key_for(integration_user)
    assert_error(client.get(PLANS, {"key": key}), 401)


def test_the_feed_reads_a_constant_number_of_queries(
    client, integration_user, django_assert_max_num_queries
):
    segment = SegmentFactory()
    for plan in LaunchPlanFactory.create_batch(30):
        plan.target_segments.add(segment)
    key = _key_for(integration_user)
    client.get(FEED, {"key": key})
    with django_assert_max_num_queries(6):
        events = _events(client.get(FEED, {"key": key}))
    assert len(events) == 30


# --- The admin -------------------------------------------------------------------------------


@pytest.fixture
def pm_client(client, product_user):
    client.force_login(product_user)
    return client


def test_the_item_page_edits_its_launch_plan_inline(pm_client, marketing_user):
    item = RoadmapItemFactory(status="planned")
    url = reverse("admin:roadmap_roadmapitem_change", args=[item.pk])
    page = pm_client.get(url)
    assert page.status_code == 200
    data = {
        "title": item.title,
        "status": "planned",
        "reach": "1000",
        "impact": "1.0",
        "confidence": "0.8",
        "effort": "2",
        "launch_plan-TOTAL_FORMS": "1",
        "launch_plan-INITIAL_FORMS": "0",
        "launch_plan-0-status": "planned",
        "launch_plan-0-target_launch_date": days(20),
        "launch_plan-0-marketing_owner": str(marketing_user.pk),
        "launch_plan-0-value_proposition": "Sign in once.",
        "launch_plan-0-key_messages": "No new password\n\nWorks with Okta\n",
        "launch_plan-0-channels": ["email", "social"],
        "launch_plan-0-documentation_ready": "on",
    }
    for prefix in ("-1", "-2"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}

    response = pm_client.post(url, data)

    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    plan = LaunchPlan.objects.get(item=item)
    assert plan.key_messages == ["No new password", "Works with Okta"]
    assert plan.channels == ["email", "social"]
    assert plan.readiness == 1
    assert plan.marketing_owner == marketing_user


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"readiness": "5"},
        {"readiness": "0"},
        {"launch": "upcoming"},
        {"launch": "30"},
        {"launch": "past"},
        {"launch": "none"},
        {"status__exact": "planned"},
    ],
)
def test_the_launch_plan_list_filters(pm_client, product_user, query):
    ready = LaunchPlanFactory(status="ready", product_owner=product_user, **CHECKLIST)
    LaunchPlanFactory(target_launch_date=None)
    response = pm_client.get(reverse("admin:roadmap_launchplan_changelist"), query)
    assert response.status_code == 200
    shown = {plan.pk for plan in response.context["cl"].result_list}
    if query == {"readiness": "5"}:
        assert shown == {ready.pk}


def test_the_launch_plan_list_filters_by_owner(pm_client, product_user):
    mine = LaunchPlanFactory(product_owner=product_user)
    LaunchPlanFactory()
    response = pm_client.get(
        reverse("admin:roadmap_launchplan_changelist"),
        {"product_owner__id__exact": product_user.pk},
    )
    assert {plan.pk for plan in response.context["cl"].result_list} == {mine.pk}


def test_the_launch_plan_list_stays_within_the_query_budget(
    pm_client, django_assert_max_num_queries
):
    LaunchPlanFactory.create_batch(30)
    with django_assert_max_num_queries(16):
        response = pm_client.get(reverse("admin:roadmap_launchplan_changelist"))
    assert response.status_code == 200


def test_marketing_may_edit_launch_plans_in_the_admin(client):
    marketer = UserFactory(username="carla", role="marketing", is_staff=True)
    client.force_login(marketer)
    plan = LaunchPlanFactory()
    url = reverse("admin:roadmap_launchplan_change", args=[plan.pk])
    assert client.get(url).status_code == 200


# --- The migration that moved the launch fields --------------------------------------------


def test_the_migration_copies_each_items_launch_fields_into_a_plan(product_user):
    """Migrates back to before launch plans, writes items the old way, and forward again.
    PostgreSQL only: its schema changes are transactional, so the test's rollback undoes
    them (SQLite cannot alter tables inside the test's transaction)."""
    from django.db.migrations.executor import MigrationExecutor

    from tests.support.services import need_service

    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    before = [("roadmap", "0005_launch_plan")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Item = apps.get_model("roadmap", "RoadmapItem")
    Segment = apps.get_model("roadmap", "Segment")
    smb = Segment.objects.create(slug="smb-old", name="SMB")
    Item.objects.create(
        title="Old launch",
        status="shipped",
        value_proposition="Old words",
        launch_channels=["Email", "in app", "paid-search", "email"],
        target_launch_date=today(),
    )
    segmented = Item.objects.create(title="Segments only", status="planned")
    segmented.launch_segments.add(smb)
    Item.objects.create(title="Nothing to launch", status="candidate")

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    plans = {plan.item.title: plan for plan in LaunchPlan.objects.select_related("item")}
    assert set(plans) == {"Old launch", "Segments only"}
    assert plans["Old launch"].status == "launched"
    assert plans["Old launch"].channels == ["email", "other", "paid_search"]
    assert plans["Old launch"].value_proposition == "Old words"
    assert plans["Old launch"].target_launch_date == today()
    assert [s.slug for s in plans["Segments only"].target_segments.all()] == ["smb-old"]
    assert plans["Segments only"].status == "planned"
    first = plans["Old launch"].history.get()
    assert first.history_change_reason == "moved from the item's launch fields"


def test_the_images_access_log_leaves_query_strings_and_so_feed_keys_out():
    import shlex
    from pathlib import Path

    from gunicorn.config import Config

    dockerfile = Path(__file__).resolve().parents[2] / "Dockerfile"
    line = next(
        line
        for line in dockerfile.read_text().splitlines()
        if line.startswith("ENV GUNICORN_CMD_ARGS=")
    )
    # Docker reads the quoted value as a shell does.
    (value,) = shlex.split(line.removeprefix("ENV GUNICORN_CMD_ARGS="))
    args = Config().parser().parse_args(shlex.split(value))
    assert "%(U)s" in args.access_log_format
    assert "%(r)s" not in args.access_log_format
    assert "%(q)s" not in args.access_log_format
