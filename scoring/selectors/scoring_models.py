"""The scoring models: the active one, its parameters as the engine takes them, and
every version."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from scoring import engine
from scoring.models import (
    ScoringModel,
)


def scoring_model_active() -> ScoringModel:
    return ScoringModel.objects.get(is_active=True)


def scoring_model_params(model: ScoringModel) -> engine.Params:
    return engine.Params(
        product_weight=model.product_weight,
        half_life_days=model.half_life_days,
        evidence_gain=model.evidence_gain,
        evidence_saturation=model.evidence_saturation,
        min_effort=model.min_effort,
        default_confidence=model.default_confidence,
        kind_weights={k: float(v) for k, v in (model.kind_weights or {}).items()},
        friction_evidence_weight=model.friction_evidence_weight,
        segment_weights={k: float(v) for k, v in (model.segment_weights or {}).items()},
    )


def scoring_models() -> QuerySet[ScoringModel]:
    """Every version, newest first."""
    return ScoringModel.objects.select_related("created_by").order_by("-version")


def scoring_model_version(*, version: int) -> ScoringModel | None:
    return ScoringModel.objects.filter(version=version).first()
