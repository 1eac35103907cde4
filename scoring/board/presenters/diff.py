"""A published ranking against the one before it: what moved and why, in people's terms
(the board's diff; the publish confirmation shows the same for the live ranking)."""

from __future__ import annotations

from typing import Any

from scoring import selectors
from scoring.board.presenters.publish import listed_rows, moved_rows
from scoring.models import Ranking


def ranking_diff_page(*, ranking: Ranking) -> dict[str, Any]:
    diff = selectors.ranking_diff(ranking=ranking)
    return {
        "ranking": ranking,
        "previous_number": diff["previous_number"],
        "moved_up": moved_rows(diff["moved_up"]),
        "moved_down": moved_rows(diff["moved_down"]),
        "new": listed_rows(diff["new"]),
        "dropped": listed_rows(diff["dropped"]),
        "unchanged": diff["unchanged"],
        "rankings": list(selectors.rankings().values_list("number", flat=True)[:24]),
    }
