"""The committee's admin writes through the services: a meeting planned there gets its
agenda, the start action refuses a second meeting in session, a decision's follow-up is
validated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from scoring.committees.models import CommitteeMeeting, MeetingStatus
from tests.support.admin import admin_form_data
from tests.support.committees import decision, meeting_in_session, meeting_planned

pytestmark = pytest.mark.django_db


def test_marketing_staff_plans_a_meeting_in_the_admin(marketing_staff_client, marketing_staff):
    url = "/admin/scoring/committeemeeting/add/"
    data = admin_form_data(marketing_staff_client.get(url))
    data.update(
        title="March", date=timezone.localdate().isoformat(), attendees=[str(marketing_staff.pk)]
    )
    response = marketing_staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = CommitteeMeeting.objects.get()
    assert meeting.created_by == marketing_staff
    assert meeting.agenda_built_at is not None


def test_the_start_action_refuses_a_second_meeting_in_session(pm_client, product_user):
    meeting_in_session(attendees=[product_user])
    other = meeting_planned(attendees=[product_user], title="Other")
    response = pm_client.post(
        "/admin/scoring/committeemeeting/",
        {"action": "start", "_selected_action": [other.pk]},
        follow=True,
    )
    assert "in session" in response.content.decode()
    other.refresh_from_db()
    assert other.status == MeetingStatus.PLANNED


def test_a_past_due_date_is_refused_in_the_admin(pm_client, product_user):
    meeting = meeting_in_session(attendees=[product_user])
    made = decision(meeting, owner=product_user)
    url = f"/admin/scoring/decision/{made.pk}/change/"
    data = admin_form_data(pm_client.get(url))
    data["due_date"] = (timezone.localdate() - timedelta(days=3)).isoformat()
    response = pm_client.post(url, data)
    assert response.status_code == 200
    assert "past" in response.content.decode()
    made.refresh_from_db()
    assert made.due_date > timezone.localdate()
