"""Write use-cases of the committee: meetings and their transitions, the agenda's points,
decisions. Each is atomic and validates before it writes; a refusal is a ValidationError
naming the field, and nothing is written.

Transitions: `planned` → `in_session` (meeting_start; the agenda is built one last time,
then frozen) → `closed` (meeting_close, or meeting_publish_and_close, which publishes the
live ranking and closes the meeting in one transaction). Each is a compare-and-set on the
status, so a double submit or two people at once change it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from config.dispatch import send_after_commit
from roadmap import services as roadmap_services
from roadmap.choices import ItemStatus
from roadmap.models import RoadmapItem
from scoring.committees.agenda import agenda_build
from scoring.committees.models import (
    AgendaKind,
    AgendaPoint,
    CommitteeMeeting,
    Decision,
    DecisionKind,
    DecisionStatus,
    MeetingStatus,
)
from scoring.models import Ranking

MINUTES_TASK = "scoring.committee_minutes_send"
MEETING_FIELDS = ("date", "title")
DECISION_UPDATE_FIELDS = ("rationale", "owner", "team", "due_date", "defer_until", "status")


class MeetingInSession(ValidationError):
    """Another meeting is in session already."""


def _in_session_error(other: CommitteeMeeting | None) -> MeetingInSession:
    name = str(other) if other is not None else _("another meeting")
    message = _("%(meeting)s is in session: close it before starting another.") % {"meeting": name}
    return MeetingInSession({"status": ValidationError(message, code="conflict")})


def _refusal(field: str, message: str, code: str) -> ValidationError:
    """A refusal naming its field, with a code the API reads (closed, conflict, frozen:
    the state forbids it, a 409; forbidden: not an attendee, a 403)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _locked(meeting: CommitteeMeeting) -> CommitteeMeeting:
    return CommitteeMeeting.objects.select_for_update(no_key=True).get(pk=meeting.pk)


def _refuse_closed(meeting: CommitteeMeeting) -> None:
    if meeting.status == MeetingStatus.CLOSED:
        raise _refusal(
            "status", _("This meeting is closed; its record no longer changes."), "closed"
        )


def _require_in_session(meeting: CommitteeMeeting) -> None:
    if meeting.status == MeetingStatus.CLOSED:
        raise _refusal("status", _("This meeting is closed already."), "closed")
    if meeting.status != MeetingStatus.IN_SESSION:
        raise _refusal("status", _("Start the meeting before closing it."), "conflict")


def _last_closed(*, exclude: int | None = None) -> CommitteeMeeting | None:
    closed = CommitteeMeeting.objects.filter(status=MeetingStatus.CLOSED)
    if exclude is not None:
        closed = closed.exclude(pk=exclude)
    return closed.order_by("-closed_at", "-id").first()


# --- Meetings ---------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    title: str,
    date: date,
    attendees: Iterable[User] = (),
    created_by: User | None = None,
) -> CommitteeMeeting:
    """A planned meeting, its agenda built from the data since the last closed meeting."""
    meeting = CommitteeMeeting(title=title, date=date, created_by=created_by)
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(list(attendees))
    agenda_regenerate(meeting=meeting)
    return meeting


@transaction.atomic
def meeting_update(*, meeting: CommitteeMeeting, data: dict[str, Any]) -> CommitteeMeeting:
    """Change the date, title or attendees of a meeting that is not closed."""
    data = dict(data)
    attendees = data.pop("attendees", None)
    unknown = set(data) - set(MEETING_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Not editable.")] for name in sorted(unknown)})
    locked = _locked(meeting)
    _refuse_closed(locked)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    if attendees is not None:
        locked.attendees.set(list(attendees))
    return locked


@transaction.atomic
def meeting_delete(*, meeting: CommitteeMeeting) -> None:
    """Delete a planned meeting (one that started is on record)."""
    locked = _locked(meeting)
    if locked.status != MeetingStatus.PLANNED:
        raise _refusal("status", _("Only a planned meeting can be deleted."), "conflict")
    locked.delete()


@transaction.atomic
def meeting_start(*, meeting: CommitteeMeeting, user: User | None = None) -> CommitteeMeeting:
    """planned → in_session: the agenda is rebuilt one last time, then frozen. Refused
    while another meeting is in session (checked, and a database constraint for the
    race the check cannot see)."""
    locked = _locked(meeting)
    if locked.status != MeetingStatus.PLANNED:
        _refuse_closed(locked)
        raise _refusal("status", _("This meeting is in session already."), "conflict")
    other = CommitteeMeeting.objects.filter(status=MeetingStatus.IN_SESSION).first()
    if other is not None:
        raise _in_session_error(other)
    agenda_regenerate(meeting=locked)
    try:
        with transaction.atomic():
            updated = CommitteeMeeting.objects.filter(
                pk=locked.pk, status=MeetingStatus.PLANNED
            ).update(status=MeetingStatus.IN_SESSION, started_at=timezone.now())
    except IntegrityError:
        raise _in_session_error(None) from None
    if updated != 1:  # pragma: no cover - the row is locked above
        raise ValidationError({"status": [_("The meeting changed meanwhile.")]})
    locked.refresh_from_db()
    return locked


@transaction.atomic
def meeting_close(
    *,
    meeting: CommitteeMeeting,
    user: User | None = None,
    ranking: Ranking | None = None,
) -> CommitteeMeeting:
    """in_session → closed, with the ranking published from it if any; the minutes are
    sent once this commits (email to the attendees, Slack when configured). A meeting
    closed already is refused: the minutes go out once."""
    locked = _locked(meeting)
    _require_in_session(locked)
    now = timezone.now()
    updated = CommitteeMeeting.objects.filter(pk=locked.pk, status=MeetingStatus.IN_SESSION).update(
        status=MeetingStatus.CLOSED,
        closed_at=now,
        ranking=ranking if ranking is not None else locked.ranking,
    )
    if updated != 1:  # pragma: no cover - the row is locked above
        raise ValidationError({"status": [_("The meeting changed meanwhile.")]})
    locked.refresh_from_db()
    send_after_commit(MINUTES_TASK, kwargs={"meeting_id": locked.pk})
    return locked


@transaction.atomic
def meeting_publish_and_close(
    *, meeting: CommitteeMeeting, note: str, user: User | None
) -> CommitteeMeeting:
    """Publish the live ranking from the meeting and close it, in one transaction: a
    refused close publishes nothing."""
    from scoring.services import ranking_publish  # scoring.services imports the app's models

    locked = _locked(meeting)
    _require_in_session(locked)
    ranking = ranking_publish(note=note or str(locked), published_by=user)
    return meeting_close(meeting=locked, user=user, ranking=ranking)


# --- The agenda -------------------------------------------------------------------------


def _point_from_spec(meeting: CommitteeMeeting, position: int, spec: dict[str, Any]) -> AgendaPoint:
    return AgendaPoint(
        meeting=meeting,
        kind=spec["kind"],
        position=position,
        title=str(spec["title"])[:300],
        payload=spec.get("payload", {}),
        link=spec.get("link", "")[:500],
        item_id=spec.get("item"),
        added_by_hand=False,
    )


@transaction.atomic
def agenda_regenerate(*, meeting: CommitteeMeeting) -> int:
    """Rebuild the points built from the data (those added by hand stay, after them) from
    what happened since the last closed meeting. Only while the meeting is planned: an
    agenda in session is frozen. Returns the number of points built."""
    locked = _locked(meeting)
    if locked.status != MeetingStatus.PLANNED:
        raise _refusal("status", _("The agenda is frozen once the meeting has started."), "frozen")
    previous = _last_closed(exclude=locked.pk)
    since = previous.closed_at if previous is not None else None
    specs = agenda_build(since=since, today=timezone.localdate(), exclude_meeting=locked.pk)
    AgendaPoint.objects.filter(meeting=locked, added_by_hand=False).delete()
    AgendaPoint.objects.bulk_create(
        [_point_from_spec(locked, n, spec) for n, spec in enumerate(specs, start=1)]
    )
    # Points added by hand keep their order, after the built ones.
    by_hand = list(AgendaPoint.objects.filter(meeting=locked, added_by_hand=True))
    for n, point in enumerate(by_hand, start=len(specs) + 1):
        point.position = n
    AgendaPoint.objects.bulk_update(by_hand, ["position"])
    CommitteeMeeting.objects.filter(pk=locked.pk).update(
        agenda_built_at=timezone.now(), agenda_since=since
    )
    return len(specs)


def _refuse_agenda_edit(meeting: CommitteeMeeting, user: User | None) -> None:
    _refuse_closed(meeting)
    if user is not None and not (
        meeting.created_by_id == user.pk or meeting.attendees.filter(pk=user.pk).exists()
    ):
        raise _refusal("meeting", _("Only the meeting's attendees change its agenda."), "forbidden")


@transaction.atomic
def agenda_point_add(
    *,
    meeting: CommitteeMeeting,
    title: str,
    link: str = "",
    item: RoadmapItem | None = None,
    user: User | None = None,
) -> AgendaPoint:
    """A point added by hand, last on the agenda."""
    locked = _locked(meeting)
    _refuse_agenda_edit(locked, user)
    last = AgendaPoint.objects.filter(meeting=locked).aggregate(n=Max("position"))["n"] or 0
    point = AgendaPoint(
        meeting=locked,
        kind=AgendaKind.CUSTOM,
        position=last + 1,
        title=title,
        link=link,
        item=item,
        added_by_hand=True,
        added_by=user,
    )
    point.full_clean()
    point.save()
    return point


@transaction.atomic
def agenda_point_remove(*, point: AgendaPoint, user: User | None = None) -> None:
    locked = _locked(point.meeting)
    _refuse_agenda_edit(locked, user)
    point.delete()


@transaction.atomic
def agenda_points_reorder(
    *, meeting: CommitteeMeeting, point_ids: Sequence[int], user: User | None = None
) -> list[AgendaPoint]:
    """Put the meeting's points in the order of `point_ids`, which must name each of them
    once."""
    locked = _locked(meeting)
    _refuse_agenda_edit(locked, user)
    points = {p.pk: p for p in AgendaPoint.objects.filter(meeting=locked)}
    if len(set(point_ids)) != len(point_ids) or set(point_ids) != set(points):
        raise _refusal("points", _("Name each point of this meeting's agenda once."), "invalid")
    ordered = [points[pk] for pk in point_ids]
    for n, point in enumerate(ordered, start=1):
        point.position = n
    AgendaPoint.objects.bulk_update(ordered, ["position"])
    return ordered


# --- Decisions --------------------------------------------------------------------------


def decision_history_reason(decision: Decision) -> str:
    """The line a decision writes in its item's history (at most 100 characters)."""
    text = _("Committee %(date)s: %(kind)s") % {
        "date": f"{decision.meeting.date:%Y-%m-%d}",
        "kind": decision.get_kind_display(),
    }
    if decision.kind == DecisionKind.DEFER and decision.defer_until:
        text += " " + _("until %(date)s") % {"date": f"{decision.defer_until:%Y-%m-%d}"}
    if decision.rationale:
        text += f" — {decision.rationale}"
    return text[:100]


def _validate_decision(decision: Decision, *, today: date) -> None:
    errors: dict[str, list[str]] = {}
    if decision.due_date is not None and decision.due_date < today:
        errors["due_date"] = [_("The due date is in the past.")]
    if decision.kind == DecisionKind.DEFER:
        if decision.defer_until is None:
            errors["defer_until"] = [_("A deferral needs the date it is deferred until.")]
        elif decision.defer_until <= today:
            errors["defer_until"] = [_("Defer until a date in the future.")]
    elif decision.defer_until is not None:
        errors["defer_until"] = [_("Only a deferral has a date to defer until.")]
    if decision.item_status and decision.kind != DecisionKind.COMMIT:
        errors["item_status"] = [_("Only a commit changes the item's status.")]
    if decision.item_status and decision.item_id is None:
        errors["item_status"] = [_("Name the item whose status the commit sets.")]
    if decision.item_status == ItemStatus.ARCHIVED:
        errors["item_status"] = [_("A commit does not archive an item; reject it instead.")]
    if decision.owner_id is None:
        errors["owner"] = [_("Every decision has an owner.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def decision_record(
    *,
    meeting: CommitteeMeeting,
    kind: str,
    rationale: str,
    owner: User | None,
    team: str,
    due_date: date | None = None,
    defer_until: date | None = None,
    item: RoadmapItem | None = None,
    point: AgendaPoint | None = None,
    item_status: str = "",
    created_by: User | None = None,
) -> Decision:
    """Record a decision of a meeting in session. On an item: refused if the item is
    archived; the item's history gets a row saying it; a `commit` with `item_status`
    sets the item's status (roadmap's service, this transaction)."""
    locked = _locked(meeting)
    if locked.status != MeetingStatus.IN_SESSION:
        raise _refusal(
            "meeting", _("Decisions are recorded while the meeting is in session."), "conflict"
        )
    if point is not None and point.meeting_id != locked.pk:
        raise ValidationError({"point": [_("This point is on another meeting's agenda.")]})
    if item is None and point is not None and point.item_id is not None:
        item = point.item
    if item is not None:
        item = RoadmapItem.objects.select_for_update(no_key=True).get(pk=item.pk)
        if item.status == ItemStatus.ARCHIVED:
            raise _refusal(
                "item", _("This item is archived: no decision is taken on it."), "archived"
            )
    decision = Decision(
        meeting=locked,
        point=point,
        item=item,
        kind=kind,
        rationale=rationale,
        owner=owner,
        team=team,
        due_date=due_date,
        defer_until=defer_until,
        item_status=item_status or "",
        created_by=created_by,
    )
    _validate_decision(decision, today=timezone.localdate())
    decision.full_clean()
    decision.save()
    if item is not None:
        reason = decision_history_reason(decision)
        changed = 0
        if decision.item_status:
            changed = roadmap_services.items_set_status(
                item_ids=[item.pk], status=decision.item_status, user=created_by,
                change_reason=reason,
            )  # fmt: skip
        if not changed:
            roadmap_services.item_history_note(
                item_ids=[item.pk], user=created_by, change_reason=reason
            )
    return decision


@transaction.atomic
def decision_update(
    *, decision: Decision, data: dict[str, Any], user: User | None = None
) -> Decision:
    """Change a decision's follow-up (owner, team, due date, status; the rationale while
    its meeting is in session). Marking it done stamps `done_at`."""
    unknown = set(data) - set(DECISION_UPDATE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Not editable.")] for name in sorted(unknown)})
    locked = (
        Decision.objects.select_for_update(no_key=True)
        .select_related("meeting")
        .get(pk=decision.pk)
    )
    if "rationale" in data and locked.meeting.status != MeetingStatus.IN_SESSION:
        raise ValidationError(
            {"rationale": [_("The rationale is on record once the meeting is closed.")]}
        )
    previous_due = locked.due_date
    for name, value in data.items():
        setattr(locked, name, value)
    if "status" in data:
        locked.done_at = timezone.now() if locked.status == DecisionStatus.DONE else None
    locked.full_clean()
    if "due_date" in data and locked.due_date != previous_due:
        _validate_decision(locked, today=timezone.localdate())
    elif locked.kind == DecisionKind.DEFER and locked.defer_until is None:
        raise ValidationError(
            {"defer_until": [_("A deferral needs the date it is deferred until.")]}
        )
    locked.save()
    return locked
