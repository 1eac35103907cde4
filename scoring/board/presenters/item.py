"""An item's page: its score explained, what is missing, the evidence behind it and its
history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.formatting import format_number
from roadmap.choices import RANKABLE_STATUSES
from roadmap.models import RoadmapItem
from scoring import engine, selectors
from scoring.board.charts import line_chart_svg
from scoring.board.presenters.chart_words import chart_words
from scoring.board.presenters.common import contribution_bar, evidence_rows, person_name
from scoring.board.presenters.expected import accounts_summary, expected_rows, verdict_rule
from scoring.committees.selectors import decisions_of_item
from scoring.engine import blend_parts
from scoring.models import ScoringModel
from signals.loop.selectors import expected_results_of_items, item_accounts

MISSING_TEXT = {
    "reach": gettext_lazy("Reach: no product estimate, and no open friction report is linked."),
    "impact": gettext_lazy("Impact: no product estimate, and no open friction report is linked."),
    "effort": gettext_lazy("Effort: not estimated (only product estimates effort)."),
}


def _factor_rows(
    explanation: engine.Explanation, alpha: float, item: RoadmapItem, model: ScoringModel | None
) -> list[dict[str, Any]]:
    """The four factors of SCORING.md with their product and marketing parts."""
    reach, impact = explanation["reach"], explanation["impact"]
    confidence, effort = explanation["confidence"], explanation["effort"]
    rows = []
    for name, parts, symbol in ((_("Reach"), reach, "R"), (_("Impact"), impact, "I")):
        product, marketing = parts["product"], parts["marketing"]
        p_part, m_part = blend_parts(product, marketing, alpha)
        both = product is not None and marketing is not None
        if both:
            how = _("α·%(s)sp + (1 − α)·%(s)sm with α = %(alpha)s") % {
                "s": symbol,
                "alpha": format_number(alpha),
            }
        elif parts["value"] is not None:
            how = _("product’s estimate alone") if marketing is None else _("marketing’s alone")
        else:
            how = _("undefined: neither part exists")
        rows.append(
            {
                "name": name,
                "value": format_number(parts["value"]),
                "product": None
                if product is None
                else {
                    "symbol": symbol,
                    "sub": "p",
                    "input": format_number(product),
                    "part": format_number(p_part),
                },
                "marketing": None
                if marketing is None
                else {
                    "symbol": symbol,
                    "sub": "m",
                    "input": format_number(marketing),
                    "part": format_number(m_part),
                },
                "how": how,
                "blend": symbol if both else None,
                "bar": contribution_bar(name, parts["value"], product, marketing, alpha),
            }
        )
    c0_source = _("model default") if item.confidence is None else _("product estimate")
    gain = None if model is None else model.evidence_gain
    saturation = None if model is None else model.evidence_saturation
    rows.append(
        {
            "name": _("Confidence"),
            "value": format_number(confidence["value"]),
            "product_text": f"C₀ = {format_number(confidence['product'])} ({c0_source})",
            "marketing_text": _("evidence strength Eᵥ = %(value)s")
            % {"value": format_number(confidence["evidence"])},
            "how": "C₀ + (1 − C₀)·g·(1 − e^(−Eᵥ/κ))"
            + (
                ""
                if gain is None
                else f", g = {format_number(gain)}, κ = {format_number(saturation)}"
            ),
        }
    )
    floor = model.min_effort if model is not None else None
    floored = effort["estimate"] is not None and floor is not None and effort["estimate"] < floor
    rows.append(
        {
            "name": _("Effort"),
            "value": format_number(effort["value"]),
            "product_text": _("not estimated")
            if effort["estimate"] is None
            else _("estimate %(value)s person-months")
            % {"value": format_number(effort["estimate"])},
            "marketing_text": "—",
            "how": _("raised to the floor of %(floor)s") % {"floor": format_number(floor)}
            if floored
            else _("the product estimate, person-months"),
        }
    )
    return rows


def _gaps(item: RoadmapItem, explanation: engine.Explanation | None) -> list[str]:
    """What is missing, hard gaps (unscored) first, then what weakens the score."""
    if explanation is None:
        return [_("No score has been computed yet; it is computed shortly after any change.")]
    gaps = [str(MISSING_TEXT[name]) for name in explanation["missing"]]
    reach, counts = explanation["reach"], explanation["counts"]
    if item.status not in RANKABLE_STATUSES:
        gaps.append(
            _("Status is %(status)s: it is not ranked.")
            % {"status": str(item.get_status_display()).lower()}
        )
    if reach["product"] is None and reach["marketing"] is not None:
        gaps.append(_("Reach: no product estimate; marketing’s measurement is used alone."))
    if item.impact is None and explanation["impact"]["marketing"] is not None:
        gaps.append(_("Impact: no product estimate; marketing’s measured severity is used alone."))
    if counts["reports"] == 0 and "reach" not in explanation["missing"]:
        gaps.append(
            _(
                "Marketing: no open friction report is linked; reach and impact are product’s "
                "estimates alone."
            )
        )
    if item.confidence is None:
        gaps.append(
            _("Confidence: no product estimate; the model’s default C₀ %(value)s is used.")
            % {"value": format_number(explanation["confidence"]["product"])}
        )
    if counts["signals"] == 0:
        gaps.append(_("Evidence: no market signal is linked; confidence gets no lift from them."))
    return gaps


def _contributors(explanation: engine.Explanation | None) -> dict[str, list[dict[str, Any]]]:
    none: engine.ContributorsJson = {"reports": [], "signals": []}
    contributors = (explanation.get("contributors") if explanation else None) or none
    details = selectors.evidence_details(
        report_ids=[row["id"] for row in contributors["reports"]],
        signal_ids=[row["id"] for row in contributors["signals"]],
    )
    shaped: dict[str, list[dict[str, Any]]] = {}
    kinds: tuple[tuple[Literal["reports", "signals"], str, str], ...] = (
        ("reports", "report", "admin:signals_frictionreport_change"),
        ("signals", "signal", "admin:signals_marketsignal_change"),
    )
    for key, kind, url_name in kinds:
        shaped[key] = [
            {
                "id": row["id"],
                "url_name": url_name,
                "weight": format_number(row["weight"]),
                "share": f"{row['share']:.0%}",
                **details.get(
                    (kind, row["id"]),
                    {
                        "title": _("#%(id)s (deleted)") % {"id": row["id"]},
                        "detail": "",
                        "observed_at": None,
                    },
                ),
            }
            for row in contributors[key]
        ]
    return shaped


def item_page(*, item: RoadmapItem) -> dict[str, Any]:
    """An item's score explained: the factors and their product and marketing parts,
    the evidence behind them, what is missing, and the score's history."""
    explanation = selectors.item_explanation(item=item)
    model = (
        None
        if explanation is None
        else selectors.scoring_model_version(version=int(explanation["model_version"]))
    )
    alpha = model.product_weight if model is not None else 0.5
    latest = selectors.ranking_latest()
    entry = None if latest is None else selectors.ranking_entry_of_item(ranking=latest, item=item)
    history = list(selectors.item_score_history(item=item, limit=100))
    chart = line_chart_svg(
        [(row.computed_at, row.score) for row in history],
        title=_("Score history of “%(title)s”") % {"title": item.title},
        words=chart_words(),
        until=timezone.now(),
        chart_id=f"history-{item.pk}",
    )
    score = None if explanation is None else explanation["score"]
    factors = None if explanation is None else _factor_rows(explanation, alpha, item, model)
    counts = selectors.item_evidence_counts(item_ids=[item.pk]).get(item.pk, {})
    return {
        "item": item,
        "owner": person_name(item.owner),
        "explanation": explanation,
        "model": model,
        "alpha": format_number(alpha),
        "computed_at": None
        if explanation is None
        else datetime.fromisoformat(str(explanation["computed_at"])),
        "score": format_number(score, empty=_("none (unscored)")),
        "exact_score": repr(score),
        "equation": None
        if score is None or factors is None
        else " × ".join(row["value"] for row in factors[:3]) + f" ÷ {factors[3]['value']}",
        "factors": factors,
        "position": None if explanation is None else explanation["position"],
        "latest": latest,
        "entry": entry,
        "entry_score": None if entry is None else format_number(entry.score),
        "dirty": selectors.item_is_dirty(item=item),
        "gaps": _gaps(item, explanation),
        "contributors": _contributors(explanation),
        "evidence": evidence_rows(counts),
        "expected": expected_rows(expected_results_of_items(item_ids=[item.pk])),
        "verdict_rule": verdict_rule(),
        "accounts": accounts_summary(item_accounts(item_id=item.pk)),
        # What the committee decided about it (scoring.committees), newest first.
        "decisions": list(decisions_of_item(item_id=item.pk)),
        "chart": mark_safe(chart),  # noqa: S308 (charts.py escapes every text it is given)
        "history": [
            {
                "computed_at": row.computed_at,
                "score": format_number(row.score, empty=_("unscored")),
                "position": row.position,
                "model_version": row.model.version,
            }
            for row in history
        ],
    }
