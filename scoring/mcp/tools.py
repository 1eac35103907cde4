"""What the MCP tools do, synchronously, on behalf of an authenticated caller. Each
returns plain JSON-ready data; invalid input raises ToolInputError with a clear message
and writes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.roles import Role
from roadmap.choices import ItemStatus
from roadmap.models import RoadmapItem
from scoring import selectors
from scoring.filters import item_scores_filtered
from scoring.mcp.access import AccessDenied, Caller
from signals import radar_hooks
from signals.choices import SignalKind
from signals.models import FrictionReport, MarketSignal
from signals.services import DuplicateExternalId, signal_create

MAX_LIMIT = 200


class ToolInputError(ValueError):
    pass


def _plain(data: Any) -> Any:
    """Datetimes, decimals and model-free values as JSON would carry them."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, default=str))


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ToolInputError(f"limit must be between 1 and {MAX_LIMIT}.")
    return limit


def list_ranking(
    caller: Caller,
    *,
    source: str,
    number: int | None,
    theme: int | None,
    status: str | None,
    text: str | None,
    limit: int,
) -> dict[str, Any]:
    limit = _limit(limit)
    if status is not None and status not in ItemStatus.values:
        raise ToolInputError(f"status must be one of {', '.join(ItemStatus.values)}.")
    if source == "published":
        ranking = (
            selectors.rankings().filter(number=number).first()
            if number is not None
            else selectors.ranking_latest()
        )
        if ranking is None:
            raise ToolInputError("No such published ranking.")
        entries = selectors.ranking_entries(ranking=ranking).select_related("item")
        if theme is not None:
            entries = entries.filter(item__theme_id=theme)
        if status:
            entries = entries.filter(item__status=status)
        if text:
            entries = entries.filter(title__icontains=text)
        return {
            "source": "published",
            "number": ranking.number,
            "published_at": ranking.published_at,
            "note": ranking.note,
            "entries": _plain(
                [
                    {
                        "position": e.position,
                        "item": e.item_id,
                        "title": e.title,
                        "score": e.score,
                        "reach": e.reach,
                        "impact": e.impact,
                        "confidence": e.confidence,
                        "effort": e.effort,
                    }
                    for e in entries[:limit]
                ]
            ),
        }
    if number is not None:
        raise ToolInputError("number applies to published rankings only.")
    # The live ranking API's own filters (rankings/live/): one definition for both.
    filters: dict[str, Any] = {}
    if theme is not None:
        filters["theme"] = str(theme)
    if status:
        filters["status"] = [status]
    if text:
        filters["q"] = text
    scores = item_scores_filtered(queryset=selectors.live_ranking(), data=filters)
    rows = list(scores[:limit])
    positions = selectors.item_positions(item_ids=[row.item_id for row in rows])
    return _plain(
        {
            "source": "live",
            "entries": [
                {
                    "position": positions.get(row.item_id),
                    "item": row.item_id,
                    "title": row.item.title,
                    "status": row.item.status,
                    "theme": row.item.theme.name if row.item.theme else None,
                    "score": row.score,
                    "reach": row.reach,
                    "impact": row.impact,
                    "confidence": row.confidence,
                    "effort": row.effort,
                }
                for row in rows
            ],
        }
    )


def explain_item(caller: Caller, *, item_id: int) -> dict[str, Any]:
    item = RoadmapItem.objects.filter(pk=item_id).first()
    if item is None:
        raise ToolInputError(f"There is no item {item_id}.")
    detail = selectors.item_score_detail(item=item, history_limit=10)
    history = [
        {"computed_at": h.computed_at, "score": h.score, "position": h.position}
        for h in detail["history"]
    ]
    return _plain({**detail, "history": history})


def search_evidence(caller: Caller, *, query: str, kind: str, limit: int) -> dict[str, Any]:
    limit = _limit(limit)
    query = query.strip()
    if len(query) < 2:
        raise ToolInputError("query needs at least 2 characters.")
    results: dict[str, Any] = {}
    if kind in ("all", "signal"):
        signals = MarketSignal.objects.filter(
            Q(title__icontains=query)
            | Q(summary__icontains=query)
            | Q(account_name__icontains=query)
        ).prefetch_related("links")
        results["signals"] = [
            {
                "id": s.pk,
                "kind": s.kind,
                "title": s.title,
                "summary": s.summary[:500],
                "account_name": s.account_name,
                "observed_at": s.observed_at,
                "dismissed": s.dismissed,
                "items": sorted(link.item_id for link in s.links.all()),
            }
            for s in signals.order_by("-observed_at", "-id")[:limit]
        ]
    if kind in ("all", "report"):
        reports = FrictionReport.objects.filter(
            Q(title__icontains=query) | Q(summary__icontains=query) | Q(campaign__icontains=query)
        ).prefetch_related("links")
        results["reports"] = [
            {
                "id": r.pk,
                "title": r.title,
                "campaign": r.campaign,
                "funnel_stage": r.funnel_stage,
                "affected_people": r.affected_people,
                "severity": r.severity,
                "status": r.status,
                "observed_at": r.observed_at,
                "items": sorted(link.item_id for link in r.links.all()),
            }
            for r in reports.order_by("-observed_at", "-id")[:limit]
        ]
    return _plain(results)


def list_emerging_topics(caller: Caller, *, limit: int) -> dict[str, Any]:
    topics = radar_hooks.emerging_topics(limit=_limit(limit))
    if topics is None:
        return {
            "available": False,
            "message": "Emerging topics are not available yet: the radar is not installed.",
            "topics": [],
        }
    return _plain({"available": True, "topics": topics})


def submit_signal(
    caller: Caller,
    *,
    kind: str,
    title: str,
    summary: str,
    observed_at: str | None,
    account_name: str,
    external_id: str,
) -> dict[str, Any]:
    """Marketing's (and product's) way in; the integration role only reads."""
    if not caller.roles & {Role.MARKETING, Role.PRODUCT}:
        raise AccessDenied("Only the marketing and product roles may submit signals.")
    if kind not in SignalKind.values:
        raise ToolInputError(f"kind must be one of {', '.join(SignalKind.values)}.")
    when: datetime = timezone.now()
    if observed_at:
        parsed = parse_datetime(observed_at)
        if parsed is None:
            raise ToolInputError("observed_at must be an ISO 8601 date-time.")
        when = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    try:
        signal = signal_create(
            submitted_by=caller.user,
            kind=kind,
            title=title,
            summary=summary,
            account_name=account_name,
            observed_at=when,
            source="mcp",
            external_id=external_id,
        )
    except DuplicateExternalId as exc:
        raise ToolInputError(exc.text) from None
    except ValidationError as exc:
        messages = "; ".join(
            f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items()
        )
        raise ToolInputError(f"The signal is invalid: {messages}") from None
    return _plain({"id": signal.pk, "kind": signal.kind, "title": signal.title, "created": True})
