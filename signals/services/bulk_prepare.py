"""What both writes of a bulk upsert share (the portable one in bulk.py, the set-based
one in bulk_pg.py): the records checked and applied to their rows, and the events of the
new ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone

from signals import webhook_events
from signals.services.bulk_records import BulkOutcome, BulkRecord
from signals.services.common import OUTCOMES, REPORTS, AnyEvidence, EvidenceKind

# Finds the stored records of these (source, external_id) keys and locks them.
Locate = Callable[[EvidenceKind, Sequence[tuple[str, str]]], dict[tuple[str, str], AnyEvidence]]


@dataclass
class Prepared:
    """The accepted records of a bulk request, checked and ready to write: new model
    instances, existing ones with the sent fields applied, and the answers so far."""

    outcomes: dict[int, BulkOutcome] = field(default_factory=dict)
    to_create: list[tuple[int, AnyEvidence]] = field(default_factory=list)  # (index, record)
    to_update: list[tuple[int, AnyEvidence]] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)  # fields sent by updated records
    links_of: dict[int, list[tuple[int, float]]] = field(default_factory=dict)  # index → pairs


def bulk_prepare(
    kind: EvidenceKind,
    accepted: Sequence[tuple[BulkRecord, tuple[str, str]]],
    *,
    user: User,
    may_update_any: bool,
    locate: Locate | None = None,
) -> Prepared:
    """Lock the records that exist (found by `locate`, a portable query by default),
    apply each record to its row (a new one or the stored one), and check it: the
    submitter's ownership, then the model's field checks and `clean()`. Writes nothing."""
    prepared = Prepared()
    existing = (locate or _evidence_by_key)(kind, [key for _, key in accepted])
    now = timezone.now()
    for record, key in accepted:
        assert record.data is not None
        fields = dict(record.data)
        links = fields.pop("links", None)
        evidence = existing.get(key)
        if evidence is None:
            evidence = _new_row(
                kind.model, {"submitted_by": user, **kind.submitter_fields(user), **fields}
            )
        elif not may_update_any and evidence.submitted_by_id != user.pk:
            prepared.outcomes[record.index] = BulkOutcome(
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
            # source and external_id matched: they are no change
            prepared.update_fields.update(fields.keys() - {"source", "external_id"})
        try:
            evidence.full_clean(
                exclude=list(kind.fk_fields), validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            prepared.outcomes[record.index] = BulkOutcome(
                index=record.index, status="rejected", errors=exc.message_dict
            )
            continue
        (prepared.to_update if evidence.pk else prepared.to_create).append((record.index, evidence))
        if links is not None:
            prepared.links_of[record.index] = [(int(item), float(weight)) for item, weight in links]
    return prepared


def _new_row(model: type[AnyEvidence], values: dict[str, Any]) -> AnyEvidence:
    """`model(**values)`, built positionally: the same defaults for the fields not given
    and the same cached related rows, at half the cost of Django's keyword path for a
    thousand records. Values it does not know as fields take the keyword path."""
    plan = _row_plan(model)
    if not values.keys() <= plan.names:
        return model(**values)
    row: list[Any] = []
    for name, is_relation, default in plan.fields:
        if name in values:
            value = values[name]
            row.append(value.pk if is_relation and value is not None else value)
        else:
            row.append(default())
    instance = model(*row)
    for name in plan.relations & values.keys():
        if values[name] is not None:
            model._meta.get_field(name).set_cached_value(instance, values[name])  # type: ignore[union-attr]
    return instance


@dataclass(frozen=True)
class _RowPlan:
    fields: list[tuple[str, bool, Callable[[], Any]]]  # (name, is a relation, its default)
    names: frozenset[str]
    relations: frozenset[str]


@cache
def _row_plan(model: type[Model]) -> _RowPlan:
    fields = [(f.name, f.is_relation, f.get_default) for f in model._meta.concrete_fields]
    return _RowPlan(
        fields=fields,
        names=frozenset(name for name, _, _ in fields),
        relations=frozenset(name for name, is_relation, _ in fields if is_relation),
    )


def created_events(kind: EvidenceKind, created: Sequence[AnyEvidence]) -> None:
    """The webhook events of new reports and outcomes."""
    if kind is REPORTS:
        webhook_events.reports_created(created)  # type: ignore[arg-type]
    elif kind is OUTCOMES:
        webhook_events.outcomes_created(created)  # type: ignore[arg-type]


def _evidence_by_key(
    kind: EvidenceKind, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], AnyEvidence]:
    """The existing records with these (source, external_id) keys, locked, in one query."""
    if not keys:
        return {}
    wanted = set(keys)
    # Two IN lists rather than an OR per pair (SQLite caps the depth of an expression);
    # the few extra rows they may match are dropped here.
    rows: QuerySet = kind.model.objects.select_for_update(no_key=True).filter(
        source__in={source for source, _ in wanted},
        external_id__in={external_id for _, external_id in wanted},
    )
    return {
        (row.source, row.external_id): row
        for row in rows
        if (row.source, row.external_id) in wanted
    }
