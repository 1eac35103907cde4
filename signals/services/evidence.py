"""Signals and friction reports one record at a time: create, update, delete, dismiss,
resolve. Every write that can change a score marks the linked items dirty in the same
transaction: the items linked before the write as well as after it, so unlinking an item
rescores it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from signals import webhook_events
from signals.choices import ReportStatus
from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink
from signals.services.common import (
    REPORT_TRANSITIONS,
    REPORTS,
    SIGNALS,
    AnyEvidence,
    DuplicateExternalId,
    EvidenceKind,
    InvalidTransition,
    LinkPairs,
    kind_of,
    linked_item_ids,
    mark_dirty,
    radar_mark,
)
from signals.services.links import links_sync


@transaction.atomic
def signal_create(
    *,
    submitted_by: User | None = None,
    links: LinkPairs = (),
    **fields: Any,
) -> MarketSignal:
    signal = MarketSignal(submitted_by=submitted_by, **fields)
    evidence_create(signal, links=links, user=submitted_by)
    return signal


@transaction.atomic
def signal_update(
    *, signal: MarketSignal, data: dict[str, Any], links: LinkPairs | None = None
) -> MarketSignal:
    """Apply `data`; with `links`, the signal's links become exactly those pairs."""
    evidence_update(signal, data=data, links=links)
    return signal


@transaction.atomic
def signal_delete(*, signal: MarketSignal) -> None:
    item_ids = linked_item_ids(SignalLink, signal=signal)
    signal.delete()
    mark_dirty(item_ids)


@transaction.atomic
def signals_set_dismissed(
    *, signal_ids: Iterable[int], dismissed: bool, user: User | None = None
) -> int:
    """Dismiss (or restore) signals in one UPDATE, with a history row for each one that
    changed; return how many changed. Dismissed evidence no longer counts in scores."""
    ids = list(
        MarketSignal.objects.select_for_update(no_key=True)
        .filter(pk__in=list(signal_ids))
        .exclude(dismissed=dismissed)
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    MarketSignal.objects.filter(pk__in=ids).update(dismissed=dismissed, updated_at=timezone.now())
    MarketSignal.history.bulk_history_create(
        list(MarketSignal.objects.filter(pk__in=ids)),
        update=True,
        default_user=user,
        default_change_reason="dismissed" if dismissed else "restored",
    )
    item_ids = list(SignalLink.objects.filter(signal_id__in=ids).values_list("item_id", flat=True))
    mark_dirty(item_ids)
    radar_mark(SIGNALS, ids, item_ids)
    return len(ids)


@transaction.atomic
def report_create(
    *,
    submitted_by: User | None = None,
    links: LinkPairs = (),
    **fields: Any,
) -> FrictionReport:
    report = FrictionReport(submitted_by=submitted_by, **fields)
    evidence_create(report, links=links, user=submitted_by)
    webhook_events.reports_created([report])
    return report


@transaction.atomic
def report_update(
    *, report: FrictionReport, data: dict[str, Any], links: LinkPairs | None = None
) -> FrictionReport:
    """Apply `data`; with `links`, the report's links become exactly those pairs."""
    if "status" in data and data["status"] != report.status:
        _check_transition(report.status, data["status"])
    evidence_update(report, data=data, links=links)
    return report


@transaction.atomic
def report_delete(*, report: FrictionReport) -> None:
    item_ids = linked_item_ids(ReportLink, report=report)
    report.delete()
    mark_dirty(item_ids)


@transaction.atomic
def report_set_status(*, report: FrictionReport, status: str) -> FrictionReport:
    locked = FrictionReport.objects.select_for_update(no_key=True).get(pk=report.pk)
    if locked.status == status:
        return locked  # retry-safe: asking twice for the same state is not an error
    _check_transition(locked.status, status)
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    item_ids = linked_item_ids(ReportLink, report=locked)
    mark_dirty(item_ids)
    radar_mark(REPORTS, [locked.pk], item_ids)
    return locked


def _check_transition(current: str, target: str) -> None:
    if target not in REPORT_TRANSITIONS.get(ReportStatus(current), set()):
        raise InvalidTransition(f"a report cannot go from {current} to {target}")


# --- What every one-record write shares (signals, reports, outcomes) ----------------------


def evidence_create(evidence: AnyEvidence, *, links: LinkPairs, user: Any) -> None:
    """Check, save and link a new record; where a new signal or report marks its items
    dirty."""
    kind = kind_of(evidence)
    check_external_id(kind, evidence)
    evidence.full_clean()
    _save(kind, evidence)
    pairs = list(links)
    affected: set[int] = set()
    if pairs:
        affected = links_sync(kind, desired={evidence.pk: pairs}, existing=[], user=user)
        mark_dirty(affected)
    radar_mark(kind, [evidence.pk], affected)


def evidence_update(
    evidence: AnyEvidence, *, data: dict[str, Any], links: LinkPairs | None
) -> None:
    """Apply `data`, check and save; with `links`, the links become exactly those pairs.
    The items linked before or after are marked dirty."""
    kind = kind_of(evidence)
    existing: list[Any] = []
    if kind.link_model is not None:
        existing = list(kind.link_model.objects.filter(**{kind.fk: evidence}))
    for name, value in data.items():
        setattr(evidence, name, value)
    check_external_id(kind, evidence)
    evidence.full_clean()
    _save(kind, evidence)
    affected = {link.item_id for link in existing}
    if links is not None:
        affected |= links_sync(
            kind, desired={evidence.pk: list(links)}, existing=existing, user=None
        )
    mark_dirty(affected)
    radar_mark(kind, [evidence.pk], affected)


def check_external_id(kind: EvidenceKind, evidence: AnyEvidence) -> None:
    """Refuse a (source, external_id) another record of the kind already has."""
    if not evidence.external_id:
        return  # no external id: nothing to be unique about
    taken = kind.model.objects.filter(source=evidence.source, external_id=evidence.external_id)
    if evidence.pk is not None:
        taken = taken.exclude(pk=evidence.pk)
    other = taken.values_list("pk", flat=True).first()
    if other is not None:
        raise DuplicateExternalId(
            noun=kind.noun,
            source=evidence.source,
            external_id=evidence.external_id,
            existing_id=other,
        )


def _save(kind: EvidenceKind, evidence: AnyEvidence) -> None:
    """Save; a twin inserted concurrently (after our check) is still a duplicate, not a 500."""
    try:
        with transaction.atomic():  # a savepoint, so the transaction survives the error
            evidence.save()
    except IntegrityError:
        check_external_id(kind, evidence)
        raise
