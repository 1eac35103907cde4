"""Why an item's own score changed between two moments, in people's terms: the estimates
that changed (field, old → new, who and when, from django-simple-history), the evidence
linked or unlinked, or that started or stopped counting (a report addressed, dismissed
or reopened; a signal dismissed or restored) (count by kind and team, the largest one
with its submitter) and a new scoring model version.

Set-based: `items_causes` reads the causes of any number of items in a fixed number of
queries (nine), so a diff of a thousand moved items costs what a diff of one does. The
numbers behind each cause stay the factor split of SCORING.md (engine.split_change); this
module only names the inputs that changed under them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal, TypedDict

from django.contrib.auth import get_user_model
from django.db.models import Max, Q

from config.roles import Role
from roadmap.models import RoadmapItem
from scoring import engine
from scoring.why import FRICTION_REPORT
from signals.choices import ReportStatus
from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink

# The estimates of an item that enter its score (SCORING.md, "Inputs of one item").
ESTIMATE_FIELDS = ("reach", "impact", "confidence", "effort")


class EstimateChange(TypedDict):
    """One estimate's net change over the window, and the last person who changed it."""

    field: str
    before: float | None
    after: float | None
    changed_by: str | None
    changed_at: datetime


class EvidenceCount(TypedDict):
    """How many pieces of evidence of one kind one team linked (or unlinked)."""

    change: Literal["added", "removed"]
    kind: str
    team: str
    count: int


class EvidenceRef(TypedDict):
    """One piece of evidence, named as people say it: "friction report #65 by Carla Diaz,
    marketing"."""

    change: Literal["added", "removed"]
    type: Literal["friction_report", "market_signal"]
    id: int
    kind: str
    title: str
    submitted_by: str | None
    team: str
    weight: float
    # linked / unlinked, or a status that made it count or stop counting (SCORING.md:
    # open reports and undismissed signals count): addressed, dismissed, reopened.
    reason: str


class ModelChange(TypedDict):
    before: int
    after: int


class ItemCauses(TypedDict):
    """The inputs of one item that changed between two moments."""

    estimates: list[EstimateChange]
    evidence: list[EvidenceCount]
    largest_evidence: EvidenceRef | None
    model: ModelChange | None


def no_causes(model: ModelChange | None = None) -> ItemCauses:
    return {"estimates": [], "evidence": [], "largest_evidence": None, "model": model}


def _person(user: Any) -> str | None:
    if user is None:
        return None
    return str(user.get_full_name() or user.get_username())


def _estimate_changes(
    item_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, list[EstimateChange]]:
    """Net estimate changes per item over (since, until]. One query: the history rows in
    the window plus each item's last row at or before `since` (its state then)."""
    history = RoadmapItem.history.model
    state_then = (
        history.objects.filter(id__in=item_ids, history_date__lte=since)
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    rows = (
        history.objects.filter(id__in=item_ids, history_date__lte=until)
        .filter(
            Q(history_date__gt=since) | Q(history_id__in=state_then),
        )
        .select_related("history_user")
        .only("id", "history_id", "history_date", "history_user", *ESTIMATE_FIELDS)
        .order_by("id", "history_date", "history_id")
    )
    by_item: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_item[row.id].append(row)
    changes: dict[int, list[EstimateChange]] = {}
    for item_id, trail in by_item.items():
        # The first row is the state at `since` unless the item was created in the window.
        start = trail[0] if trail[0].history_date <= since else None
        window = trail[1:] if start is not None else trail
        found: list[EstimateChange] = []
        for field in ESTIMATE_FIELDS:
            before = None if start is None else getattr(start, field)
            after = getattr(trail[-1], field)
            if not window or after == before:
                continue
            previous, last_change = before, window[0]
            for row in window:
                if getattr(row, field) != previous:
                    last_change = row
                previous = getattr(row, field)
            found.append(
                {
                    "field": field,
                    "before": before,
                    "after": after,
                    "changed_by": _person(last_change.history_user),
                    "changed_at": last_change.history_date,
                }
            )
        if found:
            changes[item_id] = found
    return changes


def _link_events(
    link_model: type[ReportLink] | type[SignalLink],
    target: str,
    item_ids: Sequence[int],
    since: datetime,
    until: datetime,
) -> dict[tuple[int, int], tuple[str, Any, float]]:
    """(item, evidence id) → ("added" | "removed", evidence, link weight) for links made or
    removed in (since, until], net of links made and removed inside the window. One
    query."""
    history = link_model.history.model
    rows = (
        history.objects.filter(
            item_id__in=item_ids, history_date__gt=since, history_date__lte=until
        )
        .select_related(target, f"{target}__submitted_by", f"{target}__segment")
        .order_by("history_date", "history_id")
    )
    events: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in rows:
        events[(row.item_id, getattr(row, f"{target}_id"))].append(row)
    net: dict[tuple[int, int], tuple[str, Any, float]] = {}
    for key, trail in events.items():
        existed_before = trail[0].history_type != "+"
        exists_after = trail[-1].history_type != "-"
        evidence = getattr(trail[-1], target)
        if evidence is None or existed_before == exists_after:
            continue
        net[key] = ("added" if exists_after else "removed", evidence, trail[-1].weight)
    return net


def _status_events(
    evidence_model: type[FrictionReport] | type[MarketSignal],
    link_model: type[ReportLink] | type[SignalLink],
    target: str,
    item_ids: Sequence[int],
    since: datetime,
    until: datetime,
) -> dict[tuple[int, int], tuple[str, Any, float, str]]:
    """(item, evidence id) → ("added" | "removed", historical evidence row, link weight,
    reason) for linked evidence that started or stopped counting in (since, until]
    because its status changed (a report addressed, dismissed or reopened; a signal
    dismissed or restored). Two queries: the status trail, then the links of the changed
    ones."""
    history = evidence_model.history.model
    linked = link_model.objects.filter(item_id__in=item_ids).values(f"{target}_id")
    in_window = history.objects.filter(
        id__in=linked, history_date__gt=since, history_date__lte=until
    ).values("id")
    state_then = (
        history.objects.filter(id__in=in_window, history_date__lte=since)
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    rows = (
        history.objects.filter(id__in=linked, history_date__lte=until)
        .filter(Q(history_date__gt=since) | Q(history_id__in=state_then))
        .select_related("submitted_by", "segment")
        .order_by("id", "history_date", "history_id")
    )
    trails: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        trails[row.id].append(row)

    def counted(row: Any) -> bool:
        if evidence_model is FrictionReport:
            return bool(row.status == ReportStatus.OPEN)
        return not row.dismissed

    changed: dict[int, tuple[str, Any, str]] = {}
    for evidence_id, trail in trails.items():
        if trail[0].history_date > since:
            continue  # created in the window: its link, if any, says it was added
        before, after = counted(trail[0]), counted(trail[-1])
        if before == after:
            continue
        if evidence_model is FrictionReport:
            reason = "reopened" if after else str(trail[-1].status)
        else:
            reason = "restored" if after else "dismissed"
        changed[evidence_id] = ("added" if after else "removed", trail[-1], reason)
    if not changed:
        return {}
    links = link_model.objects.filter(
        item_id__in=item_ids, **{f"{target}_id__in": list(changed)}
    ).values_list("item_id", f"{target}_id", "weight")
    return {
        (item_id, evidence_id): (
            changed[evidence_id][0],
            changed[evidence_id][1],
            weight,
            changed[evidence_id][2],
        )
        for item_id, evidence_id, weight in links
    }


def _teams(user_ids: Iterable[int]) -> dict[int, str]:
    """user id → team ("product", "marketing", else "other"), as signals.services.team_of
    decides it (a product role wins, superusers are product). One query."""
    user_model = get_user_model()
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = user_model.objects.filter(pk__in=ids).values_list("pk", "is_superuser", "groups__name")
    teams: dict[int, str] = {}
    for pk, superuser, group in rows:
        if superuser or group == Role.PRODUCT:
            teams[pk] = Role.PRODUCT.value
        elif group == Role.MARKETING and teams.get(pk) != Role.PRODUCT:
            teams[pk] = Role.MARKETING.value
        else:
            teams.setdefault(pk, "other")
    return teams


def items_causes(
    *,
    item_ids: Sequence[int],
    since: datetime,
    until: datetime,
    params: engine.Params,
    model: ModelChange | None = None,
) -> dict[int, ItemCauses]:
    """The causes of each item's own change over (since, until]: every item of `item_ids`
    gets an entry (empty lists when nothing changed). `model` is the version change of
    the scoring model over the window, if any, shared by all items. Evidence weights
    (for the largest contributor) are w·n for reports and w·kind_weight for signals
    (SCORING.md) at `until` under `params`. At most nine queries, whatever the number of items.
    """
    ids = list(item_ids)
    result: dict[int, ItemCauses] = {item_id: no_causes(model) for item_id in ids}
    if not ids:
        return result
    for item_id, changes in _estimate_changes(ids, since, until).items():
        result[item_id]["estimates"] = changes
    reports = {
        key: (change, report, weight, "linked" if change == "added" else "unlinked")
        for key, (change, report, weight) in _link_events(
            ReportLink, "report", ids, since, until
        ).items()
    }
    signals = {
        key: (change, signal, weight, "linked" if change == "added" else "unlinked")
        for key, (change, signal, weight) in _link_events(
            SignalLink, "signal", ids, since, until
        ).items()
    }
    # A link made or removed in the window says more than a status change of the same
    # evidence, so it wins.
    for key, event in _status_events(
        FrictionReport, ReportLink, "report", ids, since, until
    ).items():
        reports.setdefault(key, event)
    for key, event in _status_events(MarketSignal, SignalLink, "signal", ids, since, until).items():
        signals.setdefault(key, event)
    teams = _teams([event[1].submitted_by_id for event in [*reports.values(), *signals.values()]])
    counts: dict[int, dict[tuple[str, str, str], int]] = defaultdict(lambda: defaultdict(int))
    # Reports come first in the race for "largest": they move reach and impact as well
    # as confidence, so a report is what a committee asks about.
    largest: dict[int, tuple[int, float, EvidenceRef]] = {}

    def consider(item_id: int, rank: int, ref: EvidenceRef) -> None:
        current = largest.get(item_id)
        if current is None or (rank, ref["weight"]) > (current[0], current[1]):
            largest[item_id] = (rank, ref["weight"], ref)

    for (item_id, report_id), (change, report, link_weight, reason) in reports.items():
        team = teams.get(report.submitted_by_id, "other")
        counts[item_id][(change, FRICTION_REPORT, team)] += 1
        slug = report.segment.slug if report.segment_id else None
        w = engine.input_weight(link_weight, slug, report.observed_at, until, params)
        consider(
            item_id,
            1,
            {
                "change": change,  # type: ignore[typeddict-item]
                "type": "friction_report",
                "id": report_id,
                "kind": FRICTION_REPORT,
                "title": report.title or report.campaign,
                "submitted_by": _person(report.submitted_by),
                "team": team,
                "weight": w * report.affected_people,
                "reason": reason,
            },
        )
    for (item_id, signal_id), (change, signal, link_weight, reason) in signals.items():
        team = teams.get(signal.submitted_by_id, "other")
        counts[item_id][(change, signal.kind, team)] += 1
        slug = signal.segment.slug if signal.segment_id else None
        w = engine.input_weight(link_weight, slug, signal.observed_at, until, params)
        consider(
            item_id,
            0,
            {
                "change": change,  # type: ignore[typeddict-item]
                "type": "market_signal",
                "id": signal_id,
                "kind": signal.kind,
                "title": signal.title,
                "submitted_by": _person(signal.submitted_by),
                "team": team,
                "weight": w * engine.kind_weight(signal.kind, params),
                "reason": reason,
            },
        )
    for item_id, by_key in counts.items():
        result[item_id]["evidence"] = [
            {"change": change, "kind": kind, "team": team, "count": count}  # type: ignore[typeddict-item]
            for (change, kind, team), count in sorted(by_key.items())
        ]
    for item_id, (_, _, ref) in largest.items():
        result[item_id]["largest_evidence"] = ref
    return result
