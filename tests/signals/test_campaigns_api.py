"""Campaigns and funnel snapshots through the API: one at a time and in bulk, the refusals
of bad input, ownership, filters, and the dashboard's figures and query budget."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from signals.campaigns.models import Campaign, FunnelSnapshot
from tests.support.api import API, api_client_for, assert_error, count_queries, error_fields
from tests.support.factories import CampaignFactory, FunnelSnapshotFactory, SegmentFactory

pytestmark = pytest.mark.django_db

CAMPAIGNS = f"{API}/campaigns/"
SNAPSHOTS = f"{API}/funnel-snapshots/"
DASHBOARD = f"{CAMPAIGNS}dashboard/"


def campaign_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Spring trial push",
        "channel": "paid_search",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "spend": "9000.00",
        "currency": "EUR",
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "spring-trial",
        **overrides,
    }


def snapshot_payload(campaign: Campaign, **overrides: Any) -> dict[str, Any]:
    return {
        "campaign": campaign.pk,
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "impressions": 10000,
        "clicks": 1000,
        "sign_ups": 200,
        "activated": 80,
        "paid": 20,
        "retained_30": 18,
        "retained_90": 10,
        **overrides,
    }


@pytest.fixture
def marketer(marketing_user):
    return api_client_for(marketing_user)


@pytest.fixture
def pm(product_user):
    return api_client_for(product_user)


# --- Campaigns --------------------------------------------------------------------------


def test_marketing_records_a_campaign_as_its_own(marketer, marketing_user):
    response = marketer.post(CAMPAIGNS, campaign_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["spend"] == "9000.00"
    assert body["submitted_by"] == marketing_user.pk


def test_a_negative_spend_is_refused(marketer):
    fields = error_fields(marketer.post(CAMPAIGNS, campaign_payload(spend="-1"), format="json"))
    assert fields["spend"] == ["Spend cannot be negative."]
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("currency", ["XYZ", "eur", "EURO", "", 978])
def test_an_unknown_currency_is_refused(marketer, currency):
    fields = error_fields(
        marketer.post(CAMPAIGNS, campaign_payload(currency=currency), format="json")
    )
    assert "currency" in fields


def test_a_reversed_campaign_period_is_refused(marketer):
    fields = error_fields(
        marketer.post(
            CAMPAIGNS,
            campaign_payload(period_start="2026-03-01", period_end="2026-02-01"),
            format="json",
        )
    )
    assert "period_end" in fields


def test_an_unknown_channel_is_refused(marketer):
    assert "channel" in error_fields(
        marketer.post(CAMPAIGNS, campaign_payload(channel="tv"), format="json")
    )


def test_a_taken_source_and_external_id_is_a_conflict(marketer):
    CampaignFactory(source="hubspot", external_id="c-1")
    response = marketer.post(
        CAMPAIGNS, campaign_payload(source="hubspot", external_id="c-1"), format="json"
    )
    assert_error(response, 409, "duplicate_external_id")


def test_marketing_changes_only_its_own_campaigns(marketer, other_marketing_user, pm):
    theirs = CampaignFactory(submitted_by=other_marketing_user)
    response = marketer.patch(f"{CAMPAIGNS}{theirs.pk}/", {"name": "Mine"}, format="json")
    assert_error(response, 403)
    assert pm.patch(f"{CAMPAIGNS}{theirs.pk}/", {"name": "PM's"}, format="json").status_code == 200
    assert_error(marketer.delete(f"{CAMPAIGNS}{theirs.pk}/"), 403)


def test_integration_reads_campaigns_but_writes_none(integration_user):
    client = api_client_for(integration_user)
    CampaignFactory()
    assert client.get(CAMPAIGNS).status_code == 200
    assert_error(client.post(CAMPAIGNS, campaign_payload(), format="json"), 403)
    assert_error(APIClient().get(CAMPAIGNS), 401)


def test_campaigns_filter_by_channel_and_segment(marketer):
    segment = SegmentFactory()
    wanted = CampaignFactory(channel="email", segment=segment)
    CampaignFactory(channel="email")
    CampaignFactory(channel="social", segment=segment)
    response = marketer.get(CAMPAIGNS, {"channel": "email", "segment": segment.pk})
    assert [row["id"] for row in response.json()["results"]] == [wanted.pk]
    assert_error(marketer.get(CAMPAIGNS, {"channel": "tv"}), 400)


def test_listing_campaigns_costs_a_fixed_number_of_queries(marketer, django_assert_max_num_queries):
    CampaignFactory.create_batch(30)
    with django_assert_max_num_queries(6):
        assert marketer.get(CAMPAIGNS, {"limit": 50}).status_code == 200


def test_bulk_campaigns_answer_record_by_record_and_resending_updates(marketer):
    records = [
        campaign_payload(source="hubspot", external_id="a"),
        campaign_payload(source="hubspot", external_id="b", spend="-5"),
        campaign_payload(source="hubspot", external_id="c", currency="ZZZ"),
        campaign_payload(source="hubspot", external_id="a"),
        campaign_payload(external_id="d"),  # no source: "manual" is not sent in bulk
    ]
    response = marketer.post(f"{CAMPAIGNS}bulk/", {"records": records}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["status"] for r in body["results"]] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert "spend" in body["results"][1]["errors"]
    assert "currency" in body["results"][2]["errors"]
    again = marketer.post(
        f"{CAMPAIGNS}bulk/",
        {"records": [campaign_payload(source="hubspot", external_id="a", name="Renamed")]},
        format="json",
    ).json()
    assert again["updated"] == 1
    assert Campaign.objects.get(external_id="a").name == "Renamed"


def test_marketing_cannot_overwrite_someone_elses_campaign_in_bulk(marketer, other_marketing_user):
    CampaignFactory(source="hubspot", external_id="x", submitted_by=other_marketing_user)
    body = marketer.post(
        f"{CAMPAIGNS}bulk/",
        {"records": [campaign_payload(source="hubspot", external_id="x")]},
        format="json",
    ).json()
    assert body["rejected"] == 1


# --- Snapshots --------------------------------------------------------------------------


def test_a_funnel_snapshot_is_recorded(marketer):
    campaign = CampaignFactory()
    response = marketer.post(SNAPSHOTS, snapshot_payload(campaign), format="json")
    assert response.status_code == 201, response.content


def test_unknown_stages_are_allowed(marketer):
    campaign = CampaignFactory()
    payload = snapshot_payload(campaign, impressions=None, retained_30=None, retained_90=None)
    assert marketer.post(SNAPSHOTS, payload, format="json").status_code == 201


def test_a_funnel_growing_downwards_is_refused_with_a_clear_message(marketer):
    campaign = CampaignFactory()
    fields = error_fields(
        marketer.post(SNAPSHOTS, snapshot_payload(campaign, sign_ups=2000), format="json")
    )
    assert fields["sign_ups"] == [
        "sign-ups (2,000) cannot exceed clicks (1,000): a funnel never grows downwards."
    ]
    assert not FunnelSnapshot.objects.exists()


def test_a_reversed_snapshot_period_is_refused(marketer):
    campaign = CampaignFactory()
    payload = snapshot_payload(campaign, period_start="2026-02-01", period_end="2026-01-01")
    assert "period_end" in error_fields(marketer.post(SNAPSHOTS, payload, format="json"))


def test_an_overlapping_snapshot_period_is_refused(marketer):
    snapshot = FunnelSnapshotFactory()
    payload = snapshot_payload(
        snapshot.campaign, period_start="2026-01-15", period_end="2026-02-14"
    )
    fields = error_fields(marketer.post(SNAPSHOTS, payload, format="json"))
    assert "overlaps" in fields["period_start"][0]
    # Another campaign may use the same period.
    other = CampaignFactory()
    assert marketer.post(SNAPSHOTS, snapshot_payload(other), format="json").status_code == 201


def test_a_snapshot_can_be_corrected_in_place(marketer, marketing_user):
    snapshot = FunnelSnapshotFactory(submitted_by=marketing_user)
    response = marketer.patch(f"{SNAPSHOTS}{snapshot.pk}/", {"paid": 19}, format="json")
    assert response.status_code == 200, response.content


def test_negative_and_fractional_counts_are_refused(marketer):
    campaign = CampaignFactory()
    for bad in (-1, 1.5, "many", True):
        response = marketer.post(SNAPSHOTS, snapshot_payload(campaign, clicks=bad), format="json")
        assert "clicks" in error_fields(response)


def test_bulk_snapshots_reject_bad_records_one_by_one(marketer):
    campaign = CampaignFactory()
    FunnelSnapshotFactory(campaign=campaign)  # January
    records = [
        snapshot_payload(
            campaign,
            source="ga",
            external_id="feb",
            period_start="2026-02-01",
            period_end="2026-02-28",
        ),
        snapshot_payload(
            campaign,
            source="ga",
            external_id="jan-again",
            period_start="2026-01-10",
            period_end="2026-01-20",
        ),
        snapshot_payload(
            campaign,
            source="ga",
            external_id="feb-overlap",
            period_start="2026-02-20",
            period_end="2026-03-10",
        ),
        snapshot_payload(
            campaign,
            source="ga",
            external_id="growing",
            period_start="2026-04-01",
            period_end="2026-04-30",
            paid=100,
        ),
        snapshot_payload(
            campaign,
            source="ga",
            external_id="reversed",
            period_start="2026-06-30",
            period_end="2026-06-01",
        ),
        {"campaign": 10**9, "source": "ga", "external_id": "nowhere"},
        "not a record",
    ]
    response = marketer.post(f"{SNAPSHOTS}bulk/", {"records": records}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", *["rejected"] * 6]
    assert "overlaps" in results[1]["errors"]["period_start"][0]
    assert "overlaps" in results[2]["errors"]["period_start"][0]
    assert "cannot exceed activated" in results[3]["errors"]["paid"][0]
    assert "period_end" in results[4]["errors"]
    assert "campaign" in results[5]["errors"]


def test_resending_a_snapshot_with_a_moved_period_updates_it(marketer):
    campaign = CampaignFactory()
    first = snapshot_payload(campaign, source="ga", external_id="m1")
    marketer.post(f"{SNAPSHOTS}bulk/", {"records": [first]}, format="json")
    moved = {**first, "period_start": "2026-01-02", "period_end": "2026-02-01"}
    body = marketer.post(f"{SNAPSHOTS}bulk/", {"records": [moved]}, format="json").json()
    assert body["updated"] == 1, body


def test_bulk_snapshots_cost_the_same_queries_for_two_or_forty_records(marketer):
    campaigns = CampaignFactory.create_batch(2)

    def records(n: int, prefix: str) -> list[dict[str, Any]]:
        return [
            snapshot_payload(
                campaigns[i % 2],
                source="ga",
                external_id=f"{prefix}-{i}",
                period_start=f"{2000 + i // 2}-01-01",
                period_end=f"{2000 + i // 2}-01-31",
            )
            for i in range(n)
        ]

    with count_queries() as small:
        marketer.post(f"{SNAPSHOTS}bulk/", {"records": records(2, "a")}, format="json")
    FunnelSnapshot.objects.all().delete()
    with count_queries() as large:
        response = marketer.post(f"{SNAPSHOTS}bulk/", {"records": records(40, "b")}, format="json")
    assert response.json()["created"] == 40
    assert len(large.captured_queries) <= len(small.captured_queries) + 2


# --- Dashboard --------------------------------------------------------------------------


def test_dashboard_figures_match_the_hand_computation(marketer, settings):
    settings.CAMPAIGN_ARPA = 50.0
    settings.CAMPAIGN_GROSS_MARGIN = 0.8
    settings.CAMPAIGN_MONTHLY_CHURN = 0.02
    # 9,000 over January–March (90 days); the window is January (31 days): 3,100.
    campaign = CampaignFactory(spend="9000.00", period_start="2026-01-01", period_end="2026-03-31")
    FunnelSnapshotFactory(campaign=campaign)  # 20 paid in January
    body = marketer.get(DASHBOARD, {"from": "2026-01-01", "to": "2026-01-31"}).json()
    channel = body["channels"][0]
    assert channel["key"] == "paid_search"
    assert channel["spend"] == pytest.approx(3100.0)
    assert channel["cac"] == pytest.approx(155.0)
    # LTV from settings: 50 × 0.8 / 0.02 = 2,000; LTV/CAC = 12.903; payback 155 / 40.
    assert channel["ltv"] == pytest.approx(2000.0)
    assert channel["ltv_source"] == "settings"
    assert channel["ltv_to_cac"] == pytest.approx(2000 / 155)
    assert channel["payback_months"] == pytest.approx(155 / 40)
    assert channel["rates"]["activation"]["value"] == pytest.approx(0.4)
    assert channel["rates"]["activation"]["low"] == pytest.approx(0.3348, abs=1e-3)
    assert channel["rates"]["retention_90"]["value"] == pytest.approx(0.5)


def test_the_segments_ltv_comes_from_outcomes_first(marketer, settings):
    from tests.support.factories import OutcomeFactory

    settings.CAMPAIGN_ARPA = None
    segment = SegmentFactory()
    OutcomeFactory(kpi="ltv", baseline=800, measured=1000, segment=segment)
    campaign = CampaignFactory(segment=segment, period_start="2026-01-01", period_end="2026-01-31")
    FunnelSnapshotFactory(campaign=campaign)
    body = marketer.get(DASHBOARD, {"from": "2026-01-01", "to": "2026-12-31"}).json()
    row = next(s for s in body["segments"] if s["key"] == str(segment.pk))
    assert row["ltv"] == 1000.0
    assert row["ltv_source"] == "outcomes"
    assert row["cac"] == pytest.approx(600.0)  # 12,000 / 20
    assert row["ltv_to_cac"] == pytest.approx(1000 / 600)


def test_zero_over_zero_is_not_enough_data_never_an_error(marketer, settings):
    settings.CAMPAIGN_ARPA = None
    campaign = CampaignFactory()
    FunnelSnapshotFactory(
        campaign=campaign,
        impressions=0,
        clicks=0,
        sign_ups=0,
        activated=0,
        paid=0,
        retained_30=0,
        retained_90=0,
    )
    response = marketer.get(DASHBOARD, {"from": "2026-01-01", "to": "2026-12-31"})
    assert response.status_code == 200
    channel = response.json()["channels"][0]
    assert channel["rates"]["activation"] == {
        "value": None,
        "low": None,
        "high": None,
        "successes": 0,
        "trials": 0,
        "reason": "no_people",
    }
    assert channel["cac"] is None
    assert "no_paid_customers" in channel["notes"]
    assert channel["ltv_to_cac"] is None


def test_mixed_currencies_give_no_cac(marketer):
    FunnelSnapshotFactory(campaign=CampaignFactory(currency="EUR"))
    FunnelSnapshotFactory(campaign=CampaignFactory(currency="USD"))
    channel = marketer.get(DASHBOARD, {"from": "2026-01-01", "to": "2026-12-31"}).json()[
        "channels"
    ][0]
    assert channel["spend"] is None
    assert channel["cac"] is None
    assert channel["notes"] == ["mixed_currencies"]


def test_volume_without_value_is_flagged(marketer):
    social = CampaignFactory(channel="social")
    FunnelSnapshotFactory(
        campaign=social, sign_ups=800, activated=40, paid=4, retained_30=4, retained_90=2
    )
    FunnelSnapshotFactory(
        campaign=CampaignFactory(channel="email"),
        sign_ups=200,
        activated=120,
        paid=30,
        retained_30=25,
        retained_90=20,
    )
    body = marketer.get(DASHBOARD, {"from": "2026-01-01", "to": "2026-12-31"}).json()
    assert body["volume_warnings"] == ["social"]


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-02-01", "to": "2026-01-01"},
        {"from": "yesterday"},
        {"to": "2026-13-01"},
        {"from": "1990-01-01", "to": "2026-01-01"},
        {"unknown": "1"},
    ],
)
def test_a_bad_dashboard_window_is_a_400(marketer, query):
    assert_error(marketer.get(DASHBOARD, query), 400)


def test_the_dashboard_costs_a_fixed_number_of_queries(marketer):
    def measure() -> int:
        with count_queries() as captured:
            assert (
                marketer.get(DASHBOARD, {"from": "2026-01-01", "to": "2026-12-31"}).status_code
                == 200
            )
        return len(captured.captured_queries)

    FunnelSnapshotFactory(campaign=CampaignFactory(segment=SegmentFactory()))
    measure()  # the key's first use is recorded once
    few = measure()
    assert few <= 6  # auth (2) + the dashboard's four
    for n in range(12):
        campaign = CampaignFactory(
            channel=["email", "social", "events"][n % 3], segment=SegmentFactory()
        )
        FunnelSnapshotFactory(campaign=campaign)
    assert measure() == few


def test_listing_snapshots_and_proposals_costs_a_fixed_number_of_queries(
    marketer, django_assert_max_num_queries
):
    from signals.campaigns.proposals import friction_proposals_refresh
    from tests.support.campaigns import collapsing_campaign

    for _ in range(5):
        campaign, _ = collapsing_campaign()
        friction_proposals_refresh(campaign_ids=[campaign.pk])
    with django_assert_max_num_queries(6):
        assert marketer.get(SNAPSHOTS, {"limit": 50}).status_code == 200
    with django_assert_max_num_queries(6):
        assert marketer.get(f"{API}/friction-proposals/", {"limit": 50}).status_code == 200
