"""A "launch not ready" point stores its checklist gaps as codes and shows them in the
reader's language; points frozen before codes (English labels) still read."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone, translation

from scoring.committees.models import AgendaKind, AgendaPoint
from scoring.committees.presenters import point_detail
from tests.support.committees import meeting_planned
from tests.support.factories import LaunchPlanFactory, RoadmapItemFactory


def _launch_point(product_user) -> AgendaPoint:
    LaunchPlanFactory(
        item=RoadmapItemFactory(title="SSO", status="planned"),
        target_launch_date=timezone.localdate() + timedelta(days=20),
        positioning_approved=True,
        sales_enablement_ready=True,
        campaign_assets_ready=True,
    )
    meeting = meeting_planned(attendees=[product_user])
    return AgendaPoint.objects.get(meeting=meeting, kind=AgendaKind.LAUNCH)


def test_a_launch_point_stores_codes_whatever_the_language_it_was_built_in(product_user):
    with translation.override("fr"):
        point = _launch_point(product_user)
    assert point.payload["missing"] == ["documentation_ready", "analytics_ready"]


def test_a_launch_point_reads_in_the_readers_language(product_user):
    point = _launch_point(product_user)
    assert point_detail(point).endswith("missing: documentation, analytics in place")
    with translation.override("fr"):
        french = point_detail(point)
    assert french.endswith("manque\u00a0: documentation, mesure d’audience en place"), french
    assert "missing" not in french
    assert "analytics" not in french


def test_a_launch_point_frozen_with_english_labels_still_reads(product_user):
    point = _launch_point(product_user)
    point.payload["missing"] = ["Documentation", "Analytics in place", "Something else"]
    point.save()
    point.refresh_from_db()
    assert point_detail(point).endswith(
        "missing: documentation, analytics in place, something else"
    )
    with translation.override("fr"):
        french = point_detail(point)
    assert "mesure d’audience en place" in french
    assert "something else" in french
