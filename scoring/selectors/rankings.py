"""Published rankings and their entries, and the live ranking as a publication would
freeze it (`live_ranking_snapshot`: the one builder of a publication's entries, called
by `ranking_publish` and by the diff the board's publish confirmation shows)."""

from __future__ import annotations

from django.db.models import (
    Prefetch,
    QuerySet,
)

from roadmap.models import RoadmapItem
from scoring import engine
from scoring.models import (
    Ranking,
    RankingEntry,
)
from scoring.selectors.scores import item_score_result, live_ranking

# A ranking's detail carries at most this many entries; `ranking_entries` pages the rest.
RANKING_DETAIL_MAX_ENTRIES = 1000


def rankings() -> QuerySet[Ranking]:
    """Published rankings, newest first."""
    return Ranking.objects.select_related("published_by", "model").order_by("-number")


def rankings_with_entries() -> QuerySet[Ranking]:
    """Published rankings with their first RANKING_DETAIL_MAX_ENTRIES entries in
    `first_entries` (one query for the rankings, one for the entries of them all)."""
    entries = RankingEntry.objects.order_by("position")[:RANKING_DETAIL_MAX_ENTRIES]
    # A sliced prefetch needs to_attr: Django cannot turn it back into a related manager.
    return rankings().prefetch_related(
        Prefetch("entries", queryset=entries, to_attr="first_entries")
    )


def ranking_latest(*, with_entries: bool = False) -> Ranking | None:
    return (rankings_with_entries() if with_entries else rankings()).first()


def ranking_key(*, number: str | int | None = None) -> Ranking | None:
    """Ranking `number`, or the latest one, with only its own columns (no user, model or
    entries): one lookup on the unique index of `number`, what a 304 of a published
    ranking needs."""
    rankings = Ranking.objects.order_by("-number").only(
        "pk", "number", "item_count", "published_at", "note"
    )
    if number is not None:
        if not str(number).isdigit() or int(number) >= 2**31:
            return None
        rankings = rankings.filter(number=int(number))
    return rankings.first()


def ranking_entries(*, ranking: Ranking) -> QuerySet[RankingEntry]:
    return RankingEntry.objects.filter(ranking=ranking).order_by("position")


def ranking_entry_result(entry: RankingEntry) -> engine.ScoreResult:
    """A frozen entry as the engine's result type, for change splits."""
    parts = entry.explanation or {}
    reach = parts.get("reach") or {}
    impact = parts.get("impact") or {}
    confidence = parts.get("confidence") or {}
    effort = parts.get("effort") or {}
    counts = parts.get("counts") or {}
    return engine.ScoreResult(
        score=entry.score,
        reach=engine.ReachParts(
            value=entry.reach, product=reach.get("product"), marketing=reach.get("marketing")
        ),
        impact=engine.ImpactParts(
            value=entry.impact, product=impact.get("product"), marketing=impact.get("marketing")
        ),
        confidence=engine.ConfidenceParts(
            value=entry.confidence,
            product=confidence.get("product", entry.confidence),
            evidence=confidence.get("evidence", 0.0),
        ),
        effort=engine.EffortParts(value=entry.effort, estimate=effort.get("estimate")),
        missing=(),
        signal_count=counts.get("signals", 0),
        report_count=counts.get("reports", 0),
    )


def ranking_positions(*, ranking: Ranking) -> dict[int, tuple[int, float, str]]:
    """item id → (position, score, title) in a published ranking; one query."""
    rows = RankingEntry.objects.filter(ranking=ranking).values_list(
        "item_id", "position", "score", "title"
    )
    return {item_id: (position, score, title) for item_id, position, score, title in rows}


def ranking_entry_of_item(*, ranking: Ranking, item: RoadmapItem) -> RankingEntry | None:
    return RankingEntry.objects.filter(ranking=ranking, item=item).first()


def live_ranking_snapshot() -> list[RankingEntry]:
    """The live ranking as unsaved entries (no ranking yet): positions, scores, factors
    and explanation parts. ranking_publish saves exactly these, and the board's publish
    confirmation diffs them, so what the committee confirms is what gets published.

    One query. Items marked dirty keep their last computed score here; ranking_publish
    recomputes them first (see `dirty_item_count`).
    """
    scores = (
        live_ranking()
        .select_related(None)
        .select_related("item", "model")
        .defer("item__description")
    )
    return [
        RankingEntry(
            item_id=score.item_id,
            title=score.item.title,
            jira_key=score.item.jira_key,
            position=position,
            score=_scored(score.score),
            reach=_scored(score.reach),
            impact=_scored(score.impact),
            confidence=score.confidence,
            effort=_scored(score.effort),
            # Factor parts only: contributors would cost a query per item, and they stay
            # readable live from the item's score.
            explanation=engine.explanation(
                item_score_result(score),
                computed_at=score.computed_at,
                model_version=score.model.version,
            ),
        )
        for position, score in enumerate(scores, start=1)
    ]


def _scored(value: float | None) -> float:
    """A factor of a rankable score: `rankable` means scored, so never None."""
    if value is None:
        raise ValueError("a rankable item score without its factors")
    return value
