"""Write use-cases for campaigns and their funnel snapshots.

Both are keyed by (source, external_id) like signals, and their bulk upserts are the same
machinery (signals.services.evidence_bulk_upsert): answered record by record, in a
constant number of queries. What the generic machinery cannot see is checked here before
it runs: a snapshot's period must not overlap another period of its campaign (in the
database or earlier in the same request); the campaigns named are locked meanwhile, so two
writers cannot slip overlapping periods past each other.

Campaigns and snapshots are no score input: they mark no item dirty. A snapshot write
queues the friction proposals of its campaigns after commit (proposals.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.dispatch import send_after_commit
from signals.campaigns.models import Campaign, FunnelSnapshot
from signals.services import (
    BulkRecord,
    BulkResult,
    DuplicateExternalId,
    EvidenceKind,
    evidence_bulk_upsert,
)

PROPOSALS_TASK = "signals.friction_proposals_refresh"

# The generic bulk upsert only needs a model with source, external_id, submitted_by and
# history; campaigns have no links to items.
_CAMPAIGNS = EvidenceKind(Campaign, None, "campaign", "campaign")  # type: ignore[arg-type]
_SNAPSHOTS = EvidenceKind(
    FunnelSnapshot,  # type: ignore[arg-type]
    None,
    "snapshot",
    "funnel snapshot",
    fk_fields=("campaign", "submitted_by"),
)


def _check_external_id(model: type[Campaign] | type[FunnelSnapshot], obj: Any, noun: str) -> None:
    if not obj.external_id:
        return
    taken = model.objects.filter(source=obj.source, external_id=obj.external_id)
    if obj.pk is not None:
        taken = taken.exclude(pk=obj.pk)
    other = taken.values_list("pk", flat=True).first()
    if other is not None:
        raise DuplicateExternalId(
            noun=noun, source=obj.source, external_id=obj.external_id, existing_id=other
        )


def _save(model: type[Campaign] | type[FunnelSnapshot], obj: Any, noun: str) -> None:
    """Save; a twin inserted concurrently (after our check) is a duplicate, not a 500."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        _check_external_id(model, obj, noun)
        raise


# --- Campaigns --------------------------------------------------------------------------


@transaction.atomic
def campaign_create(*, submitted_by: User | None = None, **fields: Any) -> Campaign:
    campaign = Campaign(submitted_by=submitted_by, **fields)
    _check_external_id(Campaign, campaign, "campaign")
    campaign.full_clean()
    _save(Campaign, campaign, "campaign")
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, data: Mapping[str, Any]) -> Campaign:
    for name, value in data.items():
        setattr(campaign, name, value)
    _check_external_id(Campaign, campaign, "campaign")
    campaign.full_clean()
    _save(Campaign, campaign, "campaign")
    return campaign


@transaction.atomic
def campaign_delete(*, campaign: Campaign) -> None:
    """Delete a campaign with its snapshots and proposals; reports already confirmed from
    it stay (they are marketing's own record by then)."""
    campaign.delete()


def campaigns_bulk_upsert(
    *, records: Sequence[BulkRecord], user: User, may_update_any: bool = False
) -> BulkResult:
    """Create or update campaigns by (source, external_id), answered record by record."""
    return evidence_bulk_upsert(
        _CAMPAIGNS, records=records, user=user, may_update_any=may_update_any
    )


# --- Funnel snapshots -------------------------------------------------------------------


def _overlap_message(start: date, end: date) -> dict[str, list[str]]:
    return {
        "period_start": [
            _(
                "This period overlaps the campaign's period from %(start)s to %(end)s: one "
                "campaign's snapshots cover separate periods."
            )
            % {"start": start.isoformat(), "end": end.isoformat()}
        ]
    }


def _overlapping(
    start: date, end: date, periods: Iterable[tuple[date, date]]
) -> tuple[date, date] | None:
    for other_start, other_end in periods:
        if start <= other_end and other_start <= end:
            return other_start, other_end
    return None


def _queue_proposals(campaign_ids: Iterable[int]) -> None:
    ids = sorted(set(campaign_ids))
    if ids:
        send_after_commit(PROPOSALS_TASK, kwargs={"campaign_ids": ids})


@transaction.atomic
def snapshot_create(*, submitted_by: User | None = None, **fields: Any) -> FunnelSnapshot:
    snapshot = FunnelSnapshot(submitted_by=submitted_by, **fields)
    _snapshot_write(snapshot)
    return snapshot


@transaction.atomic
def snapshot_update(*, snapshot: FunnelSnapshot, data: Mapping[str, Any]) -> FunnelSnapshot:
    for name, value in data.items():
        setattr(snapshot, name, value)
    _snapshot_write(snapshot)
    return snapshot


@transaction.atomic
def snapshot_delete(*, snapshot: FunnelSnapshot) -> None:
    campaign_id = snapshot.campaign_id
    snapshot.delete()
    _queue_proposals([campaign_id])


def _snapshot_write(snapshot: FunnelSnapshot) -> None:
    _check_external_id(FunnelSnapshot, snapshot, "funnel snapshot")
    snapshot.full_clean()
    # The lock serialises writers of one campaign's periods (see the module docstring).
    Campaign.objects.select_for_update(no_key=True).filter(pk=snapshot.campaign_id).values(
        "pk"
    ).first()
    others = FunnelSnapshot.objects.filter(campaign_id=snapshot.campaign_id)
    if snapshot.pk is not None:
        others = others.exclude(pk=snapshot.pk)
    clash = _overlapping(
        snapshot.period_start,
        snapshot.period_end,
        others.values_list("period_start", "period_end"),
    )
    if clash:
        raise ValidationError(_overlap_message(*clash))
    _save(FunnelSnapshot, snapshot, "funnel snapshot")
    _queue_proposals([snapshot.campaign_id])


def snapshots_bulk_upsert(
    *, records: Sequence[BulkRecord], user: User, may_update_any: bool = False
) -> BulkResult:
    """Create or update funnel snapshots by (source, external_id), answered record by
    record; a record whose period overlaps another of its campaign (stored, or accepted
    earlier in this request) is rejected. Four queries more than the generic upsert."""
    with transaction.atomic():
        checked = _periods_check(records)
        result = evidence_bulk_upsert(
            _SNAPSHOTS, records=checked, user=user, may_update_any=may_update_any
        )
        _queue_proposals(
            record.data["campaign"].pk
            for record, outcome in zip(checked, result.results, strict=True)
            if record.data is not None and outcome.status != "rejected"
        )
    return result


def snapshots_periods_check(records: Sequence[BulkRecord]) -> list[BulkRecord]:
    """What snapshots_bulk_upsert would refuse for overlapping periods, without writing:
    the records with those rejected (the file import's dry run shows them)."""
    with transaction.atomic():
        return _periods_check(records)


def _periods_check(records: Sequence[BulkRecord]) -> list[BulkRecord]:
    """The records, with those whose period overlaps another of the campaign turned into
    rejections. Locks the campaigns named; two queries."""
    valid = [record for record in records if record.data is not None]
    campaign_ids = sorted({record.data["campaign"].pk for record in valid if record.data})
    if not campaign_ids:
        return list(records)
    list(
        Campaign.objects.select_for_update(no_key=True)
        .filter(pk__in=campaign_ids)
        .order_by("pk")
        .values("pk")
    )
    stored: dict[int, dict[tuple[str, str] | int, tuple[date, date]]] = {}
    for pk, campaign_id, source, external_id, start, end in FunnelSnapshot.objects.filter(
        campaign_id__in=campaign_ids
    ).values_list("pk", "campaign_id", "source", "external_id", "period_start", "period_end"):
        # A stored snapshot is known by its key when it has one (a record re-sending it
        # replaces its period), by its id otherwise.
        key: tuple[str, str] | int = (source, external_id) if external_id else pk
        stored.setdefault(campaign_id, {})[key] = (start, end)
    moved: set[tuple[str, str]] = set()  # keys whose stored period a record replaces
    for record in valid:
        assert record.data is not None
        moved.add((record.data.get("source") or "", record.data.get("external_id") or ""))
    checked: list[BulkRecord] = []
    accepted: dict[int, list[tuple[date, date]]] = {}
    for record in records:
        if record.data is None:
            checked.append(record)
            continue
        data = record.data
        campaign_id = data["campaign"].pk
        start, end = data["period_start"], data["period_end"]
        if start > end:
            checked.append(record)  # the model's own check words this one
            continue
        periods = [
            period
            for key, period in stored.get(campaign_id, {}).items()
            if not (isinstance(key, tuple) and key in moved)
        ]
        clash = _overlapping(start, end, [*periods, *accepted.get(campaign_id, [])])
        if clash:
            checked.append(replace(record, data=None, errors=_overlap_message(*clash)))
            continue
        accepted.setdefault(campaign_id, []).append((start, end))
        checked.append(record)
    return checked
