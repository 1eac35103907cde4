"""Views of the committee board: the live ranking next to the latest published one, an
item's score explained, and publishing through a confirmation that shows the diff.

Signed-in staff only (others are sent to the admin login). Publishing is for the product
role, as everywhere else (DESIGN.md, "Roles"). Every read is a selector call with a
constant number of queries, whatever the number of rows; the helpers below only shape
plain data for the templates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from config.roles import Role, user_roles
from roadmap import selectors as roadmap_selectors
from roadmap.choices import RANKABLE_STATUSES, Channel
from roadmap.models import RoadmapItem
from scoring import selectors, services
from scoring.board.charts import format_number, grouped_bar_chart_svg, line_chart_svg
from scoring.board.forms import BoardFilterForm, PublishForm
from scoring.models import ItemScore, Ranking, ScoringModel
from signals.choices import SignalKind

# Evidence kinds as the board names them: (kind, short label, long label), each label as
# (singular, plural).
EVIDENCE_KINDS: tuple[tuple[str, tuple[str, str], tuple[str, str]], ...] = (
    (
        selectors.FRICTION_REPORT_KIND,
        ("friction", "friction"),
        ("open friction report", "open friction reports"),
    ),
    (
        SignalKind.CUSTOMER_REQUEST,
        ("request", "requests"),
        ("customer request", "customer requests"),
    ),
    (SignalKind.SALES_FEEDBACK, ("sales", "sales"), ("sales feedback", "sales feedback")),
    (SignalKind.CHURN_REASON, ("churn", "churn"), ("churn reason", "churn reasons")),
    (SignalKind.SUPPORT_TICKET, ("support", "support"), ("support ticket", "support tickets")),
    (
        SignalKind.COMPETITOR_MOVE,
        ("competitor", "competitor"),
        ("competitor move", "competitor moves"),
    ),
    (SignalKind.MARKET_TREND, ("trend", "trends"), ("market trend", "market trends")),
    (SignalKind.USAGE_INSIGHT, ("usage", "usage"), ("usage insight", "usage insights")),
)
MISSING_TEXT = {
    "reach": "Reach: no product estimate, and no open friction report is linked.",
    "impact": "Impact: no product estimate, and no open friction report is linked.",
    "effort": "Effort: not estimated (only product estimates effort).",
}
FACTOR_UNITS = {"reach": " people a quarter", "effort": " person-months"}
NO_PUBLISH_REASON = (
    "Only members of the product role can publish a ranking. Ask a product manager to "
    "publish, or an administrator to add you to the “product” group."
)


def _can_publish(request: HttpRequest) -> bool:
    return Role.PRODUCT in user_roles(request.user)


def _owner_name(item: RoadmapItem) -> str:
    owner = item.owner
    if owner is None:
        return "—"
    return owner.get_full_name() or owner.get_username()


def _percent(part: float, total: float) -> str:
    # A string, so the SVG attribute never meets number localization.
    return f"{(part / total * 100) if total > 0 else 0:.2f}"


def blend_parts(
    product: float | None, marketing: float | None, alpha: float
) -> tuple[float, float]:
    """What product and marketing each add to a blended factor (SCORING.md, "Factors"):
    α·product and (1 − α)·marketing when both exist, else the one that exists, whole."""
    if product is not None and marketing is not None:
        return alpha * product, (1.0 - alpha) * marketing
    return (product or 0.0), (marketing or 0.0)


def _blend_text(
    name: str, value: float | None, product: float | None, marketing: float | None, alpha: float
) -> str:
    if value is None:
        return f"{name}: not defined"
    if product is not None and marketing is not None:
        p_part, m_part = blend_parts(product, marketing, alpha)
        return (
            f"{name} {format_number(value)} = product {format_number(p_part)} "
            f"(α {format_number(alpha)} × estimate {format_number(product)}) + marketing "
            f"{format_number(m_part)} ({format_number(1 - alpha)} × measured "
            f"{format_number(marketing)})"
        )
    if product is not None:
        return f"{name} {format_number(value)}: product estimate only, no marketing measurement"
    return f"{name} {format_number(value)}: marketing measurement only, no product estimate"


def contribution_bar(
    name: str, value: float | None, product: float | None, marketing: float | None, alpha: float
) -> dict[str, Any]:
    """One 100 % bar of a factor split into its product and marketing parts, with the
    numbers in words (for the tooltip and for screen readers)."""
    p_part, m_part = blend_parts(product, marketing, alpha)
    total = p_part + m_part
    return {
        "name": name,
        "value": format_number(value),
        "product": _percent(p_part, total),
        "marketing": _percent(m_part, total),
        "has_product": p_part > 0 and total > 0,
        "has_marketing": m_part > 0 and total > 0,
        "text": _blend_text(name, value, product, marketing, alpha),
    }


def _movement(
    position: int, published: tuple[int, float, str] | None, latest: Ranking | None
) -> dict[str, str]:
    """Where the item moved since the latest published ranking, as a symbol and in words."""
    if latest is None:
        return {"kind": "new", "symbol": "new", "text": "no ranking published yet"}
    if published is None:
        return {"kind": "new", "symbol": "new", "text": f"new since Ranking {latest.number}"}
    places = published[0] - position
    if places > 0:
        noun = "place" if places == 1 else "places"
        text = f"up {places} {noun} since Ranking {latest.number}"
        return {"kind": "up", "symbol": f"▲ {places}", "text": text}
    if places < 0:
        noun = "place" if places == -1 else "places"
        text = f"down {-places} {noun} since Ranking {latest.number}"
        return {"kind": "down", "symbol": f"▼ {-places}", "text": text}
    return {"kind": "same", "symbol": "—", "text": f"unchanged since Ranking {latest.number}"}


def _evidence(counts: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    for kind, short, label in EVIDENCE_KINDS:
        count = counts.get(kind, 0)
        if count:
            index = 0 if count == 1 else 1
            rows.append(
                {"kind": kind, "short": short[index], "label": label[index], "count": count}
            )
    return rows


def _row(
    score: ItemScore,
    position: int,
    published: tuple[int, float, str] | None,
    latest: Ranking | None,
    evidence: dict[str, int],
) -> dict[str, Any]:
    item, alpha = score.item, score.model.product_weight
    return {
        "position": position,
        "movement": _movement(position, published, latest),
        "item_id": item.pk,
        "title": item.title,
        "theme": item.theme.name if item.theme else "—",
        "owner": _owner_name(item),
        "status": item.get_status_display(),
        "score": format_number(score.score),
        "exact_score": repr(score.score),
        "dirty": getattr(score, "dirty", False),
        "bars": [
            contribution_bar(
                "Reach", score.reach, score.reach_product, score.reach_marketing, alpha
            ),
            contribution_bar(
                "Impact", score.impact, score.impact_product, score.impact_marketing, alpha
            ),
        ],
        "evidence": _evidence(evidence),
        "published": None
        if published is None
        else {"position": published[0], "score": format_number(published[1])},
    }


def _needs_row(score: ItemScore) -> dict[str, Any]:
    item = score.item
    return {
        "item_id": item.pk,
        "title": item.title,
        "theme": item.theme.name if item.theme else "—",
        "owner": _owner_name(item),
        "status": item.get_status_display(),
        "missing": list(score.missing),
    }


@require_GET
@staff_member_required
def board(request: HttpRequest) -> HttpResponse:
    """The live ranking beside the latest published one, the publish panel and the items
    that need estimates. Filters hide rows; positions stay those of the whole ranking."""
    form = BoardFilterForm(request.GET or None, options=selectors.board_filter_options())
    if form.is_bound:
        form.is_valid()
    filters = form.filters()
    scores = list(selectors.live_ranking_board(**filters))
    if filters:
        positions = selectors.item_positions()
    else:
        positions = {score.item_id: index for index, score in enumerate(scores, start=1)}
    latest = selectors.ranking_latest()
    published = selectors.ranking_positions(ranking=latest) if latest is not None else {}
    counts = selectors.item_evidence_counts(item_ids=[score.item_id for score in scores])
    rows = [
        _row(score, position, published.get(score.item_id), latest, counts.get(score.item_id, {}))
        for score in scores
        # A recomputation between the two reads may have taken the item out of the ranking.
        if (position := positions.get(score.item_id)) is not None
    ]
    # Published items that left the live ranking (shipped, archived, now unscored).
    dropped = sorted(
        (entry for item_id, entry in published.items() if item_id not in positions),
        key=lambda entry: entry[0],
    )
    needs = selectors.item_scores_filter(queryset=selectors.items_needing_estimates(), **filters)
    moves = [row["movement"]["kind"] for row in rows]
    can_publish = _can_publish(request)
    publish_form = PublishForm()
    if not can_publish:
        publish_form.fields["note"].disabled = True
    context = {
        "form": form,
        "filtered": bool(filters),
        "rows": rows,
        "ranked_count": len(positions),
        "latest": latest,
        "dropped": [{"position": p, "score": format_number(s), "title": t} for p, s, t in dropped],
        "summary": {kind: moves.count(kind) for kind in ("up", "down", "new", "same")},
        "pending": sum(row["dirty"] for row in rows),
        "needs": [_needs_row(score) for score in needs],
        "can_publish": can_publish,
        "no_publish_reason": NO_PUBLISH_REASON,
        "publish_form": publish_form,
    }
    return render(request, "board/index.html", context)


# --- Item ---------------------------------------------------------------------------------


def _factor_rows(
    explanation: dict[str, Any], alpha: float, item: RoadmapItem, model: ScoringModel | None
) -> list[dict[str, Any]]:
    """The four factors of SCORING.md with their product and marketing parts."""
    reach, impact = explanation["reach"], explanation["impact"]
    confidence, effort = explanation["confidence"], explanation["effort"]
    rows = []
    for name, parts, symbol in (("Reach", reach, "R"), ("Impact", impact, "I")):
        product, marketing = parts["product"], parts["marketing"]
        p_part, m_part = blend_parts(product, marketing, alpha)
        both = product is not None and marketing is not None
        if both:
            how = f"α·{symbol}p + (1 − α)·{symbol}m with α = {format_number(alpha)}"
        elif parts["value"] is not None:
            how = "product’s estimate alone" if marketing is None else "marketing’s alone"
        else:
            how = "undefined: neither part exists"
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
    c0_source = "model default" if item.confidence is None else "product estimate"
    gain = None if model is None else model.evidence_gain
    saturation = None if model is None else model.evidence_saturation
    rows.append(
        {
            "name": "Confidence",
            "value": format_number(confidence["value"]),
            "product_text": f"C₀ = {format_number(confidence['product'])} ({c0_source})",
            "marketing_text": f"evidence strength Eᵥ = {format_number(confidence['evidence'])}",
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
            "name": "Effort",
            "value": format_number(effort["value"]),
            "product_text": "not estimated"
            if effort["estimate"] is None
            else f"estimate {format_number(effort['estimate'])} person-months",
            "marketing_text": "—",
            "how": f"raised to the floor of {format_number(floor)}"
            if floored
            else "the product estimate, person-months",
        }
    )
    return rows


def _gaps(item: RoadmapItem, explanation: dict[str, Any] | None) -> list[str]:
    """What is missing, hard gaps (unscored) first, then what weakens the score."""
    if explanation is None:
        return ["No score has been computed yet; it is computed shortly after any change."]
    gaps = [MISSING_TEXT[name] for name in explanation["missing"]]
    reach, counts = explanation["reach"], explanation["counts"]
    if item.status not in RANKABLE_STATUSES:
        gaps.append(f"Status is {item.get_status_display().lower()}: it is not ranked.")
    if reach["product"] is None and reach["marketing"] is not None:
        gaps.append("Reach: no product estimate; marketing’s measurement is used alone.")
    if item.impact is None and explanation["impact"]["marketing"] is not None:
        gaps.append("Impact: no product estimate; marketing’s measured severity is used alone.")
    if counts["reports"] == 0 and "reach" not in explanation["missing"]:
        gaps.append(
            "Marketing: no open friction report is linked; reach and impact are product’s "
            "estimates alone."
        )
    if item.confidence is None:
        gaps.append(
            "Confidence: no product estimate; the model’s default C₀ "
            f"{format_number(explanation['confidence']['product'])} is used."
        )
    if counts["signals"] == 0:
        gaps.append("Evidence: no market signal is linked; confidence gets no lift from them.")
    return gaps


def _contributors(explanation: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    contributors = (explanation or {}).get("contributors") or {"reports": [], "signals": []}
    details = selectors.evidence_details(
        report_ids=[row["id"] for row in contributors["reports"]],
        signal_ids=[row["id"] for row in contributors["signals"]],
    )
    shaped: dict[str, list[dict[str, Any]]] = {}
    for key, kind, url_name in (
        ("reports", "report", "admin:signals_frictionreport_change"),
        ("signals", "signal", "admin:signals_marketsignal_change"),
    ):
        shaped[key] = [
            {
                "id": row["id"],
                "url_name": url_name,
                "weight": format_number(row["weight"]),
                "share": f"{row['share']:.0%}",
                **details.get(
                    (kind, row["id"]),
                    {"title": f"#{row['id']} (deleted)", "detail": "", "observed_at": None},
                ),
            }
            for row in contributors[key]
        ]
    return shaped


@require_GET
@staff_member_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    """An item's score explained: the factors and their product and marketing parts,
    the evidence behind them, what is missing, and the score's history."""
    item = get_object_or_404(RoadmapItem.objects.select_related("theme", "owner"), pk=item_id)
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
        title=f"Score history of “{item.title}”",
        until=timezone.now(),
        chart_id=f"history-{item.pk}",
    )
    score = None if explanation is None else explanation["score"]
    factors = None if explanation is None else _factor_rows(explanation, alpha, item, model)
    counts = selectors.item_evidence_counts(item_ids=[item.pk]).get(item.pk, {})
    context = {
        "item": item,
        "owner": _owner_name(item),
        "explanation": explanation,
        "model": model,
        "alpha": format_number(alpha),
        "computed_at": None
        if explanation is None
        else datetime.fromisoformat(str(explanation["computed_at"])),
        "score": format_number(score, empty="none (unscored)"),
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
        "evidence": _evidence(counts),
        "chart": mark_safe(chart),  # noqa: S308 (charts.py escapes every text it is given)
        "history": [
            {
                "computed_at": row.computed_at,
                "score": format_number(row.score, empty="unscored"),
                "position": row.position,
                "model_version": row.model.version,
            }
            for row in history
        ],
    }
    return render(request, "board/item.html", context)


# --- Publishing ---------------------------------------------------------------------------


def _driver_text(row: dict[str, Any]) -> str:
    driver = row["main_driver"]
    if driver is None:
        return "its own score did not change; other items moved past it"
    before, after = row["factors_before"][driver], row["factors_after"][driver]
    unit = FACTOR_UNITS.get(driver, "")
    return f"{driver} {format_number(before)} → {format_number(after)}{unit}"


def _moved_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "item": row["item"],
            "title": row["title"],
            "from_position": row["from_position"],
            "to_position": row["to_position"],
            "places": row["places"],
            "score_before": format_number(row["score_before"]),
            "score_after": format_number(row["score_after"]),
            "driver": _driver_text(row),
        }
        for row in rows
    ]


def _listed_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "score": format_number(row["score"])} for row in rows]


def _published_since(latest: Ranking) -> str:
    by = f" by {latest.published_by.get_username()}" if latest.published_by else ""
    return (
        f"Ranking {latest.number} was published{by} since this page was opened, so nothing "
        "was published now. Review the changes against it, then publish again."
    )


@require_http_methods(["GET", "POST"])
@staff_member_required
def publish(request: HttpRequest) -> HttpResponse:
    """GET: what publishing now would change against the latest published ranking, with
    the note to confirm. POST (product role only, else 403): publish, then back to the
    board with a message.

    The confirmation carries the number of the ranking its diff was made against; if
    another ranking was published since (a colleague, or a double submit), nothing is
    published and the page comes back with the diff against the new one (409).
    """
    can_publish = _can_publish(request)
    latest = selectors.ranking_latest()
    reviewed = 0 if latest is None else latest.number
    status = 200
    if request.method == "POST":
        if not can_publish:
            return render(
                request, "board/forbidden.html", {"reason": NO_PUBLISH_REASON}, status=403
            )
        form = PublishForm(request.POST)
        if form.is_valid() and form.cleaned_data["reviewed"] == reviewed:
            ranking = services.ranking_publish(
                note=form.cleaned_data["note"], published_by=request.user
            )
            items = f"{ranking.item_count} item{'' if ranking.item_count == 1 else 's'}"
            messages.success(request, f"Published Ranking {ranking.number} ({items}).")
            return redirect("board:index")
        if form.is_valid() and latest is not None:
            form = PublishForm({"note": form.cleaned_data["note"], "reviewed": reviewed})
            form.is_valid()
            form.add_error(None, _published_since(latest))
            status = 409
    elif "note" in request.GET:
        form = PublishForm({"note": request.GET["note"], "reviewed": reviewed})
    else:
        form = PublishForm(initial={"reviewed": reviewed})
    diff = selectors.ranking_diff_live(against=latest)
    context = {
        "form": form,
        "latest": latest,
        "next_number": reviewed + 1,
        "moved_up": _moved_rows(diff["moved_up"]),
        "moved_down": _moved_rows(diff["moved_down"]),
        "new": _listed_rows(diff["new"]),
        "dropped": _listed_rows(diff["dropped"]),
        "unchanged": diff["unchanged"],
        "pending": selectors.dirty_item_count(),
        "can_publish": can_publish,
        "no_publish_reason": NO_PUBLISH_REASON,
    }
    return render(request, "board/publish.html", context, status=status)


# --- Launch calendar ----------------------------------------------------------------------


def _person(user: Any) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def _channel_label(code: str | None) -> str:
    if not code:
        return "No channel"
    try:
        return str(Channel(code).label)
    except ValueError:
        return code


def _launch_row(plan: Any) -> dict[str, Any]:
    return {
        "item_id": plan.item_id,
        "title": plan.item.title,
        "date": plan.target_launch_date,
        "status": plan.get_status_display(),
        "status_code": plan.status,
        "product_owner": _person(plan.product_owner),
        "marketing_owner": _person(plan.marketing_owner),
        "channels": [_channel_label(code) for code in plan.channels or ()],
        "readiness": plan.readiness,
        "missing": plan.readiness_missing,
    }


@require_GET
@staff_member_required
def launches(request: HttpRequest) -> HttpResponse:
    """Upcoming launches by date (roadmap.selectors.launch_calendar), with each plan's
    owners, channels and readiness. Three queries whatever the number of plans."""
    today = timezone.localdate()
    plans = roadmap_selectors.launch_plan_list().select_related("product_owner", "marketing_owner")
    days = roadmap_selectors.launch_calendar(queryset=plans, today=today)
    context = {
        "today": today,
        "days": [
            {"date": day["date"], "launches": [_launch_row(plan) for plan in day["launches"]]}
            for day in days
        ],
        "count": sum(len(day["launches"]) for day in days),  # type: ignore[arg-type]
    }
    return render(request, "board/launches.html", context)


# --- Outcomes -----------------------------------------------------------------------------

# How each shared KPI is shown: rates (fractions) as percentages, LTV and NPS as numbers.
RATE_KPIS = (
    ("activation_rate_by_channel", "activation", "Activation rate by channel"),
    ("conversion_rate_by_channel", "conversion", "Conversion rate by channel"),
)


def _percent_text(value: float | None) -> str:
    return "—" if value is None else f"{format_number(value * 100)} %"


def _lift_text(lift: float | None) -> str:
    if lift is None:
        return "from 0"
    return f"{'+' if lift > 0 else ''}{format_number(lift * 100)} %"


def _ratio_text(ratio: float | None) -> str:
    return "—" if ratio is None else f"×{format_number(ratio)}"


def _movers(rows: list[dict[str, Any]], shown: Any) -> list[dict[str, Any]]:
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


def _kpi_rows(groups: list[dict[str, Any]], label: Any, shown: Any) -> list[dict[str, Any]]:
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
    return mark_safe(grouped_bar_chart_svg(pairs, title=title, chart_id=chart_id))  # noqa: S308


def _kpi_sections(kpis: dict[str, Any]) -> list[dict[str, Any]]:
    sections = []
    for key, slug, title in RATE_KPIS:
        groups = kpis[key]
        sections.append(
            {
                "id": slug,
                "title": title,
                "unit": "percent",
                "group_name": "Channel",
                "chart": _chart(
                    [
                        (_channel_label(g["channel"]), g["baseline"] * 100, g["measured"] * 100)
                        for g in groups
                    ],
                    f"{title}, mean baseline and measured (percent)",
                    f"chart-{slug}",
                ),
                "rows": _kpi_rows(groups, lambda g: _channel_label(g["channel"]), _percent_text),
            }
        )
    ltv = kpis["ltv_by_segment"]

    def segment(group: dict[str, Any]) -> str:
        return group["segment_name"] or "All segments"

    sections.append(
        {
            "id": "ltv",
            "title": "LTV by segment",
            "unit": "money",
            "group_name": "Segment",
            "chart": _chart(
                [(segment(g), g["baseline"], g["measured"]) for g in ltv],
                "LTV by segment, mean baseline and measured",
                "chart-ltv",
            ),
            "rows": _kpi_rows(ltv, segment, format_number),
        }
    )
    return sections


def _nps_rows(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


def _calibration_row(row: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        "name": name,
        "items": row["items"],
        "calibrated_items": row["calibrated_items"],
        "reach_ratio": _ratio_text(row["reach_ratio"]),
        "impact_ratio": _ratio_text(row["impact_ratio"]),
        "score_ratio": _ratio_text(row["score_ratio"]),
    }


def _owner_rows(by_owner: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for row in by_owner:
        suggestion, applied = row["suggestion"], row["last_applied"]
        rows.append(
            {
                **_calibration_row(row, row["owner_name"] or f"User #{row['owner']}"),
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


@require_GET
@staff_member_required
def outcomes(request: HttpRequest) -> HttpResponse:
    """The shared KPIs of shipped items (as charts with their tables) and the calibration
    of estimates against outcomes, by owner, theme and team, with each owner's suggested
    confidence multiplier. Read only: a product manager applies a multiplier through the
    API. A constant number of queries (scoring.selectors.kpis_shared and
    calibration_report)."""
    kpis = selectors.kpis_shared()
    report = selectors.calibration_report()
    releases = kpis["nps_by_release"]
    team = report["by_team"]
    context = {
        "sections": _kpi_sections(kpis),
        "nps_chart": _chart(
            [(row["title"], row["baseline"], row["measured"]) for row in releases],
            "NPS before and after each release",
            "chart-nps",
        )
        if releases
        else None,
        "nps": _nps_rows(releases),
        "method": report["method"],
        "calibrated_count": len(report["items"]),
        "by_owner": _owner_rows(report["by_owner"]),
        "by_theme": [
            _calibration_row(row, row["theme_name"] or "No theme") for row in report["by_theme"]
        ],
        "by_team": [
            {
                "name": name,
                "items": team[key]["items"],
                "reach_ratio": _ratio_text(team[key]["reach_ratio"]),
            }
            for key, name in (
                ("product", "Product (estimated reach Rₚ)"),
                ("marketing", "Marketing (measured reach Rₘ)"),
            )
        ],
    }
    return render(request, "board/outcomes.html", context)
