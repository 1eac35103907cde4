"""Serializers of an item's score explanation and history."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from config.api.openapi import ErrorSerializer as ErrorSerializer
from roadmap.choices import ItemStatus
from scoring.api.serializers.causes import ScoreChangeSerializer
from scoring.models import (
    ScoreHistory,
)

# --- Score explanations -----------------------------------------------------------------


class ReachPartsSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    product = serializers.FloatField(allow_null=True, help_text="R_p, product's estimate.")
    marketing = serializers.FloatField(allow_null=True, help_text="R_m, from friction reports.")


class ImpactPartsSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    product = serializers.FloatField(allow_null=True, help_text="I_p, product's estimate.")
    marketing = serializers.FloatField(allow_null=True, help_text="I_m, from friction reports.")


class ConfidencePartsSerializer(serializers.Serializer):
    value = serializers.FloatField()
    product = serializers.FloatField(help_text="C₀: product's confidence or the default.")
    evidence = serializers.FloatField(help_text="E_v, the evidence strength.")


class EffortPartsSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="The estimate, floored.")
    estimate = serializers.FloatField(allow_null=True)


class ContributorSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The friction report's or the signal's id.")
    weight = serializers.FloatField()
    share = serializers.FloatField(help_text="Share of the total over all counted inputs.")


class ContributorsSerializer(serializers.Serializer):
    reports = ContributorSerializer(many=True)
    signals = ContributorSerializer(many=True)


class InputCountsSerializer(serializers.Serializer):
    reports = serializers.IntegerField()
    signals = serializers.IntegerField()


class ExplanationSerializer(serializers.Serializer):
    """The explanation of SCORING.md: every part needed to redo the arithmetic."""

    computed_at = serializers.DateTimeField()
    model_version = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    reach = ReachPartsSerializer()
    impact = ImpactPartsSerializer()
    confidence = ConfidencePartsSerializer()
    effort = EffortPartsSerializer()
    missing = serializers.ListField(child=serializers.CharField())
    counts = InputCountsSerializer()
    contributors = ContributorsSerializer(
        required=False, help_text="Live explanations only; published entries leave it out."
    )


class ScoreHistorySerializer(serializers.ModelSerializer):
    model_version = serializers.IntegerField(source="model.version", read_only=True)

    class Meta:
        model = ScoreHistory
        fields = [
            "computed_at",
            "model_version",
            "score",
            "position",
            "reach",
            "impact",
            "confidence",
            "effort",
        ]
        read_only_fields = fields


class ItemScoreDetailSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=ItemStatus.choices)
    dirty = serializers.BooleanField(
        help_text="The item's inputs changed since this score was computed; a "
        "recomputation is queued."
    )
    score = serializers.FloatField(allow_null=True, help_text="Null when unscored.")
    position = serializers.IntegerField(
        allow_null=True, help_text="Place in the live ranking; null when not ranked."
    )
    missing = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="What an unscored item lacks (reach, impact, effort); null when the item "
        "was never scored.",
    )
    explanation = ExplanationSerializer(
        allow_null=True, help_text="Null when the item was never scored."
    )
    history = ScoreHistorySerializer(many=True, help_text="The last 100 points, newest first.")
    change = ScoreChangeSerializer(
        allow_null=True,
        help_text="With `?since=`: the score then and now, the factor split and the inputs "
        "that changed in between, in people's terms; null without it.",
    )


# --- The same JSON without a serializer run per field (items/{id}/score/) ----------------


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _parts(parts: Any, names: tuple[str, ...]) -> dict[str, float | None]:
    return {name: _float(parts[name]) for name in names}


def _contributors(rows: Any) -> list[dict[str, Any]]:
    return [
        {"id": int(row["id"]), "weight": float(row["weight"]), "share": float(row["share"])}
        for row in rows
    ]


def datetime_text(value: datetime, zone: tzinfo) -> str:
    """An aware datetime as DRF's DateTimeField writes it (ISO 8601 in the current time
    zone, UTC as `Z`), without its per-call lookups of the current time zone."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def explanation_data(explanation: dict[str, Any]) -> dict[str, Any]:
    """A live explanation (engine.explanation) as ExplanationSerializer renders it."""
    counts = explanation["counts"]
    data: dict[str, Any] = {
        # Already text (engine.explanation): the serializer passes text through as is.
        "computed_at": explanation["computed_at"],
        "model_version": int(explanation["model_version"]),
        "score": _float(explanation["score"]),
        "reach": _parts(explanation["reach"], ("value", "product", "marketing")),
        "impact": _parts(explanation["impact"], ("value", "product", "marketing")),
        "confidence": _parts(explanation["confidence"], ("value", "product", "evidence")),
        "effort": _parts(explanation["effort"], ("value", "estimate")),
        "missing": [str(name) for name in explanation["missing"]],
        "counts": {"reports": int(counts["reports"]), "signals": int(counts["signals"])},
    }
    if "contributors" in explanation:
        top = explanation["contributors"]
        data["contributors"] = {
            "reports": _contributors(top["reports"]),
            "signals": _contributors(top["signals"]),
        }
    return data


def item_score_data(read: Any, change: Any = None) -> dict[str, Any]:
    """`selectors.item_score_read` (and `change`, already rendered, or None) as
    ItemScoreDetailSerializer renders it: the same keys, order and values. A test holds
    the two to the same bytes."""
    explanation = read["explanation"]
    zone = timezone.get_current_timezone()
    return {
        "item": int(read["item"]),
        "title": str(read["title"]),
        "status": str(read["status"]),
        "dirty": bool(read["dirty"]),
        "score": None if explanation is None else _float(explanation["score"]),
        "position": None
        if explanation is None or explanation["position"] is None
        else int(explanation["position"]),
        "missing": None if explanation is None else [str(m) for m in explanation["missing"]],
        "explanation": None if explanation is None else explanation_data(explanation),
        "history": [
            {
                "computed_at": datetime_text(point["computed_at"], zone),
                "model_version": int(point["model_version"]),
                "score": _float(point["score"]),
                "position": None if point["position"] is None else int(point["position"]),
                "reach": _float(point["reach"]),
                "impact": _float(point["impact"]),
                "confidence": float(point["confidence"]),
                "effort": _float(point["effort"]),
            }
            for point in read["history"]
        ],
        "change": change,
    }
