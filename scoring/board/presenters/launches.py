"""The launch calendar: upcoming launches by date, with owners, channels and readiness."""

from __future__ import annotations

from datetime import date
from typing import Any

from roadmap import selectors as roadmap_selectors
from scoring.board.presenters.common import channel_label, person_name


def _launch_row(plan: Any) -> dict[str, Any]:
    return {
        "item_id": plan.item_id,
        "title": plan.item.title,
        "date": plan.target_launch_date,
        "status": plan.get_status_display(),
        "status_code": plan.status,
        "product_owner": person_name(plan.product_owner),
        "marketing_owner": person_name(plan.marketing_owner),
        "channels": [channel_label(code) for code in plan.channels or ()],
        "readiness": plan.readiness,
        "missing": plan.readiness_missing,
    }


def launches_page(*, today: date) -> dict[str, Any]:
    """Upcoming launches by date (roadmap.selectors.launch_calendar), with each plan's
    owners, channels and readiness. Three queries whatever the number of plans."""
    plans = roadmap_selectors.launch_plan_list().select_related("product_owner", "marketing_owner")
    days = roadmap_selectors.launch_calendar(queryset=plans, today=today)
    return {
        "today": today,
        "days": [
            {"date": day["date"], "launches": [_launch_row(plan) for plan in day["launches"]]}
            for day in days
        ],
        "count": sum(len(day["launches"]) for day in days),
    }
