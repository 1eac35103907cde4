"""The roadmap over time: open items in columns by horizon (Now / Next / Later) or by
quarter of their target launch date, in rows by theme or segment, each card with its
score, live-ranking position and launch readiness.

The horizon rule (stated on the page, in the API and in the README), first match wins:

- **Now**: in progress, or a launch targeted within the next 90 days (or overdue);
- **Next**: planned, or a launch targeted within 91 to 180 days;
- **Later**: every other candidate.

Cancelled launch plans give no date. Shipped and archived items are not on the roadmap
(shipped ones are on the changelog).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roadmap.choices import LAUNCH_CHECKLIST, RANKABLE_STATUSES, ItemStatus, LaunchStatus
from roadmap.filters import RoadmapItemFilterSet
from roadmap.models import LaunchPlan, RoadmapItem
from scoring.models import RoadmapBy, RoadmapGroup
from scoring.selectors.board import item_evidence_counts
from scoring.selectors.scores import item_positions

NOW_DAYS = 90
NEXT_DAYS = 180
HORIZONS = (
    ("now", gettext_lazy("Now")),
    ("next", gettext_lazy("Next")),
    ("later", gettext_lazy("Later")),
)
NO_DATE = "none"
NO_GROUP = "none"


def horizon_rule() -> str:
    return _(
        "Now: in progress, or a launch targeted within the next %(now)s days (or overdue). "
        "Next: planned, or a launch targeted within %(now_plus)s to %(next)s days. "
        "Later: every other candidate. Cancelled launches give no date; shipped items "
        "are on the changelog."
    ) % {"now": NOW_DAYS, "now_plus": NOW_DAYS + 1, "next": NEXT_DAYS}


def quarter_rule() -> str:
    return _(
        "Columns are the quarters of the target launch dates; items without a date (or "
        "whose launch was cancelled) are under “No date”."
    )


def item_horizon(*, status: str, launch_date: date | None, today: date) -> str:
    """The horizon of an open item (the rule above)."""
    if status == ItemStatus.IN_PROGRESS or (
        launch_date is not None and launch_date <= today + timedelta(days=NOW_DAYS)
    ):
        return "now"
    if status == ItemStatus.PLANNED or (
        launch_date is not None and launch_date <= today + timedelta(days=NEXT_DAYS)
    ):
        return "next"
    return "later"


def quarter_of(day: date | None) -> str:
    return NO_DATE if day is None else f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass
class RoadmapCard:
    item_id: int
    title: str
    status: str
    status_label: str
    theme: str | None
    launch_date: date | None
    launch_status: str | None
    score: float | None
    position: int | None
    readiness_done: int | None
    readiness_total: int
    evidence: dict[str, int] = field(default_factory=dict)


@dataclass
class RoadmapRow:
    key: str
    label: str
    cells: list[list[RoadmapCard]]


@dataclass
class RoadmapView:
    by: str
    group: str
    rule: str
    today: date
    columns: list[tuple[str, str]]
    rows: list[RoadmapRow]
    count: int


def roadmap_items() -> QuerySet[RoadmapItem]:
    return (
        RoadmapItem.objects.filter(status__in=RANKABLE_STATUSES)
        .select_related("theme", "launch_plan", "score")
        .prefetch_related("segments")
        .order_by("id")
    )


def _launch_date(plan: LaunchPlan | None) -> date | None:
    if plan is None or plan.status == LaunchStatus.CANCELLED:
        return None
    return plan.target_launch_date


def roadmap_view(
    *,
    today: date,
    by: str = RoadmapBy.HORIZON,
    group: str = RoadmapGroup.THEME,
    filters: QueryDict | dict[str, Any] | None = None,
    with_evidence: bool = False,
) -> RoadmapView:
    """The roadmap for `filters` (data of the item filters, as the board's). Four queries
    (five with evidence counts), whatever the number of items."""
    items_qs = roadmap_items()
    if filters:
        items_qs = RoadmapItemFilterSet(data=filters, queryset=items_qs).qs.distinct()
    items = list(items_qs)
    ids = [item.pk for item in items]
    positions = item_positions(item_ids=ids)
    evidence = item_evidence_counts(item_ids=ids) if with_evidence else {}

    cards: list[tuple[RoadmapItem, RoadmapCard, str]] = []
    for item in items:
        plan = getattr(item, "launch_plan", None)
        launch_date = _launch_date(plan)
        score = getattr(item, "score", None)
        column = (
            item_horizon(status=item.status, launch_date=launch_date, today=today)
            if by == RoadmapBy.HORIZON
            else quarter_of(launch_date)
        )
        card = RoadmapCard(
            item_id=item.pk,
            title=item.title,
            status=item.status,
            status_label=str(item.get_status_display()),
            theme=item.theme.name if item.theme else None,
            launch_date=launch_date,
            launch_status=None if plan is None else plan.status,
            score=None if score is None else score.score,
            position=positions.get(item.pk),
            readiness_done=None if plan is None else plan.readiness,
            readiness_total=len(LAUNCH_CHECKLIST),
            evidence=evidence.get(item.pk, {}),
        )
        cards.append((item, card, column))

    if by == RoadmapBy.HORIZON:
        columns = [(key, str(label)) for key, label in HORIZONS]
    else:
        quarters = sorted({column for _item, _card, column in cards if column != NO_DATE})
        columns = [(q, q.replace("-", " ")) for q in quarters] + [(NO_DATE, _("No date"))]
    index = {key: i for i, (key, _label) in enumerate(columns)}

    groups: dict[str, tuple[str, list[list[RoadmapCard]]]] = {}
    for item, card, column in cards:
        if group == RoadmapGroup.SEGMENT:
            keys = [(s.slug, s.name) for s in item.segments.all()] or [(NO_GROUP, _("No segment"))]
        else:
            keys = [
                (str(item.theme_id), item.theme.name) if item.theme else (NO_GROUP, _("No theme"))
            ]
        for key, label in keys:
            row = groups.setdefault(key, (label, [[] for _c in columns]))
            row[1][index[column]].append(card)

    def card_order(card: RoadmapCard) -> tuple[int, int, int]:
        return (card.position is None, card.position or 0, card.item_id)

    rows = [
        RoadmapRow(key, label, [sorted(cell, key=card_order) for cell in cells])
        for key, (label, cells) in sorted(
            groups.items(), key=lambda entry: (entry[0] == NO_GROUP, entry[1][0].casefold())
        )
    ]
    return RoadmapView(
        by=by,
        group=group,
        rule=horizon_rule() if by == RoadmapBy.HORIZON else quarter_rule(),
        today=today,
        columns=columns,
        rows=rows,
        count=len(cards),
    )
