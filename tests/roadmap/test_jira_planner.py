"""The rank planner (roadmap.jira.planner): pure, so tested without a database or a
Jira: the worked example of its docstring, small cases, and properties over any orders."""

from __future__ import annotations

import bisect

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadmap.jira.planner import RankCall, jira_rank_plan


def keys(n: int) -> list[str]:
    return [f"PM-{i}" for i in range(1, n + 1)]


# --- The plan -------------------------------------------------------------------------------


def test_a_first_push_of_120_issues_is_three_rank_calls_chained_after_the_first():
    desired = keys(120)
    assert jira_rank_plan(previous=[], desired=desired) == [
        RankCall(tuple(desired[1:51]), after="PM-1"),
        RankCall(tuple(desired[51:101]), after="PM-51"),
        RankCall(tuple(desired[101:120]), after="PM-101"),
    ]


@pytest.mark.parametrize(
    ("previous", "desired", "plan"),
    [
        (keys(5), keys(5), []),
        (keys(5), ["PM-1", "PM-4", "PM-2", "PM-3", "PM-5"], [RankCall(("PM-4",), after="PM-1")]),
        (keys(5), ["PM-5", "PM-1", "PM-2", "PM-3", "PM-4"], [RankCall(("PM-5",), before="PM-1")]),
        (keys(5), ["PM-2", "PM-3", "PM-4", "PM-5", "PM-1"], [RankCall(("PM-1",), after="PM-5")]),
        # Issues gone from the ranking do not matter; a new one is placed.
        (keys(5), ["PM-1", "PM-9", "PM-3", "PM-5"], [RankCall(("PM-9",), after="PM-1")]),
        ([], ["PM-7"], []),
    ],
)
def test_the_plan_moves_only_what_moved(previous, desired, plan):
    assert jira_rank_plan(previous=previous, desired=desired) == plan


def apply(board: list[str], plan: list[RankCall]) -> list[str]:
    board = list(board)
    for call in plan:
        for key in call.issues:
            if key in board:
                board.remove(key)
        anchor = call.after or call.before
        if anchor not in board:
            board.append(anchor)
        at = board.index(anchor) + (1 if call.after else 0)
        board[at:at] = call.issues
    return board


def longest_increasing(values: list[int]) -> int:
    tails: list[int] = []
    for value in values:
        at = bisect.bisect_left(tails, value)
        tails[at : at + 1] = [value]
    return len(tails)


@given(
    st.permutations(list(range(40))),
    st.sets(st.integers(0, 59), max_size=60),
    st.integers(1, 50),
)
def test_any_plan_puts_the_issues_in_the_wanted_order_moving_the_fewest(order, previous_set, batch):
    desired = [f"PM-{n}" for n in order]
    previous = [f"PM-{n}" for n in sorted(previous_set)]
    plan = jira_rank_plan(previous=previous, desired=desired, batch_size=batch)

    # Other issues of the board in between do not matter.
    board = [f"X-{n}" for n in range(5)] + previous + ["X-9"]
    result = [key for key in apply(board, plan) if key in set(desired)]
    assert result == desired
    assert all(1 <= len(call.issues) <= batch for call in plan)
    moved = sum(len(call.issues) for call in plan)
    known = [previous.index(key) for key in desired if key in previous]
    kept = longest_increasing(known) or 1
    assert moved == len(desired) - kept
