"""Submitting a friction report or a market signal from the web, linked to items."""

from __future__ import annotations

import pytest
from django.urls import reverse

from roadmap.models import DirtyItem
from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink
from tests.support.factories import RoadmapItemFactory

REPORT = {
    "campaign": "Spring webinar",
    "title": "Sign-up form too long",
    "channel": "email",
    "funnel_stage": "activation",
    "affected_people": "1200",
    "severity": "2.0",
    "observed_at": "2026-11-01T10:00",
}


@pytest.fixture
def mk_client(client, marketing_user):
    client.force_login(marketing_user)
    return client


@pytest.mark.django_db
def test_search_finds_items_by_title_and_keeps_what_was_typed(mk_client):
    sso = RoadmapItemFactory(title="SSO for small teams")
    RoadmapItemFactory(title="CSV export")
    response = mk_client.post(
        reverse("evidence:submit"), {**REPORT, "q": "sso", "action": "search"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-testid="link-item-{sso.pk}"' in page
    assert "CSV export" not in page
    assert 'value="Spring webinar"' in page
    assert not FrictionReport.objects.exists()
    assert "field-error" not in page  # a search validates nothing


@pytest.mark.django_db
def test_report_is_saved_with_weighted_links_through_the_service(mk_client, marketing_user):
    sso = RoadmapItemFactory(title="SSO for small teams")
    export = RoadmapItemFactory(title="CSV export")
    response = mk_client.post(
        reverse("evidence:submit"),
        {
            **REPORT,
            "links": [sso.pk, export.pk],
            f"weight_{sso.pk}": "0.5",
            f"weight_{export.pk}": "1",
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("my_evidence:index")
    report = FrictionReport.objects.get()
    assert report.submitted_by == marketing_user
    assert dict(ReportLink.objects.values_list("item_id", "weight")) == {
        sso.pk: 0.5,
        export.pk: 1.0,
    }
    assert set(DirtyItem.objects.values_list("item_id", flat=True)) == {sso.pk, export.pk}
    assert report.history.count() == 1


@pytest.mark.django_db
def test_signal_is_saved_with_a_link(mk_client, marketing_user):
    item = RoadmapItemFactory(title="SSO")
    response = mk_client.post(
        reverse("evidence:submit_signal"),
        {
            "kind": "customer_request",
            "title": "Asked at renewal",
            "observed_at": "2026-11-01T10:00",
            "links": [item.pk],
            f"weight_{item.pk}": "0,25",
        },
    )
    assert response.status_code == 302
    assert MarketSignal.objects.get().submitted_by == marketing_user
    assert SignalLink.objects.get().weight == 0.25


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"severity": "7"}, "severity"),
        ({"affected_people": "-3"}, "affected_people"),
        ({"channel": "pigeon"}, "channel"),
        ({"observed_at": "2999-01-01T00:00"}, "observed_at"),
        ({"campaign": ""}, "campaign"),
        ({"links": ["999999"]}, "links"),
    ],
)
def test_bad_input_shows_the_field_error_and_writes_nothing(mk_client, change, field):
    response = mk_client.post(reverse("evidence:submit"), {**REPORT, **change})
    assert response.status_code == 200
    assert f'data-testid="field-error-{field}"' in response.content.decode()
    assert not FrictionReport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("weight", ["0", "2", "abc", "-1"])
def test_a_bad_weight_is_refused(mk_client, weight):
    item = RoadmapItemFactory()
    response = mk_client.post(
        reverse("evidence:submit"), {**REPORT, "links": [item.pk], f"weight_{item.pk}": weight}
    )
    assert 'data-testid="field-error-links"' in response.content.decode()
    assert not FrictionReport.objects.exists()
