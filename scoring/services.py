"""Write use-cases for scoring: recomputation, scoring model versions, publishing.

Recomputation is set-based: whatever the number of items, it runs a fixed number of
queries. On PostgreSQL one statement computes the scores, upserts them and appends the
history (scoring.score_writes); SQLite reads estimates and evidence sums, scores them with
the engine and writes in bulk.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DataError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from config.generations import generation_bump
from roadmap.choices import RANKABLE_STATUSES
from roadmap.jira import jira_push_enabled
from roadmap.jira.queue import jira_push_queue
from roadmap.models import RoadmapItem
from roadmap.services import items_mark_all_dirty, items_mark_dirty
from scoring import calibration, engine, score_writes, selectors, webhook_events
from scoring.models import (
    MODEL_PARAM_FIELDS,
    ConfidenceCalibration,
    Ranking,
    RankingEntry,
    ScoringModel,
)
from scoring.slack import slack_ranking_published_queue

logger = logging.getLogger(__name__)

# Any 64-bit constant: the advisory lock that serializes recomputations on PostgreSQL.
_RECOMPUTE_LOCK_KEY = 0x5C0_12E5


@dataclass(frozen=True)
class RecomputeResult:
    items: int
    scored: int
    history_rows: int
    seconds: float


def _take_recompute_lock() -> None:
    """Serialize recomputations for the rest of the transaction.

    Two runs at once would each compute positions from a partial picture; with the lock the
    second waits, then finds the marks cleared and does (almost) nothing. SQLite needs no
    lock: its transactions start IMMEDIATE, so writers are already serialized.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_RECOMPUTE_LOCK_KEY])
            # Rank positions sort every ranked item: keep that sort in memory.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            # JIT-compiled expressions speed up the evidence sums (a million rows), but a
            # high cost estimate (CTEs have no statistics) would also buy inlining and
            # optimization: seconds of compiling for a plan that runs once.
            cursor.execute("SET LOCAL jit_inline_above_cost = -1")
            cursor.execute("SET LOCAL jit_optimize_above_cost = -1")


def item_delete_wait_recompute(**_: Any) -> None:
    """Before an item is deleted (pre_delete, inside the deletion's transaction): wait for
    a running recompute to commit, so that the history rows it wrote for the item are
    there for the cascade to delete (ScoreHistory.item has no database constraint)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_RECOMPUTE_LOCK_KEY])


def item_scores_recompute_dirty(*, now: datetime | None = None) -> RecomputeResult:
    """Recompute every item marked dirty (the debounced task and the sweeper)."""
    return _recompute(item_ids=None, dirty_only=True, now=now)


def item_scores_recompute_all(*, now: datetime | None = None) -> RecomputeResult:
    """Recompute every item (daily, for decay; and after a model change)."""
    return _recompute(item_ids=None, dirty_only=False, now=now)


def item_scores_recompute(
    *, item_ids: Sequence[int], now: datetime | None = None
) -> RecomputeResult:
    """Recompute the given items, dirty or not."""
    return _recompute(item_ids=list(item_ids), dirty_only=False, now=now)


def _recompute(
    *, item_ids: list[int] | None, dirty_only: bool, now: datetime | None
) -> RecomputeResult:
    started = time.perf_counter()
    with transaction.atomic():
        _take_recompute_lock()
        now = now or timezone.now()
        model = selectors.scoring_model_active()
        params = selectors.scoring_model_params(model)
        if dirty_only:
            marks = selectors.dirty_item_revs()
            item_ids = sorted(marks)
            if not item_ids:
                return RecomputeResult(0, 0, 0, time.perf_counter() - started)
        else:
            marks = selectors.dirty_item_revs(item_ids=item_ids)
        counts = None
        if connection.vendor == "postgresql":
            try:
                # A savepoint: an underflow in the SQL falls back to the engine below.
                with transaction.atomic():
                    counts = score_writes.scores_recompute_sql(
                        params=params, now=now, model_id=model.pk, item_ids=item_ids
                    )
            except DataError:
                logger.warning("recompute: a float underflowed in SQL; scoring in Python")
        if counts is None:
            counts = score_writes.scores_recompute_python(
                params=params, now=now, model_id=model.pk, item_ids=item_ids
            )
        if counts.history_rows:
            webhook_events.score_changes_queue()
        # Marks of ids that no longer exist went with their items (cascade).
        score_writes.marks_clear(marks)
        if counts.items or marks:
            # Stored scores (and their computed_at) and dirty flags changed: the live
            # reads' ETags move once this commits.
            generation_bump()
    return RecomputeResult(
        items=counts.items,
        scored=counts.scored,
        history_rows=counts.history_rows,
        seconds=time.perf_counter() - started,
    )


# --- Scoring model versions -------------------------------------------------------------


def scoring_model_validate(params: dict[str, Any]) -> engine.Params:
    """Build engine parameters from raw values, or raise ValidationError per field."""
    errors: dict[str, str] = {}
    for name in ("kind_weights", "segment_weights"):
        value = params.get(name, {})
        if not isinstance(value, dict):
            errors[name] = "Must be an object mapping names to weights."
    numbers: dict[str, Any] = {}  # floats for the number fields of Params
    for name in MODEL_PARAM_FIELDS:
        if name in ("kind_weights", "segment_weights") or name not in params:
            continue
        value = params[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors[name] = "Must be a number."
        else:
            numbers[name] = float(value)
    if errors:
        raise ValidationError(errors)
    candidate = engine.Params(
        **numbers,
        **{k: params[k] for k in ("kind_weights", "segment_weights") if k in params},
    )
    problems = candidate.errors()
    if problems:
        raise ValidationError(problems)
    return candidate


@transaction.atomic
def scoring_model_create_version(
    *,
    params: dict[str, Any],
    note: str = "",
    created_by: User | None = None,
    activate: bool = True,
) -> ScoringModel:
    """Save `params` (over the active version's values) as a new version, activate it
    and mark every item dirty. Old versions stay as they were."""
    base = selectors.scoring_model_active()
    merged = {name: getattr(base, name) for name in MODEL_PARAM_FIELDS}
    unknown = set(params) - set(MODEL_PARAM_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown parameter."))
    merged.update(params)
    validated = scoring_model_validate(merged)
    # Lock the active row so two concurrent edits get consecutive version numbers.
    ScoringModel.objects.select_for_update(no_key=True).filter(pk=base.pk).exists()
    next_version = (ScoringModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    if activate:
        ScoringModel.objects.filter(is_active=True).update(is_active=False)
    model = ScoringModel.objects.create(
        version=next_version,
        is_active=activate,
        note=note,
        created_by=created_by,
        product_weight=validated.product_weight,
        half_life_days=validated.half_life_days,
        evidence_gain=validated.evidence_gain,
        evidence_saturation=validated.evidence_saturation,
        min_effort=validated.min_effort,
        default_confidence=validated.default_confidence,
        kind_weights=dict(validated.kind_weights),
        friction_evidence_weight=validated.friction_evidence_weight,
        segment_weights=dict(validated.segment_weights),
    )
    if activate:
        items_mark_all_dirty()
    return model


@transaction.atomic
def scoring_model_activate(*, model: ScoringModel) -> ScoringModel:
    """Make an existing version the active one (a rollback) and mark every item dirty."""
    ScoringModel.objects.filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    ScoringModel.objects.filter(pk=model.pk).update(is_active=True)
    model.refresh_from_db()
    items_mark_all_dirty()
    return model


# --- Publishing -------------------------------------------------------------------------

_PUBLISH_BATCH = 1000


@transaction.atomic
def ranking_publish(*, note: str, published_by: User | None) -> Ranking:
    """Freeze the live ranking as Ranking N (N = last number + 1) and return it.

    Dirty items are recomputed first, in the same transaction and under the recompute
    lock, so the snapshot is current and no recomputation can rewrite scores between the
    moment we read them and the moment we freeze them. The lock also serializes
    publications, so two concurrent publishes get consecutive numbers (on SQLite, writers
    are serialized by the IMMEDIATE transactions already). When Jira is configured, the
    push of the new ranking is queued for after the commit.
    """
    _take_recompute_lock()
    item_scores_recompute_dirty()
    # The very entries the board's confirmation showed (selectors.live_ranking_snapshot),
    # now current since the dirty items were recomputed above.
    entries = selectors.live_ranking_snapshot()
    ranking = Ranking(
        number=(Ranking.objects.aggregate(n=Max("number"))["n"] or 0) + 1,
        published_by=published_by,
        published_at=timezone.now(),
        note=note,
        model=selectors.scoring_model_active(),
        item_count=len(entries),
    )
    ranking.full_clean()
    ranking.save()
    for entry in entries:
        entry.ranking = ranking
    RankingEntry.objects.bulk_create(entries, batch_size=_PUBLISH_BATCH)
    # The detail body is rendered once, here, in the publish transaction: the API serves
    # those bytes (scoring.api.representations; imported here, it renders with the API's
    # serializers).
    from scoring.api.representations import ranking_render

    ranking_render(ranking)
    webhook_events.ranking_published(ranking, entries)
    slack_ranking_published_queue(ranking_id=ranking.pk)
    if jira_push_enabled():
        # A queued JiraSyncRun now, the task once this transaction commits (DESIGN.md,
        # "Publish"): the push reads the ranking written here.
        jira_push_queue(ranking_id=ranking.pk, ranking_number=ranking.number)
    return ranking


# --- Calibration ------------------------------------------------------------------------


class CalibrationConflict(Exception):
    """The multiplier asked for is not the owner's current suggestion (stale, or there is
    none): nothing was applied."""


@transaction.atomic
def calibration_apply(
    *, owner: User, multiplier: float, applied_by: User | None
) -> ConfidenceCalibration:
    """Multiply the confidence of `owner`'s open items (candidate, planned, in progress)
    by their current suggested multiplier (scoring.calibration), which `multiplier` must
    equal: a suggestion that changed since the caller read it is refused, so a number is
    never applied on evidence nobody looked at.

    An item without a confidence is scored with the model's `default_confidence`, so it
    gets default_confidence × multiplier: otherwise leaving confidence empty would escape
    the calibration. (A multiplier of 1 changes nothing, and sets no confidence.) Each
    changed item gets a history row naming the calibration and the user, a new version,
    and a dirty mark; the application is recorded (ConfidenceCalibration), and the items
    it was based on are not used again.
    """
    # One application per owner at a time: the second waits here, then finds the
    # evidence used and the suggestion gone.
    get_user_model().objects.select_for_update(no_key=True).filter(pk=owner.pk).exists()
    suggestion = selectors.calibration_suggestion(owner_id=owner.pk)
    if suggestion is None:
        raise CalibrationConflict(
            "There is no suggested multiplier for this owner now (fewer than "
            f"{calibration.MIN_CALIBRATED_ITEMS} calibrated items not used before)."
        )
    if abs(suggestion.multiplier - multiplier) > 1e-9:
        raise CalibrationConflict(
            f"The suggestion is now ×{suggestion.multiplier:g}, not ×{multiplier:g}: read "
            "the calibration again."
        )
    default_confidence = selectors.scoring_model_active().default_confidence
    now = timezone.now()
    changed = []
    items = RoadmapItem.objects.select_for_update(no_key=True).filter(
        owner=owner, status__in=RANKABLE_STATUSES
    )
    for item in items.order_by("pk"):
        if item.confidence is None and suggestion.multiplier >= 1:
            continue
        base = default_confidence if item.confidence is None else item.confidence
        confidence = calibration.calibrated_confidence(base, suggestion.multiplier)
        if confidence == item.confidence:
            continue
        item.confidence = confidence
        item.version += 1
        item.updated_at = now
        changed.append(item)
    reason = (
        f"calibration: ×{suggestion.multiplier:g} from {len(suggestion.item_ids)} shipped items"
    )
    if changed:
        RoadmapItem.objects.bulk_update(changed, ["confidence", "version", "updated_at"])
        RoadmapItem.history.bulk_history_create(
            changed, update=True, default_user=applied_by, default_change_reason=reason
        )
        items_mark_dirty(item_ids=[item.pk for item in changed])
    return ConfidenceCalibration.objects.create(
        owner=owner,
        multiplier=suggestion.multiplier,
        based_on=list(suggestion.item_ids),
        items_changed=len(changed),
        applied_by=applied_by,
        applied_at=now,
    )
