"""The ranking diff: what moved between two rankings (or between the latest published
ranking and the live one) and why, computed on read."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TypedDict

from django.utils import timezone

from scoring import engine, why
from scoring.models import (
    Ranking,
    RankingEntry,
    ScoringModel,
)
from scoring.selectors.causes import ItemCauses, ModelChange, items_causes, no_causes
from scoring.selectors.rankings import live_ranking_snapshot, ranking_entries, ranking_entry_result
from scoring.selectors.scoring_models import scoring_model_active, scoring_model_params

# How many of the items that passed (or were passed by) a moved item are named; the
# rest are counted.
OTHERS_NAMED = 5


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
    # Why, in people's terms (scoring.selectors.causes, scoring.why): the inputs of its
    # own score that changed, and the items that passed it (moved down) or that it
    # passed (moved up), with the sentence that says it all.
    own_change: bool
    causes: ItemCauses
    passed_by: list[why.OtherItem]
    passed_by_count: int
    passed: list[why.OtherItem]
    passed_count: int
    summary: str


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


class _Context:
    """Both sides of a diff and every item's causes, for naming who passed whom."""

    def __init__(
        self,
        current: Mapping[int, RankingEntry],
        earlier: Mapping[int, RankingEntry],
        causes: Mapping[int, ItemCauses],
    ) -> None:
        self.current, self.earlier, self.causes = current, earlier, causes
        self.current_order = list(current.values())
        self.earlier_order = list(earlier.values())

    def other(self, item_id: int, title: str) -> why.OtherItem:
        return {
            "item": item_id,
            "title": title,
            "new": item_id not in self.earlier,
            "left": item_id not in self.current,
            "headline": why.headline(self.causes.get(item_id) or no_causes()),
        }

    def passed_by(self, before: RankingEntry, after: RankingEntry) -> list[why.OtherItem]:
        """Items above it now that were below it (or absent) before."""
        found = []
        for entry in self.current_order[: after.position - 1]:
            old = self.earlier.get(entry.item_id)
            if old is None or old.position > before.position:
                found.append(self.other(entry.item_id, entry.title))
        return found

    def passed(self, before: RankingEntry, after: RankingEntry) -> list[why.OtherItem]:
        """Items above it before that are below it (or gone) now."""
        found = []
        for entry in self.earlier_order[: before.position - 1]:
            now = self.current.get(entry.item_id)
            if now is None or now.position > after.position:
                found.append(self.other(entry.item_id, entry.title))
        return found


def _moved(before: RankingEntry, after: RankingEntry, context: _Context) -> RankingMove:
    split = engine.split_change(ranking_entry_result(before), ranking_entry_result(after))
    causes = context.causes.get(after.item_id) or no_causes()
    down = after.position > before.position
    passed_by = context.passed_by(before, after) if down else []
    passed = [] if down else context.passed(before, after)
    others = passed_by if down else passed
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
        "own_change": before.score != after.score,
        "causes": causes,
        "passed_by": passed_by[:OTHERS_NAMED],
        "passed_by_count": len(passed_by),
        "passed": passed[:OTHERS_NAMED],
        "passed_count": len(passed),
        "summary": why.move_summary(
            from_position=before.position,
            to_position=after.position,
            score_before=before.score,
            score_after=after.score,
            causes=causes,
            others=others[:OTHERS_NAMED],
            others_count=len(others),
        ),
    }


def _listed(entry: RankingEntry) -> RankingListed:
    return {
        "item": entry.item_id,
        "title": entry.title,
        "position": entry.position,
        "score": entry.score,
    }


def _entries_diff(
    current: Mapping[int, RankingEntry],
    earlier: Mapping[int, RankingEntry],
    causes: Mapping[int, ItemCauses],
) -> _Movement:
    """The movement from `earlier` to `current` (item id → entry, each in position order).

    For each item that moved, `main_driver` and the log `terms` come from
    engine.split_change on the two entries (SCORING.md, "Explanation"). Items only in
    `current` are `new`, items only in `earlier` are `dropped`. Shared by the diff of two
    published rankings and by the diff of the live ranking against a published one.
    """
    context = _Context(current, earlier, causes)
    moved_up: list[RankingMove] = []
    moved_down: list[RankingMove] = []
    new: list[RankingListed] = []
    unchanged = 0
    for item_id, entry in current.items():
        old = earlier.get(item_id)
        if old is None:
            new.append(_listed(entry))
        elif entry.position < old.position:
            moved_up.append(_moved(old, entry, context))
        elif entry.position > old.position:
            moved_down.append(_moved(old, entry, context))
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


def _diff_causes(
    current: Mapping[int, RankingEntry],
    earlier: Mapping[int, RankingEntry],
    *,
    since: datetime | None,
    until: datetime,
    model_before: ScoringModel | None,
    model_after: ScoringModel,
) -> dict[int, ItemCauses]:
    """The causes of every item on either side (the movers and those who passed them)."""
    if since is None:
        return {}
    model: ModelChange | None = None
    if model_before is not None and model_before.version != model_after.version:
        model = {"before": model_before.version, "after": model_after.version}
    return items_causes(
        item_ids=sorted({*current, *earlier}),
        since=since,
        until=until,
        params=scoring_model_params(model_after),
        model=model,
    )


def ranking_diff(*, ranking: Ranking) -> RankingDiff:
    """What moved between the previous ranking (number - 1) and this one, and why.

    See `_entries_diff`; against no previous ranking (number 1) everything is new. The
    causes are the inputs changed between the two publications
    (scoring.selectors.causes). A fixed number of queries (eight), whatever the size.
    """
    pair = {
        r.number: r
        for r in Ranking.objects.select_related("model").filter(
            number__in=[ranking.number, ranking.number - 1]
        )
    }
    ranking = pair.get(ranking.number, ranking)
    previous = pair.get(ranking.number - 1)
    ranking_ids = [ranking.pk] if previous is None else [ranking.pk, previous.pk]
    current: dict[int, RankingEntry] = {}
    earlier: dict[int, RankingEntry] = {}
    for entry in RankingEntry.objects.filter(ranking_id__in=ranking_ids).order_by("position"):
        (current if entry.ranking_id == ranking.pk else earlier)[entry.item_id] = entry
    causes = _diff_causes(
        current,
        earlier,
        since=None if previous is None else previous.published_at,
        until=ranking.published_at,
        model_before=None if previous is None else previous.model,
        model_after=ranking.model,
    )
    return {
        "number": ranking.number,
        "previous_number": None if previous is None else previous.number,
        **_entries_diff(current, earlier, causes),
    }


def ranking_diff_live(*, against: Ranking | None) -> RankingDiff:
    """What publishing the live ranking now would change against the published ranking
    `against` (usually the latest), without publishing anything. `number` is None (the
    live ranking has none yet); with no ranking to compare to, everything is new. A fixed
    number of queries."""
    current = {entry.item_id: entry for entry in live_ranking_snapshot()}
    earlier: dict[int, RankingEntry] = {}
    causes: dict[int, ItemCauses] = {}
    if against is not None:
        earlier = {entry.item_id: entry for entry in ranking_entries(ranking=against)}
        causes = _diff_causes(
            current,
            earlier,
            since=against.published_at,
            until=timezone.now(),
            model_before=against.model,
            model_after=scoring_model_active(),
        )
    return {
        "number": None,
        "previous_number": None if against is None else against.number,
        **_entries_diff(current, earlier, causes),
    }
