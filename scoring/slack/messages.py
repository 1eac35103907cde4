"""The Slack messages of scoring, as Block Kit (pure: data in, blocks out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

TOP = 10
MOVES = 5
_DRIVERS = {
    "reach": "reach",
    "impact": "impact",
    "confidence": "confidence",
    "effort": "effort",
}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}


def _cause(move: Mapping[str, Any]) -> str:
    driver = move.get("main_driver")
    if not driver:
        return "others moved around it"
    before = (move.get("factors_before") or {}).get(driver)
    after = (move.get("factors_after") or {}).get(driver)
    if before is not None and after is not None:
        return f"{_DRIVERS.get(driver, driver)} {before:g} → {after:g}"
    return f"{_DRIVERS.get(driver, driver)} changed"


def ranking_published_message(
    *,
    number: int,
    note: str,
    entries: Sequence[Mapping[str, Any]],
    diff: Mapping[str, Any],
    board_url: str,
) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) announcing ranking `number`: its top 10, the biggest moves
    with their main cause (scoring.selectors.ranking_diff), new entries, the board."""
    title = f"Ranking {number} published" + (f": {note}" if note else "")
    top = "\n".join(
        f"{e['position']}. {_escape(e['title'])} ({_score(e['score'])})" for e in entries[:TOP]
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        _section(f"*Top {min(TOP, len(entries))}*\n{top or '_no ranked items_'}"),
    ]
    moves = sorted(
        [*diff.get("moved_up", []), *diff.get("moved_down", [])],
        key=lambda m: (-m["places"], m["to_position"]),
    )[:MOVES]
    if moves:
        lines = [
            f"{'⬆' if m['to_position'] < m['from_position'] else '⬇'} "
            f"{_escape(m['title'])}: {m['from_position']} → {m['to_position']} "
            f"({_cause(m)})"
            for m in moves
        ]
        blocks.append(_section("*Main moves*\n" + "\n".join(lines)))
    new = diff.get("new", [])
    if new and diff.get("previous_number") is not None:
        listed = ", ".join(f"{_escape(n['title'])} (#{n['position']})" for n in new[:MOVES])
        blocks.append(_section(f"*New in the ranking*: {listed}"))
    if board_url:
        blocks.append(_section(f"<{board_url}|Open the board>"))
    return title, blocks


def weekly_digest_message(
    *,
    reports: Sequence[Mapping[str, Any]],
    total: int,
    topics: Sequence[Mapping[str, Any]] | None,
    board_url: str,
) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) of the weekly digest: new friction reports, biggest first,
    and the radar's emerging topics when the radar exists (`topics` None: not shown)."""
    title = f"This week: {total} new friction report{'s' if total != 1 else ''}"
    lines = [
        f"• {_escape(r['title'] or r['campaign'])}: {r['funnel_stage']}, "
        f"{r['affected_people']:,} people/quarter ({_escape(r['campaign'])})"
        for r in reports
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        _section("\n".join(lines) if lines else "_No new friction reports this week._"),
    ]
    if topics:
        topic_lines = [f"• {_escape(str(t['label']))} ({t['count']} signals)" for t in topics]
        blocks.append(_section("*Emerging topics*\n" + "\n".join(topic_lines)))
    if board_url:
        blocks.append(_section(f"<{board_url}|Open the board>"))
    return title, blocks
