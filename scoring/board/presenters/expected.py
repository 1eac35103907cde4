"""Expected results against measured outcomes, and the accounts behind an item's
evidence, as the item page and the outcomes page show them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from config.formatting import format_number
from scoring.board.presenters.common import channel_label
from signals.loop.selectors import ExpectedAgainstMeasured, ItemAccounts
from signals.loop.verdict import Verdict


def verdict_rule() -> str:
    return _(
        "Achieved lift: the change from the outcome's baseline to its measured value, in "
        "the KPI's good direction (a fall for churn), relative to the baseline. Met: at "
        "least 100 % of the expected lift; partly: at least 50 %; missed: below 50 %; not "
        "measured yet: no outcome of that KPI (and segment or channel, if named) so far. "
        "The latest measurement counts."
    )


VERDICT_LABELS = {
    Verdict.MET: lambda: _("met"),
    Verdict.PARTLY: lambda: _("partly"),
    Verdict.MISSED: lambda: _("missed"),
    Verdict.NOT_MEASURED: lambda: _("not measured yet"),
}


def _percent(value: float | None) -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "+∞" if value > 0 else "−∞"
    return f"{value * 100:+.1f} %"


def expected_rows(judged: Sequence[ExpectedAgainstMeasured]) -> list[dict[str, Any]]:
    rows = []
    for row in judged:
        expected, outcome, judgement = row.expected, row.outcome, row.judgement
        rows.append(
            {
                "item_id": expected.launch_plan.item_id,
                "item_title": expected.launch_plan.item.title,
                "kpi": expected.kpi_name,
                "scope": ", ".join(
                    part
                    for part in (
                        expected.segment.name if expected.segment else "",
                        channel_label(expected.channel) if expected.channel else "",
                    )
                    if part
                )
                or _("all"),
                "expected": (
                    _("lift %(lift)s") % {"lift": _percent(expected.expected_lift)}
                    if expected.expected_lift is not None
                    else _("value %(value)s") % {"value": format_number(expected.expected_value)}
                ),
                "due_date": expected.due_date,
                "measured": None
                if outcome is None
                else {
                    "baseline": format_number(outcome.baseline),
                    "measured": format_number(outcome.measured),
                    "period_end": outcome.period_end,
                },
                "expected_lift": _percent(judgement.expected_lift),
                "achieved_lift": _percent(judgement.achieved_lift),
                "verdict": judgement.verdict.value,
                "verdict_label": VERDICT_LABELS[judgement.verdict](),
            }
        )
    return rows


def accounts_summary(accounts: ItemAccounts) -> dict[str, Any]:
    return {
        "count": accounts.count,
        "churned": accounts.churned_count,
        "text": _("%(count)s accounts asked for this, %(churned)s of them churned over it.")
        % {"count": accounts.count, "churned": accounts.churned_count},
        "accounts": [
            {"name": a.name, "asked": a.asked, "churned": a.churned} for a in accounts.accounts
        ],
    }
