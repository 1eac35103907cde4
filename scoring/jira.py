"""Scoring's side of the Jira push: a published ranking's entries with a Jira key, as the
plain data roadmap.jira.push takes. Registered as the PUSH_ITEMS_PROVIDER of
roadmap.jira.tasks (ScoringConfig.ready), so the push task in roadmap reads a ranking
without importing scoring."""

from __future__ import annotations

from roadmap.jira.push import JiraPushItem, JiraPushRanking
from scoring import selectors
from scoring.models import Ranking


def ranking_jira_push_items(*, ranking_id: int) -> JiraPushRanking | None:
    """The ranking's entries with a Jira key, in ranking order; None when it is gone."""
    ranking = Ranking.objects.filter(pk=ranking_id).first()
    if ranking is None:
        return None
    entries = (
        selectors.ranking_entries(ranking=ranking)
        .exclude(jira_key="")
        .values_list(
            "item_id", "jira_key", "position", "score", "reach", "impact", "confidence", "effort"
        )
    )
    return JiraPushRanking(number=ranking.number, items=[JiraPushItem(*row) for row in entries])
