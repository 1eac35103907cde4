"""What became of the evidence a user submitted: each report and signal with the items it
is linked to, each item's live position, status and launch date, the part of the item's
score this evidence carries, and who addressed or dismissed it and when.

The part of the score is the engine's contributor share (SCORING.md, "Explanation"):
a report's share of the item's marketing reach R_m (w·n), a signal's share of the item's
signal evidence (w·kind_weight), computed by `engine.contributors` at the stored score's
`computed_at` under the stored score's model, so it is the number the item view shows.

A constant number of queries whatever the number of records, links and items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from roadmap.models import LaunchPlan, RoadmapItem
from scoring import engine
from scoring.models import ItemScore
from scoring.selectors.evidence import items_inputs
from scoring.selectors.scores import item_positions
from scoring.selectors.scoring_models import scoring_model_params
from signals.choices import ReportStatus
from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink
from signals.radar.selectors import EvidenceSuggestions, suggestions_for

MAX_ROWS = 200  # per kind: the newest first; the filters narrow the rest


@dataclass(frozen=True)
class EvidenceFilters:
    kind: str = ""  # "report", "signal" or "" for both
    status: str = ""  # "open", "addressed", "dismissed" or ""
    since: date | None = None
    until: date | None = None
    linked: str = ""  # "yes", "no" or ""


@dataclass
class ItemLinkRow:
    item_id: int
    title: str
    status: str
    status_label: str
    weight: float
    position: int | None
    share: float | None  # None: the item has no stored score yet
    launch_date: date | None


@dataclass
class Resolution:
    status: str
    by: str
    at: datetime


@dataclass
class EvidenceRow:
    kind: str  # "report" or "signal"
    id: int
    title: str
    detail: str
    observed_at: datetime
    status: str
    status_label: str
    source: str
    external_id: str
    links: list[ItemLinkRow] = field(default_factory=list)
    resolution: Resolution | None = None
    # The radar's suggestions while the record is unlinked (signals.radar.selectors).
    radar: EvidenceSuggestions | None = None


def _reports(user: Any, filters: EvidenceFilters) -> QuerySet[FrictionReport]:
    qs = FrictionReport.objects.filter(submitted_by=user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


def _signals(user: Any, filters: EvidenceFilters) -> QuerySet[MarketSignal]:
    qs = MarketSignal.objects.filter(submitted_by=user)
    if filters.status == ReportStatus.ADDRESSED:
        return qs.none()  # signals are never "addressed"
    if filters.status == ReportStatus.DISMISSED:
        qs = qs.filter(dismissed=True)
    elif filters.status == ReportStatus.OPEN:
        qs = qs.filter(dismissed=False)
    return qs


def _common(qs: QuerySet[Any], filters: EvidenceFilters) -> QuerySet[Any]:
    if filters.since:
        qs = qs.filter(observed_at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(observed_at__date__lte=filters.until)
    if filters.linked == "yes":
        qs = qs.filter(links__isnull=False).distinct()
    elif filters.linked == "no":
        qs = qs.filter(links__isnull=True)
    return qs.order_by("-observed_at", "-id")[:MAX_ROWS]


def _shares(item_ids: set[int]) -> dict[tuple[int, str, int], float]:
    """(item id, "report"/"signal", evidence id) → its contributor share of the item's
    stored score; items without a stored score are absent."""
    scores = list(ItemScore.objects.filter(item_id__in=item_ids).select_related("model"))
    if not scores:
        return {}
    reports, signals = items_inputs(item_ids={score.item_id for score in scores})
    params_of: dict[int, engine.Params] = {}
    shares: dict[tuple[int, str, int], float] = {}
    for score in scores:
        params = params_of.get(score.model_id)
        if params is None:
            params = params_of[score.model_id] = scoring_model_params(score.model)
        item_reports = reports.get(score.item_id, [])
        item_signals = signals.get(score.item_id, [])
        top_reports, top_signals = engine.contributors(
            item_reports,
            item_signals,
            params,
            score.computed_at,
            limit=len(item_reports) + len(item_signals),
        )
        for contributor in (*top_reports, *top_signals):
            shares[(score.item_id, contributor.kind, contributor.id)] = contributor.share
        for report in item_reports:
            shares.setdefault((score.item_id, "report", report.id), 0.0)
        for signal in item_signals:
            shares.setdefault((score.item_id, "signal", signal.id), 0.0)
    return shares


def _resolutions(
    model: type[FrictionReport] | type[MarketSignal], ids: list[int]
) -> dict[int, Resolution]:
    """Who closed each record and when, from its history: the first version in its final
    state (addressed or dismissed). One query."""
    if not ids:
        return {}
    history = model.history.model
    flag = "status" if model is FrictionReport else "dismissed"
    rows = (
        history.objects.filter(id__in=ids)
        .order_by("id", "history_date", "history_id")
        .values_list("id", flag, "history_date", "history_user__username")
    )
    found: dict[int, Resolution] = {}
    previous: dict[int, Any] = {}
    for record_id, value, when, username in rows:
        closed = value in (ReportStatus.ADDRESSED, ReportStatus.DISMISSED) or value is True
        if closed and previous.get(record_id) != value:
            status = value if isinstance(value, str) else ReportStatus.DISMISSED
            found[record_id] = Resolution(status=status, by=username or "—", at=when)
        elif not closed:
            found.pop(record_id, None)  # restored after a dismissal
        previous[record_id] = value
    return found


def my_evidence(*, user: Any, filters: EvidenceFilters) -> list[EvidenceRow]:
    """The user's reports and signals, newest observation first, with where they went."""
    rows: list[EvidenceRow] = []
    report_rows = (
        list(_common(_reports(user, filters), filters)) if filters.kind in ("", "report") else []
    )
    signal_rows = (
        list(_common(_signals(user, filters), filters)) if filters.kind in ("", "signal") else []
    )
    for report in report_rows:
        rows.append(
            EvidenceRow(
                kind="report",
                id=report.pk,
                title=str(report),
                detail=report.campaign if report.title else "",
                observed_at=report.observed_at,
                status=report.status,
                status_label=report.get_status_display(),
                source=report.source,
                external_id=report.external_id,
            )
        )
    for signal in signal_rows:
        status = ReportStatus.DISMISSED if signal.dismissed else ReportStatus.OPEN
        rows.append(
            EvidenceRow(
                kind="signal",
                id=signal.pk,
                title=signal.title,
                detail=signal.get_kind_display(),
                observed_at=signal.observed_at,
                status=status,
                status_label=str(ReportStatus(status).label),
                source=signal.source,
                external_id=signal.external_id,
            )
        )
    links: list[tuple[str, int, int, float]] = [
        ("report", *row)
        for row in ReportLink.objects.filter(report_id__in=[r.pk for r in report_rows])
        .order_by("report_id", "item_id")
        .values_list("report_id", "item_id", "weight")
    ]
    links += [
        ("signal", *row)
        for row in SignalLink.objects.filter(signal_id__in=[s.pk for s in signal_rows])
        .order_by("signal_id", "item_id")
        .values_list("signal_id", "item_id", "weight")
    ]
    item_ids = {item_id for _, _, item_id, _ in links}
    items = RoadmapItem.objects.only("id", "title", "status").in_bulk(item_ids)
    positions = item_positions(item_ids=sorted(item_ids)) if item_ids else {}
    launches = dict(
        LaunchPlan.objects.filter(item_id__in=item_ids).values_list("item_id", "target_launch_date")
    )
    shares = _shares(item_ids) if item_ids else {}
    by_key: dict[tuple[str, int], EvidenceRow] = {(row.kind, row.id): row for row in rows}
    for kind, evidence_id, item_id, weight in links:
        item = items[item_id]
        by_key[(kind, evidence_id)].links.append(
            ItemLinkRow(
                item_id=item_id,
                title=item.title,
                status=item.status,
                status_label=item.get_status_display(),
                weight=weight,
                position=positions.get(item_id),
                share=shares.get((item_id, kind, evidence_id)),
                launch_date=launches.get(item_id),
            )
        )
    resolved = {
        ("report", key): value
        for key, value in _resolutions(FrictionReport, [r.pk for r in report_rows]).items()
    }
    resolved.update(
        {
            ("signal", key): value
            for key, value in _resolutions(
                MarketSignal, [s.pk for s in signal_rows if s.dismissed]
            ).items()
        }
    )
    for key, resolution in resolved.items():
        row = by_key[key]
        if row.status != ReportStatus.OPEN:
            row.resolution = resolution
    unlinked = [row for row in rows if not row.links and row.status == ReportStatus.OPEN]
    radar = suggestions_for(
        signal_ids=[row.id for row in unlinked if row.kind == "signal"],
        report_ids=[row.id for row in unlinked if row.kind == "report"],
    )
    for row in unlinked:
        row.radar = radar.get((row.kind, row.id))
    rows.sort(key=lambda row: (row.observed_at, row.id), reverse=True)
    return rows
