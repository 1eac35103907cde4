"""Write use-cases of the radar: keep its derived rows current, and record what people
decide about suggestions and duplicates.

Freshness: writers of evidence, links and items call `radar_mark_stale` in their own
transaction (a stale doc or profile row), which queues one debounced `signals.radar_refresh`
after commit. Beat runs the same refresh every minute (`radar-refresh-stale`), so a broker
outage delays suggestions and loses none. Items edited in the admin or the API are noticed
by their `updated_at` (roadmap knows nothing of the radar).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from config.dispatch import send_after_commit
from config.roles import Role, has_role
from roadmap.models import RoadmapItem
from signals.models import FrictionReport, MarketSignal
from signals.radar import duplicates, index, matching
from signals.radar.models import (
    DuplicateStatus,
    RadarDoc,
    RadarDuplicate,
    RadarSuggestion,
    SuggestionStatus,
)

REFRESH_TASK = "signals.radar_refresh"
# Docs refreshed per run: a run stays short, and queues the next one if more are stale.
REFRESH_BATCH = 500


def radar_mark_stale(
    *,
    signal_ids: list[int] | tuple[int, ...] = (),
    report_ids: list[int] | tuple[int, ...] = (),
    item_ids: list[int] | tuple[int, ...] | set[int] = (),
) -> None:
    """Record, in the caller's transaction, that these evidence or item profiles changed,
    and queue one refresh after commit. Cheap: two upserts at most."""
    index.docs_ensure(signal_ids=signal_ids, report_ids=report_ids)
    index.profiles_mark_stale(item_ids=item_ids)
    if signal_ids or report_ids or item_ids:
        send_after_commit(REFRESH_TASK, debounce=settings.RADAR_DEBOUNCE_SECONDS)


@dataclass(frozen=True)
class RefreshResult:
    profiles: int
    docs: int
    remaining: bool
    seconds: float


def radar_refresh(*, batch: int = REFRESH_BATCH) -> RefreshResult:
    """Rebuild due item profiles, then analyse the stale docs, write their suggestions and
    duplicate flags and clear their mark. Safe to run twice at once: a doc is cleared only
    if nobody marked it again meanwhile (compare-and-set on `stale`)."""
    started = time.perf_counter()
    docs = list(RadarDoc.objects.filter(stale=True).order_by("observed_at", "pk")[:batch])
    # First the text: linked evidence describes its items.
    texts = index.docs_analyse(docs)
    item_ids = index.profiles_due(limit=2000)
    profiles = 0
    if item_ids:
        with transaction.atomic():
            profiles = index.profiles_build(item_ids=item_ids)
        # The open suggestions that named these items may be outdated.
        RadarDoc.objects.filter(
            suggestions__item_id__in=item_ids, suggestions__status=SuggestionStatus.OPEN
        ).update(stale=True)
    done = docs_refresh(docs, texts=texts)
    remaining = RadarDoc.objects.filter(stale=True).exists()
    return RefreshResult(profiles, done, remaining, time.perf_counter() - started)


def docs_refresh(
    docs: list[RadarDoc], *, texts: dict[int, index.EvidenceText] | None = None
) -> int:
    """Analyse `docs` (unless `texts` says they were), then their suggestions and
    duplicates. Returns how many. A doc's mark is cleared only if its `rev` is still the
    one loaded with it, before its text was read."""
    marked_at = timezone.now()
    if texts is None:
        texts = index.docs_analyse(docs)
    for doc in docs:
        evidence = texts.get(doc.pk)
        if evidence is None:
            continue
        with transaction.atomic():
            # Its own row first: the refresh then waits for no other row (the vectors of
            # other evidence are stored only where free, `matching.doc_vectors`), so an
            # import that holds other rows and waits for this one cannot deadlock with it.
            list(RadarDoc.objects.select_for_update().filter(pk=doc.pk).values_list("pk"))
            if doc.active:
                matching.doc_suggestions_write(doc, evidence_text=evidence.text)
                duplicates.doc_duplicates_write(doc)
            else:
                RadarSuggestion.objects.filter(doc=doc, status=SuggestionStatus.OPEN).delete()
            RadarDoc.objects.filter(pk=doc.pk, rev=doc.rev).update(
                stale=False, computed_at=marked_at
            )
    return len(texts)


def radar_rebuild_all() -> RefreshResult:
    """Everything from scratch: every doc and profile (a new deployment, the daily run).
    Profiles are built twice: the second time with the idf the first one counted."""
    started = time.perf_counter()
    signals = MarketSignal.objects.values_list("pk", flat=True)
    reports = FrictionReport.objects.values_list("pk", flat=True)
    index.docs_ensure(signal_ids=signals, report_ids=reports)
    index.docs_analyse(list(RadarDoc.objects.all()))
    item_ids = list(RoadmapItem.objects.values_list("pk", flat=True))
    for _ in range(2):
        index.profiles_build(item_ids=item_ids)
    RadarDoc.objects.update(stale=True)
    docs = 0
    while True:
        batch = list(RadarDoc.objects.filter(stale=True).order_by("observed_at", "pk")[:2000])
        if not batch:
            break
        docs += docs_refresh(batch)
    return RefreshResult(len(item_ids), docs, False, time.perf_counter() - started)


# --- Decisions ------------------------------------------------------------------------


class RadarForbidden(PermissionDenied):
    pass


def _may_act(user: User, doc: RadarDoc) -> None:
    """Product acts on any evidence; marketing on the evidence it submitted."""
    if has_role(user, Role.PRODUCT):
        return
    owner = (doc.signal or doc.report).submitted_by_id  # type: ignore[union-attr]
    if has_role(user, Role.MARKETING) and owner == user.pk:
        return
    raise RadarForbidden("You may act only on the evidence you submitted.")


@transaction.atomic
def suggestion_accept(*, suggestion: RadarSuggestion, user: User) -> RadarSuggestion:
    """Link the evidence to the suggested item with weight 1 (through the signals link
    service, so scores are marked dirty) and remember the decision."""
    from signals.services import evidence_link_upsert  # signals.services imports this module

    locked = (
        RadarSuggestion.objects.select_for_update(of=("self",))
        .select_related("doc__signal", "doc__report", "item")
        .get(pk=suggestion.pk)
    )
    _may_act(user, locked.doc)
    if locked.status == SuggestionStatus.ACCEPTED:
        return locked  # retry-safe
    if locked.status == SuggestionStatus.REJECTED:
        raise ValidationError("This suggestion was rejected; link the item directly instead.")
    evidence = (
        {"signal": locked.doc.signal} if locked.doc.signal_id else {"report": locked.doc.report}
    )
    evidence_link_upsert(item=locked.item, weight=1.0, **evidence)
    locked.status = SuggestionStatus.ACCEPTED
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


@transaction.atomic
def suggestion_reject(*, suggestion: RadarSuggestion, user: User) -> RadarSuggestion:
    """Remember that this item is not the evidence's: it is never suggested for it again."""
    locked = (
        RadarSuggestion.objects.select_for_update(of=("self",))
        .select_related("doc__signal", "doc__report")
        .get(pk=suggestion.pk)
    )
    _may_act(user, locked.doc)
    if locked.status == SuggestionStatus.REJECTED:
        return locked
    if locked.status == SuggestionStatus.ACCEPTED:
        raise ValidationError("This suggestion was accepted; unlink the item instead.")
    locked.status = SuggestionStatus.REJECTED
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    # Another item may take its place among the three.
    radar_mark_stale(
        signal_ids=[locked.doc.signal_id] if locked.doc.signal_id else [],
        report_ids=[locked.doc.report_id] if locked.doc.report_id else [],
    )
    return locked


@transaction.atomic
def duplicate_confirm(*, duplicate: RadarDuplicate, user: User) -> RadarDuplicate:
    """The duplicate is dismissed (a signal) or set dismissed (a report) with a reference to
    its original, so it stops counting; the original and its links stay as they are."""
    from signals import services as evidence_services

    locked = (
        RadarDuplicate.objects.select_for_update(of=("self",))
        .select_related("doc__signal", "doc__report", "original")
        .get(pk=duplicate.pk)
    )
    _may_act(user, locked.doc)
    if locked.status == DuplicateStatus.CONFIRMED:
        return locked
    if locked.status == DuplicateStatus.REJECTED:
        raise ValidationError("This duplicate flag was rejected.")
    original = locked.original
    reference = f"duplicate of {original.kind} {original.evidence_id}"
    if locked.doc.signal_id:
        evidence_services.signals_set_dismissed(
            signal_ids=[locked.doc.signal_id], dismissed=True, user=user
        )
    else:
        report = locked.doc.report
        assert report is not None
        if report.status == "open":
            evidence_services.report_set_status(report=report, status="dismissed")
    locked.status = DuplicateStatus.CONFIRMED
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    RadarDoc.objects.filter(pk=locked.doc_id).update(active=False)
    RadarSuggestion.objects.filter(doc_id=locked.doc_id, status=SuggestionStatus.OPEN).delete()
    locked.reference = reference  # type: ignore[attr-defined]
    return locked


@transaction.atomic
def duplicate_reject(*, duplicate: RadarDuplicate, user: User) -> RadarDuplicate:
    """Not a duplicate: the pair is never flagged again."""
    locked = (
        RadarDuplicate.objects.select_for_update(of=("self",))
        .select_related("doc__signal", "doc__report")
        .get(pk=duplicate.pk)
    )
    _may_act(user, locked.doc)
    if locked.status == DuplicateStatus.REJECTED:
        return locked
    if locked.status == DuplicateStatus.CONFIRMED:
        raise ValidationError("This duplicate was confirmed; restore the evidence instead.")
    locked.status = DuplicateStatus.REJECTED
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked
