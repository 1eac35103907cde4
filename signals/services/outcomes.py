"""Outcomes one record at a time: KPIs measured after an item shipped. Outcomes are no
score input: they change no score and mark nothing dirty."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from signals import webhook_events
from signals.models import Outcome
from signals.services.common import OUTCOMES
from signals.services.evidence import evidence_create, evidence_update


@transaction.atomic
def outcome_create(*, submitted_by: AbstractBaseUser | None = None, **fields: Any) -> Outcome:
    """Record an outcome of a shipped item. Its team is the submitter's (team_of)."""
    outcome = Outcome(
        submitted_by=submitted_by, **OUTCOMES.submitter_fields(submitted_by), **fields
    )
    evidence_create(outcome, links=(), user=submitted_by)
    webhook_events.outcomes_created([outcome])
    return outcome


@transaction.atomic
def outcome_update(*, outcome: Outcome, data: dict[str, Any]) -> Outcome:
    """Apply `data`. Who submitted it, and so its team, stays as it was."""
    evidence_update(outcome, data=data, links=None)
    return outcome


@transaction.atomic
def outcome_delete(*, outcome: Outcome) -> None:
    """Remove a wrong outcome (the admin only: the API has no DELETE). No score reads
    outcomes, so nothing is marked dirty."""
    outcome.delete()
