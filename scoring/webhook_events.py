"""The outbound webhook events of scoring (config.webhooks): a published ranking, and
items whose score or position moved beyond the configured thresholds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min, OuterRef, Subquery

from config.dispatch import send_after_commit
from config.webhooks import events_emit
from config.webhooks.models import WebhookCursor, WebhookSubscription
from config.webhooks.services import subscribed_to
from scoring.models import Ranking, RankingEntry, ScoreHistory

TOP = 10


def ranking_published(ranking: Ranking, entries: Sequence[RankingEntry]) -> None:
    events_emit(
        "ranking.published",
        [
            {
                "ranking": {
                    "id": ranking.pk,
                    "number": ranking.number,
                    "published_at": ranking.published_at,
                    "note": ranking.note,
                    "item_count": ranking.item_count,
                    "published_by": ranking.published_by_id,
                },
                "top": [
                    {
                        "position": e.position,
                        "item": e.item_id,
                        "title": e.title,
                        "score": e.score,
                        "jira_key": e.jira_key,
                    }
                    for e in entries[:TOP]
                ],
            }
        ],
    )


def _moved_enough(row: Mapping[str, Any]) -> bool:
    before, after = row["previous_score"], row["score"]
    if (before is None) != (after is None):
        return True  # entered or left the scored items
    if row["previous_position"] is None or row["position"] is None:
        if row["previous_position"] != row["position"]:
            return True
    elif abs(row["previous_position"] - row["position"]) >= (
        settings.WEBHOOK_POSITION_CHANGE_THRESHOLD
    ):
        return True
    if before is None or after is None:
        return False
    if before == 0:
        return after != 0
    return abs(after - before) / abs(before) >= settings.WEBHOOK_SCORE_CHANGE_THRESHOLD


SCORE_CURSOR = "score_history"
SCORE_CHANGES_TASK = "scoring.score_changes_emit"
_BATCH = 5000


def score_changes_queue() -> None:
    """After a recompute that wrote score history: emit the changes once it commits. No
    query here (recomputation keeps its fixed query count); the score history is the
    outbox, so a lost task only delays the events (beat runs the emitter every minute)."""
    send_after_commit(SCORE_CHANGES_TASK)


@transaction.atomic
def score_changes_emit(*, batch: int = _BATCH) -> int:
    """`item.score_changed` for the score history rows written since the last run whose
    score moved by WEBHOOK_SCORE_CHANGE_THRESHOLD (relative) or whose position moved by
    WEBHOOK_POSITION_CHANGE_THRESHOLD places against the item's previous row; returns how
    many events were written. The cursor moves in the transaction writing the events, so
    each row is considered once (two runs at once: the second waits on the cursor).

    Items that only shifted because others moved have no new history row and send
    nothing: their own score did not change.
    """
    cursor, created = WebhookCursor.objects.select_for_update().get_or_create(
        name=SCORE_CURSOR, defaults={"position": 0}
    )
    subscribers = subscribed_to("item.score_changed")
    if not subscribers or created:
        # Nobody listens: skip the history written so far. First run: skip what was
        # written before anyone subscribed.
        history = ScoreHistory.objects.all()
        if subscribers:
            since = WebhookSubscription.objects.filter(pk__in=subscribers).aggregate(
                first=Min("created_at")
            )["first"]
            history = history.filter(computed_at__lt=since)
        cursor.position = history.aggregate(last=Max("id"))["last"] or 0
        cursor.save(update_fields=["position"])
        if not subscribers:
            return 0
    earlier = ScoreHistory.objects.filter(item_id=OuterRef("item_id"), id__lt=OuterRef("id"))
    earlier = earlier.order_by("-id")
    rows = list(
        ScoreHistory.objects.filter(id__gt=cursor.position)
        .order_by("id")
        .annotate(
            previous_score=Subquery(earlier.values("score")[:1]),
            previous_position=Subquery(earlier.values("position")[:1]),
        )
        .values(
            "id",
            "item_id",
            "score",
            "position",
            "computed_at",
            "previous_score",
            "previous_position",
        )[:batch]
    )
    if not rows:
        return 0
    written = events_emit(
        "item.score_changed",
        [
            {
                "item": row["item_id"],
                "score": row["score"],
                "previous_score": row["previous_score"],
                "position": row["position"],
                "previous_position": row["previous_position"],
                "computed_at": row["computed_at"],
            }
            for row in rows
            if _moved_enough(row)
        ],
    )
    cursor.position = rows[-1]["id"]
    cursor.save(update_fields=["position"])
    if len(rows) == batch:
        send_after_commit(SCORE_CHANGES_TASK)  # more to read
    return written
