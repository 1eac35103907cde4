"""The outbound webhook events of friction reports, their links and outcomes
(config.webhooks): payload builders called by signals.services inside their
transactions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from config.webhooks import events_emit
from signals.models import FrictionReport, Outcome, ReportLink


def report_payload(report: FrictionReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "title": report.title,
        "campaign": report.campaign,
        "channel": report.channel,
        "funnel_stage": report.funnel_stage,
        "affected_people": report.affected_people,
        "severity": report.severity,
        "status": report.status,
        "segment": report.segment_id,
        "source": report.source,
        "external_id": report.external_id,
        "observed_at": report.observed_at,
        "submitted_by": report.submitted_by_id,
    }


def reports_created(reports: Iterable[FrictionReport]) -> None:
    events_emit("report.created", [{"report": report_payload(r)} for r in reports])


def reports_linked(links: Iterable[ReportLink]) -> None:
    events_emit(
        "report.linked",
        [{"report": link.report_id, "item": link.item_id, "weight": link.weight} for link in links],
    )


def outcomes_created(outcomes: Iterable[Outcome]) -> None:
    events_emit(
        "outcome.created",
        [
            {
                "outcome": {
                    "id": o.pk,
                    "item": o.item_id,
                    "kpi": o.kpi,
                    "custom_kpi": o.custom_kpi,
                    "baseline": o.baseline,
                    "measured": o.measured,
                    "period_start": o.period_start,
                    "period_end": o.period_end,
                    "segment": o.segment_id,
                    "channel": o.channel,
                    "team": o.team,
                }
            }
            for o in outcomes
        ],
    )
