"""The publish confirmation: what publishing now would change, in words."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.formatting import format_number
from scoring import selectors, why
from scoring.models import Ranking
from scoring.selectors.diffs import RankingListed, RankingMove

FACTOR_CHANGES = {
    "reach": gettext_lazy("reach %(before)s → %(after)s people a quarter"),
    "impact": gettext_lazy("impact %(before)s → %(after)s"),
    "confidence": gettext_lazy("confidence %(before)s → %(after)s"),
    "effort": gettext_lazy("effort %(before)s → %(after)s person-months"),
}


def _driver_text(row: RankingMove) -> str:
    """The main cause of the item's own change in people's terms (scoring.why.headline:
    the largest piece of evidence with its submitter, else the estimate change with who
    and when, else the model version), with the factor it moved most as the number behind
    it: "+ friction report #65 by Carla Diaz, marketing (reach 4,550 → 6,755 people a
    quarter)"."""
    driver = row["main_driver"]
    if driver is None:
        return _("its own score did not change; other items moved past it")
    before, after = row["factors_before"][driver], row["factors_after"][driver]
    values = {"before": format_number(before), "after": format_number(after)}
    text = FACTOR_CHANGES.get(driver)
    factor = (
        f"{driver} {values['before']} → {values['after']}" if text is None else str(text) % values
    )
    causes = row["causes"]
    cause = why.headline(causes)
    if not cause:
        cause = _("no input changed: evidence aged")
    elif (
        causes["largest_evidence"] is None
        and causes["estimates"][:1]
        and (causes["estimates"][0]["field"] == driver)
    ):
        return cause  # the estimate change already names the factor and its numbers
    return _("%(cause)s (%(factor)s)") % {"cause": cause, "factor": factor}


def moved_rows(rows: list[RankingMove]) -> list[dict[str, Any]]:
    """The moves of a diff as the board shows them: the numbers, the main factor, and why
    in people's terms (scoring.why.move_summary: who passed whom, and every cause)."""
    return [
        {
            "item": row["item"],
            "title": row["title"],
            "from_position": row["from_position"],
            "to_position": row["to_position"],
            "places": row["places"],
            "score_before": format_number(row["score_before"]),
            "score_after": format_number(row["score_after"]),
            "driver": _driver_text(row),
            "summary": row["summary"],
        }
        for row in rows
    ]


def listed_rows(rows: list[RankingListed]) -> list[dict[str, Any]]:
    return [{**row, "score": format_number(row["score"])} for row in rows]


def published_since(latest: Ranking) -> str:
    values: dict[str, object] = {"number": latest.number}
    if latest.published_by:
        values["who"] = latest.published_by.get_username()
        return (
            _(
                "Ranking %(number)s was published by %(who)s since this page was opened, so "
                "nothing was published now. Review the changes against it, then publish again."
            )
            % values
        )
    return (
        _(
            "Ranking %(number)s was published since this page was opened, so nothing was "
            "published now. Review the changes against it, then publish again."
        )
        % values
    )


def publish_page(*, latest: Ranking | None) -> dict[str, Any]:
    """What publishing the live ranking now would change against `latest`, in words: the
    same entries ranking_publish freezes (selectors.live_ranking_snapshot)."""
    diff = selectors.ranking_diff_live(against=latest)
    return {
        "latest": latest,
        "next_number": (0 if latest is None else latest.number) + 1,
        "moved_up": moved_rows(diff["moved_up"]),
        "moved_down": moved_rows(diff["moved_down"]),
        "new": listed_rows(diff["new"]),
        "dropped": listed_rows(diff["dropped"]),
        "unchanged": diff["unchanged"],
        "pending": selectors.dirty_item_count(),
    }
