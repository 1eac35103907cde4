"""Bulk upserts of evidence by (source, external_id): up to 1,000 records answered one
by one (created, updated or rejected), written in one transaction, in a constant number
of queries whatever their number."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from config.bulk import bulk_update_rows
from signals import webhook_events
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


@dataclass(frozen=True)
class BulkRecord:
    """One record of a bulk request: its validated fields (with `source`, `external_id`
    and optionally `links` as (item id, weight) pairs), or why it was refused already."""

    index: int
    data: Mapping[str, Any] | None = None
    errors: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BulkOutcome:
    index: int
    status: Literal["created", "updated", "rejected"]
    id: int | None = None
    errors: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BulkResult:
    results: list[BulkOutcome] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for outcome in self.results if outcome.status == status)

    @property
    def created(self) -> int:
        return self._count("created")

    @property
    def updated(self) -> int:
        return self._count("updated")

    @property
    def rejected(self) -> int:
        return self._count("rejected")


def signals_bulk_upsert(
    *, records: Sequence[BulkRecord], user: AbstractBaseUser, may_update_any: bool = False
) -> BulkResult:
    """Create or update signals by (source, external_id); see `evidence_bulk_upsert`."""
    return evidence_bulk_upsert(SIGNALS, records=records, user=user, may_update_any=may_update_any)


def reports_bulk_upsert(
    *, records: Sequence[BulkRecord], user: AbstractBaseUser, may_update_any: bool = False
) -> BulkResult:
    """Create or update friction reports by (source, external_id); see
    `evidence_bulk_upsert`."""
    return evidence_bulk_upsert(REPORTS, records=records, user=user, may_update_any=may_update_any)


def outcomes_bulk_upsert(
    *, records: Sequence[BulkRecord], user: AbstractBaseUser, may_update_any: bool = False
) -> BulkResult:
    """Create or update outcomes by (source, external_id); see `evidence_bulk_upsert`.
    A new outcome's team is the submitter's."""
    return evidence_bulk_upsert(OUTCOMES, records=records, user=user, may_update_any=may_update_any)


def evidence_bulk_upsert(
    kind: EvidenceKind,
    *,
    records: Sequence[BulkRecord],
    user: AbstractBaseUser,
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

    try:
        with transaction.atomic():
            written = _bulk_write(kind, accepted, user=user, may_update_any=may_update_any)
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
    user: AbstractBaseUser,
    may_update_any: bool,
) -> dict[int, BulkOutcome]:
    outcomes: dict[int, BulkOutcome] = {}
    existing = _evidence_by_key(kind, [key for _, key in accepted])
    now = timezone.now()
    to_create: list[tuple[int, AnyEvidence]] = []
    to_update: list[tuple[int, AnyEvidence]] = []
    update_fields: set[str] = set()
    desired_links: dict[int, list[tuple[int, float]]] = {}  # position in to_* → pairs
    links_of: dict[int, list[tuple[int, float]]] = {}  # record index → pairs

    for record, key in accepted:
        assert record.data is not None
        fields = dict(record.data)
        links = fields.pop("links", None)
        evidence = existing.get(key)
        if evidence is None:
            evidence = kind.model(submitted_by=user, **kind.submitter_fields(user), **fields)
        elif not may_update_any and evidence.submitted_by_id != user.pk:
            outcomes[record.index] = BulkOutcome(
                index=record.index,
                status="rejected",
                id=None,
                errors={
                    "non_field_errors": [
                        f"This {kind.noun} (id {evidence.pk}) was submitted by someone "
                        "else; you may change only your own."
                    ]
                },
            )
            continue
        else:
            for name, value in fields.items():
                setattr(evidence, name, value)
            evidence.updated_at = now
            update_fields.update(fields.keys() - {"source", "external_id"})  # they matched
        try:
            evidence.full_clean(
                exclude=list(kind.fk_fields), validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            outcomes[record.index] = BulkOutcome(
                index=record.index, status="rejected", errors=exc.message_dict
            )
            continue
        (to_update if evidence.pk else to_create).append((record.index, evidence))
        if links is not None:
            links_of[record.index] = [(int(item), float(weight)) for item, weight in links]

    created = [evidence for _, evidence in to_create]
    updated = [evidence for _, evidence in to_update]
    if created:
        kind.model.objects.bulk_create(created)
        kind.model.history.bulk_history_create(created, default_user=user)
        if kind is REPORTS:
            webhook_events.reports_created(created)  # type: ignore[arg-type]
        elif kind is OUTCOMES:
            webhook_events.outcomes_created(created)  # type: ignore[arg-type]
    affected: set[int] = set()
    existing_links: list[Any] = []
    if updated:
        bulk_update_rows(kind.model, updated, sorted(update_fields | {"updated_at"}))
        kind.model.history.bulk_history_create(updated, update=True, default_user=user)
    if updated and kind.link_model is not None:
        # Items linked to an updated record are rescored even when its links stay.
        existing_links = list(
            kind.link_model.objects.filter(
                **{f"{kind.fk}_id__in": [evidence.pk for evidence in updated]}
            )
        )
        affected.update(link.item_id for link in existing_links)
    for status, pairs in (("created", to_create), ("updated", to_update)):
        for index, evidence in pairs:
            if index in links_of:
                desired_links[evidence.pk] = links_of[index]
            outcomes[index] = BulkOutcome(index=index, status=status, id=evidence.pk)
    if desired_links:
        affected |= links_sync(kind, desired=desired_links, existing=existing_links, user=user)
    mark_dirty(affected)
    radar_mark(kind, [e.pk for e in (*created, *updated)], affected)
    return outcomes


def _evidence_by_key(
    kind: EvidenceKind, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], AnyEvidence]:
    """The existing records with these (source, external_id) keys, locked, in one query."""
    if not keys:
        return {}
    wanted = set(keys)
    # Two IN lists rather than an OR per pair (SQLite caps the depth of an expression);
    # the few extra rows they may match are dropped here.
    rows: QuerySet = kind.model.objects.select_for_update().filter(
        source__in={source for source, _ in wanted},
        external_id__in={external_id for _, external_id in wanted},
    )
    return {
        (row.source, row.external_id): row
        for row in rows
        if (row.source, row.external_id) in wanted
    }
