"""What the evidence services share: the errors they raise, the kinds of evidence they
write (`EvidenceKind`), who a submitter measures for, and the calls to other parts
(dirty marks, the radar)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from config.roles import Role, user_roles
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


def _no_fields(user: AbstractBaseUser | None) -> dict[str, Any]:
    return {}


def team_of(user: AbstractBaseUser | None) -> str:
    """The team a user measures for: product when they have the product role (superusers
    do), marketing otherwise (the only other role that may submit)."""
    return Team.PRODUCT if Role.PRODUCT in user_roles(user) else Team.MARKETING


@dataclass(frozen=True)
class EvidenceKind:
    """A model keyed by (source, external_id) that the bulk upsert can write: signals,
    reports, outcomes here; campaigns and funnel snapshots in signals.campaigns."""

    model: type[MarketSignal] | type[FrictionReport] | type[Outcome]
    link_model: type[SignalLink] | type[ReportLink] | None  # None: no links to items
    fk: str  # the link's field naming the evidence
    noun: str
    # Foreign keys not checked per record in bulk: the caller reads their rows in one
    # query per model, and the database enforces them on write.
    fk_fields: tuple[str, ...] = ("segment", "submitted_by")
    # Fields a new record gets from who submits it, beside `submitted_by`.
    submitter_fields: Callable[[AbstractBaseUser | None], dict[str, Any]] = _no_fields


SIGNALS = EvidenceKind(MarketSignal, SignalLink, "signal", "signal")
REPORTS = EvidenceKind(FrictionReport, ReportLink, "report", "friction report")
OUTCOMES = EvidenceKind(
    Outcome,
    None,
    "outcome",
    "outcome",
    fk_fields=("segment", "submitted_by", "item"),
    submitter_fields=lambda user: {"team": team_of(user)},
)


def kind_of(evidence: AnyEvidence) -> EvidenceKind:
    if isinstance(evidence, Outcome):
        return OUTCOMES
    return SIGNALS if isinstance(evidence, MarketSignal) else REPORTS


def mark_dirty(item_ids: Iterable[int]) -> None:
    """roadmap.services.items_mark_dirty, looked up on the package at call time: the
    package's name is the one place a test replaces it (to fail a write half-way and
    prove the transaction writes nothing), whichever module of the package writes."""
    from signals import services

    services.items_mark_dirty(item_ids=item_ids)


def radar_mark(kind: EvidenceKind, evidence_ids: Iterable[int], item_ids: Iterable[int]) -> None:
    """Tell the radar (signals.radar) that this evidence and these items' profiles changed."""
    if kind.link_model is None:
        return  # outcomes are no evidence the radar reads
    ids = list(evidence_ids)
    radar_mark_stale(
        signal_ids=ids if kind is SIGNALS else [],
        report_ids=ids if kind is REPORTS else [],
        item_ids=set(item_ids),
    )


def linked_item_ids(links_model: type[SignalLink] | type[ReportLink], **lookup: Any) -> list[int]:
    return list(links_model.objects.filter(**lookup).values_list("item_id", flat=True))
