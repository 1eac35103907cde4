"""The rank planner: pure, no I/O, no Django. Given Jira's relative order of our issues
as the last completed push left it and the wanted order, `jira_rank_plan` returns the
fewest rank calls that make the first equal the second. The push (roadmap.jira.push)
carries the plan out; the property tests (tests/roadmap/test_jira_planner.py) check it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

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
