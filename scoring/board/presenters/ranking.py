"""The board's main page: the live ranking beside the latest published one, and the
items that need estimates."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from config.formatting import format_number
from scoring import selectors
from scoring.board.matrix import MatrixLabels, MatrixPoint, value_effort_svg
from scoring.board.presenters.common import contribution_bar, evidence_rows, person_name
from scoring.filters import item_scores_filtered
from scoring.models import ItemScore, Ranking


def _movement(
    position: int, published: tuple[int, float, str] | None, latest: Ranking | None
) -> dict[str, str]:
    """Where the item moved since the latest published ranking, as a symbol and in words."""
    if latest is None:
        return {"kind": "new", "symbol": _("new"), "text": _("no ranking published yet")}
    number = {"number": latest.number}
    if published is None:
        return {
            "kind": "new",
            "symbol": _("new"),
            "text": _("new since Ranking %(number)s") % number,
        }
    places = published[0] - position
    if places > 0:
        text = ngettext(
            "up %(places)d place since Ranking %(number)s",
            "up %(places)d places since Ranking %(number)s",
            places,
        ) % {**number, "places": places}
        return {"kind": "up", "symbol": f"▲ {places}", "text": text}
    if places < 0:
        text = ngettext(
            "down %(places)d place since Ranking %(number)s",
            "down %(places)d places since Ranking %(number)s",
            -places,
        ) % {**number, "places": -places}
        return {"kind": "down", "symbol": f"▼ {-places}", "text": text}
    return {
        "kind": "same",
        "symbol": "—",
        "text": _("unchanged since Ranking %(number)s") % number,
    }


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
        # Nobody answers for it in a committee: the board flags it.
        "unowned": item.owner_id is None,
        "status": item.get_status_display(),
        "status_code": item.status,
        "score": format_number(score.score),
        "raw": {
            "position": position,
            "score": score.score,
            "reach": score.reach,
            "impact": score.impact,
            "confidence": score.confidence,
            "effort": score.effort,
            "title": item.title.casefold(),
        },
        "reach": format_number(score.reach),
        "impact": format_number(score.impact),
        "confidence": format_number(score.confidence),
        "effort": format_number(score.effort),
        "exact_score": repr(score.score),
        "dirty": getattr(score, "dirty", False),
        "bars": [
            contribution_bar(
                _("Reach"), score.reach, score.reach_product, score.reach_marketing, alpha
            ),
            contribution_bar(
                _("Impact"), score.impact, score.impact_product, score.impact_marketing, alpha
            ),
        ],
        "evidence": evidence_rows(evidence),
        "published": None
        if published is None
        else {"position": published[0], "score": format_number(published[1])},
    }


FACTOR_NAMES = {
    "reach": gettext_lazy("reach"),
    "impact": gettext_lazy("impact"),
    "confidence": gettext_lazy("confidence"),
    "effort": gettext_lazy("effort"),
}


def _needs_row(score: ItemScore) -> dict[str, Any]:
    item = score.item
    return {
        "item_id": item.pk,
        "title": item.title,
        "theme": item.theme.name if item.theme else "—",
        "owner": person_name(item.owner),
        "status": item.get_status_display(),
        "missing": [FACTOR_NAMES.get(name, name) for name in score.missing],
    }


# The columns the ranking sorts by (`?sort=reach`, `?sort=-reach`), position by default.
SORT_KEYS = ("position", "title", "score", "reach", "impact", "confidence", "effort")


def sort_rows(rows: list[dict[str, Any]], sort: str | None) -> tuple[list[dict[str, Any]], str]:
    """The rows in the order asked for (an unknown key: ranking order), and the key used.
    Ties and missing values keep ranking order."""
    key = (sort or "").lstrip("-")
    if key not in SORT_KEYS or (key == "position" and not (sort or "").startswith("-")):
        return rows, "position"
    descending = (sort or "").startswith("-")
    present = [row for row in rows if row["raw"][key] is not None]
    absent = [row for row in rows if row["raw"][key] is None]
    present.sort(key=lambda row: row["raw"]["position"])
    present.sort(key=lambda row: row["raw"][key], reverse=descending)
    return [*present, *absent], ("-" if descending else "") + key


def sort_links(current: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the `sort` its header link asks for (numbers largest
    first on the first click, then the other way) and its aria-sort state."""
    links = {}
    for key in SORT_KEYS:
        first = key if key in ("position", "title") else f"-{key}"
        if current == first:
            other = first[1:] if first.startswith("-") else f"-{first}"
            links[key] = {"next": other, "aria": "descending" if first[0] == "-" else "ascending"}
        elif current.lstrip("-") == key:
            links[key] = {"next": first, "aria": "ascending" if first[0] == "-" else "descending"}
        else:
            links[key] = {"next": first, "aria": "none"}
    return links


def matrix_svg(rows: list[dict[str, Any]]) -> str:
    """The value/effort matrix of the shown rows (scoring.board.matrix)."""
    points = [
        MatrixPoint(
            item_id=row["item_id"],
            title=row["title"],
            position=row["position"],
            value=row["raw"]["reach"] * row["raw"]["impact"] * row["raw"]["confidence"],
            effort=row["raw"]["effort"],
            href=reverse("board:item", args=[row["item_id"]]),
        )
        for row in rows
        if None not in (row["raw"]["reach"], row["raw"]["impact"], row["raw"]["effort"])
    ]
    labels = MatrixLabels(
        title=_("Value against effort"),
        x_axis=_("Effort E (person-months, log scale)"),
        y_axis=_("Value R·I·C (log scale)"),
        quick_wins=_("Quick wins"),
        big_bets=_("Big bets"),
        fill_ins=_("Fill-ins"),
        money_pits=_("Money pits"),
        empty=_("No ranked item to place yet"),
        point=_("%(position)s. %(title)s: value %(value)s, effort %(effort)s"),
        describe=_(
            "%(count)s ranked items placed by value (reach × impact × confidence) and "
            "effort, both on log scales; lines split each axis at the geometric mean."
        ),
    )
    # The module escapes every text it is given.
    return mark_safe(value_effort_svg(points, labels=labels))  # noqa: S308


def board_page(*, filters: dict[str, Any], sort: str | None = None) -> dict[str, Any]:
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
    matrix = matrix_svg(rows)
    rows, sort_key = sort_rows(rows, sort)
    return {
        "filtered": bool(filters),
        "rows": rows,
        "sort": sort_key,
        "sorting": sort_links(sort_key),
        "matrix": matrix,
        "unowned_count": sum(row["unowned"] for row in rows),
        "ranked_count": len(positions),
        "latest": latest,
        "dropped": [{"position": p, "score": format_number(s), "title": t} for p, s, t in dropped],
        "summary": {kind: moves.count(kind) for kind in ("up", "down", "new", "same")},
        "pending": sum(row["dirty"] for row in rows),
        "needs": [_needs_row(score) for score in needs],
    }
