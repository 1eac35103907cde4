"""Read use-cases of the committee: meetings, their agenda and decisions, the follow-up
of decisions (open, due soon, overdue, by owner and team)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from scoring.committees.models import (
    AgendaPoint,
    CommitteeMeeting,
    Decision,
    DecisionStatus,
    MeetingStatus,
)

DUE_SOON_DAYS = 14


def meeting_list() -> QuerySet[CommitteeMeeting]:
    """Meetings, newest first, with their attendees, ranking and counts."""
    return (
        CommitteeMeeting.objects.select_related("ranking", "created_by")
        .prefetch_related("attendees")
        .annotate(
            point_count=Count("agenda_points", distinct=True),
            decision_count=Count("decisions", distinct=True),
        )
        .order_by("-date", "-id")
    )


def meeting_in_session() -> CommitteeMeeting | None:
    return CommitteeMeeting.objects.filter(status=MeetingStatus.IN_SESSION).first()


def meeting_detail(*, meeting_id: int) -> CommitteeMeeting:
    """A meeting with its agenda, its decisions and who is who; DoesNotExist if none."""
    return (
        CommitteeMeeting.objects.select_related("ranking", "created_by")
        .prefetch_related(
            "attendees",
            Prefetch(
                "agenda_points",
                queryset=AgendaPoint.objects.select_related("added_by").order_by("position", "id"),
            ),
            Prefetch("decisions", queryset=decision_list().order_by("id")),
        )
        .get(pk=meeting_id)
    )


def decision_list() -> QuerySet[Decision]:
    return Decision.objects.select_related("meeting", "owner", "item", "point", "created_by")


def decisions_of_item(*, item_id: int) -> QuerySet[Decision]:
    """The committee's decisions about an item, newest first (its score page)."""
    return decision_list().filter(item_id=item_id).order_by("-created_at", "-id")


def overdue_q(today: date) -> Q:
    return Q(status=DecisionStatus.OPEN, due_date__lt=today)


def decisions_follow_up(*, today: date) -> dict[str, Any]:
    """The decisions view: open decisions split into overdue, due soon (within
    DUE_SOON_DAYS) and later, and the open ones counted by owner and by team. Three
    queries."""
    open_decisions = list(
        decision_list().filter(status=DecisionStatus.OPEN).order_by("due_date", "id")
    )
    soon = today + timedelta(days=DUE_SOON_DAYS)
    overdue = [d for d in open_decisions if d.due_date is not None and d.due_date < today]
    due_soon = [d for d in open_decisions if d.due_date is not None and today <= d.due_date <= soon]
    later = [d for d in open_decisions if d not in overdue and d not in due_soon]
    by_owner: dict[str, dict[str, Any]] = {}
    by_team: dict[str, dict[str, int]] = {}
    for d in open_decisions:
        name = (d.owner.get_full_name() or d.owner.get_username()) if d.owner else "—"
        row = by_owner.setdefault(name, {"owner": name, "open": 0, "overdue": 0})
        row["open"] += 1
        team = by_team.setdefault(d.team, {"open": 0, "overdue": 0})
        team["open"] += 1
        if d in overdue:
            row["overdue"] += 1
            team["overdue"] += 1
    done = list(decision_list().filter(status=DecisionStatus.DONE).order_by("-done_at", "-id")[:20])
    return {
        "overdue": overdue,
        "due_soon": due_soon,
        "later": later,
        "done": done,
        "by_owner": sorted(
            by_owner.values(), key=lambda r: (-r["overdue"], -r["open"], r["owner"])
        ),
        "by_team": [{"team": k, **v} for k, v in sorted(by_team.items())],
        "due_soon_days": DUE_SOON_DAYS,
    }


def meetings_calendar_events() -> list[dict[str, Any]]:
    """The meetings as events of the launch calendar's iCalendar feed (roadmap asks for
    them by name, config.dispatch): one all-day event per meeting, its UID stable for the
    meeting's life. One query."""
    status = {
        MeetingStatus.PLANNED: "TENTATIVE",
        MeetingStatus.IN_SESSION: "CONFIRMED",
        MeetingStatus.CLOSED: "CONFIRMED",
    }
    events = []
    for meeting in CommitteeMeeting.objects.order_by("date", "id"):
        events.append(
            {
                "uid": f"committee-meeting-{meeting.pk}@roadmap-prioritization",
                "dtstamp": meeting.closed_at or meeting.started_at or meeting.created_at,
                "dtstart": meeting.date,
                "summary": f"Committee: {meeting.title}",
                "description": f"Monthly product–marketing committee ({meeting.status}).",
                "status": status[MeetingStatus(meeting.status)],
            }
        )
    return events
