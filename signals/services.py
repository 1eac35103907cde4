"""Write use-cases for market signals, friction reports and their links to items, and for
outcomes (KPIs measured after an item shipped).

Every write that can change a score marks the linked items dirty in the same transaction:
the items linked before the write as well as after it, so unlinking an item rescores it.
Signals, reports and outcomes share their logic (external ids, bulk upserts) through an
`_EvidenceKind` that names the models. Outcomes are no score input: they change no score.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from config.bulk import bulk_update_rows
from config.roles import Role, user_roles
from roadmap.models import RoadmapItem
from roadmap.services import items_mark_dirty
from signals import webhook_events
from signals.choices import ReportStatus, Team
from signals.models import FrictionReport, MarketSignal, Outcome, ReportLink, SignalLink
from signals.radar.services import radar_mark_stale

# Allowed report status transitions: a report is resolved once, from open.
REPORT_TRANSITIONS = {
    ReportStatus.OPEN: {ReportStatus.ADDRESSED, ReportStatus.DISMISSED},
    ReportStatus.ADDRESSED: set(),
    ReportStatus.DISMISSED: set(),
}

AnyEvidence = MarketSignal | FrictionReport | Outcome
AnyLink = SignalLink | ReportLink
# (item id, weight) pairs: how a piece of evidence bears on items.
LinkPairs = Iterable[tuple[int, float]]


class InvalidTransition(Exception):
    pass


class DuplicateExternalId(ValidationError):
    """Another record of the same kind already has this (source, external_id).

    A ValidationError, so callers that only know validation errors still answer 400;
    the API answers 409 and names the existing record.
    """

    def __init__(self, *, noun: str, source: str, external_id: str, existing_id: int) -> None:
        self.existing_id = existing_id
        article = "An" if noun[0] in "aeiou" else "A"
        self.text = (
            f"{article} {noun} with source {source!r} and external_id {external_id!r} already "
            f"exists (id {existing_id}); send the changes to that record instead."
        )
        super().__init__({"external_id": [self.text]}, code="duplicate")


class BulkWriteConflict(Exception):
    """A concurrent request wrote some of the same records first; nothing was written."""


def _no_fields(user: User | None) -> dict[str, Any]:
    return {}


def team_of(user: User | None) -> str:
    """The team a user measures for: product when they have the product role (superusers
    do), marketing otherwise (the only other role that may submit)."""
    return Team.PRODUCT if Role.PRODUCT in user_roles(user) else Team.MARKETING


@dataclass(frozen=True)
class _EvidenceKind:
    model: type[MarketSignal] | type[FrictionReport] | type[Outcome]
    link_model: type[SignalLink] | type[ReportLink] | None  # None: no links to items
    fk: str  # the link's field naming the evidence
    noun: str
    # Foreign keys not checked per record in bulk: the caller reads their rows in one
    # query per model, and the database enforces them on write.
    fk_fields: tuple[str, ...] = ("segment", "submitted_by")
    # Fields a new record gets from who submits it, beside `submitted_by`.
    submitter_fields: Callable[[User | None], dict[str, Any]] = _no_fields


_SIGNALS = _EvidenceKind(MarketSignal, SignalLink, "signal", "signal")
_REPORTS = _EvidenceKind(FrictionReport, ReportLink, "report", "friction report")
_OUTCOMES = _EvidenceKind(
    Outcome,
    None,
    "outcome",
    "outcome",
    fk_fields=("segment", "submitted_by", "item"),
    submitter_fields=lambda user: {"team": team_of(user)},
)


def _kind_of(evidence: AnyEvidence) -> _EvidenceKind:
    if isinstance(evidence, Outcome):
        return _OUTCOMES
    return _SIGNALS if isinstance(evidence, MarketSignal) else _REPORTS


def _radar_mark(kind: _EvidenceKind, evidence_ids: Iterable[int], item_ids: Iterable[int]) -> None:
    """Tell the radar (signals.radar) that this evidence and these items' profiles changed."""
    if kind.link_model is None:
        return  # outcomes are no evidence the radar reads
    ids = list(evidence_ids)
    radar_mark_stale(
        signal_ids=ids if kind is _SIGNALS else [],
        report_ids=ids if kind is _REPORTS else [],
        item_ids=set(item_ids),
    )


def _linked_item_ids(links_model: type[SignalLink] | type[ReportLink], **lookup: Any) -> list[int]:
    return list(links_model.objects.filter(**lookup).values_list("item_id", flat=True))


# --- One record at a time -----------------------------------------------------------------


@transaction.atomic
def signal_create(
    *,
    submitted_by: User | None = None,
    links: LinkPairs = (),
    **fields: Any,
) -> MarketSignal:
    signal = MarketSignal(submitted_by=submitted_by, **fields)
    _evidence_create(signal, links=links, user=submitted_by)
    return signal


@transaction.atomic
def signal_update(
    *, signal: MarketSignal, data: dict[str, Any], links: LinkPairs | None = None
) -> MarketSignal:
    """Apply `data`; with `links`, the signal's links become exactly those pairs."""
    _evidence_update(signal, data=data, links=links)
    return signal


@transaction.atomic
def signal_delete(*, signal: MarketSignal) -> None:
    item_ids = _linked_item_ids(SignalLink, signal=signal)
    signal.delete()
    items_mark_dirty(item_ids=item_ids)


@transaction.atomic
def signals_set_dismissed(
    *, signal_ids: Iterable[int], dismissed: bool, user: User | None = None
) -> int:
    """Dismiss (or restore) signals in one UPDATE, with a history row for each one that
    changed; return how many changed. Dismissed evidence no longer counts in scores."""
    ids = list(
        MarketSignal.objects.select_for_update()
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
    items_mark_dirty(item_ids=item_ids)
    _radar_mark(_SIGNALS, ids, item_ids)
    return len(ids)


@transaction.atomic
def report_create(
    *,
    submitted_by: User | None = None,
    links: LinkPairs = (),
    **fields: Any,
) -> FrictionReport:
    report = FrictionReport(submitted_by=submitted_by, **fields)
    _evidence_create(report, links=links, user=submitted_by)
    webhook_events.reports_created([report])
    return report


@transaction.atomic
def report_update(
    *, report: FrictionReport, data: dict[str, Any], links: LinkPairs | None = None
) -> FrictionReport:
    """Apply `data`; with `links`, the report's links become exactly those pairs."""
    if "status" in data and data["status"] != report.status:
        _check_transition(report.status, data["status"])
    _evidence_update(report, data=data, links=links)
    return report


@transaction.atomic
def report_delete(*, report: FrictionReport) -> None:
    item_ids = _linked_item_ids(ReportLink, report=report)
    report.delete()
    items_mark_dirty(item_ids=item_ids)


@transaction.atomic
def report_set_status(*, report: FrictionReport, status: str) -> FrictionReport:
    locked = FrictionReport.objects.select_for_update().get(pk=report.pk)
    if locked.status == status:
        return locked  # retry-safe: asking twice for the same state is not an error
    _check_transition(locked.status, status)
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    item_ids = _linked_item_ids(ReportLink, report=locked)
    items_mark_dirty(item_ids=item_ids)
    _radar_mark(_REPORTS, [locked.pk], item_ids)
    return locked


@transaction.atomic
def outcome_create(*, submitted_by: User | None = None, **fields: Any) -> Outcome:
    """Record an outcome of a shipped item. Its team is the submitter's (team_of)."""
    outcome = Outcome(
        submitted_by=submitted_by, **_OUTCOMES.submitter_fields(submitted_by), **fields
    )
    _evidence_create(outcome, links=(), user=submitted_by)
    webhook_events.outcomes_created([outcome])
    return outcome


@transaction.atomic
def outcome_update(*, outcome: Outcome, data: dict[str, Any]) -> Outcome:
    """Apply `data`. Who submitted it, and so its team, stays as it was."""
    _evidence_update(outcome, data=data, links=None)
    return outcome


@transaction.atomic
def outcome_delete(*, outcome: Outcome) -> None:
    """Remove a wrong outcome (the admin only: the API has no DELETE). No score reads
    outcomes, so nothing is marked dirty."""
    outcome.delete()


def _check_transition(current: str, target: str) -> None:
    if target not in REPORT_TRANSITIONS.get(ReportStatus(current), set()):
        raise InvalidTransition(f"a report cannot go from {current} to {target}")


def _evidence_create(evidence: AnyEvidence, *, links: LinkPairs, user: Any) -> None:
    kind = _kind_of(evidence)
    _check_external_id(kind, evidence)
    evidence.full_clean()
    _save(kind, evidence)
    pairs = list(links)
    affected: set[int] = set()
    if pairs:
        affected = _links_sync(kind, desired={evidence.pk: pairs}, existing=[], user=user)
        items_mark_dirty(item_ids=affected)
    _radar_mark(kind, [evidence.pk], affected)


def _evidence_update(evidence: AnyEvidence, *, data: dict[str, Any], links: LinkPairs | None):
    kind = _kind_of(evidence)
    existing: list[Any] = []
    if kind.link_model is not None:
        existing = list(kind.link_model.objects.filter(**{kind.fk: evidence}))
    for name, value in data.items():
        setattr(evidence, name, value)
    _check_external_id(kind, evidence)
    evidence.full_clean()
    _save(kind, evidence)
    affected = {link.item_id for link in existing}
    if links is not None:
        affected |= _links_sync(
            kind, desired={evidence.pk: list(links)}, existing=existing, user=None
        )
    items_mark_dirty(item_ids=affected)
    _radar_mark(kind, [evidence.pk], affected)


def _check_external_id(kind: _EvidenceKind, evidence: AnyEvidence) -> None:
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


def _save(kind: _EvidenceKind, evidence: AnyEvidence) -> None:
    """Save; a twin inserted concurrently (after our check) is still a duplicate, not a 500."""
    try:
        with transaction.atomic():  # a savepoint, so the transaction survives the error
            evidence.save()
    except IntegrityError:
        _check_external_id(kind, evidence)
        raise


# --- Links ------------------------------------------------------------------------------


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
    items_mark_dirty(item_ids=[item.pk])
    _radar_mark(
        _SIGNALS if signal is not None else _REPORTS,
        [link.signal_id if isinstance(link, SignalLink) else link.report_id],
        [item.pk],
    )
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
        items_mark_dirty(item_ids=[item.pk])
        evidence = signal if signal is not None else report
        assert evidence is not None
        _radar_mark(_SIGNALS if signal is not None else _REPORTS, [evidence.pk], [item.pk])
    return bool(deleted)


def _links_sync(
    kind: _EvidenceKind,
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
    link_model = kind.link_model
    assert link_model is not None  # only kinds with links have links to sync
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
                    link_model(item_id=item_id, weight=weight, **{evidence_attr: evidence_id})
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
    history = link_model.history
    if to_delete:
        # A plain delete() would load the rows again and write a history row per link;
        # the rows are in hand, so delete them in one statement and record them in one.
        link_model.objects.filter(pk__in=[link.pk for link in to_delete])._raw_delete(
            link_model.objects.db
        )
        _history_deleted(link_model, to_delete, user=user)
    if to_create:
        link_model.objects.bulk_create(to_create)
        history.bulk_history_create(to_create, default_user=user)
    if to_update:
        bulk_update_rows(link_model, to_update, ["weight"])
        history.bulk_history_create(to_update, update=True, default_user=user)
    if kind.link_model is ReportLink:
        webhook_events.reports_linked([*to_create, *to_update])
    return affected


def _history_deleted(model: type[Model], objs: Sequence[Model], *, user: Any) -> None:
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


# --- Bulk upsert --------------------------------------------------------------------------


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
    *, records: Sequence[BulkRecord], user: User, may_update_any: bool = False
) -> BulkResult:
    """Create or update signals by (source, external_id); see `_evidence_bulk_upsert`."""
    return _evidence_bulk_upsert(
        _SIGNALS, records=records, user=user, may_update_any=may_update_any
    )


def reports_bulk_upsert(
    *, records: Sequence[BulkRecord], user: User, may_update_any: bool = False
) -> BulkResult:
    """Create or update friction reports by (source, external_id); see
    `_evidence_bulk_upsert`."""
    return _evidence_bulk_upsert(
        _REPORTS, records=records, user=user, may_update_any=may_update_any
    )


def outcomes_bulk_upsert(
    *, records: Sequence[BulkRecord], user: User, may_update_any: bool = False
) -> BulkResult:
    """Create or update outcomes by (source, external_id); see `_evidence_bulk_upsert`.
    A new outcome's team is the submitter's."""
    return _evidence_bulk_upsert(
        _OUTCOMES, records=records, user=user, may_update_any=may_update_any
    )


def _evidence_bulk_upsert(
    kind: _EvidenceKind,
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
    kind: _EvidenceKind,
    accepted: Sequence[tuple[BulkRecord, tuple[str, str]]],
    *,
    user: User,
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
        # `created` holds kind.model's instances; mypy cannot tie the two unions together.
        kind.model.objects.bulk_create(created)  # type: ignore[arg-type]
        kind.model.history.bulk_history_create(created, default_user=user)
        if kind is _REPORTS:
            webhook_events.reports_created(created)  # type: ignore[arg-type]
        elif kind is _OUTCOMES:
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
    written: tuple[tuple[Literal["created", "updated"], list[tuple[int, AnyEvidence]]], ...]
    written = (("created", to_create), ("updated", to_update))
    for status, pairs in written:
        for index, evidence in pairs:
            if index in links_of:
                desired_links[evidence.pk] = links_of[index]
            outcomes[index] = BulkOutcome(index=index, status=status, id=evidence.pk)
    if desired_links:
        affected |= _links_sync(kind, desired=desired_links, existing=existing_links, user=user)
    items_mark_dirty(item_ids=affected)
    _radar_mark(kind, [e.pk for e in (*created, *updated)], affected)
    return outcomes


def _evidence_by_key(
    kind: _EvidenceKind, keys: Sequence[tuple[str, str]]
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
