"""The agenda built from the data since the last meeting (a selector: it reads, the
service `agenda_regenerate` writes what it returns).

Each point is a plain mapping: `kind` (models.AgendaKind), `title` (the name of what it
is about: an item, a report, a topic), `payload` (plain JSON the pages render in the
reader's language), `link` (the page it is about) and `item` (an item id, or None).
Sentences that need the data's own wording (a move's causes) are stored in both
languages of the site. A fixed number of queries, whatever the size of the data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from roadmap.choices import RANKABLE_STATUSES, LaunchStatus
from roadmap.models import LaunchPlan, RoadmapItem
from scoring import why
from scoring.committees.models import AgendaKind, Decision, DecisionStatus, MeetingStatus
from scoring.selectors.calibration import calibration_report
from scoring.selectors.diffs import RankingMove, ranking_diff_live
from scoring.selectors.rankings import ranking_latest
from scoring.selectors.scores import items_needing_estimates
from signals import radar_hooks
from signals.kpis.selectors import kpis_shared
from signals.models import FrictionReport, ReportLink

MOVES = 5
FRICTION_REPORTS = 10
TOPICS = 5
LAUNCHES = 20
KPI_CHANGES = 10
LISTED_ITEMS = 10
OVERDUE = 20

Point = dict[str, Any]


def _item_link(item_id: int) -> str:
    return reverse("board:item", kwargs={"item_id": item_id})


def _in_languages(render: Callable[[], str]) -> dict[str, str]:
    """`render()` in each language of the site."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = render()
    return texts


def _move_summary(move: RankingMove) -> dict[str, str]:
    down = move["to_position"] > move["from_position"]
    others = move["passed_by"] if down else move["passed"]
    count = move["passed_by_count"] if down else move["passed_count"]
    return _in_languages(
        lambda: why.move_summary(
            from_position=move["from_position"],
            to_position=move["to_position"],
            score_before=move["score_before"],
            score_after=move["score_after"],
            causes=move["causes"],
            others=others,
            others_count=count,
        )
    )


def _moves() -> list[Point]:
    diff = ranking_diff_live(against=ranking_latest())
    moves = sorted(
        [*diff["moved_up"], *diff["moved_down"]],
        key=lambda m: (-m["places"], m["to_position"], m["item"]),
    )[:MOVES]
    return [
        {
            "kind": AgendaKind.MOVE,
            "title": move["title"],
            "item": move["item"],
            "link": _item_link(move["item"]),
            "payload": {
                "from_position": move["from_position"],
                "to_position": move["to_position"],
                "places": move["places"],
                "main_driver": move["main_driver"],
                "summary": _move_summary(move),
            },
        }
        for move in moves
    ]


def _friction(since: datetime | None) -> list[Point]:
    reports = FrictionReport.objects.filter(
        affected_people__gte=settings.COMMITTEE_FRICTION_MIN_AFFECTED
    )
    if since is not None:
        reports = reports.filter(created_at__gte=since)
    rows = list(
        reports.order_by("-affected_people", "-id").values(
            "id", "title", "campaign", "channel", "funnel_stage", "affected_people", "severity"
        )[:FRICTION_REPORTS]
    )
    first_items = dict(
        ReportLink.objects.filter(report_id__in=[r["id"] for r in rows])
        .order_by("report_id", "-item_id")
        .values_list("report_id", "item_id")
    )
    points = []
    for row in rows:
        item_id = first_items.get(row["id"])
        link = (
            _item_link(item_id)
            if item_id is not None
            else reverse("admin:signals_frictionreport_change", args=[row["id"]])
        )
        points.append(
            {
                "kind": AgendaKind.FRICTION,
                "title": row["title"] or row["campaign"],
                "item": item_id,
                "link": link,
                "payload": {
                    "report": row["id"],
                    "campaign": row["campaign"],
                    "channel": row["channel"],
                    "funnel_stage": row["funnel_stage"],
                    "affected_people": row["affected_people"],
                    "severity": row["severity"],
                },
            }
        )
    return points


def _topics(since: datetime | None) -> list[Point]:
    topics = radar_hooks.emerging_topics(since=since, limit=TOPICS) or []
    return [
        {
            "kind": AgendaKind.TOPIC,
            "title": str(topic["label"]),
            "item": None,
            "link": reverse("admin:signals_radartopic_change", args=[topic["id"]]),
            "payload": {
                "topic": topic["id"],
                "count": topic["count"],
                "terms": [str(t) for t in topic["terms"]][:8],
                "growth": topic["growth"],
            },
        }
        for topic in topics
    ]


def _launches(today: date) -> list[Point]:
    horizon = today + timedelta(days=settings.COMMITTEE_LAUNCH_HORIZON_DAYS)
    plans = (
        LaunchPlan.objects.select_related("item")
        .filter(target_launch_date__gte=today, target_launch_date__lte=horizon)
        .exclude(status__in=[LaunchStatus.CANCELLED, LaunchStatus.LAUNCHED])
        .order_by("target_launch_date", "id")
    )
    points = []
    for plan in plans:
        # Codes, not labels: the agenda is frozen, and read later in any language.
        missing = plan.readiness_missing_codes
        if not missing:
            continue
        points.append(
            {
                "kind": AgendaKind.LAUNCH,
                "title": plan.item.title,
                "item": plan.item_id,
                "link": _item_link(plan.item_id),
                "payload": {
                    "plan": plan.pk,
                    "date": plan.target_launch_date.isoformat()
                    if plan.target_launch_date
                    else None,
                    "readiness": plan.readiness,
                    "missing": missing,
                },
            }
        )
        if len(points) == LAUNCHES:
            break
    return points


def _kpis(since: datetime | None) -> list[Point]:
    kpis = kpis_shared()
    cutoff = since.date() if since is not None else None
    groups: list[tuple[str, str, Mapping[str, Any]]] = [
        *(("activation_rate", g["channel"] or "", g) for g in kpis["activation_rate_by_channel"]),
        *(("conversion_rate", g["channel"] or "", g) for g in kpis["conversion_rate_by_channel"]),
        *(("ltv", g["segment_name"] or "", g) for g in kpis["ltv_by_segment"]),
    ]
    points: list[Point] = []
    link = reverse("board:outcomes")
    for kpi, group_name, group in groups:
        movers = [m for m in group["moved_by"] if cutoff is None or m["period_end"] >= cutoff]
        if not movers:
            continue
        points.append(
            {
                "kind": AgendaKind.KPI,
                "title": group_name,
                "item": None,
                "link": link,
                "payload": {
                    "kpi": kpi,
                    "group": group_name,
                    "baseline": group["baseline"],
                    "measured": group["measured"],
                    "change": group["change"],
                    "items": [{"item": m["item"], "title": m["title"]} for m in movers[:5]],
                },
            }
        )
    for release in kpis["nps_by_release"]:
        if cutoff is not None and release["period_end"] < cutoff:
            continue
        points.append(
            {
                "kind": AgendaKind.KPI,
                "title": release["title"],
                "item": release["item"],
                "link": _item_link(release["item"]),
                "payload": {
                    "kpi": "nps",
                    "group": release["title"],
                    "baseline": release["baseline"],
                    "measured": release["measured"],
                    "change": release["change"],
                    "items": [],
                },
            }
        )
    return points[:KPI_CHANGES]


def _items_needing_work() -> list[Point]:
    points: list[Point] = []
    board = reverse("board:index")
    unscored = list(items_needing_estimates()[: LISTED_ITEMS + 1])
    if unscored:
        points.append(
            {
                "kind": AgendaKind.ESTIMATES,
                "title": "",
                "item": None,
                "link": f"{board}#needs-estimates",
                "payload": {
                    "items": [
                        {"item": s.item_id, "title": s.item.title} for s in unscored[:LISTED_ITEMS]
                    ],
                    "more": len(unscored) > LISTED_ITEMS,
                },
            }
        )
    ownerless = list(
        RoadmapItem.objects.filter(status__in=RANKABLE_STATUSES, owner__isnull=True)
        .order_by("id")
        .values("id", "title")[: LISTED_ITEMS + 1]
    )
    if ownerless:
        points.append(
            {
                "kind": AgendaKind.OWNER,
                "title": "",
                "item": None,
                "link": board,
                "payload": {
                    "items": [
                        {"item": r["id"], "title": r["title"]} for r in ownerless[:LISTED_ITEMS]
                    ],
                    "more": len(ownerless) > LISTED_ITEMS,
                },
            }
        )
    return points


def _calibration() -> list[Point]:
    link = reverse("board:outcomes")
    return [
        {
            "kind": AgendaKind.CALIBRATION,
            "title": row["owner_name"] or "",
            "item": None,
            "link": link,
            "payload": {
                "owner": row["owner"],
                "multiplier": row["suggestion"]["multiplier"],
                "based_on": len(row["suggestion"]["based_on"]),
                "open_items": row["suggestion"]["open_items"],
            },
        }
        for row in calibration_report()["by_owner"]
        if row["suggestion"] is not None
    ]


def _overdue(today: date, exclude_meeting: int | None) -> list[Point]:
    decisions = (
        Decision.objects.select_related("meeting", "owner", "item")
        .filter(status=DecisionStatus.OPEN, due_date__lt=today)
        .filter(~Q(meeting__status=MeetingStatus.PLANNED))
        .order_by("due_date", "id")
    )
    if exclude_meeting is not None:
        decisions = decisions.exclude(meeting_id=exclude_meeting)
    return [
        {
            "kind": AgendaKind.OVERDUE,
            "title": d.item.title if d.item is not None else d.rationale[:120],
            "item": d.item_id,
            "link": reverse("board:committee", kwargs={"meeting_id": d.meeting_id})
            + f"#decision-{d.pk}",
            "payload": {
                "decision": d.pk,
                "decision_kind": d.kind,
                "meeting": d.meeting_id,
                "meeting_date": d.meeting.date.isoformat(),
                "due_date": d.due_date.isoformat() if d.due_date else None,
                "owner": (d.owner.get_full_name() or d.owner.get_username()) if d.owner else None,
                "team": d.team,
                "rationale": d.rationale[:300],
            },
        }
        for d in decisions[:OVERDUE]
    ]


def agenda_build(
    *, since: datetime | None, today: date, exclude_meeting: int | None = None
) -> list[Point]:
    """The points of an agenda covering the data since `since` (the last closed meeting;
    None: all of it), in the order a committee takes them: the ranking's moves, the
    market (friction, topics), launches, KPIs, items needing work, calibration, and the
    overdue decisions of earlier meetings."""
    return [
        *_moves(),
        *_friction(since),
        *_topics(since),
        *_launches(today),
        *_kpis(since),
        *_items_needing_work(),
        *_calibration(),
        *_overdue(today, exclude_meeting),
    ]
