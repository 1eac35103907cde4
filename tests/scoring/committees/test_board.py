"""The committee's board pages in both languages: plan, start, decide, publish and close,
minutes (page and PDF), decisions' follow-up."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from scoring.committees.models import CommitteeMeeting, Decision
from tests.support.committees import decision, meeting_in_session, meeting_planned
from tests.support.factories import FrictionReportFactory, ReportLinkFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db


def _day(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def _no_inline(page: str) -> None:
    assert "style=" not in page
    assert "<style" not in page
    assert "<script>" not in page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_whole_meeting_cycle_from_the_board(
    client, product_user, marketing_user, language, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the minutes task runs here, not on a worker
    settings.COMMITTEE_FRICTION_MIN_AFFECTED = 100
    client.cookies["django_language"] = language
    item = RoadmapItemFactory(title="Invite flow", status="candidate")
    ReportLinkFactory(
        item=item, report=FrictionReportFactory(title="Invites bounce", affected_people=3000)
    )
    client.force_login(marketing_user)
    listing = client.get("/board/committees/")
    assert listing.status_code == 200
    _no_inline(listing.content.decode())
    created = client.post(
        "/board/committees/",
        {"title": "March", "date": _day(2), "attendees": [product_user.pk, marketing_user.pk]},
    )
    meeting = CommitteeMeeting.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/board/committees/{meeting.pk}/"
    page = client.get(f"/board/committees/{meeting.pk}/").content.decode()
    _no_inline(page)
    assert "Invites bounce" in page
    assert client.post(f"/board/committees/{meeting.pk}/start/").status_code == 302
    client.force_login(product_user)
    recorded = client.post(
        f"/board/committees/{meeting.pk}/decisions/",
        {"kind": "commit", "item": item.pk, "rationale": "Fix the invites first.",
         "owner": product_user.pk, "team": "product", "due_date": _day(30),
         "item_status": "planned"},
    )  # fmt: skip
    assert recorded.status_code == 302, recorded.content.decode()[:3000]
    refused = client.post(
        f"/board/committees/{meeting.pk}/decisions/",
        {"kind": "defer", "rationale": "Later.", "owner": marketing_user.pk, "team": "marketing"},
    )
    assert refused.status_code == 400
    assert Decision.objects.count() == 1
    with django_capture_on_commit():
        closed = client.post(
            f"/board/committees/{meeting.pk}/close/", {"publish": "1", "note": "March"}
        )
    assert closed.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "closed"
    assert meeting.ranking is not None
    minutes = client.get(f"/board/committees/{meeting.pk}/minutes/").content.decode()
    _no_inline(minutes)
    assert "Fix the invites first." in minutes
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {product_user.email, marketing_user.email}
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    decisions = client.get("/board/decisions/").content.decode()
    _no_inline(decisions)
    assert "Fix the invites first." in decisions


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_minutes_pdf_holds_the_decisions(client, product_user):
    meeting = meeting_in_session(attendees=[product_user])
    decision(meeting, owner=product_user, rationale="Interview ten churned trials.")
    from scoring.committees import services

    services.meeting_close(meeting=meeting)
    client.force_login(product_user)
    response = client.get(f"/board/committees/{meeting.pk}/minutes.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Interview ten churned trials." in text
    assert "Investigate" in text


def test_the_minutes_of_an_open_meeting_do_not_exist(client, product_user):
    meeting = meeting_planned(attendees=[product_user])
    client.force_login(product_user)
    assert client.get(f"/board/committees/{meeting.pk}/minutes/").status_code == 404
    assert client.get(f"/board/committees/{meeting.pk}/minutes.pdf").status_code == 404


def test_a_second_meeting_cannot_start_from_the_board(client, product_user):
    meeting_in_session(attendees=[product_user])
    other = meeting_planned(attendees=[product_user], title="Other")
    client.force_login(product_user)
    response = client.post(f"/board/committees/{other.pk}/start/")
    assert response.status_code == 400
    assert "in session" in response.content.decode()


def test_marketing_cannot_publish_from_the_meeting(client, marketing_user):
    meeting = meeting_in_session(attendees=[marketing_user])
    client.force_login(marketing_user)
    response = client.post(f"/board/committees/{meeting.pk}/close/", {"publish": "1", "note": ""})
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == "in_session"


def test_attendees_reorder_and_remove_points_from_the_board(client, product_user):
    meeting = meeting_planned(attendees=[product_user])
    client.force_login(product_user)
    client.post(f"/board/committees/{meeting.pk}/points/", {"title": "First"})
    client.post(f"/board/committees/{meeting.pk}/points/", {"title": "Second"})
    points = list(meeting.agenda_points.order_by("position"))
    second = points[-1]
    client.post(f"/board/committees/{meeting.pk}/points/{second.pk}/", {"action": "up"})
    assert [p.title for p in meeting.agenda_points.order_by("position")][-2:] == ["Second", "First"]
    client.post(f"/board/committees/{meeting.pk}/points/{second.pk}/", {"action": "remove"})
    assert not meeting.agenda_points.filter(pk=second.pk).exists()
    bad = client.post(f"/board/committees/{meeting.pk}/points/{points[-2].pk}/", {"action": "fly"})
    assert bad.status_code == 400


def test_meetings_appear_in_the_launch_calendar_feed(client, product_user):
    from icalendar import Calendar

    meeting = meeting_planned(attendees=[product_user], title="March committee")
    client.force_login(product_user)
    response = client.get("/api/v1/launch-plans/calendar.ics")
    assert response.status_code == 200, response.content[:300]
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    mine = [e for e in events if str(e["uid"]).startswith(f"committee-meeting-{meeting.pk}@")]
    assert len(mine) == 1
    assert str(mine[0]["summary"]) == "Committee: March committee"
    assert mine[0]["dtstart"].dt == meeting.date


def test_the_item_page_shows_the_committee_decisions_about_it(client, product_user):
    item = RoadmapItemFactory(title="Invite flow")
    meeting = meeting_in_session(attendees=[product_user])
    decision(meeting, owner=product_user, item=item, rationale="Measure the invite drop-off.")
    client.force_login(product_user)
    page = client.get(f"/board/items/{item.pk}/").content.decode()
    assert "Measure the invite drop-off." in page
    assert 'data-testid="item-decisions"' in page
