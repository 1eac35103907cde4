"""The rank planner: pure, no I/O, no Django. Given Jira's relative order of our issues
as the last completed push left it and the wanted order, `jira_rank_plan` returns the
fewest rank calls that make the first equal the second. The push (roadmap.jira.push)
carries the plan out, with a `RankOrder` to find another anchor when a planned one turns
out to be missing; the property tests (tests/roadmap/test_jira_planner.py) check the plan.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from roadmap.jira.client import RANK_BATCH_SIZE


@dataclass(frozen=True)
class RankCall:
    """One rank operation: put `issues`, in order, right after `after` or right before
    `before`."""

    issues: tuple[str, ...]
    after: str | None = None
    before: str | None = None


def jira_rank_plan(
    *, previous: Sequence[str], desired: Sequence[str], batch_size: int = RANK_BATCH_SIZE
) -> list[RankCall]:
    """The fewest rank calls that turn `previous` (Jira's relative order of our issues,
    as the last completed push left it; empty when unknown) into `desired`.

    Only the relative order of our issues matters; other issues of the board may sit in
    between. The issues that keep their place are a longest subsequence of `desired`
    already in `previous` order (a longest increasing subsequence of their old positions):
    moving everything else is the fewest issues that can be moved. Every maximal run of
    issues to move is placed in one call per `batch_size` issues, in `desired` order:

    - a run preceded by a kept issue K goes `rankAfterIssue: K`;
    - a run at the very top goes `rankBeforeIssue:` the first kept issue after it;
    - each further batch of the same run goes `rankAfterIssue:` the last issue of the
      batch before it, which is in place by then.

    With no previous order (first push, or after `force`), nothing is known to be in
    place, so the first issue is kept where it is: it needs no call of its own, since
    ranking all others after it makes it first among them. 120 issues are then exactly
    3 calls: issues 2-51 after 1, 52-101 after 51, 102-120 after 101.
    """
    desired = list(desired)
    if len(set(desired)) != len(desired):
        raise ValueError("the desired order names an issue twice")
    if len(desired) < 2:
        return []
    old_position = {key: index for index, key in enumerate(previous)}
    kept = _longest_kept(desired, old_position) or {desired[0]}
    calls: list[RankCall] = []
    start = 0
    while start < len(desired):
        if desired[start] in kept:
            start += 1
            continue
        end = start
        while end < len(desired) and desired[end] not in kept:
            end += 1
        run = desired[start:end]
        for offset in range(0, len(run), batch_size):
            batch = tuple(run[offset : offset + batch_size])
            if offset:
                calls.append(RankCall(batch, after=run[offset - 1]))
            elif start:
                calls.append(RankCall(batch, after=desired[start - 1]))
            else:
                # At the top: `end` is a kept issue, since at least one issue is kept.
                calls.append(RankCall(batch, before=desired[end]))
        start = end
    return calls


def _longest_kept(desired: list[str], old_position: dict[str, int]) -> set[str]:
    """A longest subsequence of `desired` whose old positions increase (O(n log n))."""
    keys = [key for key in desired if key in old_position]
    tails: list[int] = []  # tails[k]: index in `keys` ending the best subsequence of k+1
    tail_positions: list[int] = []
    parent: list[int] = [-1] * len(keys)
    for index, key in enumerate(keys):
        position = old_position[key]
        k = bisect.bisect_left(tail_positions, position)
        if k:
            parent[index] = tails[k - 1]
        if k == len(tails):
            tails.append(index)
            tail_positions.append(position)
        else:
            tails[k] = index
            tail_positions[k] = position
    kept: set[str] = set()
    index = tails[-1] if tails else -1
    while index != -1:
        kept.add(keys[index])
        index = parent[index]
    return kept


@dataclass
class RankOrder:
    """The wanted order while a plan is carried out: which issues move, which are placed
    (and how), so that a failed anchor can be replaced by the nearest issue in place."""

    desired: list[str]
    moved: set[str]
    placed: dict[str, dict[str, str]] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {key: i for i, key in enumerate(self.desired)}

    def place(self, issues: list[str], side: str, anchor: str) -> None:
        for key in issues:
            self.placed[key] = {side: anchor}
            side, anchor = "after", key

    def in_place(self, key: str, unusable: set[str]) -> bool:
        return key not in unusable and (key in self.placed or key not in self.moved)

    def anchor(self, call: RankCall, *, unusable: set[str]) -> tuple[str, str] | None:
        """The planned anchor or, when it failed, the nearest issue in place: above the
        call's issues (rank after it), else below them among the issues that keep their
        place (rank before it). None when there is neither."""
        first = self.index[call.issues[0]]
        above = self.index[call.after] if call.after is not None else first - 1
        for i in range(above, -1, -1):
            if self.in_place(self.desired[i], unusable):
                return ("after", self.desired[i])
        below = self.index[call.before] if call.before is not None else first + 1
        for i in range(below, len(self.desired)):
            key = self.desired[i]
            if key not in unusable and key not in self.moved:
                return ("before", key)
        return None
