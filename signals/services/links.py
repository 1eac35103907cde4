"""Links between evidence (signals, reports) and roadmap items: one at a time, and the
set-based sync every write with `links` goes through."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from config.bulk import bulk_update_rows
from roadmap.models import RoadmapItem
from signals import webhook_events
from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink
from signals.services.common import REPORTS, SIGNALS, AnyLink, EvidenceKind, mark_dirty, radar_mark


@transaction.atomic
def evidence_link(
    *,
    item: RoadmapItem,
    signal: MarketSignal | None = None,
    report: FrictionReport | None = None,
    weight: float = 1.0,
) -> SignalLink | ReportLink:
    """Link a signal or a report to an item with a weight; linking again updates the weight."""
    link, _ = evidence_link_upsert(item=item, signal=signal, report=report, weight=weight)
    return link


@transaction.atomic
def evidence_link_upsert(
    *,
    item: RoadmapItem,
    signal: MarketSignal | None = None,
    report: FrictionReport | None = None,
    weight: float = 1.0,
) -> tuple[SignalLink | ReportLink, bool]:
    """`evidence_link`, also telling whether the link is new (True) or reweighted."""
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
    created = link.pk is None
    link.weight = weight
    link.full_clean()
    link.save()
    mark_dirty([item.pk])
    radar_mark(
        SIGNALS if signal is not None else REPORTS,
        [link.signal_id if signal is not None else link.report_id],
        [item.pk],
    )  # type: ignore[union-attr]
    if isinstance(link, ReportLink):
        webhook_events.reports_linked([link])
    return link, created


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
        mark_dirty([item.pk])
        evidence = signal if signal is not None else report
        assert evidence is not None
        radar_mark(SIGNALS if signal is not None else REPORTS, [evidence.pk], [item.pk])
    return bool(deleted)


def links_sync(
    kind: EvidenceKind,
    *,
    desired: Mapping[int, Sequence[tuple[int, float]]],
    existing: Sequence[AnyLink],
    user: Any,
) -> set[int]:
    """Make the links of each evidence id in `desired` exactly its (item id, weight)
    pairs, in a constant number of queries, with a history row per changed link.

    `existing` holds (at least) the current links of those evidence ids. Returns the
    items whose evidence changed: linked before or after.
    """
    evidence_attr = f"{kind.fk}_id"
    current = {(getattr(link, evidence_attr), link.item_id): link for link in existing}
    to_create: list[Any] = []
    to_update: list[Any] = []
    to_delete: list[Any] = []
    affected: set[int] = set()
    for evidence_id, pairs in desired.items():
        wanted = dict(pairs)
        affected.update(wanted)
        for item_id, weight in wanted.items():
            link = current.get((evidence_id, item_id))
            if link is None:
                to_create.append(
                    kind.link_model(item_id=item_id, weight=weight, **{evidence_attr: evidence_id})
                )
            elif link.weight != weight:
                link.weight = weight
                to_update.append(link)
    for (evidence_id, item_id), link in current.items():
        if evidence_id in desired and item_id not in dict(desired[evidence_id]):
            to_delete.append(link)
            affected.add(item_id)
    for link in (*to_create, *to_update):
        link.full_clean(
            exclude=["item", kind.fk], validate_unique=False, validate_constraints=False
        )
    history = kind.link_model.history  # type: ignore[union-attr]
    if to_delete:
        # A plain delete() would load the rows again and write a history row per link;
        # the rows are in hand, so delete them in one statement and record them in one.
        kind.link_model.objects.filter(pk__in=[link.pk for link in to_delete])._raw_delete(
            kind.link_model.objects.db
        )
        history_deleted(kind.link_model, to_delete, user=user)
    if to_create:
        kind.link_model.objects.bulk_create(to_create)
        history.bulk_history_create(to_create, default_user=user)
    if to_update:
        bulk_update_rows(kind.link_model, to_update, ["weight"])
        history.bulk_history_create(to_update, update=True, default_user=user)
    if kind.link_model is ReportLink:
        webhook_events.reports_linked([*to_create, *to_update])
    return affected


def history_deleted(model: type[Model], objs: Sequence[Model], *, user: Any) -> None:
    """The "-" history rows simple-history writes on delete(), for rows deleted in bulk."""
    historical = model.history.model  # type: ignore[attr-defined]
    now = timezone.now()
    historical.objects.bulk_create(
        [
            historical(
                history_date=now,
                history_user=user or historical.get_default_history_user(obj),
                history_change_reason="",
                history_type="-",
                **{f.attname: getattr(obj, f.attname) for f in historical.tracked_fields},
            )
            for obj in objs
        ]
    )
