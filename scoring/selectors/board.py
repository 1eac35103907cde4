"""Reads of the committee board: the filtered live ranking, evidence counts, filter
choices and the evidence behind an item."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

from django.contrib.auth import get_user_model
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Value,
)
from django.utils.formats import number_format
from django.utils.translation import gettext

from roadmap.models import DirtyItem, Segment, Theme
from scoring.models import (
    ItemScore,
)
from scoring.selectors.scores import live_ranking
from signals.choices import ReportStatus
from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink

# The "kind" under which item_evidence_counts counts open friction reports.
FRICTION_REPORT_KIND = "friction_report"


def live_ranking_board() -> QuerySet[ItemScore]:
    """The live ranking in ranking order, each row with its scoring model (for α) and
    `dirty` (its inputs changed since it was scored). The board narrows it with
    scoring.filters.item_scores_filtered; filters only hide rows: read positions in the
    whole ranking with item_positions."""
    pending = DirtyItem.objects.filter(item_id=OuterRef("item_id"))
    return live_ranking().select_related("model").annotate(dirty=Exists(pending))


def item_evidence_counts(*, item_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Counted evidence of each item by kind: its undismissed signals by signal kind, and
    its open friction reports under FRICTION_REPORT_KIND. One query (GROUP BY item and
    kind over the counted links of both tables)."""
    ids = [int(item_id) for item_id in item_ids]
    if not ids:
        return {}
    signals = (
        SignalLink.objects.filter(item_id__in=ids, signal__dismissed=False)
        .values("item_id", kind=F("signal__kind"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    reports = (
        ReportLink.objects.filter(item_id__in=ids, report__status=ReportStatus.OPEN)
        .values("item_id", kind=Value(FRICTION_REPORT_KIND, output_field=CharField()))
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for row in signals.union(reports, all=True):
        counts.setdefault(row["item_id"], {})[row["kind"]] = row["n"]
    return counts


class FilterOptions(TypedDict):
    """(id, label) choices of the board's filters."""

    themes: list[tuple[int, str]]
    segments: list[tuple[int, str]]
    owners: list[tuple[int, str]]


class EvidenceDetail(TypedDict):
    title: str
    detail: str
    observed_at: datetime | None


def board_filter_options() -> FilterOptions:
    """The choices of the board's filters: themes, segments, and the users who own at
    least one item, as (id, label). Three queries."""
    owners = (
        get_user_model()
        .objects.filter(owned_items__isnull=False)
        .distinct()
        .order_by("username")
        .values_list("pk", "username", "first_name", "last_name")
    )
    return {
        "themes": list(Theme.objects.order_by("name").values_list("pk", "name")),
        "segments": list(Segment.objects.order_by("name").values_list("pk", "name")),
        "owners": [
            (pk, f"{first} {last}".strip() or username) for pk, username, first, last in owners
        ],
    }


def evidence_details(
    *, report_ids: Sequence[int], signal_ids: Sequence[int]
) -> dict[tuple[str, int], EvidenceDetail]:
    """What the board shows of the given friction reports and signals, keyed by
    ("report" | "signal", id). One query per kind asked for."""
    details: dict[tuple[str, int], EvidenceDetail] = {}
    if report_ids:
        reports = FrictionReport.objects.filter(pk__in=list(report_ids)).only(
            "pk", "title", "campaign", "funnel_stage", "affected_people", "observed_at"
        )
        for report in reports:
            details[("report", report.pk)] = {
                "title": str(report),
                "detail": gettext("%(stage)s, %(people)s people a quarter")
                % {
                    "stage": report.get_funnel_stage_display(),
                    "people": number_format(report.affected_people, force_grouping=True),
                },
                "observed_at": report.observed_at,
            }
    if signal_ids:
        signals = MarketSignal.objects.filter(pk__in=list(signal_ids)).only(
            "pk", "title", "kind", "observed_at", "account_name"
        )
        for signal in signals:
            detail = str(signal.get_kind_display())
            if signal.account_name:
                detail += f", {signal.account_name}"
            details[("signal", signal.pk)] = {
                "title": signal.title,
                "detail": detail,
                "observed_at": signal.observed_at,
            }
    return details
