"""The loop back: expected results of launch plans and their verdict against measured
outcomes, the accounts behind an item's evidence, and the notifications of a shipped
item (once per item, user and event; by email for those who opted in)."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from roadmap.services import items_set_status
from signals.loop import selectors, services
from signals.loop.models import ExpectedResult, Notification
from signals.loop.verdict import Verdict, judge
from tests.support.api import api_client_for, assert_error
from tests.support.factories import (
    FrictionReportFactory,
    LaunchPlanFactory,
    MarketSignalFactory,
    OutcomeFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SignalLinkFactory,
    UserFactory,
)

EXPECTED = "/api/v1/expected-results/"


# --- The verdict rule (pure) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected_lift", "measured", "verdict"),
    [
        (0.2, 0.36, Verdict.MET),  # 0.30 → 0.36 is +20 %: 100 % of the lift
        (0.2, 0.40, Verdict.MET),
        (0.2, 0.33, Verdict.PARTLY),  # +10 %: exactly 50 %
        (0.2, 0.329, Verdict.MISSED),
        (0.2, 0.25, Verdict.MISSED),  # a loss
    ],
)
def test_the_verdict_is_met_at_100_percent_partly_at_50_percent_missed_below(
    expected_lift, measured, verdict
):
    judgement = judge(
        kpi="activation_rate",
        expected_value=None,
        expected_lift=expected_lift,
        baseline=0.30,
        measured=measured,
    )
    assert judgement.verdict is verdict


def test_no_measurement_is_not_measured_yet():
    judgement = judge(
        kpi="nps", expected_value=40, expected_lift=None, baseline=None, measured=None
    )
    assert judgement.verdict is Verdict.NOT_MEASURED


def test_for_churn_a_fall_is_the_lift():
    # Churn from 0.10 to 0.08 is 20 % better; the plan expected churn at 0.09 (10 %).
    judgement = judge(
        kpi="churn", expected_value=0.09, expected_lift=None, baseline=0.10, measured=0.08
    )
    assert judgement.verdict is Verdict.MET
    assert math.isclose(judgement.expected_lift or 0, 0.1)
    assert math.isclose(judgement.achieved_lift or 0, 0.2)


def test_an_expected_value_reached_halfway_is_partly():
    judgement = judge(kpi="nps", expected_value=40, expected_lift=None, baseline=20, measured=31)
    assert judgement.verdict is Verdict.PARTLY


def test_a_move_from_a_zero_baseline_meets_any_lift():
    judgement = judge(
        kpi="conversion_rate", expected_value=None, expected_lift=0.5, baseline=0.0, measured=0.1
    )
    assert judgement.verdict is Verdict.MET


# --- Expected results through the API -------------------------------------------------------


@pytest.fixture
def plan(db):
    return LaunchPlanFactory()


def _body(plan, **overrides):
    return {
        "launch_plan": plan.pk,
        "kpi": "activation_rate",
        "expected_lift": 0.2,
        "due_date": str(timezone.localdate() + timedelta(days=120)),
        **overrides,
    }


def test_marketing_states_an_expected_result_not_measured_yet(marketing_user, plan):
    response = api_client_for(marketing_user).post(EXPECTED, _body(plan), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["verdict"] == "not_measured"
    assert response.json()["item"] == plan.item_id


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"expected_lift": None, "expected_value": 1.4}, "expected_value"),  # a rate above 1
        ({"kpi": "nps", "expected_lift": None, "expected_value": 120}, "expected_value"),
        ({"kpi": "ltv", "expected_lift": None, "expected_value": -5}, "expected_value"),
        ({"expected_value": 0.5}, "expected_value"),  # both a value and a lift
        ({"expected_lift": 0}, "expected_lift"),
        ({"expected_lift": -0.1}, "expected_lift"),
        ({"kpi": "custom"}, "custom_kpi"),
    ],
)
def test_an_impossible_expectation_is_refused_and_nothing_is_written(
    product_user, plan, overrides, field
):
    response = api_client_for(product_user).post(EXPECTED, _body(plan, **overrides), format="json")
    body = assert_error(response, 400)
    assert field in str(body)
    assert not ExpectedResult.objects.exists()


def test_integration_reads_but_may_not_write(integration_user, plan):
    client = api_client_for(integration_user)
    assert client.get(EXPECTED).status_code == 200
    assert_error(client.post(EXPECTED, _body(plan), format="json"), 403)


def test_once_measured_the_api_shows_expected_against_measured(product_user, db):
    item = RoadmapItemFactory(status="shipped")
    plan = LaunchPlanFactory(item=item)
    services.expected_result_create(
        launch_plan=plan, kpi="activation_rate", expected_lift=0.4, due_date=timezone.localdate()
    )
    outcome = OutcomeFactory(item=item, baseline=0.30, measured=0.36)
    row = api_client_for(product_user).get(EXPECTED, {"item": item.pk}).json()["results"][0]
    assert row["verdict"] == "partly"
    assert row["measured_outcome"] == outcome.pk
    assert math.isclose(row["achieved_lift"], 0.2)


def test_the_list_of_expected_results_has_a_query_budget(
    product_user, django_assert_max_num_queries
):
    for _ in range(8):
        item = RoadmapItemFactory(status="shipped")
        plan = LaunchPlanFactory(item=item)
        services.expected_result_create(
            launch_plan=plan, kpi="nps", expected_value=30, due_date=timezone.localdate()
        )
        OutcomeFactory(item=item, kpi="nps", baseline=10, measured=25, people_measured=None)
    client = api_client_for(product_user)
    with django_assert_max_num_queries(8):
        response = client.get(EXPECTED)
    assert [row["verdict"] for row in response.json()["results"]] == ["partly"] * 8


def test_a_matching_outcome_must_have_the_expected_segment_or_channel(db):
    item = RoadmapItemFactory(status="shipped")
    plan = LaunchPlanFactory(item=item)
    services.expected_result_create(
        launch_plan=plan,
        kpi="activation_rate",
        channel="email",
        expected_lift=0.1,
        due_date=timezone.localdate(),
    )
    OutcomeFactory(item=item, channel="social")
    [row] = selectors.expected_results_of_items(item_ids=[item.pk])
    assert row.judgement.verdict is Verdict.NOT_MEASURED
    OutcomeFactory(item=item, channel="email")
    [row] = selectors.expected_results_of_items(item_ids=[item.pk])
    assert row.judgement.verdict is Verdict.MET


# --- Accounts --------------------------------------------------------------------------------


def test_accounts_asked_and_churned_are_counted_once_each(product_user, db):
    item = RoadmapItemFactory()
    for name, kind in (
        ("Acme", "customer_request"),
        ("acme ", "sales_feedback"),
        ("Globex", "churn_reason"),
        ("Initech", "customer_request"),
        ("Initech", "churn_reason"),
        ("", "customer_request"),
    ):
        SignalLinkFactory(item=item, signal=MarketSignalFactory(kind=kind, account_name=name))
    SignalLinkFactory(
        item=item, signal=MarketSignalFactory(account_name="Dismissed Ltd", dismissed=True)
    )
    body = api_client_for(product_user).get(f"/api/v1/items/{item.pk}/accounts/").json()
    assert (body["count"], body["churned_count"]) == (3, 2)
    assert [a["name"] for a in body["accounts"]] == ["Acme", "Globex", "Initech"]


def test_accounts_of_an_unknown_item_are_a_404(product_user):
    assert_error(api_client_for(product_user).get("/api/v1/items/999999/accounts/"), 404)


# --- Notifications ----------------------------------------------------------------------------


@pytest.fixture
def shipped_setup(db, settings):
    # The notification task runs in-process after commit, as in the embedded default
    # (with REDIS_URL set it would go to a broker no worker here reads).
    settings.CELERY_TASK_ALWAYS_EAGER = True
    item = RoadmapItemFactory(status="in_progress")
    asker = UserFactory(username="asker", role="marketing", email="asker@example.com")
    reporter = UserFactory(username="reporter", role="marketing", email="rep@example.com")
    SignalLinkFactory(item=item, signal=MarketSignalFactory(submitted_by=asker))
    SignalLinkFactory(item=item, signal=MarketSignalFactory(submitted_by=asker))
    ReportLinkFactory(item=item, report=FrictionReportFactory(submitted_by=reporter))
    services.notification_preference_set(user=reporter, email_on_ship=True)
    return item, asker, reporter


def _ship(item, status="shipped", capture=None):
    with capture(execute=True):
        items_set_status(item_ids=[item.pk], status=status)


def test_shipping_notifies_each_submitter_once_and_emails_who_opted_in(
    shipped_setup, django_capture_on_commit_callbacks
):
    item, _asker, _reporter = shipped_setup
    _ship(item, capture=django_capture_on_commit_callbacks)
    rows = Notification.objects.filter(item=item)
    assert sorted(rows.values_list("user__username", flat=True)) == ["asker", "reporter"]
    assert [message.to for message in mail.outbox] == [["rep@example.com"]]


def test_shipped_unshipped_and_shipped_again_notifies_nobody_twice(
    shipped_setup, django_capture_on_commit_callbacks
):
    item, _asker, _reporter = shipped_setup
    _ship(item, capture=django_capture_on_commit_callbacks)
    _ship(item, status="in_progress", capture=django_capture_on_commit_callbacks)
    _ship(item, capture=django_capture_on_commit_callbacks)
    assert Notification.objects.filter(item=item).count() == 2
    assert len(mail.outbox) == 1
    # The task run twice (a redelivery) changes nothing either.
    assert services.notifications_item_shipped(item_ids=[item.pk]) == 0
    assert len(mail.outbox) == 1


def test_the_notification_task_ignores_an_item_that_is_no_longer_shipped(shipped_setup):
    item, _asker, _reporter = shipped_setup
    assert services.notifications_item_shipped(item_ids=[item.pk]) == 0
    assert not Notification.objects.exists()


def test_notifications_api_lists_mine_and_marks_them_read(
    shipped_setup, django_capture_on_commit_callbacks
):
    item, asker, reporter = shipped_setup
    _ship(item, capture=django_capture_on_commit_callbacks)
    client = api_client_for(asker)
    rows = client.get("/api/v1/notifications/").json()["results"]
    assert [(row["item"], row["event"], row["read"]) for row in rows] == [
        (item.pk, "item.shipped", False)
    ]
    assert client.post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"] == []
    # The other user's notification is untouched.
    assert Notification.objects.get(user=reporter).read_at is None
    assert_error(client.post("/api/v1/notifications/read/", {"ids": "x"}, format="json"), 400)
