"""The scoring admin: the item page with its score and evidence (items), scoring model
versions, published rankings and calibrations (models)."""

from scoring.admin.items import (
    ScoredChangeList,
    ScoredRoadmapItemAdmin,
    item_position,
    score_explanation_panel,
)
from scoring.admin.models import (
    ConfidenceCalibrationAdmin,
    RankingAdmin,
    ScoringModelAdmin,
)

__all__ = [
    "ConfidenceCalibrationAdmin",
    "RankingAdmin",
    "ScoredChangeList",
    "ScoredRoadmapItemAdmin",
    "ScoringModelAdmin",
    "item_position",
    "score_explanation_panel",
]

from scoring.admin.sharing import RoadmapShareLinkAdmin

__all__ += ["RoadmapShareLinkAdmin"]

from scoring.committees.admin import CommitteeMeetingAdmin, DecisionAdmin  # noqa: E402

__all__ += ["CommitteeMeetingAdmin", "DecisionAdmin"]
