"""The committee's data shaped for its pages, in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from config.formatting import format_number
from roadmap.choices import LAUNCH_CHECKLIST
from scoring.board.presenters.common import channel_label
from scoring.committees.models import AgendaKind, AgendaPoint, CommitteeMeeting, MeetingStatus
from signals.choices import FunnelStage

KPI_LABELS = {
    "activation_rate": gettext_lazy("Activation rate"),
    "conversion_rate": gettext_lazy("Conversion rate"),
    "ltv": gettext_lazy("LTV"),
    "nps": gettext_lazy("NPS"),
}


def _day(value: Any) -> str:
    """A date stored in the frozen agenda as ISO text, in the reader's format."""
    day = parse_date(str(value)) if value else None
    return date_format(day) if day else str(value or "—")


def _in_language(texts: Any) -> str:
    if isinstance(texts, dict):
        language = (get_language() or "en").split("-")[0]
        return str(texts.get(language) or texts.get("en") or next(iter(texts.values()), ""))
    return str(texts or "")


def _kpi_value(kpi: str, value: float | None) -> str:
    if value is None:
        return "—"
    if kpi in ("activation_rate", "conversion_rate"):
        return f"{format_number(value * 100)} %"
    return format_number(value)


def _stage_label(code: str) -> str:
    try:
        return str(FunnelStage(code).label).lower()
    except ValueError:
        return code


def _checklist_label(entry: str) -> str:
    """A launch checklist entry in the reader's language: `entry` is its code (what the
    agenda stores) or, on agendas frozen before codes, its English label."""
    labels = dict(LAUNCH_CHECKLIST)
    if entry in labels:
        return str(labels[entry])
    with translation.override("en"):
        codes = {str(label): code for code, label in LAUNCH_CHECKLIST}
    code = codes.get(entry)
    return str(labels[code]) if code is not None else entry


def point_detail(point: AgendaPoint) -> str:
    """One line saying what the point is about, from its payload."""
    p = point.payload or {}
    kind = point.kind
    if kind == AgendaKind.MOVE:
        return _in_language(p.get("summary"))
    if kind == AgendaKind.FRICTION:
        return _(
            "%(people)s people affected at the %(stage)s stage (%(campaign)s, %(channel)s)"
        ) % {
            "people": format_number(p.get("affected_people", 0)),
            "stage": _stage_label(p.get("funnel_stage", "")),
            "campaign": p.get("campaign", ""),
            "channel": channel_label(p.get("channel") or None),
        }
    if kind == AgendaKind.TOPIC:
        return _("%(count)s signals; terms: %(terms)s") % {
            "count": p.get("count", 0),
            "terms": ", ".join(p.get("terms", [])),
        }
    if kind == AgendaKind.LAUNCH:
        return _("Launch on %(date)s, readiness %(done)s/5; missing: %(missing)s") % {
            "date": _day(p.get("date")),
            "done": p.get("readiness", 0),
            "missing": ", ".join(_checklist_label(e) for e in p.get("missing", [])).lower(),
        }
    if kind == AgendaKind.KPI:
        kpi = p.get("kpi", "")
        return _("%(kpi)s: %(before)s → %(after)s") % {
            "kpi": str(KPI_LABELS.get(kpi, kpi)),
            "before": _kpi_value(kpi, p.get("baseline")),
            "after": _kpi_value(kpi, p.get("measured")),
        }
    if kind in (AgendaKind.ESTIMATES, AgendaKind.OWNER):
        names = ", ".join(i["title"] for i in p.get("items", []))
        return names + (" …" if p.get("more") else "")
    if kind == AgendaKind.CALIBRATION:
        return _("Suggested confidence multiplier %(m)s on %(n)s open items") % {
            "m": format_number(p.get("multiplier", 1)),
            "n": p.get("open_items", 0),
        }
    if kind == AgendaKind.OVERDUE:
        return _("Decided on %(meeting)s, due %(due)s, owner %(owner)s: %(rationale)s") % {
            "meeting": _day(p.get("meeting_date")),
            "due": _day(p.get("due_date")),
            "owner": p.get("owner") or "—",
            "rationale": p.get("rationale", ""),
        }
    return ""


def point_title(point: AgendaPoint) -> str:
    if point.title:
        return point.title
    if point.kind == AgendaKind.ESTIMATES:
        return _("Items that need estimates")
    if point.kind == AgendaKind.OWNER:
        return _("Items without an owner")
    return str(point.get_kind_display())


def points_rows(points: Iterable[AgendaPoint]) -> list[dict[str, Any]]:
    return [
        {
            "id": point.pk,
            "position": point.position,
            "kind": point.kind,
            "kind_label": point.get_kind_display(),
            "title": point_title(point),
            "detail": point_detail(point),
            "link": point.link,
            "added_by_hand": point.added_by_hand,
        }
        for point in points
    ]


def meeting_page(*, meeting: CommitteeMeeting) -> dict[str, Any]:
    """A meeting as its page shows it (meeting loaded by selectors.meeting_detail)."""
    points = list(meeting.agenda_points.all())
    return {
        "meeting": meeting,
        "attendees": sorted(
            (str(u.get_full_name() or u.get_username()) for u in meeting.attendees.all()),
            key=str.lower,
        ),
        "points": points_rows(points),
        "decisions": list(meeting.decisions.all()),
        "is_planned": meeting.status == MeetingStatus.PLANNED,
        "in_session": meeting.status == MeetingStatus.IN_SESSION,
        "is_closed": meeting.status == MeetingStatus.CLOSED,
    }
