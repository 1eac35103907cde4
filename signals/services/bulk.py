"""Bulk upserts of evidence by (source, external_id): up to 1,000 records answered one
by one (created, updated or rejected), written in one transaction, in a constant number
of queries whatever their number."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction

from config.bulk import bulk_update_rows
from signals.services.bulk_pg import bulk_write_pg
from signals.services.bulk_prepare import bulk_prepare, created_events
from signals.services.bulk_records import BulkOutcome, BulkRecord, BulkResult
from signals.services.common import (
    OUTCOMES,
    REPORTS,
    SIGNALS,
    AnyEvidence,
    BulkWriteConflict,
    EvidenceKind,
    mark_dirty,
    radar_mark,
)
from signals.services.links import links_sync

__all__ = [
    "BulkOutcome",
    "BulkRecord",
    "BulkResult",
    "evidence_bulk_upsert",
    "outcomes_bulk_upsert",
    "reports_bulk_upsert",
    "signals_bulk_upsert",
]


def signals_bulk_upsert(
    *, records: Sequence[BulkRecord], user: User, may_update_any: bool = False
) -> BulkResult:
    """Create or update signals by (source, external_id); see `evidence_bulk_upsert`."""
    return evidence_bulk_upsert(SIGNALS, records=records, user=user, may_update_any=may_update_any)


def reports_bulk_upsert(
    *, records: Sequence[BulkRecord], user: User, may_update_any: bool = False
) -> BulkResult:
    """Create or update friction reports by (source, external_id); see
    `evidence_bulk_upsert`."""
    return evidence_bulk_upsert(REPORTS, records=records, user=user, may_update_any=may_update_any)


def outcomes_bulk_upsert(
    *, records: Sequence[BulkRecord], user: User, may_update_any: bool = False
) -> BulkResult:
    """Create or update outcomes by (source, external_id); see `evidence_bulk_upsert`.
    A new outcome's team is the submitter's."""
    return evidence_bulk_upsert(OUTCOMES, records=records, user=user, may_update_any=may_update_any)


def evidence_bulk_upsert(
    kind: EvidenceKind,
    *,
    records: Sequence[BulkRecord],
    user: User,
    may_update_any: bool,
) -> BulkResult:
    """Create the records whose (source, external_id) is new, update the others, and
    answer for each record, in a constant number of queries whatever their number.

    A refused record never stops its neighbours: records that arrive with errors, repeat
    an earlier record's (source, external_id), belong to someone else (unless
    `may_update_any`), or fail the model's own field checks are answered "rejected".
    Everything else is written in one transaction: a failure there writes nothing.
    Records carrying `links` get exactly those links. The items linked before or after
    are marked dirty once.
    """
    outcomes: dict[int, BulkOutcome] = {}
    accepted: list[tuple[BulkRecord, tuple[str, str]]] = []
    first_of: dict[tuple[str, str], int] = {}

    def reject(index: int, errors: Mapping[str, Any]) -> None:
        outcomes[index] = BulkOutcome(index=index, status="rejected", errors=errors)

    for record in records:
        if record.data is None:
            reject(record.index, record.errors or {"non_field_errors": ["Invalid record."]})
            continue
        key = (record.data.get("source") or "", record.data.get("external_id") or "")
        if not key[0] or not key[1]:
            reject(record.index, {"external_id": ["Bulk records need a source and an id."]})
        elif key in first_of:
            reject(
                record.index,
                {
                    "external_id": [
                        f"Record {first_of[key]} of this request has the same source and "
                        "external_id; send each record once."
                    ]
                },
            )
        else:
            first_of[key] = record.index
            accepted.append((record, key))

    # PostgreSQL writes set-based (bulk_pg.py); SQLite keeps the portable write.
    write = bulk_write_pg if connection.vendor == "postgresql" else _bulk_write
    try:
        with transaction.atomic():
            written = write(kind, accepted, user=user, may_update_any=may_update_any)
    except IntegrityError as exc:
        raise BulkWriteConflict(
            "Another request wrote some of these records at the same time; nothing was "
            "written. Send the request again."
        ) from exc
    outcomes.update(written)
    return BulkResult(results=[outcomes[record.index] for record in records])


def _bulk_write(
    kind: EvidenceKind,
    accepted: Sequence[tuple[BulkRecord, tuple[str, str]]],
    *,
    user: User,
    may_update_any: bool,
) -> dict[int, BulkOutcome]:
    """The portable write (SQLite): Django's bulk_create and an UPDATE per batch, history
    through simple-history, links through `links_sync`."""
    prepared = bulk_prepare(kind, accepted, user=user, may_update_any=may_update_any)
    outcomes = prepared.outcomes
    to_create, to_update, links_of = prepared.to_create, prepared.to_update, prepared.links_of
    desired_links: dict[int, list[tuple[int, float]]] = {}  # evidence id → pairs

    created = [evidence for _, evidence in to_create]
    updated = [evidence for _, evidence in to_update]
    if created:
        # `created` holds kind.model's instances; mypy cannot tie the two unions together.
        kind.model.objects.bulk_create(created)  # type: ignore[arg-type]
        kind.model.history.bulk_history_create(created, default_user=user)
        created_events(kind, created)
    affected: set[int] = set()
    existing_links: list[Any] = []
    if updated:
        bulk_update_rows(kind.model, updated, sorted(prepared.update_fields | {"updated_at"}))
        kind.model.history.bulk_history_create(updated, update=True, default_user=user)
    if updated and kind.link_model is not None:
        # Items linked to an updated record are rescored even when its links stay.
        existing_links = list(
            kind.link_model.objects.filter(
                **{f"{kind.fk}_id__in": [evidence.pk for evidence in updated]}
            )
        )
        affected.update(link.item_id for link in existing_links)
    written: tuple[tuple[Literal["created", "updated"], list[tuple[int, AnyEvidence]]], ...]
    written = (("created", to_create), ("updated", to_update))
    for status, pairs in written:
        for index, evidence in pairs:
            if index in links_of:
                desired_links[evidence.pk] = links_of[index]
            outcomes[index] = BulkOutcome(index=index, status=status, id=evidence.pk)
    if desired_links:
        affected |= links_sync(kind, desired=desired_links, existing=existing_links, user=user)
    mark_dirty(affected)
    radar_mark(kind, [e.pk for e in (*created, *updated)], affected)
    return outcomes
