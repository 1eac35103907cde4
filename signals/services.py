"""Write use-cases for market signals, friction reports and their links to items.

Every write that can change a score marks the linked items dirty in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from roadmap.models import RoadmapItem
from roadmap.services import items_mark_dirty
from signals.choices import ReportStatus
from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink

# Allowed report status transitions: a report is resolved once, from open.
REPORT_TRANSITIONS = {
    ReportStatus.OPEN: {ReportStatus.ADDRESSED, ReportStatus.DISMISSED},
    ReportStatus.ADDRESSED: set(),
    ReportStatus.DISMISSED: set(),
}


class InvalidTransition(Exception):
    pass


def _linked_item_ids(links_model: type[SignalLink] | type[ReportLink], **lookup: Any) -> list[int]:
    return list(links_model.objects.filter(**lookup).values_list("item_id", flat=True))


@transaction.atomic
def signal_create(
    *,
    submitted_by: AbstractBaseUser | None = None,
    links: Iterable[tuple[int, float]] = (),
    **fields: Any,
) -> MarketSignal:
    signal = MarketSignal(submitted_by=submitted_by, **fields)
    signal.full_clean()
    signal.save()
    _links_set(signal=signal, links=links)
    return signal


@transaction.atomic
def signal_update(*, signal: MarketSignal, data: dict[str, Any]) -> MarketSignal:
    for name, value in data.items():
        setattr(signal, name, value)
    signal.full_clean()
    signal.save()
    items_mark_dirty(item_ids=_linked_item_ids(SignalLink, signal=signal))
    return signal


@transaction.atomic
def report_create(
    *,
    submitted_by: AbstractBaseUser | None = None,
    links: Iterable[tuple[int, float]] = (),
    **fields: Any,
) -> FrictionReport:
    report = FrictionReport(submitted_by=submitted_by, **fields)
    report.full_clean()
    report.save()
    _links_set(report=report, links=links)
    return report


@transaction.atomic
def report_update(*, report: FrictionReport, data: dict[str, Any]) -> FrictionReport:
    if "status" in data and data["status"] != report.status:
        _check_transition(report.status, data["status"])
    for name, value in data.items():
        setattr(report, name, value)
    report.full_clean()
    report.save()
    items_mark_dirty(item_ids=_linked_item_ids(ReportLink, report=report))
    return report


@transaction.atomic
def report_set_status(*, report: FrictionReport, status: str) -> FrictionReport:
    locked = FrictionReport.objects.select_for_update().get(pk=report.pk)
    if locked.status == status:
        return locked  # retry-safe: asking twice for the same state is not an error
    _check_transition(locked.status, status)
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    items_mark_dirty(item_ids=_linked_item_ids(ReportLink, report=locked))
    return locked


def _check_transition(current: str, target: str) -> None:
    if target not in REPORT_TRANSITIONS.get(ReportStatus(current), set()):
        raise InvalidTransition(f"a report cannot go from {current} to {target}")


@transaction.atomic
def evidence_link(
    *,
    item: RoadmapItem,
    signal: MarketSignal | None = None,
    report: FrictionReport | None = None,
    weight: float = 1.0,
) -> SignalLink | ReportLink:
    """Link a signal or a report to an item with a weight; linking again updates the weight."""
    if (signal is None) == (report is None):
        raise ValueError("link exactly one of signal or report")
    link: SignalLink | ReportLink
    if signal is not None:
        link = SignalLink.objects.filter(item=item, signal=signal).first() or SignalLink(
            item=item, signal=signal
        )
    else:
        link = ReportLink.objects.filter(item=item, report=report).first() or ReportLink(
            item=item, report=report
        )
    link.weight = weight
    link.full_clean()
    link.save()
    items_mark_dirty(item_ids=[item.pk])
    return link


@transaction.atomic
def evidence_unlink(
    *, item: RoadmapItem, signal: MarketSignal | None = None, report: FrictionReport | None = None
) -> bool:
    """Remove a link; removing one that does not exist is harmless (returns False)."""
    if (signal is None) == (report is None):
        raise ValueError("unlink exactly one of signal or report")
    if signal is not None:
        deleted, _ = SignalLink.objects.filter(item=item, signal=signal).delete()
    else:
        deleted, _ = ReportLink.objects.filter(item=item, report=report).delete()
    if deleted:
        items_mark_dirty(item_ids=[item.pk])
    return bool(deleted)


def _links_set(
    *,
    links: Iterable[tuple[int, float]],
    signal: MarketSignal | None = None,
    report: FrictionReport | None = None,
) -> None:
    pairs = list(links)
    if not pairs:
        return
    if signal is not None:
        objs: list[SignalLink] | list[ReportLink] = [
            SignalLink(item_id=item_id, signal=signal, weight=weight) for item_id, weight in pairs
        ]
    else:
        objs = [
            ReportLink(item_id=item_id, report=report, weight=weight) for item_id, weight in pairs
        ]
    for obj in objs:
        obj.full_clean(exclude=["item", "signal", "report"])
    type(objs[0]).objects.bulk_create(objs)
    items_mark_dirty(item_ids=[item_id for item_id, _ in pairs])
