"""The item page as product managers see it: the roadmap item admin (roadmap.admin) with
what only the top app can add, its score (column, position, explanation panel, recompute
action) and the evidence linked to it (the link inlines of signals.admin).

Scoring knows roadmap and signals, never the reverse: so the full item admin is composed
here, replacing the plain one roadmap registers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.formatting import format_number
from roadmap.admin import RoadmapItemAdmin
from roadmap.models import DirtyItem, RoadmapItem
from scoring import engine, selectors
from scoring.services import item_scores_recompute
from signals.admin import ReportLinkInline, SignalLinkInline
from signals.models import FrictionReport, MarketSignal

EMPTY = "—"
# Set by the item changelist on each item of the page; read by the "Position" column.
POSITION_ATTR = "_admin_live_position"
# Best first, unscored last; positions follow scores, so both columns sort on it.
SCORE_ORDER = F("score__score").desc(nulls_last=True)


# --- Pieces of the item admin ------------------------------------------------------------


class ScoredChangeList(ChangeList):
    """The item changelist: reads the live-ranking positions of the page's items in one
    query, whatever the page size, and leaves each on its item for the column to show."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # Iterating fills the page queryset's cache, which the template then reuses, so
        # the attributes set here are on the very objects that get rendered.
        items = list(self.result_list)
        positions = selectors.item_positions(item_ids=[item.pk for item in items])
        for item in items:
            setattr(item, POSITION_ATTR, positions.get(item.pk))


def item_position(item: RoadmapItem) -> int | None:
    """The position ScoredChangeList found for an item of its page (None: not ranked)."""
    return getattr(item, POSITION_ATTR, None)


def _evidence_titles(contributors: engine.ContributorsJson) -> dict[tuple[str, int], str]:
    """Titles of the contributing reports and signals: one query per kind shown."""
    titles: dict[tuple[str, int], str] = {}
    report_ids = [row["id"] for row in contributors.get("reports", [])]
    signal_ids = [row["id"] for row in contributors.get("signals", [])]
    if report_ids:
        reports = FrictionReport.objects.filter(pk__in=report_ids).only(
            "pk", "title", "campaign", "funnel_stage"
        )
        titles.update({("report", report.pk): str(report) for report in reports})
    if signal_ids:
        signals = MarketSignal.objects.filter(pk__in=signal_ids).values_list("pk", "title")
        titles.update({("signal", pk): title for pk, title in signals})
    return titles


def _contributor_rows(explanation: engine.Explanation) -> list[dict[str, Any]]:
    none: engine.ContributorsJson = {"reports": [], "signals": []}
    contributors = explanation.get("contributors") or none
    titles = _evidence_titles(contributors)
    kinds: tuple[tuple[Literal["reports", "signals"], str, Any, str], ...] = (
        ("reports", "report", _("Friction report"), "admin:signals_frictionreport_change"),
        ("signals", "signal", _("Market signal"), "admin:signals_marketsignal_change"),
    )
    rows: list[dict[str, Any]] = []
    for key, kind, label, url_name in kinds:
        for row in contributors.get(key, []):
            rows.append(
                {
                    "kind": label,
                    "id": row["id"],
                    "title": titles.get((kind, row["id"]))
                    or _("#%(id)s (deleted)") % {"id": row["id"]},
                    "url": reverse(url_name, args=[row["id"]]),
                    "weight": format_number(row["weight"]),
                    "share": f"{row['share']:.1%}",
                }
            )
    return rows


def _factor_rows(explanation: engine.Explanation) -> list[dict[str, Any]]:
    reach, impact = explanation["reach"], explanation["impact"]
    confidence, effort = explanation["confidence"], explanation["effort"]
    factors: list[tuple[Any, dict[str, Any], list[tuple[Any, float | None]]]] = [
        (
            _("Reach"),
            reach,
            [(_("product"), reach["product"]), (_("marketing"), reach["marketing"])],
        ),
        (
            _("Impact"),
            impact,
            [(_("product"), impact["product"]), (_("marketing"), impact["marketing"])],
        ),
        (
            _("Confidence"),
            confidence,
            [(_("product C₀"), confidence["product"]), (_("evidence E_v"), confidence["evidence"])],
        ),
        (_("Effort"), effort, [(_("estimate"), effort["estimate"])]),
    ]
    return [
        {
            "name": name,
            "value": format_number(parts["value"]),
            "parts": [(label, format_number(value)) for label, value in shown],
        }
        for name, parts, shown in factors
    ]


def _field_name(name: str) -> str:
    """An item field's name as the page's language says it (its verbose name)."""
    try:
        field = RoadmapItem._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


def score_explanation_panel(*, item: RoadmapItem) -> SafeString:
    """The read-only "Score explanation" panel of the item page, rendered as HTML (every
    value goes through the template's autoescaping)."""
    explanation = selectors.item_explanation(item=item)
    context: dict[str, Any] = {
        "explanation": explanation,
        "dirty": DirtyItem.objects.filter(item=item).exists(),
    }
    if explanation is not None:
        score = explanation["score"]
        context |= {
            "score": format_number(score),
            "exact_score": repr(score) if score is not None else "",
            "position": explanation["position"],
            "model_version": explanation["model_version"],
            "computed_at": datetime.fromisoformat(str(explanation["computed_at"])),
            "missing": explanation["missing"],
            "missing_text": ", ".join(_field_name(name) for name in explanation["missing"]),
            "counts": explanation["counts"],
            "factors": _factor_rows(explanation),
            "contributors": _contributor_rows(explanation),
            "history": [
                {
                    "computed_at": row.computed_at,
                    "score": format_number(row.score),
                    "position": row.position,
                    "model_version": row.model.version,
                }
                for row in selectors.item_score_history(item=item, limit=10)
            ],
        }
    return render_to_string("admin/scoring/score_explanation.html", context)


# --- Scoring model versions --------------------------------------------------------------


class ScoredRoadmapItemAdmin(RoadmapItemAdmin):
    """The item admin with its score and its evidence."""

    list_display = (
        *RoadmapItemAdmin.list_display[:4],
        "current_score",
        "ranking_position",
        *RoadmapItemAdmin.list_display[4:],
    )
    list_select_related = (*RoadmapItemAdmin.list_select_related, "score")
    readonly_fields = (*RoadmapItemAdmin.readonly_fields, "score_explanation")
    inlines = (*RoadmapItemAdmin.inlines, SignalLinkInline, ReportLinkInline)
    actions = (*RoadmapItemAdmin.actions, "recompute_scores")
    score_fieldset = (_("Score"), {"fields": ("score_explanation",)})

    def get_fieldsets(self, request: HttpRequest, obj: RoadmapItem | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets  # nothing is scored before it exists
        # The score goes right after the estimates it explains.
        first, estimates, *rest = fieldsets
        return (first, estimates, self.score_fieldset, *rest)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type:
        return ScoredChangeList

    @admin.display(description=_("Score"), ordering=SCORE_ORDER)
    def current_score(self, item: RoadmapItem) -> str:
        score = getattr(item, "score", None)  # no ItemScore yet: never computed
        return format_number(score.score) if score is not None else EMPTY

    @admin.display(description=_("Position"), ordering=SCORE_ORDER)
    def ranking_position(self, item: RoadmapItem) -> Any:
        position = item_position(item)
        return EMPTY if position is None else position

    @admin.display(description=_("Score explanation"))
    def score_explanation(self, item: RoadmapItem) -> SafeString:
        return score_explanation_panel(item=item)

    @admin.action(description=_("Recompute scores now"), permissions=["change"])
    def recompute_scores(self, request: HttpRequest, queryset: QuerySet[RoadmapItem]) -> None:
        result = item_scores_recompute(item_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "Recomputed %(count)d item (%(scored)d scored).",
                "Recomputed %(count)d items (%(scored)d scored).",
                result.items,
            )
            % {"count": result.items, "scored": result.scored},
            messages.SUCCESS,
        )


admin.site.unregister(RoadmapItem)
admin.site.register(RoadmapItem, ScoredRoadmapItemAdmin)
