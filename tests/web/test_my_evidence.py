"""“My evidence”: what became of what a user submitted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring import services as scoring_services
from scoring.my_evidence.selectors import EvidenceFilters, my_evidence
from signals import services
from signals.models import FrictionReport
from tests.support.factories import (
    LaunchPlanFactory,
    MarketSignalFactory,
    RoadmapItemFactory,
    UserFactory,
)


@pytest.fixture
def story(db, marketing_user, product_user):
    """Two items; the marketer's reports and a signal linked to them, one report
    addressed by the product manager; someone else's report on the same item."""
    sso = RoadmapItemFactory(title="SSO for small teams", reach=500, status="planned")
    LaunchPlanFactory(item=sso, target_launch_date=timezone.localdate() + timedelta(days=20))
    export = RoadmapItemFactory(title="CSV export", reach=4000)
    now = timezone.now()
    common = {"channel": "email", "funnel_stage": "activation", "severity": 2.0}
    big = services.report_create(
        submitted_by=marketing_user,
        campaign="Spring",
        title="Form too long",
        affected_people=3000,
        observed_at=now - timedelta(days=1),
        links=[(sso.pk, 1.0), (export.pk, 0.5)],
        **common,
    )
    other = UserFactory(username="someone-else", role="marketing")
    services.report_create(
        submitted_by=other,
        campaign="Other",
        affected_people=1000,
        observed_at=now - timedelta(days=1),
        links=[(sso.pk, 1.0)],
        **common,
    )
    closed = services.report_create(
        submitted_by=marketing_user,
        campaign="Autumn",
        affected_people=10,
        observed_at=now - timedelta(days=40),
        **common,
    )
    services.report_set_status(report=closed, status="addressed")
    last = closed.history.order_by("-history_date").first()
    last.history_user = product_user
    last.save()
    signal = MarketSignalFactory(submitted_by=marketing_user, title="Asked at renewal")
    services.evidence_link(signal=signal, item=sso, weight=1.0)
    scoring_services.item_scores_recompute_all()
    return {"sso": sso, "export": export, "big": big, "closed": closed, "signal": signal}


def test_rows_show_links_positions_shares_status_launch_and_resolution(story, marketing_user):
    rows = {
        (row.kind, row.id): row
        for row in my_evidence(user=marketing_user, filters=EvidenceFilters())
    }
    assert set(rows) == {
        ("report", story["big"].pk),
        ("report", story["closed"].pk),
        ("signal", story["signal"].pk),
    }  # not the other marketer's report
    big = rows[("report", story["big"].pk)]
    links = {link.item_id: link for link in big.links}
    sso, export = links[story["sso"].pk], links[story["export"].pk]
    assert {sso.position, export.position} == {1, 2}
    # Its share of marketing reach: 3000 of the 3000 + 1000 people on SSO, all of export's.
    assert sso.share == pytest.approx(0.75)
    assert export.share == pytest.approx(1.0)
    assert sso.launch_date == story["sso"].launch_plan.target_launch_date
    assert sso.status == "planned"
    assert export.weight == 0.5
    closed = rows[("report", story["closed"].pk)]
    assert closed.links == []
    assert closed.resolution is not None
    assert closed.resolution.status == "addressed"
    assert closed.resolution.by == "pm"
    signal_links = rows[("signal", story["signal"].pk)].links
    assert signal_links[0].share == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "signal"}, {"signal"}),
        ({"kind": "report"}, {"big", "closed"}),
        ({"status": "addressed"}, {"closed"}),
        ({"status": "open"}, {"big", "signal"}),
        ({"linked": "no"}, {"closed"}),
        ({"linked": "yes"}, {"big", "signal"}),
        ({"since": "DAYS-10"}, {"big", "signal"}),
        ({"until": "DAYS-10"}, {"closed"}),
    ],
)
def test_filters(client, story, marketing_user, filters, expected):
    day = (timezone.localdate() - timedelta(days=10)).isoformat()
    query = {key: (day if value == "DAYS-10" else value) for key, value in filters.items()}
    client.force_login(marketing_user)
    page = client.get(reverse("my_evidence:index"), query).content.decode()
    names = {
        "big": f"evidence-report-{story['big'].pk}",
        "closed": f"evidence-report-{story['closed'].pk}",
        "signal": f"evidence-signal-{story['signal'].pk}",
    }
    shown = {name for name, testid in names.items() if f'data-testid="{testid}"' in page}
    assert shown == expected


def test_page_names_where_it_went(client, story, marketing_user):
    client.force_login(marketing_user)
    page = client.get(reverse("my_evidence:index")).content.decode()
    assert "SSO for small teams" in page
    assert "75 %" in page
    assert "of marketing reach" in page
    assert "Addressed by pm on" in page
    assert "Not linked to any item yet" in page


def test_bad_filters_are_ignored_not_500(client, story, marketing_user):
    client.force_login(marketing_user)
    response = client.get(reverse("my_evidence:index"), {"since": "yesterday", "kind": "x"})
    assert response.status_code == 200


def test_query_budget_does_not_grow_with_the_evidence(
    client, story, marketing_user, django_assert_max_num_queries
):
    client.force_login(marketing_user)
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("my_evidence:index"))
    items = RoadmapItemFactory.create_batch(15)
    for index in range(30):
        report = services.report_create(
            submitted_by=marketing_user,
            campaign=f"C{index}",
            channel="email",
            funnel_stage="activation",
            severity=1.0,
            affected_people=10 + index,
            observed_at=timezone.now(),
            links=[(items[index % 15].pk, 1.0), (story["sso"].pk, 0.2)],
        )
        if index % 3 == 0:
            services.report_set_status(report=report, status="dismissed")
    scoring_services.item_scores_recompute_all()
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("my_evidence:index"))
    assert FrictionReport.objects.filter(submitted_by=marketing_user).count() == 32
    assert response.content.decode().count('data-testid="evidence-report-') == 32
