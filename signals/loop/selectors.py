"""Reads of the loop back: expected results against measured outcomes, the accounts
behind an item's evidence, a user's notifications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from signals.choices import SignalKind
from signals.loop.models import ExpectedResult, Notification
from signals.loop.verdict import Judgement, judge
from signals.models import MarketSignal, Outcome, ReportLink, SignalLink


@dataclass(frozen=True)
class ExpectedAgainstMeasured:
    """One expected result with the measurement it is judged against (if any)."""

    expected: ExpectedResult
    outcome: Outcome | None
    judgement: Judgement


def expected_result_list() -> QuerySet[ExpectedResult]:
    return ExpectedResult.objects.select_related("launch_plan__item", "segment")


def _matches(expected: ExpectedResult, outcome: Outcome) -> bool:
    if outcome.kpi != expected.kpi or outcome.custom_kpi != expected.custom_kpi:
        return False
    if expected.segment_id is not None and outcome.segment_id != expected.segment_id:
        return False
    return not expected.channel or outcome.channel == expected.channel


def expected_results_judged(*, expected: Sequence[ExpectedResult]) -> list[ExpectedAgainstMeasured]:
    """Each expectation against the latest matching outcome of its plan's item (latest
    period end, then latest id): same KPI, and the same segment or channel when the
    expectation names one. One query for the outcomes of all the given expectations."""
    item_ids = {row.launch_plan.item_id for row in expected}
    outcomes: dict[int, list[Outcome]] = {}
    if item_ids:
        for outcome in Outcome.objects.filter(item_id__in=item_ids).order_by("-period_end", "-id"):
            outcomes.setdefault(outcome.item_id, []).append(outcome)
    judged = []
    for row in expected:
        match = next(
            (o for o in outcomes.get(row.launch_plan.item_id, ()) if _matches(row, o)), None
        )
        judgement = judge(
            kpi=row.kpi,
            expected_value=row.expected_value,
            expected_lift=row.expected_lift,
            baseline=None if match is None else match.baseline,
            measured=None if match is None else match.measured,
        )
        judged.append(ExpectedAgainstMeasured(row, match, judgement))
    return judged


def expected_results_of_items(*, item_ids: Sequence[int]) -> list[ExpectedAgainstMeasured]:
    """The judged expectations of the launch plans of the given items. Two queries."""
    rows = list(expected_result_list().filter(launch_plan__item_id__in=list(item_ids)))
    return expected_results_judged(expected=rows)


@dataclass(frozen=True)
class Account:
    name: str
    asked: bool  # a signal of another kind than a churn reason names it
    churned: bool  # a churn reason names it


@dataclass(frozen=True)
class ItemAccounts:
    """The accounts named in an item's linked, undismissed signals: "12 accounts asked
    for this, 3 of them churned over it"."""

    accounts: list[Account] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.accounts)

    @property
    def churned_count(self) -> int:
        return sum(account.churned for account in self.accounts)


def item_accounts(*, item_id: int) -> ItemAccounts:
    """Accounts by name (trimmed, compared case-insensitively, first spelling kept), in
    name order. One query."""
    rows = (
        MarketSignal.objects.filter(links__item_id=item_id, dismissed=False)
        .exclude(account_name="")
        .values_list("account_name", "kind")
        .order_by("account_name", "kind")
        .distinct()
    )
    accounts: dict[str, dict[str, object]] = {}
    for name, kind in rows:
        key = name.strip().casefold()
        if not key:
            continue
        entry = accounts.setdefault(key, {"name": name.strip(), "asked": False, "churned": False})
        entry["churned" if kind == SignalKind.CHURN_REASON else "asked"] = True
    return ItemAccounts(
        [
            Account(str(e["name"]), bool(e["asked"]), bool(e["churned"]))
            for _, e in sorted(accounts.items())
        ]
    )


def notification_list(*, user_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user_id).select_related("item")


def notification_unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def evidence_submitter_ids(*, item_ids: Sequence[int]) -> dict[int, set[int]]:
    """Who submitted a signal or a friction report linked to each item (dismissed or not:
    they asked). Two queries."""
    found: dict[int, set[int]] = {}
    for link_model, evidence in ((SignalLink, "signal"), (ReportLink, "report")):
        pairs = (
            link_model.objects.filter(
                Q(item_id__in=list(item_ids)) & Q(**{f"{evidence}__submitted_by__isnull": False})
            )
            .values_list("item_id", f"{evidence}__submitted_by_id")
            .distinct()
        )
        for item_id, user_id in pairs:
            found.setdefault(item_id, set()).add(user_id)
    return found
