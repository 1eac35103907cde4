"""The calibration of estimates: what the scores of shipped items assumed against what
their outcomes measured (scoring.calibration has the method), and an item's closing of
the loop. Every read is a fixed number of queries."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Subquery,
)

from roadmap.choices import RANKABLE_STATUSES, ItemStatus
from roadmap.models import LaunchPlan, RoadmapItem
from scoring import calibration
from scoring.models import (
    ConfidenceCalibration,
    ItemScore,
    ScoreHistory,
)
from signals.kpis.ranges import kpi_lift
from signals.kpis.selectors import finite, ship_time
from signals.models import Outcome


class CalibrationSummary(TypedDict):
    items: int
    calibrated_items: int
    reach_ratio: float | None
    impact_ratio: float | None
    score_ratio: float | None


class Suggestion(TypedDict):
    multiplier: float
    based_on: list[int]
    open_items: int


class AppliedCalibration(TypedDict):
    multiplier: float
    applied_at: datetime
    items_changed: int


class OwnerCalibration(CalibrationSummary):
    owner: int
    owner_name: str | None
    suggestion: Suggestion | None
    last_applied: AppliedCalibration | None


class ThemeCalibration(CalibrationSummary):
    theme: int | None
    theme_name: str | None


class TeamSummary(TypedDict):
    items: int
    reach_ratio: float | None


class CalibrationMethod(TypedDict):
    quarter_days: float
    impact_steps: list[dict[str, float]]  # min_lift, impact
    min_impact: float
    multiplier_min: float
    multiplier_max: float
    min_calibrated_items: int


class CalibratedItemJson(TypedDict):
    item: int
    title: str
    owner: int | None
    theme: int | None
    shipped_at: datetime | None
    assumed: dict[str, Any]  # source, computed_at and the estimates assumed
    measured: dict[str, float | int | None]  # reach, impact, outcomes
    ratios: dict[str, float | None]  # reach, impact, score, product_reach, marketing_reach
    calibrated: bool


class CalibrationReport(TypedDict):
    """What calibration_report returns (the API's CalibrationReportSerializer)."""

    method: CalibrationMethod
    items: list[CalibratedItemJson]
    by_owner: list[OwnerCalibration]
    by_theme: list[ThemeCalibration]
    by_team: dict[str, TeamSummary]  # product, marketing


class ClosingTheLoop(TypedDict):
    launch_plan: LaunchPlan | None
    outcomes: list[dict[str, Any]]  # outcome (the row), lift
    calibration: CalibratedItemJson | None


@dataclasses.dataclass(frozen=True)
class CalibratedItem:
    """A shipped item with outcomes: what its score assumed, what was measured."""

    item_id: int
    title: str
    owner_id: int | None
    owner_name: str | None
    theme_id: int | None
    theme_name: str | None
    shipped_at: datetime | None
    assumed_source: str  # "history": the score when it shipped; "current": its score now
    assumed_at: datetime | None
    assumed: calibration.Assumed
    outcome_count: int
    result: calibration.ItemCalibration


def _person_name(user: Any) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def calibrated_items(
    *, owner_id: int | None = None, item_ids: Sequence[int] | None = None
) -> list[CalibratedItem]:
    """Shipped items with outcomes (of one owner, or these, or all), each with its assumed and
    measured factors (scoring.calibration). Four queries whatever the number of items:
    the items with their ship time and score-history point, those points, the current
    scores of items without one, the outcomes."""
    outcomes = Outcome.objects.filter(item_id=OuterRef("pk"))
    at_ship = ScoreHistory.objects.filter(
        item_id=OuterRef("pk"), computed_at__lte=OuterRef("shipped_at")
    ).order_by("-computed_at", "-id")
    items_qs = (
        RoadmapItem.objects.filter(Exists(outcomes), status=ItemStatus.SHIPPED)
        .select_related("owner", "theme")
        .only(
            "id",
            "title",
            "owner",
            "theme",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
            "theme__name",
        )
        .annotate(shipped_at=ship_time(OuterRef("pk")))
        .annotate(history_id=Subquery(at_ship.values("id")[:1]))
        .order_by("id")
    )
    if owner_id is not None:
        items_qs = items_qs.filter(owner_id=owner_id)
    if item_ids is not None:
        items_qs = items_qs.filter(pk__in=list(item_ids))
    items = list(items_qs)
    if not items:
        return []
    ids = [item.pk for item in items]
    points = ScoreHistory.objects.in_bulk(
        [item.history_id for item in items if item.history_id is not None]
    )
    current = ItemScore.objects.in_bulk([item.pk for item in items if item.history_id is None])
    measured: dict[int, list[calibration.MeasuredOutcome]] = {item_id: [] for item_id in ids}
    rows = Outcome.objects.filter(item_id__in=ids).values_list(
        "item_id", "kpi", "baseline", "measured", "period_start", "period_end", "people_measured"
    )
    for item_id, kpi, baseline, value, start, end, people in rows:
        measured[item_id].append(
            calibration.MeasuredOutcome(
                lift=kpi_lift(kpi, baseline, value),
                period_days=(end - start).days + 1,
                people=people,
            )
        )
    result = []
    for item in items:
        point: Any = points.get(item.history_id)
        source = "history"
        if point is None:
            point = current.get(item.pk)
            source = "current" if point is not None else "none"
        assumed = calibration.Assumed(
            reach=getattr(point, "reach", None),
            reach_product=getattr(point, "reach_product", None),
            reach_marketing=getattr(point, "reach_marketing", None),
            impact=getattr(point, "impact", None),
        )
        result.append(
            CalibratedItem(
                item_id=item.pk,
                title=item.title,
                owner_id=item.owner_id,
                owner_name=_person_name(item.owner),
                theme_id=item.theme_id,
                theme_name=item.theme.name if item.theme is not None else None,
                shipped_at=item.shipped_at,
                assumed_source=source,
                assumed_at=getattr(point, "computed_at", None),
                assumed=assumed,
                outcome_count=len(measured[item.pk]),
                result=calibration.calibrate_item(assumed, measured[item.pk]),
            )
        )
    return result


@dataclasses.dataclass(frozen=True)
class CalibrationSuggestion:
    owner_id: int
    multiplier: float
    item_ids: tuple[int, ...]  # the calibrated items it comes from


def _used_item_ids(owner_ids: Sequence[int]) -> dict[int, set[int]]:
    """The shipped items earlier calibrations of each owner were based on; one query."""
    used: dict[int, set[int]] = {owner_id: set() for owner_id in owner_ids}
    rows = ConfidenceCalibration.objects.filter(owner_id__in=list(owner_ids)).values_list(
        "owner_id", "based_on"
    )
    for owner_id, based_on in rows:
        used[owner_id].update(int(i) for i in based_on or ())
    return used


def _suggestions(
    items: Sequence[CalibratedItem], used: Mapping[int, set[int]]
) -> dict[int, CalibrationSuggestion]:
    fresh: dict[int, list[CalibratedItem]] = {}
    for item in items:
        owner_id = item.owner_id
        if (
            owner_id is not None
            and item.result.calibrated
            and item.item_id not in used.get(owner_id, set())
        ):
            fresh.setdefault(owner_id, []).append(item)
    suggestions = {}
    for owner_id, rows in fresh.items():
        multiplier = calibration.suggested_multiplier(
            [row.result.score_ratio for row in rows]  # type: ignore[misc]
        )
        if multiplier is not None:
            suggestions[owner_id] = CalibrationSuggestion(
                owner_id=owner_id,
                multiplier=multiplier,
                item_ids=tuple(row.item_id for row in rows),
            )
    return suggestions


def calibration_suggestion(*, owner_id: int) -> CalibrationSuggestion | None:
    """The owner's current suggested confidence multiplier, or None (fewer than two
    calibrated items not used by an earlier calibration)."""
    items = calibrated_items(owner_id=owner_id)
    return _suggestions(items, _used_item_ids([owner_id])).get(owner_id)


def _summary(rows: Sequence[CalibratedItem]) -> CalibrationSummary:
    summary = calibration.summarize(row.result for row in rows)
    return {
        "items": len(rows),
        "calibrated_items": summary.calibrated_items,
        "reach_ratio": summary.reach_ratio,
        "impact_ratio": summary.impact_ratio,
        "score_ratio": summary.score_ratio,
    }


def _team_summary(ratios: Sequence[float | None]) -> TeamSummary:
    values = [r for r in ratios if r is not None]
    return {"items": len(values), "reach_ratio": calibration.geometric_mean(values)}


def calibration_report() -> CalibrationReport:
    """Estimate accuracy of shipped items with outcomes (scoring.calibration): per item,
    by owner (with the suggested confidence multiplier), by theme, and by team (product's
    reach estimate R_p and marketing's measured reach R_m, each against the measured
    reach). Seven queries at most, whatever the number of items."""
    items = calibrated_items()
    owner_ids = sorted({item.owner_id for item in items if item.owner_id is not None})
    records = list(
        ConfidenceCalibration.objects.filter(owner_id__in=owner_ids).order_by("applied_at", "id")
    )
    used: dict[int, set[int]] = {owner_id: set() for owner_id in owner_ids}
    last_applied: dict[int, ConfidenceCalibration] = {}
    for record in records:
        used[record.owner_id].update(int(i) for i in record.based_on or ())  # type: ignore[index]
        last_applied[record.owner_id] = record  # type: ignore[index]
    suggestions = _suggestions(items, used)
    open_counts = dict(
        RoadmapItem.objects.filter(owner_id__in=owner_ids, status__in=RANKABLE_STATUSES)
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("owner_id", "n")
    )

    by_owner: list[OwnerCalibration] = []
    for owner_id in owner_ids:
        rows = [item for item in items if item.owner_id == owner_id]
        suggestion = suggestions.get(owner_id)
        applied = last_applied.get(owner_id)
        by_owner.append(
            {
                "owner": owner_id,
                "owner_name": rows[0].owner_name,
                **_summary(rows),
                "suggestion": None
                if suggestion is None
                else {
                    "multiplier": suggestion.multiplier,
                    "based_on": list(suggestion.item_ids),
                    "open_items": open_counts.get(owner_id, 0),
                },
                "last_applied": None
                if applied is None
                else {
                    "multiplier": applied.multiplier,
                    "applied_at": applied.applied_at,
                    "items_changed": applied.items_changed,
                },
            }
        )
    themes: dict[int | None, list[CalibratedItem]] = {}
    for item in items:
        themes.setdefault(item.theme_id, []).append(item)
    by_theme: list[ThemeCalibration] = [
        {"theme": theme_id, "theme_name": rows[0].theme_name, **_summary(rows)}
        for theme_id, rows in sorted(
            themes.items(), key=lambda pair: (pair[0] is None, pair[1][0].theme_name or "")
        )
    ]
    return {
        "method": {
            "quarter_days": calibration.QUARTER_DAYS,
            "impact_steps": [
                {"min_lift": lift, "impact": impact} for lift, impact in calibration.IMPACT_STEPS
            ],
            "min_impact": calibration.MIN_IMPACT,
            "multiplier_min": calibration.MIN_MULTIPLIER,
            "multiplier_max": calibration.MAX_MULTIPLIER,
            "min_calibrated_items": calibration.MIN_CALIBRATED_ITEMS,
        },
        "items": [_item_json(item) for item in items],
        "by_owner": by_owner,
        "by_theme": by_theme,
        "by_team": {
            "product": _team_summary([item.result.product_reach_ratio for item in items]),
            "marketing": _team_summary([item.result.marketing_reach_ratio for item in items]),
        },
    }


def _item_json(item: CalibratedItem) -> CalibratedItemJson:
    result = item.result
    return {
        "item": item.item_id,
        "title": item.title,
        "owner": item.owner_id,
        "theme": item.theme_id,
        "shipped_at": item.shipped_at,
        "assumed": {
            "source": item.assumed_source,
            "computed_at": item.assumed_at,
            **dataclasses.asdict(item.assumed),
        },
        "measured": {
            "reach": result.reach,
            "impact": result.impact,
            "outcomes": item.outcome_count,
        },
        "ratios": {
            "reach": result.reach_ratio,
            "impact": result.impact_ratio,
            "score": result.score_ratio,
            "product_reach": result.product_reach_ratio,
            "marketing_reach": result.marketing_reach_ratio,
        },
        "calibrated": result.calibrated,
    }


def item_closing_the_loop(*, item: RoadmapItem) -> ClosingTheLoop:
    """An item's launch and what it changed, for a page about the item (the board's):
    its launch plan (None without one), its outcomes, latest period first, each with its
    lift, and its calibration (None unless it shipped and has outcomes). Seven queries at
    most."""
    plan = (
        LaunchPlan.objects.filter(item=item)
        .select_related("product_owner", "marketing_owner")
        .prefetch_related("target_segments")
        .first()
    )
    outcomes = [
        {
            "outcome": outcome,
            "lift": finite(kpi_lift(outcome.kpi, outcome.baseline, outcome.measured)),
        }
        for outcome in Outcome.objects.filter(item=item).select_related("segment")
    ]
    calibrated = calibrated_items(item_ids=[item.pk]) if outcomes else []
    return {
        "launch_plan": plan,
        "outcomes": outcomes,
        "calibration": _item_json(calibrated[0]) if calibrated else None,
    }
