"""Friction measured: significant funnel drops proposed, confirmed into friction reports
that move items' scores, or dismissed."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.models import ItemScore
from scoring.services import item_scores_recompute_all, item_scores_recompute_dirty
from signals.campaigns.models import FrictionProposal, ProposalStatus
from signals.campaigns.proposals import drops_find, friction_proposals_refresh
from signals.models import FrictionReport, ReportLink
from tests.support.api import API, api_client_for, assert_error
from tests.support.campaigns import collapsing_campaign, month
from tests.support.factories import CampaignFactory, FunnelSnapshotFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db

PROPOSALS = f"{API}/friction-proposals/"


def test_a_collapsing_activation_is_proposed_with_its_figures():
    campaign, bad = collapsing_campaign()
    result = friction_proposals_refresh(campaign_ids=[campaign.pk])
    assert result.created >= 1
    proposal = FrictionProposal.objects.get(snapshot=bad, rate="activation")
    assert proposal.status == ProposalStatus.PROPOSED
    assert proposal.funnel_stage == "activation"
    assert proposal.channel == campaign.channel
    figures = proposal.figures
    assert figures["baseline"] == pytest.approx(0.4)
    assert figures["rate"] == pytest.approx(0.1)
    assert figures["baseline_source"] == "campaign"
    assert figures["people_lost"] == 180  # (0.4 − 0.1) × 600
    # April has 30 days: 180 × 91.3125 / 30 = 547.9 per quarter.
    assert proposal.affected_people == 548
    assert proposal.severity == 3.0  # a 75 % relative drop
    assert figures["z"] < figures["threshold"] == -2.326


def test_steady_funnels_propose_nothing():
    campaign = CampaignFactory()
    for m in (1, 2, 3, 4):
        FunnelSnapshotFactory(campaign=campaign, **month(m, activated=78 + m))
    assert friction_proposals_refresh(campaign_ids=[campaign.pk]).created == 0


def test_a_new_campaign_is_compared_with_its_channels_history():
    older = CampaignFactory(channel="email")
    for m in (1, 2, 3):
        FunnelSnapshotFactory(campaign=older, **month(m))
    newcomer = CampaignFactory(channel="email")
    FunnelSnapshotFactory(campaign=newcomer, **month(4, sign_ups=300, activated=30, paid=3))
    (finding,) = [f for f in drops_find(campaign_ids=[newcomer.pk]) if f.rate == "activation"]
    assert finding.baseline_source == "channel"
    assert finding.drop.baseline == pytest.approx(0.4)


def test_refreshing_twice_changes_nothing_and_a_corrected_funnel_withdraws_the_proposal():
    campaign, bad = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    count = FrictionProposal.objects.count()
    again = friction_proposals_refresh(campaign_ids=[campaign.pk])
    assert again.created == 0
    assert FrictionProposal.objects.count() == count
    bad.activated = 235
    bad.paid = 20
    bad.save()
    assert friction_proposals_refresh(campaign_ids=[campaign.pk]).withdrawn >= 1
    assert not FrictionProposal.objects.filter(snapshot=bad, rate="activation").exists()


def test_a_bulk_import_proposes_friction_after_commit(
    marketing_user, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the task runs in-process, as without a broker
    campaign = CampaignFactory()
    client = api_client_for(marketing_user)
    records = [
        {
            **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in month(m).items()},
            "campaign": campaign.pk,
            "source": "ga",
            "external_id": f"m{m}",
        }
        for m in (1, 2, 3)
    ]
    records.append(
        {
            **{
                k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in month(4, clicks=3_000, sign_ups=600, activated=60, paid=6).items()
            },
            "campaign": campaign.pk,
            "source": "ga",
            "external_id": "m4",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{API}/funnel-snapshots/bulk/", {"records": records}, format="json")
    assert response.json()["created"] == 4
    assert FrictionProposal.objects.filter(campaign=campaign, rate="activation").exists()
    listed = client.get(PROPOSALS, {"status": "proposed", "campaign": campaign.pk}).json()
    assert any(row["rate"] == "activation" for row in listed["results"])


def test_confirming_a_proposal_creates_a_report_that_moves_the_items_score(
    marketing_user, django_capture_on_commit_callbacks
):
    item = RoadmapItemFactory(reach=1000, impact=1, confidence=0.8, effort=2)
    campaign, bad = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    proposal = FrictionProposal.objects.get(snapshot=bad, rate="activation")
    item_scores_recompute_all()
    before = ItemScore.objects.get(item=item).score
    # A waiting proposal counts in no score.
    item_scores_recompute_dirty()
    assert ItemScore.objects.get(item=item).score == before

    client = api_client_for(marketing_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{PROPOSALS}{proposal.pk}/confirm/",
            {"links": [{"item": item.pk, "weight": 1}]},
            format="json",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    report = FrictionReport.objects.get(pk=body["report"])
    assert report.campaign == campaign.name
    assert report.proposal.campaign == campaign
    assert (report.funnel_stage, report.affected_people, report.severity) == (
        "activation",
        548,
        3.0,
    )
    assert report.status == "open"
    assert report.submitted_by == marketing_user
    assert ReportLink.objects.filter(report=report, item=item).exists()
    item_scores_recompute_dirty()
    after = ItemScore.objects.get(item=item).score
    assert after > before

    # Confirming again changes nothing; dismissing a confirmed proposal is a conflict.
    again = client.post(f"{PROPOSALS}{proposal.pk}/confirm/", {}, format="json")
    assert again.json()["report"] == report.pk
    assert FrictionReport.objects.count() == 1
    assert_error(client.post(f"{PROPOSALS}{proposal.pk}/dismiss/"), 409, "invalid_transition")


def test_a_dismissed_proposal_is_not_proposed_again(marketing_user):
    campaign, bad = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    proposal = FrictionProposal.objects.get(snapshot=bad, rate="activation")
    client = api_client_for(marketing_user)
    assert client.post(f"{PROPOSALS}{proposal.pk}/dismiss/").json()["status"] == "dismissed"
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DISMISSED
    assert not FrictionReport.objects.exists()
    assert_error(client.post(f"{PROPOSALS}{proposal.pk}/confirm/", {}, format="json"), 409)


def test_integration_reads_proposals_but_cannot_decide(integration_user):
    campaign, bad = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    proposal = FrictionProposal.objects.get(snapshot=bad, rate="activation")
    client = api_client_for(integration_user)
    assert client.get(f"{PROPOSALS}{proposal.pk}/").status_code == 200
    assert_error(client.post(f"{PROPOSALS}{proposal.pk}/confirm/", {}, format="json"), 403)
    assert_error(client.post(f"{PROPOSALS}{proposal.pk}/dismiss/"), 403)


def test_confirming_with_bad_links_writes_nothing(marketing_user):
    campaign, bad = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    proposal = FrictionProposal.objects.get(snapshot=bad, rate="activation")
    client = api_client_for(marketing_user)
    response = client.post(
        f"{PROPOSALS}{proposal.pk}/confirm/", {"links": [{"item": 10**9}]}, format="json"
    )
    assert_error(response, 400)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert not FrictionReport.objects.exists()


def test_the_dashboard_lists_proposals_waiting(marketing_user):
    campaign, _ = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    body = (
        api_client_for(marketing_user)
        .get(f"{API}/campaigns/dashboard/", {"from": "2026-01-01", "to": "2026-12-31"})
        .json()
    )
    assert body["proposals_waiting"] >= 1
    assert any(row["rate"] == "activation" for row in body["proposals"])


def test_the_demo_proposes_friction_on_first_run_and_writes_nothing_twice():
    from signals.campaigns.demo import campaigns_demo_seed

    first = campaigns_demo_seed(today=date(2026, 12, 2))
    assert (first.campaigns, first.snapshots) == (4, 24)
    waiting = FrictionProposal.objects.filter(status=ProposalStatus.PROPOSED)
    assert waiting.filter(campaign__name="Trial giveaway", rate="activation").exists()
    assert not waiting.exclude(campaign__name="Trial giveaway").exists()
    second = campaigns_demo_seed(today=date(2026, 12, 2))
    assert (second.campaigns, second.snapshots, second.proposals) == (0, 0, 0)


def test_the_dashboard_partial_renders_charts_tables_and_the_waiting_proposal():
    from django.template.loader import render_to_string

    from signals.campaigns.demo import campaigns_demo_seed
    from signals.campaigns.presenter import campaign_panel
    from signals.campaigns.selectors import campaign_dashboard

    campaigns_demo_seed(today=date(2026, 12, 2))
    panel = campaign_panel(
        campaign_dashboard(date_from=date(2026, 6, 1), date_to=date(2026, 11, 30))
    )
    html = render_to_string("campaigns/_dashboard.html", {"campaigns": panel})
    assert html.count("<svg") == 3
    assert "Trial giveaway" in html
    assert "volume without value" in html.lower()
    assert ' style="' not in html
    assert "<script" not in html


def test_marketing_imports_a_funnel_confirms_the_friction_and_the_item_moves_up(
    marketing_user, integration_user, django_capture_on_commit_callbacks, settings
):
    """The issue's done-criterion through the API: import, see the proposal, confirm it
    with a link, and the linked item overtakes another in the live ranking."""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # tasks in-process, as without a broker
    leader = RoadmapItemFactory(title="Leader", reach=900, impact=1, confidence=0.8, effort=1)
    fixer = RoadmapItemFactory(
        title="Fix activation", reach=600, impact=1, confidence=0.8, effort=1
    )
    item_scores_recompute_all()
    reader = api_client_for(integration_user)
    before = [row["item"] for row in reader.get(f"{API}/rankings/live/").json()["results"]]
    assert before.index(leader.pk) < before.index(fixer.pk)

    marketer = api_client_for(marketing_user)
    created = marketer.post(
        f"{API}/campaigns/bulk/",
        {
            "records": [
                {
                    "name": "Trial giveaway",
                    "channel": "social",
                    "period_start": "2020-01-01",
                    "period_end": "2030-12-31",
                    "spend": "20000",
                    "currency": "EUR",
                    "source": "crm",
                    "external_id": "giveaway",
                }
            ]
        },
        format="json",
    ).json()
    campaign_id = created["results"][0]["id"]
    # The four whole months before this one: three steady, then the collapse.
    today = date.today()
    ends = []
    end = today.replace(day=1)
    for _ in range(4):
        end = date.fromordinal(end.toordinal() - 1)
        ends.append(end)
        end = end.replace(day=1)
    ends.reverse()
    records = []
    for n, last in enumerate(ends):
        collapsed = n == 3
        records.append(
            {
                "campaign": campaign_id,
                "period_start": last.replace(day=1).isoformat(),
                "period_end": last.isoformat(),
                "clicks": 3000 if collapsed else 2000,
                "sign_ups": 600 if collapsed else 200,
                "activated": 60 if collapsed else 80,
                "paid": 6 if collapsed else 20,
                "source": "ga",
                "external_id": f"giveaway-{n}",
            }
        )
    with django_capture_on_commit_callbacks(execute=True):
        imported = marketer.post(
            f"{API}/funnel-snapshots/bulk/", {"records": records}, format="json"
        ).json()
    assert imported["created"] == 4

    waiting = marketer.get(PROPOSALS, {"status": "proposed", "campaign": campaign_id}).json()
    (activation,) = [row for row in waiting["results"] if row["rate"] == "activation"]
    assert activation["severity"] == 3.0
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = marketer.post(
            f"{PROPOSALS}{activation['id']}/confirm/",
            {"links": [{"item": fixer.pk, "weight": 1}]},
            format="json",
        )
    assert confirmed.status_code == 200, confirmed.content
    after = [row["item"] for row in reader.get(f"{API}/rankings/live/").json()["results"]]
    assert after.index(fixer.pk) < after.index(leader.pk)
