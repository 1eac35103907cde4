"""Write use-cases for roadmap items, themes and segments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from config.dispatch import send_after_commit
from config.generations import generation_bump
from roadmap import webhook_events
from roadmap.choices import ItemStatus
from roadmap.models import DirtyItem, LaunchPlan, RoadmapItem, Segment, Theme

# Fields whose change alters an item's score or its place in the ranking.
SCORE_INPUT_FIELDS = frozenset({"reach", "impact", "confidence", "effort", "status"})
RECOMPUTE_TASK = "scoring.item_scores_recompute_dirty"

ITEM_EDITABLE_FIELDS = (
    "title",
    "description",
    "status",
    "theme",
    "owner",
    "reach",
    "impact",
    "confidence",
    "effort",
    "jira_key",
)


def items_mark_dirty(*, item_ids: Iterable[int]) -> None:
    """Record that these items' score inputs changed, in the caller's transaction, and
    queue one debounced recomputation after commit.

    The one narrow call through which roadmap and signals tell scoring about a change.
    """
    ids = sorted({int(i) for i in item_ids if i is not None})
    if not ids:
        return
    now = timezone.now()
    table = connection.ops.quote_name(DirtyItem._meta.db_table)
    # One statement, upsert with an increment: concurrent writers each bump `rev`, so a
    # recompute that read an older rev never clears a newer change. Sorted ids keep lock
    # order stable across writers.
    upsert = (
        f"ON CONFLICT (item_id) DO UPDATE SET rev = {table}.rev + 1, marked_at = excluded.marked_at"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement for any number of items
            cursor.execute(
                f"INSERT INTO {table} (item_id, rev, marked_at) "
                f"SELECT unnest(%s::bigint[]), 1, %s {upsert}",
                [ids, now],
            )
            ids = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            values = ", ".join(["(%s, 1, %s)"] * len(chunk))
            params: list[Any] = []
            for item_id in chunk:
                params.extend((item_id, now))
            cursor.execute(
                f"INSERT INTO {table} (item_id, rev, marked_at) VALUES {values} {upsert}",  # noqa: S608
                params,
            )
    generation_bump()
    send_after_commit(RECOMPUTE_TASK, debounce=settings.SCORING_DEBOUNCE_SECONDS)


def items_mark_all_dirty() -> None:
    """Mark every item dirty in one statement (a new active scoring model)."""
    now = timezone.now()
    table = connection.ops.quote_name(DirtyItem._meta.db_table)
    items = connection.ops.quote_name(RoadmapItem._meta.db_table)
    with connection.cursor() as cursor:
        # "WHERE true" lets SQLite tell the upsert's ON CONFLICT from a join condition.
        cursor.execute(
            f"INSERT INTO {table} (item_id, rev, marked_at) "  # noqa: S608
            f"SELECT id, 1, %s FROM {items} WHERE true "
            f"ON CONFLICT (item_id) DO UPDATE SET rev = {table}.rev + 1, "
            "marked_at = excluded.marked_at",
            [now],
        )
    generation_bump()
    send_after_commit(RECOMPUTE_TASK, debounce=settings.SCORING_DEBOUNCE_SECONDS)


# The task (in signals, higher up the app order) that notifies the people behind the
# evidence of a shipped item; named, not imported.
ITEMS_SHIPPED_TASK = "signals.items_shipped_notify"


def items_shipped_after_commit(*, item_ids: list[int]) -> None:
    """What follows a ship: the `item.shipped` webhook event, written to the outbox in
    this transaction, and, once it commits, the notifications of the evidence's
    submitters (signals.items_shipped_notify, idempotent)."""
    ids = sorted(item_ids)
    webhook_events.items_shipped(ids)
    send_after_commit(ITEMS_SHIPPED_TASK, kwargs={"item_ids": ids})


@transaction.atomic
def item_create(*, user: User | None = None, **fields: Any) -> RoadmapItem:
    segments = fields.pop("segments", None)
    item = RoadmapItem(**fields)
    item.full_clean()
    item.save()
    if segments is not None:
        item.segments.set(segments)
    items_mark_dirty(item_ids=[item.pk])
    webhook_events.item_created(item)
    return item


@transaction.atomic
def item_update(
    *,
    item: RoadmapItem,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> RoadmapItem:
    """Apply `data` to `item`, bump its version, and mark it dirty when a score input changed.

    With `expected_version`, the update applies only if nobody changed the item since that
    version was read (compare-and-set); otherwise `ItemVersionConflict` is raised.
    """
    segments = data.pop("segments", None)
    unknown = set(data) - set(ITEM_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    locked = RoadmapItem.objects.select_for_update(no_key=True).get(pk=item.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ItemVersionConflict(current_version=locked.version)
    changed = {name for name, value in data.items() if getattr(locked, name) != value}
    previous_status = locked.status
    for name, value in data.items():
        setattr(locked, name, value)
    if "jira_key" in changed:
        # A new key is worth trying: the Jira push skips a key Jira answered 404 for.
        locked.jira_key_missing_since = None
    locked.full_clean()
    locked.version = locked.version + 1
    locked.save()
    if segments is not None:
        locked.segments.set(segments)
    if changed & SCORE_INPUT_FIELDS:
        items_mark_dirty(item_ids=[locked.pk])
    webhook_events.item_status_changed(locked, previous=previous_status)
    if "status" in changed and locked.status == ItemStatus.SHIPPED:
        items_shipped_after_commit(item_ids=[locked.pk])
    return locked


@transaction.atomic
def items_set_status(
    *,
    item_ids: Iterable[int],
    status: str,
    user: User | None = None,
    change_reason: str = "",
) -> int:
    """Bulk status change (admin action, API, Jira's webhook), with a history row per
    changed item (`change_reason`, by default "status set to <status>")."""
    if status not in ItemStatus.values:
        raise ValueError(f"unknown status {status!r}")
    previous = dict(
        RoadmapItem.objects.select_for_update(no_key=True)
        .filter(pk__in=list(item_ids))
        .exclude(status=status)
        .values_list("pk", "status")
    )
    ids = list(previous)
    if not ids:
        return 0
    RoadmapItem.objects.filter(pk__in=ids).update(
        status=status, version=F("version") + 1, updated_at=timezone.now()
    )
    # update() bypasses save(), so write the history rows save() would have written.
    RoadmapItem.history.bulk_history_create(
        list(RoadmapItem.objects.filter(pk__in=ids)),
        update=True,
        default_user=user,
        default_change_reason=change_reason or f"status set to {status}",
    )
    items_mark_dirty(item_ids=ids)
    webhook_events.items_status_changed(previous.items(), status=status)
    if status == ItemStatus.SHIPPED:
        items_shipped_after_commit(item_ids=ids)
    return len(ids)


@transaction.atomic
def item_history_note(*, item_ids: Iterable[int], user: User | None, change_reason: str) -> int:
    """A history row per item, its fields unchanged, saying `change_reason` (a committee's
    decision, say): the item's history tells what was decided about it and by whom."""
    items = list(RoadmapItem.objects.filter(pk__in=list(item_ids)))
    if items:
        RoadmapItem.history.bulk_history_create(
            items, update=True, default_user=user, default_change_reason=change_reason[:100]
        )
    return len(items)


@transaction.atomic
def item_delete(*, item: RoadmapItem) -> None:
    """Delete an item with its links, scores and launch plan (the admin only: the API
    archives instead). Nothing is left to rescore: the item's evidence stays, unlinked."""
    item.delete()


class ItemVersionConflict(Exception):
    def __init__(self, *, current_version: int) -> None:
        super().__init__(f"the item changed since it was read (now version {current_version})")
        self.current_version = current_version


# --- Launch plans -----------------------------------------------------------------------
#
# A launch plan is no score input: writing one marks nothing dirty.


@transaction.atomic
def launch_plan_create(
    *, item: RoadmapItem, target_segments: Iterable[Segment] | None = None, **fields: Any
) -> LaunchPlan:
    """Give `item` its launch plan (one per item: a second one is a ValidationError with
    the code `unique`, which the API answers with 409)."""
    plan = LaunchPlan(item=item, **fields)
    plan.full_clean()
    plan.save()
    if target_segments is not None:
        plan.target_segments.set(target_segments)
    webhook_events.launch_plan_changed(plan, action="created")
    return plan


@transaction.atomic
def launch_plan_update(*, plan: LaunchPlan, data: dict[str, Any]) -> LaunchPlan:
    """Apply `data` (fields of LaunchPlan, `target_segments` as rows) to the plan, which
    stays with its item. The row is locked, so two teams editing at once both apply in
    turn instead of one checklist overwriting the other's in between."""
    data = dict(data)
    segments = data.pop("target_segments", None)
    if "item" in data and data.pop("item").pk != plan.item_id:
        raise ValidationError({"item": ["A launch plan stays with its item."]})
    locked = LaunchPlan.objects.select_for_update(no_key=True).get(pk=plan.pk)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    if segments is not None:
        locked.target_segments.set(segments)
    webhook_events.launch_plan_changed(locked, action="updated")
    return locked


@transaction.atomic
def launch_plan_delete(*, plan: LaunchPlan) -> None:
    webhook_events.launch_plan_changed(plan, action="deleted")
    plan.delete()


# --- Themes and segments ----------------------------------------------------------------


@transaction.atomic
def theme_create(*, name: str, description: str = "") -> Theme:
    theme = Theme(name=name, description=description)
    theme.full_clean()
    theme.save()
    return theme


@transaction.atomic
def theme_update(*, theme: Theme, data: dict[str, Any]) -> Theme:
    for name, value in data.items():
        setattr(theme, name, value)
    theme.full_clean()
    theme.save()
    return theme


@transaction.atomic
def theme_delete(*, theme: Theme) -> None:
    """Delete a theme; its items stay, without a theme (a theme is not a score input)."""
    theme.delete()


@transaction.atomic
def segment_create(*, slug: str, name: str, description: str = "") -> Segment:
    segment = Segment(slug=slug, name=name, description=description)
    segment.full_clean()
    segment.save()
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, data: dict[str, Any]) -> Segment:
    """Update a segment. Scoring weighs evidence by its segment's slug, so a new slug
    changes the scores of items with evidence in that segment: roadmap cannot see which
    (it knows nothing of evidence), so every item is marked dirty, in one statement."""
    old_slug = segment.slug
    for name, value in data.items():
        setattr(segment, name, value)
    segment.full_clean()
    segment.save()
    if segment.slug != old_slug:
        items_mark_all_dirty()
    return segment


@transaction.atomic
def segment_delete(*, segment: Segment) -> None:
    """Delete a segment: evidence in it loses its segment (and its segment weight), so
    every item is marked dirty, as for a new slug."""
    segment.delete()
    items_mark_all_dirty()
