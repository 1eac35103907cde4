"""The committee's demo: last month's meeting, closed with the latest ranking and three
decisions (one of them overdue), and next month's meeting, planned, its agenda built from
the data since. Written through the services, keyed on the meetings' titles: a second run
writes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from roadmap.choices import ItemStatus
from roadmap.models import RoadmapItem
from scoring.committees import services
from scoring.committees.models import AgendaKind, CommitteeMeeting, MeetingStatus
from scoring.models import Ranking

CLOSED_TITLE = "Monthly committee (last month)"
PLANNED_TITLE = "Monthly committee (next month)"
ATTENDEES = ("camille.martin", "julien.moreau", "claire.dubois", "lucas.petit")


def committees_demo_seed(*, anchor: datetime) -> int:
    """Create the demo meetings that are missing; returns how many were created."""
    people = {u.username: u for u in get_user_model().objects.filter(username__in=ATTENDEES)}
    if len(people) < len(ATTENDEES):
        return 0
    attendees = [people[name] for name in ATTENDEES]
    created = 0
    in_session = CommitteeMeeting.objects.filter(status=MeetingStatus.IN_SESSION).exists()
    if not CommitteeMeeting.objects.filter(title=CLOSED_TITLE).exists() and not in_session:
        _closed_meeting(anchor, attendees)
        created += 1
    if not CommitteeMeeting.objects.filter(title=PLANNED_TITLE).exists():
        services.meeting_create(
            title=PLANNED_TITLE,
            date=(anchor + timedelta(days=26)).date(),
            attendees=attendees,
            created_by=people["claire.dubois"],
        )
        created += 1
    return created


def _closed_meeting(anchor: datetime, attendees: list) -> None:
    pm, pm2, marketer, marketer2 = attendees
    ranking = Ranking.objects.order_by("-number").first()
    held = anchor - timedelta(days=4) if ranking is None else ranking.published_at
    meeting = services.meeting_create(
        title=CLOSED_TITLE, date=held.date(), attendees=attendees, created_by=pm
    )
    services.meeting_start(meeting=meeting, user=pm)
    today = timezone.localdate()
    committed = RoadmapItem.objects.filter(status=ItemStatus.IN_PROGRESS).order_by("id").first()
    deferred = RoadmapItem.objects.filter(status=ItemStatus.CANDIDATE).order_by("-id").first()
    friction = meeting.agenda_points.filter(kind=AgendaKind.FRICTION).order_by("position").first()
    if committed is not None:
        services.decision_record(
            meeting=meeting, kind="commit", item=committed, owner=pm2, team="product",
            rationale="Ship it this quarter; marketing prepares the launch in parallel.",
            due_date=today + timedelta(days=40), created_by=pm,
        )  # fmt: skip
    if deferred is not None:
        services.decision_record(
            meeting=meeting, kind="defer", item=deferred, owner=pm, team="product",
            rationale="Not before the enterprise features land; revisit with new evidence.",
            defer_until=today + timedelta(days=90), due_date=today + timedelta(days=85),
            created_by=pm,
        )  # fmt: skip
    late = services.decision_record(
        meeting=meeting, kind="investigate", point=friction, owner=marketer, team="marketing",
        rationale="Interview ten trial users who dropped at activation; report back.",
        due_date=today + timedelta(days=1), created_by=marketer2,
    )  # fmt: skip
    services.meeting_close(meeting=meeting, user=pm, ranking=ranking)
    # Demo only: the meeting was held weeks ago, its investigation is overdue, and its
    # minutes are not mailed again from a seed.
    type(late).objects.filter(pk=late.pk).update(due_date=today - timedelta(days=2))
    CommitteeMeeting.objects.filter(pk=meeting.pk).update(
        started_at=held, closed_at=held + timedelta(hours=1), minutes_sent_at=held
    )
