"""Shared helpers of the committee tests: a meeting in each state, a decision."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from scoring.committees import services
from scoring.committees.models import CommitteeMeeting, Decision


def meeting_planned(
    *, attendees: list[Any] = (), title: str = "March committee", **kw: Any
) -> CommitteeMeeting:  # type: ignore[assignment]
    return services.meeting_create(
        title=title,
        date=kw.pop("date", timezone.localdate()),
        attendees=list(attendees),
        created_by=kw.pop("created_by", attendees[0] if attendees else None),
    )


def meeting_in_session(**kw: Any) -> CommitteeMeeting:
    meeting = meeting_planned(**kw)
    return services.meeting_start(meeting=meeting)


def decision(meeting: CommitteeMeeting, *, owner: Any, **kw: Any) -> Decision:
    values: dict[str, Any] = {
        "kind": "investigate",
        "rationale": "Find out why trials stall at the invite step.",
        "team": "marketing",
        "due_date": timezone.localdate() + timedelta(days=14),
        **kw,
    }
    return services.decision_record(meeting=meeting, owner=owner, created_by=owner, **values)
