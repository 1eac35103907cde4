"""The shared KPIs: the cross-team figures of the outcomes of shipped items. They use no
score (the calibration of estimates, in scoring, does). Every read is a fixed number of
queries."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypedDict

from django.db.models import (
    F,
    OuterRef,
    Q,
    Subquery,
    Window,
)
from django.db.models.functions import RowNumber

from roadmap.choices import Channel, ItemStatus
from roadmap.models import RoadmapItem
from signals.choices import Kpi
from signals.kpis.ranges import kpi_lift
from signals.models import Outcome

SHARED_RATE_KPIS: tuple[str, ...] = (Kpi.ACTIVATION_RATE, Kpi.CONVERSION_RATE)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class KpiMover(TypedDict):
    """An item's latest measurement of a KPI."""

    item: int
    title: str
    baseline: float
    measured: float
    lift: float | None  # in the KPI's good direction; None from a baseline of 0
    period_start: date
    period_end: date


class KpiGroup(TypedDict):
    """Means over the items of a group, each item's latest measurement counting once."""

    items: int
    baseline: float
    measured: float
    change: float
    lift: float | None
    moved_by: list[KpiMover]  # largest gain first


class KpiByChannel(KpiGroup):
    channel: str | None  # None: outcomes without a channel


class KpiBySegment(KpiGroup):
    segment: int | None  # None: outcomes not specific to a segment
    segment_name: str | None


class NpsRelease(KpiMover):
    change: float
    shipped_at: datetime | None
    people_measured: int | None


class SharedKpis(TypedDict):
    activation_rate_by_channel: list[KpiByChannel]
    conversion_rate_by_channel: list[KpiByChannel]
    ltv_by_segment: list[KpiBySegment]
    nps_by_release: list[NpsRelease]  # newest release first


def ship_time(item_ref: Any) -> Subquery:
    """When the item named by `item_ref` last became shipped, from its history: the
    first `shipped` row after its last row in any other status (NULL without one)."""
    history = RoadmapItem.history.model
    reopened = (
        history.objects.filter(id=OuterRef("id"))
        .exclude(status=ItemStatus.SHIPPED)
        .order_by("-history_date", "-history_id")
        .values("history_date")[:1]
    )
    return Subquery(
        history.objects.filter(id=item_ref, status=ItemStatus.SHIPPED)
        .alias(reopened=Subquery(reopened))
        .filter(Q(reopened__isnull=True) | Q(history_date__gt=F("reopened")))
        .order_by("history_date", "history_id")
        .values("history_date")[:1]
    )


def item_ship_times(*, item_ids: Sequence[int]) -> dict[int, datetime | None]:
    """When each item last became shipped (None when its history does not say); one
    query."""
    if not item_ids:
        return {}
    rows = (
        RoadmapItem.objects.filter(pk__in=list(item_ids))
        .annotate(shipped_at=ship_time(OuterRef("pk")))
        .values_list("pk", "shipped_at")
    )
    return dict(rows)


def _latest_outcomes(*, kpis: Sequence[str], per: Sequence[str]) -> list[Mapping[str, Any]]:
    """For each combination of `per` (e.g. channel and item), the outcome of `kpis` with
    the latest period (then the highest id). One query."""
    rank = Window(
        RowNumber(),
        partition_by=[F(name) for name in per],
        order_by=[F("period_end").desc(), F("id").desc()],
    )
    return list(
        Outcome.objects.filter(kpi__in=list(kpis))
        .annotate(rank=rank)
        .filter(rank=1)
        .order_by("id")
        .values(
            "id",
            "kpi",
            "channel",
            "segment_id",
            "segment__name",
            "item_id",
            "item__title",
            "baseline",
            "measured",
            "period_start",
            "period_end",
            "people_measured",
        )
    )


def finite(value: float) -> float | None:
    """`value`, or None for an infinite lift (JSON has no infinity)."""
    return value if math.isfinite(value) else None


def _mover(row: Mapping[str, Any]) -> KpiMover:
    return {
        "item": row["item_id"],
        "title": row["item__title"],
        "baseline": row["baseline"],
        "measured": row["measured"],
        "lift": finite(kpi_lift(row["kpi"], row["baseline"], row["measured"])),
        "period_start": row["period_start"],
        "period_end": row["period_end"],
    }


def _kpi_group(kpi: str, rows: Sequence[Mapping[str, Any]]) -> KpiGroup:
    """Means over the items of a group (each item's latest measurement counts once), and
    the items, largest gain first."""
    baseline = sum(row["baseline"] for row in rows) / len(rows)
    measured = sum(row["measured"] for row in rows) / len(rows)
    movers = sorted(
        (_mover(row) for row in rows),
        key=lambda m: (-(m["lift"] if m["lift"] is not None else math.inf), m["item"]),
    )
    return {
        "items": len(rows),
        "baseline": baseline,
        "measured": measured,
        "change": measured - baseline,
        "lift": finite(kpi_lift(kpi, baseline, measured)),
        "moved_by": movers,
    }


def kpis_shared() -> SharedKpis:
    """The cross-team KPIs, from the outcomes of shipped items:

    - activation and conversion rate by channel (outcomes without a channel under
      `null`): for each item its latest measurement in that channel, and the group's
      unweighted means of baseline and measured;
    - LTV by segment (`null`: not segment-specific), the same way;
    - NPS before and after each release: each item's latest NPS outcome (baseline:
      before, measured: after), newest release first.

    Each lists the items that moved it, largest gain first. Four queries.
    """
    channel_order = {code: n for n, code in enumerate(Channel.values)}
    by_channel: dict[str, dict[str, list[Mapping[str, Any]]]] = {k: {} for k in SHARED_RATE_KPIS}
    for row in _latest_outcomes(kpis=SHARED_RATE_KPIS, per=("kpi", "channel", "item_id")):
        by_channel[row["kpi"]].setdefault(row["channel"], []).append(row)
    rates: dict[str, list[KpiByChannel]] = {
        kpi: [
            KpiByChannel(channel=channel or None, **_kpi_group(kpi, rows))
            for channel, rows in sorted(
                groups.items(), key=lambda pair: channel_order.get(pair[0], len(channel_order))
            )
        ]
        for kpi, groups in by_channel.items()
    }

    by_segment: dict[int | None, list[Mapping[str, Any]]] = {}
    for row in _latest_outcomes(kpis=(Kpi.LTV,), per=("segment_id", "item_id")):
        by_segment.setdefault(row["segment_id"], []).append(row)
    ltv = [
        KpiBySegment(
            segment=segment_id,
            segment_name=rows[0]["segment__name"] if segment_id is not None else None,
            **_kpi_group(Kpi.LTV, rows),
        )
        for segment_id, rows in sorted(
            by_segment.items(),
            key=lambda pair: (pair[0] is None, pair[1][0]["segment__name"] or ""),
        )
    ]

    nps_rows = _latest_outcomes(kpis=(Kpi.NPS,), per=("item_id",))
    shipped = item_ship_times(item_ids=[row["item_id"] for row in nps_rows])
    releases = [
        NpsRelease(
            **_mover(row),
            change=row["measured"] - row["baseline"],
            shipped_at=shipped.get(row["item_id"]),
            people_measured=row["people_measured"],
        )
        for row in nps_rows
    ]
    releases.sort(
        key=lambda r: (r["shipped_at"] is None, -(r["shipped_at"] or _EPOCH).timestamp(), r["item"])
    )
    return {
        "activation_rate_by_channel": rates[Kpi.ACTIVATION_RATE],
        "conversion_rate_by_channel": rates[Kpi.CONVERSION_RATE],
        "ltv_by_segment": ltv,
        "nps_by_release": releases,
    }
