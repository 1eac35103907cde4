"""The outbound webhook events of scoring (config.webhooks): a published ranking, and
items whose score or position moved beyond the configured thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Subquery

from config.webhooks import events_emit
from config.webhooks.services import _subscribed
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


def _moved_enough(row: dict[str, Any]) -> bool:
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


def scores_changed(*, computed_at: datetime) -> None:
    """`item.score_changed` for the items rescored at `computed_at` whose score moved by
    WEBHOOK_SCORE_CHANGE_THRESHOLD (relative) or whose position moved by
    WEBHOOK_POSITION_CHANGE_THRESHOLD places against their previous score history row.

    Nothing is read when nobody subscribes. Items that only shifted because others moved
    have no new history row and send nothing: their own score did not change.
    """
    if not _subscribed("item.score_changed"):
        return
    earlier = ScoreHistory.objects.filter(
        item_id=OuterRef("item_id"), computed_at__lt=computed_at
    ).order_by("-computed_at", "-id")
    rows = (
        # `gte`, not equality: on SQLite the bulk writer stores the time with an offset
        # the ORM does not write, and no later row exists inside this transaction.
        ScoreHistory.objects.filter(computed_at__gte=computed_at)
        .annotate(
            previous_score=Subquery(earlier.values("score")[:1]),
            previous_position=Subquery(earlier.values("position")[:1]),
        )
        .values("item_id", "score", "position", "previous_score", "previous_position")
    )
    events_emit(
        "item.score_changed",
        [
            {
                "item": row["item_id"],
                "score": row["score"],
                "previous_score": row["previous_score"],
                "position": row["position"],
                "previous_position": row["previous_position"],
                "computed_at": computed_at,
            }
            for row in rows
            if _moved_enough(row)
        ],
    )
