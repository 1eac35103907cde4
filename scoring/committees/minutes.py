"""The minutes of a closed meeting: one set of data (`minutes_data`), shown as a page, a
PDF (WeasyPrint, Debian's DejaVu fonts) and an email to the attendees with the PDF
attached; Slack gets a short message when configured.

The PDF holds the whole published ranking: a meeting over MINUTES_PDF_MAX_ENTRIES
ranked items lists the first MINUTES_PDF_MAX_ENTRIES and says how many more there are,
so its size and rendering time stay bounded (measured in tests/scoring/committees).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from config.formatting import format_number
from scoring import selectors
from scoring.board.presenters.outcomes import kpi_charts
from scoring.board.presenters.publish import moved_rows
from scoring.committees.models import CommitteeMeeting
from scoring.committees.selectors import meeting_detail

# The ranking rows a PDF lists at most (the rest is counted).
MINUTES_PDF_MAX_ENTRIES = 1000
MOVES_SHOWN = 20


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.get_username()) if user is not None else "—"


def minutes_data(*, meeting_id: int, max_entries: int = MINUTES_PDF_MAX_ENTRIES) -> dict[str, Any]:
    """What the minutes hold: the meeting and its attendees, the agenda, the decisions,
    the ranking published from it (its entries, its moves and their causes), the shared
    KPIs. A fixed number of queries."""
    meeting = meeting_detail(meeting_id=meeting_id)
    ranking = meeting.ranking
    entries: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    total = 0
    if ranking is not None:
        total = ranking.item_count
        entries = [
            {**row, "score": format_number(row["score"])}
            for row in selectors.ranking_entries(ranking=ranking).values(
                "position", "item_id", "title", "score"
            )[:max_entries]
        ]
        diff = selectors.ranking_diff(ranking=ranking)
        moved = sorted(
            [*diff["moved_up"], *diff["moved_down"]], key=lambda m: (-m["places"], m["to_position"])
        )[:MOVES_SHOWN]
        moves = moved_rows(moved)
    attendees = sorted(meeting.attendees.all(), key=lambda u: _person(u).lower())
    charts = kpi_charts()
    return {
        "meeting": meeting,
        "attendees": [{"name": _person(u), "email": u.email} for u in attendees],
        "points": list(meeting.agenda_points.all()),
        "decisions": list(meeting.decisions.all()),
        "ranking": ranking,
        "entries": entries,
        "entries_more": max(0, total - len(entries)),
        "moves": moves,
        "kpi_sections": [section for section in charts["sections"] if section["rows"]],
        "nps_chart": charts["nps_chart"],
    }


def minutes_html(*, meeting_id: int) -> str:
    """The minutes as one self-contained HTML document (what the PDF is made of)."""
    return render_to_string(
        "board/committees/minutes_pdf.html", minutes_data(meeting_id=meeting_id)
    )


def minutes_pdf(*, meeting_id: int) -> bytes:
    """The minutes as PDF bytes (WeasyPrint; fonts from the system: DejaVu on Debian)."""
    from weasyprint import HTML  # heavy import, only where a PDF is made

    html = minutes_html(meeting_id=meeting_id)
    result: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return result


def minutes_filename(meeting: CommitteeMeeting) -> str:
    return f"committee-{meeting.date:%Y-%m-%d}-{meeting.pk}.pdf"


def minutes_email(*, meeting_id: int) -> int:
    """Email the minutes (text, PDF attached) to the meeting's attendees with an address.
    Returns the number of messages sent (0 or 1: one message, every attendee in To)."""
    meeting = meeting_detail(meeting_id=meeting_id)
    recipients = sorted({u.email for u in meeting.attendees.all() if u.email})
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        data = minutes_data(meeting_id=meeting_id)
        subject = _("Minutes: %(meeting)s") % {"meeting": str(meeting)}
        body = render_to_string("board/committees/minutes_email.txt", data)
        pdf = minutes_pdf(meeting_id=meeting_id)
    message = EmailMessage(subject=subject, body=body, to=recipients)
    message.attach(minutes_filename(meeting), pdf, "application/pdf")
    return message.send()


def minutes_slack_message(*, meeting_id: int, board_url: str) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, Block Kit blocks) of the minutes for Slack: the decisions."""
    meeting = meeting_detail(meeting_id=meeting_id)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Committee minutes: %(meeting)s") % {"meeting": str(meeting)}
        lines = []
        for d in meeting.decisions.all():
            subject = d.item.title if d.item is not None else d.rationale[:80]
            lines.append(
                f"• *{d.get_kind_display()}* {subject} — {_person(d.owner)}"
                + (f", {d.due_date:%Y-%m-%d}" if d.due_date else "")
            )
        ranking = (
            _("Ranking %(number)s published.") % {"number": meeting.ranking.number}
            if meeting.ranking is not None
            else ""
        )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": ("\n".join(lines) or "—")[:2900]},
        },
    ]
    if ranking:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": ranking}})
    if board_url:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"<{board_url}|{_('Minutes')}>"}}
        )
    return title, blocks
