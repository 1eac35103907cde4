"""Outcomes: KPIs measured after an item shipped, one at a time and in bulk, their rules,
permissions, filters and admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from signals.models import Outcome
from tests.support.api import (
    API,
    api_client_for,
    assert_error,
    count_queries,
    error_fields,
    sqlite_real_variable_limit,
)
from tests.support.factories import OutcomeFactory, RoadmapItemFactory, SegmentFactory

pytestmark = pytest.mark.django_db

OUTCOMES = f"{API}/outcomes/"
BULK = f"{OUTCOMES}bulk/"


def day(offset: int) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def outcome_payload(item: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "item": item.pk,
        "kpi": "activation_rate",
        "baseline": 0.31,
        "measured": 0.37,
        "period_start": day(-91),
        "period_end": day(-1),
        **overrides,
    }


@pytest.fixture
def shipped():
    return RoadmapItemFactory(status="shipped", title="SSO for trials")


@pytest.fixture
def pm(product_user):
    return api_client_for(product_user)


@pytest.fixture
def marketer(marketing_user):
    return api_client_for(marketing_user)


@pytest.fixture
def other_marketer(other_marketing_user):
    return api_client_for(other_marketing_user)


@pytest.fixture
def bot(integration_user):
    return api_client_for(integration_user)


# --- One at a time -----------------------------------------------------------------------


def test_marketing_records_an_outcome_by_channel_and_segment(marketer, marketing_user, shipped):
    segment = SegmentFactory()
    response = marketer.post(
        OUTCOMES,
        outcome_payload(
            shipped,
            channel="email",
            segment=segment.pk,
            people_measured=2400,
            source="amplitude",
            external_id="q3-activation",
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["team"] == "marketing"
    assert body["submitted_by"] == marketing_user.pk
    assert body["item_title"] == "SSO for trials"
    assert body["lift"] == pytest.approx((0.37 - 0.31) / 0.31)
    outcome = Outcome.objects.get()
    assert outcome.channel == "email"
    assert outcome.segment == segment
    assert outcome.history.first().history_user == marketing_user


def test_product_records_outcomes_as_the_product_team(pm, shipped):
    response = pm.post(
        OUTCOMES, outcome_payload(shipped, kpi="nps", baseline=20, measured=31), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["team"] == "product"


def test_a_fall_in_churn_is_a_positive_lift(pm, shipped):
    response = pm.post(
        OUTCOMES,
        outcome_payload(shipped, kpi="churn", baseline=0.08, measured=0.06),
        format="json",
    )
    assert response.json()["lift"] == pytest.approx(0.25)


def test_a_custom_kpi_carries_its_name(pm, shipped):
    response = pm.post(
        OUTCOMES,
        outcome_payload(shipped, kpi="custom", custom_kpi="Weekly active teams", baseline=-3.5),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["custom_kpi"] == "Weekly active teams"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        # A measured value without a baseline.
        ({"baseline": None}, "baseline"),
        ({"baseline": "__absent__"}, "baseline"),
        # Dates in the wrong order, or in the future.
        ({"period_start": day(-1), "period_end": day(-30)}, "period_end"),
        ({"period_end": day(5)}, "period_end"),
        # Rates are fractions.
        ({"measured": 37}, "measured"),
        ({"kpi": "conversion_rate", "baseline": -0.1}, "baseline"),
        ({"kpi": "retention", "measured": 1.01}, "measured"),
        ({"kpi": "churn", "baseline": 2}, "baseline"),
        ({"kpi": "nps", "baseline": 20, "measured": 101}, "measured"),
        ({"kpi": "ltv", "baseline": -1, "measured": 10}, "baseline"),
        # A custom KPI needs a name; the others have none.
        ({"kpi": "custom", "custom_kpi": ""}, "custom_kpi"),
        ({"kpi": "custom"}, "custom_kpi"),
        ({"custom_kpi": "Named anyway"}, "custom_kpi"),
        ({"kpi": "happiness"}, "kpi"),
        ({"channel": "carrier_pigeon"}, "channel"),
        ({"people_measured": -1}, "people_measured"),
        ({"people_measured": 1.5}, "people_measured"),
        ({"baseline": "0.3"}, "baseline"),
        ({"team": "product"}, "team"),
        ({"segment": 999999}, "segment"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(pm, shipped, overrides, field):
    payload = outcome_payload(shipped, **overrides)
    payload = {k: v for k, v in payload.items() if v != "__absent__"}

    response = pm.post(OUTCOMES, payload, format="json")

    assert field in error_fields(response), response.json()
    assert not Outcome.objects.exists()


def test_a_measured_value_without_a_baseline_says_so(pm, shipped):
    payload = outcome_payload(shipped)
    del payload["baseline"]
    message = error_fields(pm.post(OUTCOMES, payload, format="json"))["baseline"][0]
    assert "baseline" in message


@pytest.mark.parametrize("status", ["candidate", "planned", "in_progress", "archived"])
def test_an_outcome_of_an_item_that_has_not_shipped_is_a_400(pm, status):
    item = RoadmapItemFactory(status=status)
    response = pm.post(OUTCOMES, outcome_payload(item), format="json")
    assert "has not shipped" in error_fields(response)["item"][0]
    assert not Outcome.objects.exists()


def test_a_period_may_end_tomorrow_at_the_latest(pm, shipped):
    response = pm.post(OUTCOMES, outcome_payload(shipped, period_end=day(1)), format="json")
    assert response.status_code == 201, response.json()


def test_a_taken_source_and_external_id_is_a_409_naming_the_record(pm, shipped):
    existing = OutcomeFactory(item=shipped, source="amplitude", external_id="q3")
    response = pm.post(
        OUTCOMES, outcome_payload(shipped, source="amplitude", external_id="q3"), format="json"
    )
    error = assert_error(response, 409, "duplicate_external_id")
    assert f"(id {existing.pk})" in error["message"]
    assert Outcome.objects.count() == 1


# --- Who may change what ------------------------------------------------------------------


def test_marketing_changes_only_its_own_outcomes(marketer, marketing_user, other_marketing_user):
    own = OutcomeFactory(submitted_by=marketing_user)
    other = OutcomeFactory(submitted_by=other_marketing_user)

    assert (
        marketer.patch(f"{OUTCOMES}{own.pk}/", {"measured": 0.4}, format="json").status_code == 200
    )
    assert_error(marketer.patch(f"{OUTCOMES}{other.pk}/", {"measured": 0.4}, format="json"), 403)
    other.refresh_from_db()
    assert other.measured == 0.36


def test_product_changes_anyones_outcome_and_the_team_stays(pm, marketing_user):
    outcome = OutcomeFactory(submitted_by=marketing_user, team="marketing")
    response = pm.patch(f"{OUTCOMES}{outcome.pk}/", {"measured": 0.5}, format="json")
    assert response.status_code == 200
    assert response.json()["team"] == "marketing"
    assert response.json()["submitted_by"] == marketing_user.pk


def test_an_update_is_checked_like_a_create(pm):
    outcome = OutcomeFactory()
    response = pm.patch(f"{OUTCOMES}{outcome.pk}/", {"measured": 3}, format="json")
    assert "measured" in error_fields(response)
    outcome.refresh_from_db()
    assert outcome.measured == 0.36


def test_an_outcome_cannot_move_to_an_item_that_has_not_shipped(pm):
    outcome = OutcomeFactory()
    planned = RoadmapItemFactory(status="planned")
    response = pm.patch(f"{OUTCOMES}{outcome.pk}/", {"item": planned.pk}, format="json")
    assert "item" in error_fields(response)


def test_integrations_read_outcomes_but_cannot_write(bot, shipped):
    outcome = OutcomeFactory(item=shipped)
    assert bot.get(f"{OUTCOMES}{outcome.pk}/").status_code == 200
    assert_error(bot.post(OUTCOMES, outcome_payload(shipped), format="json"), 403)


def test_the_api_deletes_no_outcome(pm):
    outcome = OutcomeFactory()
    assert_error(pm.delete(f"{OUTCOMES}{outcome.pk}/"), 405)
    assert Outcome.objects.filter(pk=outcome.pk).exists()


# --- Lists ----------------------------------------------------------------------------------


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_outcomes_filter_by_item_kpi_channel_segment_team_and_period(pm):
    segment = SegmentFactory()
    a = OutcomeFactory(channel="email", segment=segment, period_end=timezone.localdate())
    b = OutcomeFactory(kpi="nps", baseline=10, measured=12, team="product")
    c = OutcomeFactory(
        item=a.item,
        channel="social",
        period_start=timezone.localdate() - timedelta(days=400),
        period_end=timezone.localdate() - timedelta(days=300),
    )

    assert ids(pm.get(OUTCOMES)) == [a.pk, b.pk, c.pk]
    assert ids(pm.get(OUTCOMES, {"item": a.item_id})) == [a.pk, c.pk]
    assert ids(pm.get(OUTCOMES, {"kpi": "nps"})) == [b.pk]
    assert ids(pm.get(OUTCOMES, {"channel": ["email", "social"]})) == [a.pk, c.pk]
    assert ids(pm.get(OUTCOMES, {"segment": segment.pk})) == [a.pk]
    assert ids(pm.get(OUTCOMES, {"team": "product"})) == [b.pk]
    assert ids(pm.get(OUTCOMES, {"from": day(-200)})) == [a.pk, b.pk]
    assert ids(pm.get(OUTCOMES, {"to": day(-350)})) == [c.pk]
    assert_error(pm.get(OUTCOMES, {"kpi": "happiness"}), 400)
    assert_error(pm.get(OUTCOMES, {"from": ""}), 400)


def test_listing_fifty_outcomes_stays_within_the_query_budget(pm, django_assert_max_num_queries):
    OutcomeFactory.create_batch(50, segment=SegmentFactory())
    pm.get(OUTCOMES)
    with django_assert_max_num_queries(5):
        response = pm.get(OUTCOMES, {"limit": 50})
    assert len(response.json()["results"]) == 50


# --- Bulk ----------------------------------------------------------------------------------


def bulk_record(item: Any, n: int, **overrides: Any) -> dict[str, Any]:
    return outcome_payload(item, source="amplitude", external_id=f"o-{n}", **overrides)


def statuses(response: Any) -> list[str]:
    assert response.status_code == 200, response.content[:2000]
    return [row["status"] for row in response.json()["results"]]


def test_a_bulk_upserts_by_source_and_external_id_and_answers_each_record(
    marketer, marketing_user, shipped
):
    planned = RoadmapItemFactory(status="planned")
    records = [
        bulk_record(shipped, 1, channel="email"),
        bulk_record(shipped, 2, measured=7),  # a rate of 700 %
        bulk_record(planned, 3),  # not shipped
        bulk_record(shipped, 4, period_start=day(-1), period_end=day(-9)),
        bulk_record(shipped, 5, kpi="custom"),  # no name
        {k: v for k, v in bulk_record(shipped, 6).items() if k != "baseline"},
        bulk_record(shipped, 1, channel="social"),  # repeats record 0
        "not a record",
    ]

    response = marketer.post(BULK, {"records": records}, format="json")

    assert statuses(response) == ["created"] + ["rejected"] * 7
    results = response.json()["results"]
    assert "measured" in results[1]["errors"]
    assert "item" in results[2]["errors"]
    assert "period_end" in results[3]["errors"]
    assert "custom_kpi" in results[4]["errors"]
    assert "baseline" in results[5]["errors"]
    outcome = Outcome.objects.get()
    assert (outcome.team, outcome.submitted_by, outcome.channel) == (
        "marketing",
        marketing_user,
        "email",
    )

    again = marketer.post(BULK, {"records": [bulk_record(shipped, 1, measured=0.4)]}, format="json")
    assert statuses(again) == ["updated"]
    outcome.refresh_from_db()
    assert outcome.measured == 0.4
    assert outcome.history.count() == 2


def test_marketing_bulk_updates_only_the_outcomes_it_submitted(
    other_marketer, marketing_user, shipped
):
    OutcomeFactory(item=shipped, source="amplitude", external_id="o-1", submitted_by=marketing_user)
    response = other_marketer.post(BULK, {"records": [bulk_record(shipped, 1)]}, format="json")
    assert statuses(response) == ["rejected"]
    assert Outcome.objects.get().measured == 0.36


def test_a_bulk_record_needs_a_source_and_an_external_id(pm, shipped):
    response = pm.post(BULK, {"records": [outcome_payload(shipped)]}, format="json")
    assert statuses(response) == ["rejected"]
    assert set(response.json()["results"][0]["errors"]) == {"source", "external_id"}


def test_a_bulk_of_more_than_a_thousand_records_is_refused_whole(pm, shipped):
    response = pm.post(BULK, {"records": [bulk_record(shipped, 1)] * 1001}, format="json")
    assert "records" in error_fields(response)
    assert not Outcome.objects.exists()


def _bulk_queries(client, records: list[dict[str, Any]]) -> int:
    with count_queries() as captured:
        response = client.post(BULK, {"records": records}, format="json")
    assert response.json()["rejected"] == 0, response.json()["results"][:3]
    return len(captured)


def test_a_bulk_runs_the_same_number_of_queries_for_20_and_200_records(pm):
    items = RoadmapItemFactory.create_batch(3, status="shipped")
    segment = SegmentFactory()

    def batch(start: int, size: int) -> list[dict[str, Any]]:
        return [
            bulk_record(items[n % 3], n, segment=segment.pk, channel="email")
            for n in range(start, start + size)
        ]

    small, large = batch(0, 20), batch(1000, 200)
    pm.get(OUTCOMES)
    with sqlite_real_variable_limit():
        creating = (_bulk_queries(pm, small), _bulk_queries(pm, large))
        for record in (*small, *large):
            record["measured"] = 0.5
        updating = (_bulk_queries(pm, small), _bulk_queries(pm, large))
    assert creating[0] == creating[1]
    assert updating[0] == updating[1]
    assert Outcome.objects.filter(measured=0.5).count() == 220


# --- Admin ---------------------------------------------------------------------------------


@pytest.fixture
def pm_client(client, product_user):
    client.force_login(product_user)
    return client


@pytest.mark.parametrize(
    "query",
    [{}, {"kpi__exact": "nps"}, {"team__exact": "marketing"}, {"ended": "90"}, {"ended": "older"}],
)
def test_the_outcome_list_and_its_filters(pm_client, query, django_assert_max_num_queries):
    OutcomeFactory.create_batch(10)
    OutcomeFactory(kpi="nps", baseline=10, measured=12)
    with django_assert_max_num_queries(14):
        response = pm_client.get(reverse("admin:signals_outcome_changelist"), query)
    assert response.status_code == 200


def test_adding_an_outcome_in_the_admin_takes_the_team_of_the_user(pm_client, product_user):
    item = RoadmapItemFactory(status="shipped")
    response = pm_client.post(
        reverse("admin:signals_outcome_add"),
        {
            "item": item.pk,
            "kpi": "nps",
            "baseline": "20",
            "measured": "26",
            "period_start": day(-60),
            "period_end": day(-1),
            "source": "manual",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    outcome = Outcome.objects.get()
    assert (outcome.team, outcome.submitted_by) == ("product", product_user)


def test_the_admin_refuses_an_outcome_of_an_item_that_has_not_shipped(pm_client):
    item = RoadmapItemFactory(status="planned")
    response = pm_client.post(
        reverse("admin:signals_outcome_add"),
        {
            "item": item.pk,
            "kpi": "nps",
            "baseline": "20",
            "measured": "26",
            "period_start": day(-60),
            "period_end": day(-1),
            "source": "manual",
        },
    )
    assert response.status_code == 200
    assert "item" in response.context["adminform"].form.errors
    assert not Outcome.objects.exists()
