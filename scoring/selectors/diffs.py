"""The ranking diff: what moved between two rankings (or between the latest published
ranking and the live one) and why, computed on read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from scoring import engine
from scoring.models import (
    Ranking,
    RankingEntry,
)
from scoring.selectors.rankings import live_ranking_snapshot, ranking_entries, ranking_entry_result


class RankingMove(TypedDict):
    """An item that changed place, and why (engine.split_change)."""

    item: int
    title: str
    from_position: int
    to_position: int
    places: int
    score_before: float
    score_after: float
    main_driver: str | None
    terms: dict[str, float]
    deltas: dict[str, float]
    factors_before: dict[str, float]
    factors_after: dict[str, float]


class RankingListed(TypedDict):
    """An item only on one side of the diff (new, or dropped)."""

    item: int
    title: str
    position: int
    score: float


class RankingDiff(TypedDict):
    """What moved from an earlier ranking to a later one (`number` None: the live one)."""

    number: int | None
    previous_number: int | None
    moved_up: list[RankingMove]
    moved_down: list[RankingMove]
    new: list[RankingListed]
    dropped: list[RankingListed]
    unchanged: int


class _Movement(TypedDict):
    moved_up: list[RankingMove]
    moved_down: list[RankingMove]
    new: list[RankingListed]
    dropped: list[RankingListed]
    unchanged: int


def _factors(entry: RankingEntry) -> dict[str, float]:
    return {name: getattr(entry, name) for name in engine.FACTORS}


def _moved(before: RankingEntry, after: RankingEntry) -> RankingMove:
    split = engine.split_change(ranking_entry_result(before), ranking_entry_result(after))
    return {
        "item": after.item_id,
        "title": after.title,
        "from_position": before.position,
        "to_position": after.position,
        "places": abs(before.position - after.position),
        "score_before": before.score,
        "score_after": after.score,
        "main_driver": split.main_driver,
        "terms": dict(split.terms),
        "deltas": dict(split.deltas),
        # The factor values themselves, so a reader can say "effort went from 2 to 5".
        "factors_before": _factors(before),
        "factors_after": _factors(after),
    }


def _listed(entry: RankingEntry) -> RankingListed:
    return {
        "item": entry.item_id,
        "title": entry.title,
        "position": entry.position,
        "score": entry.score,
    }


def _entries_diff(
    current: Mapping[int, RankingEntry], earlier: Mapping[int, RankingEntry]
) -> _Movement:
    """The movement from `earlier` to `current` (item id → entry, each in position order).

    For each item that moved, `main_driver` and the log `terms` come from
    engine.split_change on the two entries (SCORING.md, "Explanation"). Items only in
    `current` are `new`, items only in `earlier` are `dropped`. Shared by the diff of two
    published rankings and by the diff of the live ranking against a published one.
    """
    moved_up: list[RankingMove] = []
    moved_down: list[RankingMove] = []
    new: list[RankingListed] = []
    unchanged = 0
    for item_id, entry in current.items():
        old = earlier.get(item_id)
        if old is None:
            new.append(_listed(entry))
        elif entry.position < old.position:
            moved_up.append(_moved(old, entry))
        elif entry.position > old.position:
            moved_down.append(_moved(old, entry))
        else:
            unchanged += 1
    dropped = [_listed(entry) for item_id, entry in earlier.items() if item_id not in current]
    return {
        "moved_up": moved_up,
        "moved_down": moved_down,
        "new": new,
        "dropped": dropped,
        "unchanged": unchanged,
    }


def ranking_diff(*, ranking: Ranking) -> RankingDiff:
    """What moved between the previous ranking (number - 1) and this one, and why.

    See `_entries_diff`; against no previous ranking (number 1) everything is new. Two
    queries.
    """
    previous = Ranking.objects.filter(number=ranking.number - 1).first()
    ranking_ids = [ranking.pk] if previous is None else [ranking.pk, previous.pk]
    current: dict[int, RankingEntry] = {}
    earlier: dict[int, RankingEntry] = {}
    for entry in RankingEntry.objects.filter(ranking_id__in=ranking_ids).order_by("position"):
        (current if entry.ranking_id == ranking.pk else earlier)[entry.item_id] = entry
    return {
        "number": ranking.number,
        "previous_number": None if previous is None else previous.number,
        **_entries_diff(current, earlier),
    }


def ranking_diff_live(*, against: Ranking | None) -> RankingDiff:
    """What publishing the live ranking now would change against the published ranking
    `against` (usually the latest), without publishing anything. `number` is None (the
    live ranking has none yet); with no ranking to compare to, everything is new. Two
    queries."""
    current = {entry.item_id: entry for entry in live_ranking_snapshot()}
    earlier: dict[int, RankingEntry] = {}
    if against is not None:
        earlier = {entry.item_id: entry for entry in ranking_entries(ranking=against)}
    return {
        "number": None,
        "previous_number": None if against is None else against.number,
        **_entries_diff(current, earlier),
    }
