"""The pure scoring core: the model of SCORING.md (version 1) as plain functions, in
three modules (`params`: parameters and inputs; `score`: weights, sums, factors, ranking;
`explain`: change splits and explanations), all re-exported here.

Product and marketing argue about rankings in a committee, so every number must be
reproducible by hand from the inputs. That is why this module imports nothing from
Django, reads no clock (``now`` is always passed in) and takes and returns frozen
dataclasses: the same inputs give the same bits in a unit test, in a Celery
recomputation and in the SQL path that computes :class:`EvidenceSums` in the database.

Decisions the contract leaves open are documented where they are made; the short list:

- a signal kind missing from ``kind_weights`` (unknown, or a known kind left out of a
  custom mapping) weighs 0.0: the model's mapping is the whole truth, and an SQL
  ``CASE kind ... ELSE 0`` computes the same;
- a counted input is counted (``report_count``/``signal_count``) even when its weight is
  0, because it is still linked and live; it just never appears among contributors;
- ``R_m == 0`` means "no marketing measurement", so the marketing parts are ``None``;
- a product confidence of 0.0 is a real estimate, not "missing" (``default_confidence``
  replaces only ``None``).
"""

from scoring.engine.explain import (
    ChangeSplit,
    ContributorJson,
    ContributorsJson,
    Explanation,
    explanation,
    split_change,
)
from scoring.engine.params import (
    COUNTED_REPORT_STATUS,
    DEFAULT_KIND_WEIGHTS,
    FACTORS,
    MAX_HALF_LIVES,
    MAX_WEIGHT,
    MIN_NONZERO_WEIGHT,
    RANKABLE_STATUSES,
    RICE_SCALE,
    SIGNAL_KINDS,
    Estimates,
    EvidenceSums,
    Params,
    ReportInput,
    SignalInput,
)
from scoring.engine.score import (
    ConfidenceParts,
    Contributor,
    EffortParts,
    ImpactParts,
    RankEntry,
    ReachParts,
    ScoreResult,
    blend,
    blend_parts,
    contributors,
    decay,
    evidence_sums,
    input_weight,
    kind_weight,
    rank,
    score_from_sums,
    score_item,
    segment_weight,
)

__all__ = [
    "COUNTED_REPORT_STATUS",
    "DEFAULT_KIND_WEIGHTS",
    "FACTORS",
    "MAX_HALF_LIVES",
    "MAX_WEIGHT",
    "MIN_NONZERO_WEIGHT",
    "RANKABLE_STATUSES",
    "RICE_SCALE",
    "SIGNAL_KINDS",
    "ChangeSplit",
    "ConfidenceParts",
    "Contributor",
    "ContributorJson",
    "ContributorsJson",
    "EffortParts",
    "Estimates",
    "EvidenceSums",
    "Explanation",
    "ImpactParts",
    "Params",
    "RankEntry",
    "ReachParts",
    "ReportInput",
    "ScoreResult",
    "SignalInput",
    "blend",
    "blend_parts",
    "contributors",
    "decay",
    "evidence_sums",
    "explanation",
    "input_weight",
    "kind_weight",
    "rank",
    "score_from_sums",
    "score_item",
    "segment_weight",
    "split_change",
]
