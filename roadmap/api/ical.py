"""The launch calendar as an iCalendar feed (RFC 5545), for calendar apps to subscribe to.

One all-day VEVENT per dated launch plan. Its UID is derived from the plan's id alone, so
a calendar app recognises the same launch across refreshes and moves it when its date
changes; DTSTAMP is the plan's last change, so an unchanged plan gives the same bytes
(and the feed the same ETag).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from icalendar import Calendar, Event
from rest_framework import renderers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from roadmap.choices import LAUNCH_CHECKLIST, Channel, LaunchStatus
from roadmap.models import LaunchPlan

PRODID = "-//Roadmap prioritization//Launch calendar//EN"
# Other events of the calendar, from a higher app by name (config.dispatch providers): the
# committee's meetings (scoring.committees). Each is a mapping: uid, dtstamp, dtstart (a
# date), summary, description, status.
EXTRA_EVENTS_PROVIDER = "roadmap.launch_calendar_extra_events"
UID_DOMAIN = "roadmap-prioritization"
_EVENT_STATUS = {
    LaunchStatus.PLANNED: "TENTATIVE",
    LaunchStatus.READY: "CONFIRMED",
    LaunchStatus.LAUNCHED: "CONFIRMED",
    LaunchStatus.CANCELLED: "CANCELLED",
}


def launch_plan_uid(plan: LaunchPlan) -> str:
    """The event's UID: stable for the plan's whole life."""
    return f"launch-plan-{plan.pk}@{UID_DOMAIN}"


def _person(user: Any) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def _description(plan: LaunchPlan) -> str:
    total = len(LAUNCH_CHECKLIST)
    missing = plan.readiness_missing
    readiness = f"Readiness: {plan.readiness}/{total}"
    if missing:
        readiness += f" (missing: {', '.join(missing).lower()})"
    lines = [
        plan.value_proposition or "No value proposition yet.",
        "",
        readiness,
        f"Status: {plan.get_status_display()}",
        f"Product owner: {_person(plan.product_owner)}",
        f"Marketing owner: {_person(plan.marketing_owner)}",
    ]
    if plan.key_messages:
        lines += ["", "Key messages:", *(f"- {message}" for message in plan.key_messages)]
    return "\n".join(lines)


def _categories(plan: LaunchPlan) -> list[str]:
    labels = dict(Channel.choices)
    return [
        *(str(labels.get(code, code)) for code in plan.channels),
        *(segment.name for segment in plan.target_segments.all()),
    ]


def launch_plans_ical(
    plans: Iterable[LaunchPlan],
    *,
    name: str = "Launches",
    extra_events: Iterable[Mapping[str, Any]] = (),
) -> bytes:
    """The plans with a target date as an iCalendar document (plans without one are
    skipped: an event needs a day). Reads each plan's item, owners and segments, so pass
    them selected and prefetched."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for plan in plans:
        if plan.target_launch_date is None:
            continue
        event = Event()
        event.add("uid", launch_plan_uid(plan))
        event.add("dtstamp", plan.updated_at)
        event.add("last-modified", plan.updated_at)
        event.add("dtstart", plan.target_launch_date)
        event.add("dtend", plan.target_launch_date + timedelta(days=1))
        event.add("summary", f"Launch: {plan.item.title}")
        event.add("description", _description(plan))
        categories = _categories(plan)
        if categories:
            event.add("categories", categories)
        event.add("status", _EVENT_STATUS[LaunchStatus(plan.status)])
        event.add("transp", "TRANSPARENT")  # a launch day does not make anyone busy
        calendar.add_component(event)
    for extra in extra_events:
        event = Event()
        event.add("uid", extra["uid"])
        event.add("dtstamp", extra["dtstamp"])
        event.add("dtstart", extra["dtstart"])
        event.add("dtend", extra["dtstart"] + timedelta(days=1))
        event.add("summary", extra["summary"])
        event.add("description", extra["description"])
        event.add("status", extra["status"])
        calendar.add_component(event)
    result: bytes = calendar.to_ical()
    return result


class ICalendarRenderer(renderers.BaseRenderer):
    """Passes through the bytes of launch_plans_ical."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Any = None,
    ) -> bytes:
        return data if isinstance(data, bytes) else b""


class FirstRendererNegotiation(BaseContentNegotiation):
    """A feed is a feed, whatever `Accept` says (calendar apps send all sorts): always
    the view's first renderer, never 406."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> Any:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, available: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        renderer = next(iter(available))
        return renderer, renderer.media_type
