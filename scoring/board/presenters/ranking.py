"""The board's main page: the live ranking beside the latest published one, and the
items that need estimates."""

from __future__ import annotations

from typing import Any

from config.formatting import format_number
from scoring import selectors
from scoring.board.presenters.common import contribution_bar, evidence_rows, person_name
from scoring.filters import item_scores_filtered
from scoring.models import ItemScore, Ranking


def _movement(
    position: int, published: tuple[int, float, str] | None, latest: Ranking | None
) -> dict[str, str]:
    """Where the item moved since the latest published ranking, as a symbol and in words."""
    if latest is None:
        return {"kind": "new", "symbol": "new", "text": "no ranking published yet"}
    if published is None:
        return {"kind": "new", "symbol": "new", "text": f"new since Ranking {latest.number}"}
    places = published[0] - position
    if places > 0:
        noun = "place" if places == 1 else "places"
        text = f"up {places} {noun} since Ranking {latest.number}"
        return {"kind": "up", "symbol": f"▲ {places}", "text": text}
    if places < 0:
        noun = "place" if places == -1 else "places"
        text = f"down {-places} {noun} since Ranking {latest.number}"
        return {"kind": "down", "symbol": f"▼ {-places}", "text": text}
    return {"kind": "same", "symbol": "—", "text": f"unchanged since Ranking {latest.number}"}


def _row(
    score: ItemScore,
    position: int,
    published: tuple[int, float, str] | None,
    latest: Ranking | None,
    evidence: dict[str, int],
) -> dict[str, Any]:
    item, alpha = score.item, score.model.product_weight
    return {
        "position": position,
        "movement": _movement(position, published, latest),
        "item_id": item.pk,
        "title": item.title,
        "theme": item.theme.name if item.theme else "—",
        "owner": person_name(item.owner),
        "status": item.get_status_display(),
        "score": format_number(score.score),
        "exact_score": repr(score.score),
        "dirty": getattr(score, "dirty", False),
        "bars": [
            contribution_bar(
                "Reach", score.reach, score.reach_product, score.reach_marketing, alpha
            ),
            contribution_bar(
                "Impact", score.impact, score.impact_product, score.impact_marketing, alpha
            ),
        ],
        "evidence": evidence_rows(evidence),
        "published": None
        if published is None
        else {"position": published[0], "score": format_number(published[1])},
    }


def _needs_row(score: ItemScore) -> dict[str, Any]:
    item = score.item
    return {
        "item_id": item.pk,
        "title": item.title,
        "theme": item.theme.name if item.theme else "—",
        "owner": person_name(item.owner),
        "status": item.get_status_display(),
        "missing": list(score.missing),
    }


def board_page(*, filters: dict[str, Any]) -> dict[str, Any]:
    """The board's rows for the given filters (data of scoring.filters'
    LiveRankingFilterSet, the filters of `rankings/live/`). Filters hide rows;
    positions stay those of the whole ranking."""
    scores = list(item_scores_filtered(queryset=selectors.live_ranking_board(), data=filters))
    if filters:
        positions = selectors.item_positions()
    else:
        positions = {score.item_id: index for index, score in enumerate(scores, start=1)}
    latest = selectors.ranking_latest()
    published = selectors.ranking_positions(ranking=latest) if latest is not None else {}
    counts = selectors.item_evidence_counts(item_ids=[score.item_id for score in scores])
    rows = [
        _row(score, position, published.get(score.item_id), latest, counts.get(score.item_id, {}))
        for score in scores
        # A recomputation between the two reads may have taken the item out of the ranking.
        if (position := positions.get(score.item_id)) is not None
    ]
    # Published items that left the live ranking (shipped, archived, now unscored).
    dropped = sorted(
        (entry for item_id, entry in published.items() if item_id not in positions),
        key=lambda entry: entry[0],
    )
    needs = item_scores_filtered(queryset=selectors.items_needing_estimates(), data=filters)
    moves = [row["movement"]["kind"] for row in rows]
    return {
        "filtered": bool(filters),
        "rows": rows,
        "ranked_count": len(positions),
        "latest": latest,
        "dropped": [{"position": p, "score": format_number(s), "title": t} for p, s, t in dropped],
        "summary": {kind: moves.count(kind) for kind in ("up", "down", "new", "same")},
        "pending": sum(row["dirty"] for row in rows),
        "needs": [_needs_row(score) for score in needs],
    }
