"""The shared KPIs (`GET /api/v1/kpis/`): activation and conversion by channel, LTV by
segment, NPS before and after each release, each with the items that moved it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from roadmap.services import items_set_status
from tests.support.api import API, api_client_for, assert_error, count_queries
from tests.support.factories import OutcomeFactory, RoadmapItemFactory, SegmentFactory

pytestmark = pytest.mark.django_db

KPIS = f"{API}/kpis/"


def ago(days: int):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def pm(product_user):
    return api_client_for(product_user)


def shipped(title: str) -> Any:
    return RoadmapItemFactory(status="shipped", title=title)


def test_activation_and_conversion_by_channel_count_each_items_latest_measurement(pm):
    gallery, slack = shipped("Template gallery"), shipped("Slack integration")
    # An older measurement of the gallery in email is superseded by the latest one.
    OutcomeFactory(item=gallery, channel="email", baseline=0.2, measured=0.22, period_end=ago(100))
    OutcomeFactory(item=gallery, channel="email", baseline=0.2, measured=0.3, period_end=ago(10))
    OutcomeFactory(item=slack, channel="email", baseline=0.4, measured=0.4, period_end=ago(5))
    OutcomeFactory(item=slack, channel="", baseline=0.5, measured=0.6)
    OutcomeFactory(
        item=slack, kpi="conversion_rate", channel="paid_search", baseline=0.04, measured=0.05
    )
    OutcomeFactory(item=slack, kpi="retention", channel="email", baseline=0.5, measured=0.9)

    body = pm.get(KPIS).json()

    email, unspecified = body["activation_rate_by_channel"]
    assert email["channel"] == "email"
    assert email["items"] == 2
    assert email["baseline"] == pytest.approx(0.3)  # (0.2 + 0.4) / 2
    assert email["measured"] == pytest.approx(0.35)  # (0.3 + 0.4) / 2
    assert email["change"] == pytest.approx(0.05)
    assert email["lift"] == pytest.approx(0.05 / 0.3)
    assert [(m["title"], m["lift"]) for m in email["moved_by"]] == [
        ("Template gallery", pytest.approx(0.5)),
        ("Slack integration", 0.0),
    ]
    assert unspecified["channel"] is None
    assert [m["item"] for m in unspecified["moved_by"]] == [slack.pk]
    (paid,) = body["conversion_rate_by_channel"]
    assert (paid["channel"], paid["baseline"], paid["measured"]) == ("paid_search", 0.04, 0.05)
    assert [m["title"] for m in paid["moved_by"]] == ["Slack integration"]


def test_ltv_by_segment_lists_the_items_that_moved_it(pm):
    smb, enterprise = SegmentFactory(name="SMB"), SegmentFactory(name="Enterprise")
    a, b = shipped("Audit log export"), shipped("Two-factor authentication")
    OutcomeFactory(item=a, kpi="ltv", segment=enterprise, baseline=100_000, measured=110_000)
    OutcomeFactory(item=b, kpi="ltv", segment=enterprise, baseline=200_000, measured=230_000)
    OutcomeFactory(item=b, kpi="ltv", segment=smb, baseline=2000, measured=1900)
    OutcomeFactory(item=a, kpi="ltv", baseline=5000, measured=5100)

    rows = pm.get(KPIS).json()["ltv_by_segment"]

    assert [(r["segment_name"], r["items"]) for r in rows] == [
        ("Enterprise", 2),
        ("SMB", 1),
        (None, 1),
    ]
    assert rows[0]["segment"] == enterprise.pk
    assert rows[0]["baseline"] == 150_000
    assert rows[0]["measured"] == 170_000
    assert [m["title"] for m in rows[0]["moved_by"]] == [
        "Two-factor authentication",  # +15 %
        "Audit log export",  # +10 %
    ]
    assert rows[1]["moved_by"][0]["lift"] == pytest.approx(-0.05)


def test_nps_before_and_after_each_release_newest_release_first(pm, product_user):
    first = RoadmapItemFactory(status="in_progress", title="Comments")
    items_set_status(item_ids=[first.pk], status="shipped", user=product_user)
    second = RoadmapItemFactory(status="in_progress", title="Templates")
    items_set_status(item_ids=[second.pk], status="shipped", user=product_user)
    OutcomeFactory(item=first, kpi="nps", baseline=30, measured=35, people_measured=None)
    OutcomeFactory(item=second, kpi="nps", baseline=40, measured=38, people_measured=250)

    rows = pm.get(KPIS).json()["nps_by_release"]

    assert [(r["title"], r["baseline"], r["measured"], r["change"]) for r in rows] == [
        ("Templates", 40, 38, -2),
        ("Comments", 30, 35, 5),
    ]
    shipped_at = first.history.filter(status="shipped").earliest("history_date").history_date
    assert rows[1]["shipped_at"] == shipped_at.isoformat().replace("+00:00", "Z")
    assert rows[0]["people_measured"] == 250


def test_a_lift_from_a_baseline_of_zero_is_null_not_infinite(pm):
    OutcomeFactory(item=shipped("New"), channel="email", baseline=0, measured=0.2)
    group = pm.get(KPIS).json()["activation_rate_by_channel"][0]
    assert group["lift"] is None
    assert group["moved_by"][0]["lift"] is None


def test_without_outcomes_every_list_is_empty(pm):
    body = pm.get(KPIS).json()
    campaigns = body.pop("campaigns")
    assert body == {
        "activation_rate_by_channel": [],
        "conversion_rate_by_channel": [],
        "ltv_by_segment": [],
        "nps_by_release": [],
    }
    # No campaign either: the funnel figures are there, with nothing in them.
    assert campaigns["channels"] == []
    assert campaigns["segments"] == []


def _world(n: int) -> None:
    segment = SegmentFactory()
    for k in range(n):
        item = shipped(f"Item {n}-{k}")
        OutcomeFactory(item=item, channel="email")
        OutcomeFactory(item=item, kpi="conversion_rate", channel="sales")
        OutcomeFactory(item=item, kpi="ltv", segment=segment, baseline=100, measured=120)
        OutcomeFactory(item=item, kpi="nps", baseline=10, measured=12)


def _queries(client: Any) -> int:
    with count_queries() as captured:
        response = client.get(KPIS)
    assert response.status_code == 200
    return len(captured)


def test_the_kpis_read_the_same_few_queries_for_3_and_30_items(pm):
    _world(3)
    pm.get(KPIS)  # the API key's "last used" write
    few = _queries(pm)
    _world(27)
    many = _queries(pm)
    assert few == many <= 6 + 4  # the outcomes' KPIs, and the campaign dashboard's 4
    assert len(pm.get(KPIS).json()["nps_by_release"]) == 30


@pytest.mark.parametrize("role", ["marketing", "integration"])
def test_every_role_reads_the_kpis(request, role):
    user = request.getfixturevalue(f"{role}_user")
    assert api_client_for(user).get(KPIS).status_code == 200


def test_anonymous_gets_a_401(client):
    assert_error(client.get(KPIS), 401)
