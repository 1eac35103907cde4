"""Marketing's campaign pages: the campaign and funnel forms, the funnel import, and the
proposed friction confirmed (linked to an item, which is rescored) or dismissed."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scoring.models import ItemScore
from scoring.services import item_scores_recompute_all, item_scores_recompute_dirty
from signals.campaigns.models import Campaign, FrictionProposal, FunnelSnapshot, ProposalStatus
from signals.campaigns.proposals import friction_proposals_refresh
from signals.models import FrictionReport, ReportLink
from signals.web import imports
from tests.support.campaigns import collapsing_campaign, collapsing_funnel_csv
from tests.support.factories import CampaignFactory, RoadmapItemFactory, UserFactory

pytestmark = pytest.mark.django_db

CAMPAIGN = {
    "name": "Spring webinar",
    "channel": "email",
    "period_start": "2026-03-01",
    "period_end": "2026-05-31",
    "spend": "12000.50",
    "currency": "eur",
    "external_id": "SPRING",
}


@pytest.fixture
def mk_client(client, marketing_user):
    client.force_login(marketing_user)
    return client


def _upload(client, data: bytes, kind: str, name: str = "funnel.csv"):
    return client.post(
        reverse("evidence:import"), {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )


def test_a_campaign_entered_in_the_form_is_saved_through_the_service(mk_client, marketing_user):
    response = mk_client.post(reverse("evidence:campaign_new"), CAMPAIGN)
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evidence:campaign", args=[campaign.pk])
    assert (campaign.currency, str(campaign.spend), campaign.submitted_by) == (
        "EUR",
        "12000.50",
        marketing_user,
    )
    assert campaign.history.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"spend": "-1"}, "spend"),
        ({"currency": "EUX"}, "currency"),
        ({"period_end": "2026-02-01"}, "period_end"),
        ({"channel": "carrier_pigeon"}, "channel"),
    ],
)
def test_a_bad_campaign_is_refused_field_by_field_and_nothing_saved(mk_client, change, field):
    response = mk_client.post(reverse("evidence:campaign_new"), {**CAMPAIGN, **change})
    assert response.status_code == 400
    assert f'data-testid="field-error-{field}"' in response.content.decode()
    assert not Campaign.objects.exists()


def test_marketing_changes_only_its_own_campaigns(mk_client):
    other = CampaignFactory(submitted_by=UserFactory())
    url = reverse("evidence:campaign", args=[other.pk])
    assert mk_client.get(url).status_code == 200
    assert mk_client.post(url, {**CAMPAIGN, "name": "Mine now"}).status_code == 403
    other.refresh_from_db()
    assert other.name != "Mine now"


def test_a_funnel_growing_down_or_overlapping_is_refused_in_the_form(mk_client, marketing_user):
    campaign = CampaignFactory(submitted_by=marketing_user)
    url = reverse("evidence:snapshot_new", args=[campaign.pk])
    period = {"period_start": "2026-01-01", "period_end": "2026-01-31"}
    grown = mk_client.post(url, {**period, "clicks": "100", "sign_ups": "150"})
    assert grown.status_code == 400
    assert 'data-testid="field-error-sign_ups"' in grown.content.decode()
    ok = mk_client.post(url, {**period, "clicks": "100", "sign_ups": "50"})
    assert ok.status_code == 302
    overlap = mk_client.post(
        url, {"period_start": "2026-01-15", "period_end": "2026-02-14", "clicks": "10"}
    )
    assert overlap.status_code == 400
    assert "overlaps" in overlap.content.decode()
    assert FunnelSnapshot.objects.filter(campaign=campaign).count() == 1


def test_campaigns_and_their_funnels_import_from_files_keyed_by_external_id(
    mk_client, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    campaigns_csv = (
        b"external_id,name,channel,period_start,period_end,spend,currency\n"
        b'SPRING,Spring webinar,email,2026-01-01,2026-06-30,"12 000,50",EUR\n'
    )
    dry = _upload(mk_client, campaigns_csv, "campaigns", "campaigns.csv")
    assert dry.status_code == 200
    assert 'data-testid="dry-run-ok"' in dry.content.decode()
    assert not Campaign.objects.exists()
    assert (
        mk_client.post(
            reverse("evidence:import_confirm"), {"token": dry.context["token"]}
        ).status_code
        == 302
    )
    campaign = Campaign.objects.get(external_id="SPRING")
    assert str(campaign.spend) == "12000.50"

    dry = _upload(mk_client, collapsing_funnel_csv("SPRING"), "snapshots")
    assert 'data-testid="dry-run-ok"' in dry.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = mk_client.post(
            reverse("evidence:import_confirm"), {"token": dry.context["token"]}
        )
    assert confirmed["Location"] == reverse("evidence:campaigns")
    assert campaign.snapshots.count() == 4
    assert FrictionProposal.objects.filter(campaign=campaign, rate="activation").exists()

    # The same file again updates the four snapshots instead of adding copies.
    again = _upload(mk_client, collapsing_funnel_csv("SPRING"), "snapshots")
    assert again.context["report"].existing == 4


def test_a_funnel_file_with_bad_rows_shows_them_by_row_and_column_and_writes_nothing(
    mk_client,
):
    CampaignFactory(external_id="SPRING")
    data = (
        b"external_id,campaign,period_start,period_end,clicks,sign_ups\n"
        b"F-1,SPRING,2026-01-01,2026-01-31,100,150\n"  # sign-ups above clicks
        b"F-2,NOPE,2026-02-01,2026-02-28,100,50\n"  # unknown campaign
        b"F-3,SPRING,2026-03-31,2026-03-01,100,50\n"  # reversed period
    )
    response = _upload(mk_client, data, "snapshots")
    page = response.content.decode()
    assert 'data-testid="dry-run-refused"' in page
    errors = {(e.row, e.column) for e in response.context["report"].errors}
    assert (2, "sign_ups") in errors
    assert (3, "campaign") in errors
    assert (4, "period_end") in errors
    assert not FunnelSnapshot.objects.exists()


def test_overlapping_periods_are_shown_in_the_dry_run_and_nothing_is_written(mk_client):
    campaign = CampaignFactory(external_id="SPRING")
    FunnelSnapshot.objects.create(
        campaign=campaign, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31)
    )
    data = (
        b"external_id,campaign,period_start,period_end,clicks\n"
        b"F-1,SPRING,2026-01-01,2026-01-31,100\n"
        b"F-2,SPRING,2026-01-15,2026-02-14,100\n"  # overlaps the row above
        b"F-3,SPRING,2026-03-15,2026-04-14,100\n"  # overlaps the stored March
    )
    response = _upload(mk_client, data, "snapshots")
    errors = {(e.row, e.column) for e in response.context["report"].errors}
    assert errors == {(3, "period_start"), (4, "period_start")}
    assert "overlaps" in response.content.decode()
    assert FunnelSnapshot.objects.count() == 1


@pytest.mark.parametrize("kind", ["campaigns", "snapshots"])
def test_the_templates_of_campaign_files_read_back_as_their_columns(mk_client, kind):
    response = mk_client.get(reverse("evidence:import_template", args=[kind, "csv"]))
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == list(imports.SPECS[kind].columns)


def test_a_proposal_confirmed_on_the_web_links_an_item_and_moves_its_score(
    mk_client, marketing_user, django_capture_on_commit_callbacks
):
    item = RoadmapItemFactory(title="Guided onboarding", reach=1000, impact=1, effort=2)
    campaign, bad = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    proposal = FrictionProposal.objects.get(snapshot=bad, rate="activation")
    item_scores_recompute_all()
    before = ItemScore.objects.get(item=item).score

    listed = mk_client.get(reverse("evidence:proposals")).content.decode()
    assert f'data-testid="proposal-{proposal.pk}"' in listed
    assert "548" in listed  # people lost per quarter
    url = reverse("evidence:proposal", args=[proposal.pk])
    found = mk_client.post(url, {"action": "search", "q": "onboarding"})
    assert f'data-testid="link-item-{item.pk}"' in found.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = mk_client.post(
            url,
            {"action": "confirm", "title": "", "links": [item.pk], f"weight_{item.pk}": "0,5"},
        )
    assert done.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    report = FrictionReport.objects.get(pk=proposal.report_id)
    assert (report.campaign, report.submitted_by) == (campaign.name, marketing_user)
    assert ReportLink.objects.get(report=report, item=item).weight == 0.5
    item_scores_recompute_dirty()
    assert ItemScore.objects.get(item=item).score > before
    page = mk_client.get(url).content.decode()
    assert f'data-testid="proposal-link-{item.pk}"' in page


def test_a_bad_weight_is_refused_and_nothing_is_confirmed(mk_client):
    item = RoadmapItemFactory()
    campaign, bad = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    proposal = FrictionProposal.objects.get(snapshot=bad, rate="activation")
    response = mk_client.post(
        reverse("evidence:proposal", args=[proposal.pk]),
        {"action": "confirm", "links": [item.pk], f"weight_{item.pk}": "7"},
    )
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert not FrictionReport.objects.exists()


def test_a_dismissed_proposal_cannot_be_confirmed_on_the_web(mk_client):
    campaign, bad = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    proposal = FrictionProposal.objects.get(snapshot=bad, rate="activation")
    dismissed = mk_client.post(reverse("evidence:proposal_dismiss", args=[proposal.pk]))
    assert dismissed["Location"] == reverse("evidence:proposals")
    response = mk_client.post(
        reverse("evidence:proposal", args=[proposal.pk]), {"action": "confirm"}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DISMISSED
    assert not FrictionReport.objects.exists()


def test_the_campaign_pages_answer_in_french(mk_client):
    campaign = CampaignFactory()
    mk_client.cookies["django_language"] = "fr"
    for url in (
        reverse("evidence:campaigns"),
        reverse("evidence:campaign", args=[campaign.pk]),
        reverse("evidence:snapshot_new", args=[campaign.pk]),
        reverse("evidence:proposals"),
    ):
        response = mk_client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200
        assert 'lang="fr"' in response.content.decode()


def test_the_pages_need_a_login(client):
    assert client.get(reverse("evidence:campaigns")).status_code == 302
