"""The agenda built from the data since the last meeting, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadmap.models import RoadmapItem
from roadmap.services import item_update, items_mark_dirty
from scoring.committees import services
from scoring.committees.agenda import agenda_build
from scoring.committees.models import AgendaKind, AgendaPoint
from scoring.services import item_scores_recompute_dirty, ranking_publish
from tests.support.api import count_queries
from tests.support.committees import decision, meeting_in_session, meeting_planned
from tests.support.factories import (
    FrictionReportFactory,
    LaunchPlanFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
)

pytestmark = pytest.mark.django_db


def _kinds(meeting):
    return list(AgendaPoint.objects.filter(meeting=meeting).values_list("kind", flat=True))


def test_a_big_new_friction_report_comes_on_the_agenda_a_small_one_does_not(product_user, settings):
    settings.COMMITTEE_FRICTION_MIN_AFFECTED = 500
    item = RoadmapItemFactory(title="Invite flow")
    big = ReportLinkFactory(
        item=item, report=FrictionReportFactory(title="Invite emails bounce", affected_people=4000)
    ).report
    FrictionReportFactory(title="Typo on pricing", affected_people=20)
    meeting = meeting_planned(attendees=[product_user])
    points = AgendaPoint.objects.filter(meeting=meeting, kind=AgendaKind.FRICTION)
    assert [p.title for p in points] == ["Invite emails bounce"]
    assert points[0].payload["report"] == big.pk
    assert points[0].link == f"/board/items/{item.pk}/"


def test_a_launch_due_soon_with_checklist_gaps_comes_on_the_agenda(product_user):
    soon = LaunchPlanFactory(
        item=RoadmapItemFactory(title="SSO", status="planned"),
        target_launch_date=timezone.localdate() + timedelta(days=20),
        positioning_approved=True,
    )
    LaunchPlanFactory(
        item=RoadmapItemFactory(title="Far away", status="planned"),
        target_launch_date=timezone.localdate() + timedelta(days=90),
    )
    meeting = meeting_planned(attendees=[product_user])
    point = AgendaPoint.objects.get(meeting=meeting, kind=AgendaKind.LAUNCH)
    assert point.title == "SSO"
    assert point.payload["readiness"] == 1
    assert "documentation_ready" in point.payload["missing"]
    assert point.link == f"/board/items/{soon.item_id}/"


def test_the_agenda_covers_only_what_happened_since_the_last_closed_meeting(product_user, settings):
    settings.COMMITTEE_FRICTION_MIN_AFFECTED = 0
    FrictionReportFactory(title="Old report")
    first = meeting_in_session(attendees=[product_user])
    services.meeting_close(meeting=first)
    FrictionReportFactory(title="New report")
    second = meeting_planned(attendees=[product_user], title="April")
    titles = list(
        AgendaPoint.objects.filter(meeting=second, kind=AgendaKind.FRICTION).values_list(
            "title", flat=True
        )
    )
    assert titles == ["New report"]


def test_overdue_decisions_of_earlier_meetings_come_back(product_user):
    first = meeting_in_session(attendees=[product_user])
    late = decision(first, owner=product_user)
    services.meeting_close(meeting=first)
    type(late).objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    second = meeting_planned(attendees=[product_user], title="April")
    point = AgendaPoint.objects.get(meeting=second, kind=AgendaKind.OVERDUE)
    assert point.payload["decision"] == late.pk
    assert point.link.endswith(f"#decision-{late.pk}")


def test_the_biggest_moves_of_the_live_ranking_come_with_their_causes(product_user):
    low = RoadmapItemFactory(title="Low", reach=100)
    high = RoadmapItemFactory(title="High", reach=5000)
    items_mark_dirty(item_ids=[low.pk, high.pk])
    ranking_publish(note="", published_by=product_user)
    item_update(item=low, data={"reach": 100000.0})
    item_scores_recompute_dirty()
    meeting = meeting_planned(attendees=[product_user])
    point = AgendaPoint.objects.get(meeting=meeting, kind=AgendaKind.MOVE, item=low)
    assert point.payload["from_position"] == 2
    assert point.payload["to_position"] == 1
    assert set(point.payload["summary"]) == {"en", "fr"}
    assert point.payload["summary"]["en"] != point.payload["summary"]["fr"]


def test_items_needing_an_owner_are_listed(product_user):
    RoadmapItemFactory(title="Nobody's", owner=None)
    meeting = meeting_planned(attendees=[product_user])
    point = AgendaPoint.objects.get(meeting=meeting, kind=AgendaKind.OWNER)
    assert [i["title"] for i in point.payload["items"]] == ["Nobody's"]


def _fill(n: int, owner) -> None:
    for k in range(n):
        item = RoadmapItemFactory(title=f"Item {k}", owner=None if k % 2 else owner)
        ReportLinkFactory(item=item, report=FrictionReportFactory(affected_people=5000 + k))
        LaunchPlanFactory(
            item=item, target_launch_date=timezone.localdate() + timedelta(days=10 + k)
        )
    items_mark_dirty(item_ids=RoadmapItem.objects.values_list("pk", flat=True))
    item_scores_recompute_dirty()


def test_building_the_agenda_takes_the_same_number_of_queries_whatever_the_data(product_user):
    _fill(2, product_user)
    ranking_publish(note="", published_by=product_user)
    _fill(1, product_user)
    today = timezone.localdate()
    agenda_build(since=None, today=today)  # warm caches (content types, the active model)
    with count_queries() as small:
        agenda_build(since=None, today=today)
    _fill(12, product_user)
    with count_queries() as large:
        points = agenda_build(since=None, today=today)
    assert len(points) > 20
    assert any(p["kind"] == AgendaKind.MOVE for p in points)
    assert len(large.captured_queries) == len(small.captured_queries)
