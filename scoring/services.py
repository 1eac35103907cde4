"""Write use-cases for scoring: recomputation, scoring model versions, publishing.

Recomputation is set-based: whatever the number of items, it runs a fixed number of
queries to read (marks, estimates, evidence sums, previous scores) and writes in bulk.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from config.generations import generation_bump
from roadmap.choices import RANKABLE_STATUSES
from roadmap.jira import jira_push_enabled
from roadmap.jira.queue import jira_push_queue
from roadmap.models import DirtyItem, RoadmapItem
from roadmap.services import items_mark_all_dirty, items_mark_dirty
from scoring import calibration, engine, selectors, webhook_events
from scoring.models import (
    ConfidenceCalibration,
    ItemScore,
    Ranking,
    RankingEntry,
    ScoreHistory,
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
        estimates = selectors.item_estimates(item_ids=item_ids)
        sums = selectors.item_evidence_sums(
            params=params, now=now, item_ids=None if item_ids is None else list(estimates)
        )
        empty = engine.EvidenceSums()
        rows = []
        scored = 0
        for item_id, (item_estimates, status) in estimates.items():
            result = engine.score_from_sums(item_estimates, sums.get(item_id, empty), params)
            scored += result.score is not None
            rows.append(_score_row(item_id, result, status, model.pk, now))
        history_rows = _write_scores(rows)
        if history_rows:
            webhook_events.score_changes_queue()
        # Marks of ids that no longer exist went with their items (cascade).
        _clear_marks({item_id: rev for item_id, rev in marks.items() if item_id in estimates})
        if rows or marks:
            # Stored scores (and their computed_at) and dirty flags changed: the live
            # reads' ETags move once this commits.
            generation_bump()
    return RecomputeResult(
        items=len(rows),
        scored=scored,
        history_rows=history_rows,
        seconds=time.perf_counter() - started,
    )


_COLUMNS = (
    "item_id",
    "model_id",
    "score",
    "rankable",
    "reach",
    "reach_product",
    "reach_marketing",
    "impact",
    "impact_product",
    "impact_marketing",
    "confidence",
    "confidence_product",
    "evidence",
    "effort",
    "effort_estimate",
    "missing",
    "signal_count",
    "report_count",
    "computed_at",
)


@functools.cache
def _missing_json(missing: tuple[str, ...]) -> str:
    return json.dumps(list(missing))


def _score_row(
    item_id: int, result: engine.ScoreResult, status: str, model_id: int, now: datetime
) -> tuple[Any, ...]:
    """One ItemScore row as a tuple in `_COLUMNS` order (no model instance: 100,000 of
    them would cost more than the scoring itself)."""
    return (
        item_id,
        model_id,
        result.score,
        result.score is not None and status in RANKABLE_STATUSES,
        result.reach.value,
        result.reach.product,
        result.reach.marketing,
        result.impact.value,
        result.impact.product,
        result.impact.marketing,
        result.confidence.value,
        result.confidence.product,
        result.confidence.evidence,
        result.effort.value,
        result.effort.estimate,
        _missing_json(result.missing),
        result.signal_count,
        result.report_count,
        now,
    )


def _write_scores(rows: list[tuple[Any, ...]]) -> int:
    """Upsert the rows into ItemScore and append history for the items whose score or
    rankability changed, set-based: the rows go to a temporary table (COPY on
    PostgreSQL), then three statements do the rest. Returns the number of history rows."""
    q = connection.ops.quote_name
    scores = q(ItemScore._meta.db_table)
    history = q(ScoreHistory._meta.db_table)
    cols = ", ".join(_COLUMNS)
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "item_id")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS _new_scores")
        cursor.execute("DROP TABLE IF EXISTS _changed_scores")
        cursor.execute(
            f"CREATE TEMPORARY TABLE _new_scores AS SELECT {cols} FROM {scores} WHERE 1 = 0"  # noqa: S608
        )
        _load(cursor, "_new_scores", rows)
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE _changed_scores AS
            SELECT n.item_id FROM _new_scores n LEFT JOIN {scores} s ON s.item_id = n.item_id
            WHERE s.item_id IS NULL OR s.score {distinct} n.score OR s.rankable <> n.rankable
            """  # noqa: S608
        )
        # "WHERE true" lets SQLite tell the upsert's ON CONFLICT from a join condition.
        cursor.execute(
            f"INSERT INTO {scores} ({cols}) SELECT {cols} FROM _new_scores WHERE true "  # noqa: S608
            f"ON CONFLICT (item_id) DO UPDATE SET {updates}"
        )
        cursor.execute(
            f"""
            INSERT INTO {history}
                (item_id, model_id, computed_at, score, position, reach, impact, confidence,
                 effort, reach_product, reach_marketing, impact_product, impact_marketing)
            SELECT n.item_id, n.model_id, n.computed_at, n.score, r.pos, n.reach, n.impact,
                   n.confidence, n.effort, n.reach_product, n.reach_marketing,
                   n.impact_product, n.impact_marketing
            FROM _new_scores n
            JOIN _changed_scores c ON c.item_id = n.item_id
            LEFT JOIN (
                SELECT item_id, ROW_NUMBER() OVER (ORDER BY score DESC, item_id) AS pos
                FROM {scores} WHERE rankable
            ) r ON r.item_id = n.item_id
            """  # noqa: S608
        )
        history_rows = cursor.rowcount
        cursor.execute("DROP TABLE _new_scores")
        cursor.execute("DROP TABLE _changed_scores")
    return history_rows


def _load(cursor: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(_COLUMNS))
    cursor.executemany(
        f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
        rows,
    )


def _clear_marks(marks: dict[int, int]) -> None:
    """Delete the marks we consumed, unless a writer bumped them since we read them."""
    if not marks:
        return
    table = connection.ops.quote_name(DirtyItem._meta.db_table)
    pairs = list(marks.items())
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), 500):
            chunk = pairs[start : start + 500]
            placeholders = ", ".join(["(%s, %s)"] * len(chunk))
            values = [value for pair in chunk for value in pair]
            cursor.execute(
                f"DELETE FROM {table} WHERE (item_id, rev) IN (VALUES {placeholders})",  # noqa: S608
                values,
            )


# --- Scoring model versions -------------------------------------------------------------

MODEL_PARAM_FIELDS = (
    "product_weight",
    "half_life_days",
    "evidence_gain",
    "evidence_saturation",
    "min_effort",
    "default_confidence",
    "kind_weights",
    "friction_evidence_weight",
    "segment_weights",
)


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
    ScoringModel.objects.select_for_update().filter(pk=base.pk).exists()
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
    get_user_model().objects.select_for_update().filter(pk=owner.pk).exists()
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
    items = RoadmapItem.objects.select_for_update().filter(
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
