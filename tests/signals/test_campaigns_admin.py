"""The campaigns admin: pages, writes through the services, proposal actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from signals.campaigns.models import Campaign, FrictionProposal, FunnelSnapshot, ProposalStatus
from signals.campaigns.proposals import friction_proposals_refresh
from signals.models import FrictionReport
from tests.support.campaigns import collapsing_campaign
from tests.support.factories import FunnelSnapshotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_pm(client, product_user):
    client.force_login(product_user)
    return client


@pytest.mark.parametrize("model", ["campaign", "funnelsnapshot", "frictionproposal"])
def test_the_list_pages_open(admin_client_pm, model):
    campaign, _ = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    response = admin_client_pm.get(reverse(f"admin:signals_{model}_changelist"))
    assert response.status_code == 200


def test_adding_a_campaign_in_the_admin_goes_through_the_service(admin_client_pm, product_user):
    response = admin_client_pm.post(
        reverse("admin:signals_campaign_add"),
        {
            "name": "Webinar series",
            "channel": "events",
            "period_start": "2026-01-01",
            "period_end": "2026-02-28",
            "spend": "1500",
            "currency": "EUR",
            "source": "manual",
            "external_id": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Campaign.objects.get(name="Webinar series").submitted_by == product_user


def test_an_unknown_currency_is_refused_on_the_form(admin_client_pm):
    response = admin_client_pm.post(
        reverse("admin:signals_campaign_add"),
        {
            "name": "Bad",
            "channel": "events",
            "period_start": "2026-01-01",
            "period_end": "2026-02-28",
            "spend": "1500",
            "currency": "QQQ",
            "source": "manual",
        },
    )
    assert response.status_code == 200
    assert "currency" in response.context["adminform"].form.errors
    assert not Campaign.objects.exists()


def test_an_overlapping_snapshot_is_refused_on_the_form(admin_client_pm):
    snapshot = FunnelSnapshotFactory()
    response = admin_client_pm.post(
        reverse("admin:signals_funnelsnapshot_add"),
        {
            "campaign": snapshot.campaign.pk,
            "period_start": "2026-01-20",
            "period_end": "2026-02-10",
            "clicks": "10",
            "source": "manual",
        },
    )
    assert response.status_code == 200
    assert "period_start" in response.context["adminform"].form.errors
    assert FunnelSnapshot.objects.count() == 1


def test_confirm_and_dismiss_actions_call_the_services(admin_client_pm):
    campaign, _ = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[campaign.pk])
    proposals = list(FrictionProposal.objects.order_by("pk"))
    url = reverse("admin:signals_frictionproposal_changelist")
    admin_client_pm.post(
        url, {"action": "confirm", "_selected_action": [proposals[0].pk]}, follow=True
    )
    proposals[0].refresh_from_db()
    assert proposals[0].status == ProposalStatus.CONFIRMED
    assert FrictionReport.objects.filter(pk=proposals[0].report_id).exists()
    if len(proposals) > 1:
        admin_client_pm.post(
            url, {"action": "dismiss", "_selected_action": [proposals[1].pk]}, follow=True
        )
        proposals[1].refresh_from_db()
        assert proposals[1].status == ProposalStatus.DISMISSED
