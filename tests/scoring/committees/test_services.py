"""The committee's services: transitions, refusals that write nothing, decisions in the
item's history, commit through roadmap's status service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from roadmap.models import RoadmapItem
from scoring.committees import services
from scoring.committees.models import (
    AgendaPoint,
    CommitteeMeeting,
    Decision,
    DecisionStatus,
    MeetingStatus,
)
from scoring.models import Ranking
from tests.support.committees import decision, meeting_in_session, meeting_planned
from tests.support.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


def test_a_meeting_goes_from_planned_to_in_session_to_closed(product_user, marketing_user):
    meeting = meeting_planned(attendees=[product_user, marketing_user])
    assert meeting.status == MeetingStatus.PLANNED
    started = services.meeting_start(meeting=meeting, user=product_user)
    assert started.status == MeetingStatus.IN_SESSION
    assert started.started_at is not None
    closed = services.meeting_close(meeting=started, user=marketing_user)
    assert closed.status == MeetingStatus.CLOSED
    assert closed.closed_at is not None


def test_a_second_meeting_cannot_start_while_one_is_in_session(product_user):
    first = meeting_in_session(attendees=[product_user])
    second = meeting_planned(attendees=[product_user], title="Another")
    with pytest.raises(ValidationError) as refused:
        services.meeting_start(meeting=second)
    assert "in session" in str(refused.value)
    assert first.title in str(refused.value)
    second.refresh_from_db()
    assert second.status == MeetingStatus.PLANNED


def test_the_database_refuses_two_meetings_in_session_even_past_the_check(product_user):
    meeting_in_session(attendees=[product_user])
    other = meeting_planned(attendees=[product_user], title="Race")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitteeMeeting.objects.filter(pk=other.pk).update(status=MeetingStatus.IN_SESSION)


def test_closing_a_meeting_twice_is_refused_and_the_minutes_go_once(product_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the minutes task runs here, not on a worker
    meeting = meeting_in_session(attendees=[product_user])
    with django_capture_on_commit():
        services.meeting_close(meeting=meeting)
    with pytest.raises(ValidationError) as refused:
        services.meeting_close(meeting=meeting)
    assert "closed already" in str(refused.value)
    assert len(mail.outbox) == 1


def django_capture_on_commit():
    """Run on_commit callbacks at once (the test transaction never commits)."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_closing_a_planned_meeting_is_refused(product_user):
    meeting = meeting_planned(attendees=[product_user])
    with pytest.raises(ValidationError, match="Start the meeting"):
        services.meeting_close(meeting=meeting)


def test_a_decision_on_an_archived_item_is_refused_and_nothing_is_written(product_user):
    item = RoadmapItemFactory(status="archived")
    meeting = meeting_in_session(attendees=[product_user])
    history = item.history.count()
    with pytest.raises(ValidationError) as refused:
        decision(meeting, owner=product_user, item=item)
    assert "archived" in str(refused.value)
    assert Decision.objects.count() == 0
    assert item.history.count() == history


def test_a_due_date_in_the_past_is_refused(product_user):
    meeting = meeting_in_session(attendees=[product_user])
    with pytest.raises(ValidationError) as refused:
        decision(meeting, owner=product_user, due_date=timezone.localdate() - timedelta(days=1))
    assert "due_date" in refused.value.message_dict
    assert Decision.objects.count() == 0


def test_a_deferral_needs_a_date_to_defer_until(product_user):
    meeting = meeting_in_session(attendees=[product_user])
    with pytest.raises(ValidationError) as refused:
        decision(meeting, owner=product_user, kind="defer")
    assert "defer_until" in refused.value.message_dict
    later = timezone.localdate() + timedelta(days=60)
    deferred = decision(meeting, owner=product_user, kind="defer", defer_until=later)
    assert deferred.defer_until == later


def test_decisions_are_recorded_only_in_session(product_user):
    meeting = meeting_planned(attendees=[product_user])
    with pytest.raises(ValidationError, match="in session"):
        decision(meeting, owner=product_user)


def test_a_commit_sets_the_item_status_and_writes_its_history(product_user):
    item = RoadmapItemFactory(status="candidate")
    meeting = meeting_in_session(attendees=[product_user])
    made = decision(
        meeting, owner=product_user, item=item, kind="commit", item_status="planned",
        rationale="Biggest friction of the quarter.",
    )  # fmt: skip
    item.refresh_from_db()
    assert item.status == "planned"
    latest = item.history.order_by("-history_id").first()
    assert latest.history_change_reason.startswith("Committee")
    assert "Commit" in latest.history_change_reason
    assert made.item_status == "planned"


def test_a_decision_without_a_status_change_still_writes_the_item_history(product_user):
    item = RoadmapItemFactory(status="candidate")
    meeting = meeting_in_session(attendees=[product_user])
    before = item.history.count()
    later = timezone.localdate() + timedelta(days=90)
    decision(meeting, owner=product_user, item=item, kind="defer", defer_until=later)
    assert item.history.count() == before + 1
    reason = item.history.order_by("-history_id").first().history_change_reason
    assert "Defer" in reason
    assert later.isoformat() in reason
    assert RoadmapItem.objects.get(pk=item.pk).status == "candidate"


def test_only_a_commit_changes_the_item_status(product_user):
    item = RoadmapItemFactory(status="candidate")
    meeting = meeting_in_session(attendees=[product_user])
    with pytest.raises(ValidationError):
        decision(meeting, owner=product_user, item=item, kind="reject", item_status="planned")
    item.refresh_from_db()
    assert item.status == "candidate"


def test_publishing_from_the_meeting_closes_it_with_the_ranking(product_user):
    RoadmapItemFactory()
    meeting = meeting_in_session(attendees=[product_user])
    closed = services.meeting_publish_and_close(meeting=meeting, note="March", user=product_user)
    assert closed.status == MeetingStatus.CLOSED
    assert closed.ranking == Ranking.objects.get()


def test_publishing_from_a_closed_meeting_publishes_nothing(product_user):
    meeting = meeting_in_session(attendees=[product_user])
    services.meeting_close(meeting=meeting)
    with pytest.raises(ValidationError):
        services.meeting_publish_and_close(meeting=meeting, note="", user=product_user)
    assert Ranking.objects.count() == 0


def test_attendees_add_remove_and_reorder_points(
    product_user, marketing_user, other_marketing_user
):
    meeting = meeting_planned(attendees=[product_user, marketing_user])
    a = services.agenda_point_add(meeting=meeting, title="Pricing page", user=marketing_user)
    b = services.agenda_point_add(meeting=meeting, title="Onboarding", user=product_user)
    ids = list(
        AgendaPoint.objects.filter(meeting=meeting)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    assert ids[-2:] == [a.pk, b.pk]
    services.agenda_points_reorder(
        meeting=meeting, point_ids=list(reversed(ids)), user=product_user
    )
    assert list(
        AgendaPoint.objects.filter(meeting=meeting)
        .order_by("position")
        .values_list("pk", flat=True)
    ) == list(reversed(ids))
    with pytest.raises(ValidationError, match="attendees"):
        services.agenda_point_add(meeting=meeting, title="Not mine", user=other_marketing_user)
    with pytest.raises(ValidationError):
        services.agenda_points_reorder(meeting=meeting, point_ids=ids[:1], user=product_user)
    services.agenda_point_remove(point=a, user=marketing_user)
    assert not AgendaPoint.objects.filter(pk=a.pk).exists()


def test_points_added_by_hand_survive_a_rebuild_and_the_agenda_freezes_in_session(product_user):
    meeting = meeting_planned(attendees=[product_user])
    point = services.agenda_point_add(meeting=meeting, title="Pricing page", user=product_user)
    services.agenda_regenerate(meeting=meeting)
    assert AgendaPoint.objects.filter(pk=point.pk).exists()
    services.meeting_start(meeting=meeting)
    with pytest.raises(ValidationError, match="frozen"):
        services.agenda_regenerate(meeting=meeting)


def test_marking_a_decision_done_stamps_it(product_user):
    meeting = meeting_in_session(attendees=[product_user])
    made = decision(meeting, owner=product_user)
    done = services.decision_update(decision=made, data={"status": DecisionStatus.DONE})
    assert done.done_at is not None
    reopened = services.decision_update(decision=done, data={"status": DecisionStatus.OPEN})
    assert reopened.done_at is None
