"""The outcomes page: the shared KPIs as charts with their tables, and the calibration of
estimates by owner, theme and team."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.formatting import format_number
from scoring import selectors
from scoring.board.charts import grouped_bar_chart_svg
from scoring.board.presenters.chart_words import chart_words
from scoring.board.presenters.common import channel_label
from scoring.board.presenters.expected import expected_rows, verdict_rule
from scoring.selectors.calibration import CalibrationSummary, OwnerCalibration
from signals.campaigns.api.serializers import DEFAULT_WINDOW as CAMPAIGN_WINDOW
from signals.campaigns.presenter import campaign_panel
from signals.campaigns.selectors import campaign_dashboard
from signals.kpis.selectors import (
    KpiBySegment,
    KpiGroup,
    KpiMover,
    NpsRelease,
    SharedKpis,
    kpis_shared,
)
from signals.loop.selectors import expected_result_list, expected_results_judged

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# How each shared KPI is shown: rates (fractions) as percentages, LTV and NPS as numbers.
RATE_KPIS: tuple[
    tuple[Literal["activation_rate_by_channel", "conversion_rate_by_channel"], str, StrOrPromise],
    ...,
] = (
    ("activation_rate_by_channel", "activation", gettext_lazy("Activation rate by channel")),
    ("conversion_rate_by_channel", "conversion", gettext_lazy("Conversion rate by channel")),
)


def _percent_text(value: float | None) -> str:
    return "—" if value is None else f"{format_number(value * 100)} %"


def _lift_text(lift: float | None) -> str:
    if lift is None:
        return _("from 0")
    return f"{'+' if lift > 0 else ''}{format_number(lift * 100)} %"


def _ratio_text(ratio: float | None) -> str:
    return "—" if ratio is None else f"×{format_number(ratio)}"


def _movers(rows: list[KpiMover], shown: Callable[[float], str]) -> list[dict[str, Any]]:
    return [
        {
            "item": row["item"],
            "title": row["title"],
            "baseline": shown(row["baseline"]),
            "measured": shown(row["measured"]),
            "lift": _lift_text(row["lift"]),
        }
        for row in rows
    ]


def _kpi_rows(
    groups: Sequence[KpiGroup], label: Callable[[Any], str], shown: Callable[[float], str]
) -> list[dict[str, Any]]:
    return [
        {
            "label": label(group),
            "items": group["items"],
            "baseline": shown(group["baseline"]),
            "measured": shown(group["measured"]),
            "lift": _lift_text(group["lift"]),
            "moved_by": _movers(group["moved_by"], shown),
        }
        for group in groups
    ]


def _chart(pairs: list[tuple[str, float, float]], title: str, chart_id: str) -> SafeString:
    # charts.py escapes every text it is given.
    chart = grouped_bar_chart_svg(pairs, title=title, chart_id=chart_id, words=chart_words())
    return mark_safe(chart)  # noqa: S308


def _kpi_sections(kpis: SharedKpis) -> list[dict[str, Any]]:
    sections = []
    for key, slug, title in RATE_KPIS:
        groups = kpis[key]
        sections.append(
            {
                "id": slug,
                "title": str(title),
                "unit": "percent",
                "group_name": _("Channel"),
                "chart": _chart(
                    [
                        (channel_label(g["channel"]), g["baseline"] * 100, g["measured"] * 100)
                        for g in groups
                    ],
                    _("%(title)s, mean baseline and measured (percent)") % {"title": title},
                    f"chart-{slug}",
                ),
                "rows": _kpi_rows(groups, lambda g: channel_label(g["channel"]), _percent_text),
            }
        )
    ltv = kpis["ltv_by_segment"]

    def segment(group: KpiBySegment) -> str:
        return group["segment_name"] or _("All segments")

    sections.append(
        {
            "id": "ltv",
            "title": _("LTV by segment"),
            "unit": "money",
            "group_name": _("Segment"),
            "chart": _chart(
                [(segment(g), g["baseline"], g["measured"]) for g in ltv],
                _("LTV by segment, mean baseline and measured"),
                "chart-ltv",
            ),
            "rows": _kpi_rows(ltv, segment, format_number),
        }
    )
    return sections


def _nps_rows(releases: list[NpsRelease]) -> list[dict[str, Any]]:
    return [
        {
            "item": row["item"],
            "title": row["title"],
            "shipped_at": row["shipped_at"],
            "before": format_number(row["baseline"]),
            "after": format_number(row["measured"]),
            "change": f"{'+' if row['change'] > 0 else ''}{format_number(row['change'])}",
            "people": row["people_measured"],
        }
        for row in releases
    ]


def _calibration_row(row: CalibrationSummary, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "items": row["items"],
        "calibrated_items": row["calibrated_items"],
        "reach_ratio": _ratio_text(row["reach_ratio"]),
        "impact_ratio": _ratio_text(row["impact_ratio"]),
        "score_ratio": _ratio_text(row["score_ratio"]),
    }


def _owner_rows(by_owner: list[OwnerCalibration]) -> list[dict[str, Any]]:
    rows = []
    for row in by_owner:
        suggestion, applied = row["suggestion"], row["last_applied"]
        rows.append(
            {
                **_calibration_row(
                    row, row["owner_name"] or _("User #%(id)s") % {"id": row["owner"]}
                ),
                "suggestion": None
                if suggestion is None
                else {
                    "multiplier": _ratio_text(suggestion["multiplier"]),
                    "based_on": len(suggestion["based_on"]),
                    "open_items": suggestion["open_items"],
                },
                "last_applied": None
                if applied is None
                else {
                    "multiplier": _ratio_text(applied["multiplier"]),
                    "applied_at": applied["applied_at"],
                    "items_changed": applied["items_changed"],
                },
            }
        )
    return rows


def outcomes_page() -> dict[str, Any]:
    """The shared KPIs (signals.kpis.selectors.kpis_shared) and the calibration report
    (scoring.selectors.calibration_report), shaped for the page. A constant number of
    queries."""
    kpis = kpis_shared()
    report = selectors.calibration_report()
    today = timezone.localdate()
    campaigns = campaign_panel(campaign_dashboard(date_from=today - CAMPAIGN_WINDOW, date_to=today))
    releases = kpis["nps_by_release"]
    team = report["by_team"]
    return {
        "expected": expected_rows(expected_results_judged(expected=list(expected_result_list()))),
        "verdict_rule": verdict_rule(),
        "campaigns": campaigns,
        "sections": _kpi_sections(kpis),
        "nps_chart": _chart(
            [(row["title"], row["baseline"], row["measured"]) for row in releases],
            _("NPS before and after each release"),
            "chart-nps",
        )
        if releases
        else None,
        "nps": _nps_rows(releases),
        "method": report["method"],
        "calibrated_count": len(report["items"]),
        "by_owner": _owner_rows(report["by_owner"]),
        "by_theme": [
            _calibration_row(row, row["theme_name"] or _("No theme")) for row in report["by_theme"]
        ],
        "by_team": [
            {
                "name": name,
                "items": team[key]["items"],
                "reach_ratio": _ratio_text(team[key]["reach_ratio"]),
            }
            for key, name in (
                ("product", _("Product (estimated reach Rₚ)")),
                ("marketing", _("Marketing (measured reach Rₘ)")),
            )
        ],
    }


def kpi_charts() -> dict[str, Any]:
    """The shared KPIs' sections and NPS chart alone (the committee's minutes show them
    without the rest of the outcomes page). Four queries."""
    kpis = kpis_shared()
    releases = kpis["nps_by_release"]
    return {
        "sections": _kpi_sections(kpis),
        "nps_chart": _chart(
            [(row["title"], row["baseline"], row["measured"]) for row in releases],
            "NPS before and after each release",
            "chart-nps",
        )
        if releases
        else None,
    }
