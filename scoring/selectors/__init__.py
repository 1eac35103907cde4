"""Read use-cases for scoring, one module per concern:

- `scoring_models`: the active model and its parameters;
- `evidence`: estimates, dirty marks and the evidence sums computed in SQL;
- `scores`: the live ranking, positions, stored scores and their history;
- `explanations`: an item's score explained;
- `preview`: the what-if ranking under candidate parameters;
- `rankings`: published rankings and `live_ranking_snapshot` (what a publication freezes);
- `diffs`: the ranking diff (published against previous, or live against published);
- `causes`: why an item's own score changed between two moments, in people's terms;
- `board`: the committee board's reads;
- `calibration`: estimates against measured outcomes.

The shared KPIs use no score and live with their data: `signals.kpis.selectors`.
Callers may import from here (the names below) or from the module itself.
"""

from scoring.selectors.board import (
    FRICTION_REPORT_KIND,
    board_filter_options,
    evidence_details,
    item_evidence_counts,
    live_ranking_board,
)
from scoring.selectors.calibration import (
    CalibratedItem,
    CalibrationSuggestion,
    calibrated_items,
    calibration_report,
    calibration_suggestion,
    item_closing_the_loop,
)
from scoring.selectors.causes import ItemCauses, items_causes
from scoring.selectors.diffs import ranking_diff, ranking_diff_live
from scoring.selectors.evidence import (
    dirty_item_revs,
    evidence_sums_sql,
    item_estimates,
    item_evidence_sums,
    item_inputs,
    item_scores_sql,
    items_inputs,
)
from scoring.selectors.explanations import (
    ItemScoreRead,
    item_explanation,
    item_score_change,
    item_score_detail,
    item_score_read,
)
from scoring.selectors.preview import (
    PARAM_NAMES,
    scoring_model_candidate,
    scoring_model_preview,
)
from scoring.selectors.rankings import (
    RANKING_DETAIL_MAX_ENTRIES,
    live_ranking_snapshot,
    ranking_entries,
    ranking_entry_of_item,
    ranking_entry_result,
    ranking_key,
    ranking_latest,
    ranking_positions,
    rankings,
    rankings_with_entries,
)
from scoring.selectors.scores import (
    LiveRankingRow,
    dirty_item_count,
    item_is_dirty,
    item_positions,
    item_score_history,
    item_score_result,
    items_needing_estimates,
    live_ranking,
    live_ranking_page,
)
from scoring.selectors.scoring_models import (
    scoring_model_active,
    scoring_model_params,
    scoring_model_version,
    scoring_models,
)

__all__ = [
    "FRICTION_REPORT_KIND",
    "PARAM_NAMES",
    "RANKING_DETAIL_MAX_ENTRIES",
    "CalibratedItem",
    "CalibrationSuggestion",
    "ItemCauses",
    "ItemScoreRead",
    "LiveRankingRow",
    "board_filter_options",
    "calibrated_items",
    "calibration_report",
    "calibration_suggestion",
    "dirty_item_count",
    "dirty_item_revs",
    "evidence_details",
    "evidence_sums_sql",
    "item_closing_the_loop",
    "item_estimates",
    "item_evidence_counts",
    "item_evidence_sums",
    "item_explanation",
    "item_inputs",
    "item_is_dirty",
    "item_positions",
    "item_score_change",
    "item_score_detail",
    "item_score_history",
    "item_score_read",
    "item_score_result",
    "item_scores_sql",
    "items_causes",
    "items_inputs",
    "items_needing_estimates",
    "live_ranking",
    "live_ranking_board",
    "live_ranking_page",
    "live_ranking_snapshot",
    "ranking_diff",
    "ranking_diff_live",
    "ranking_entries",
    "ranking_entry_of_item",
    "ranking_entry_result",
    "ranking_key",
    "ranking_latest",
    "ranking_positions",
    "rankings",
    "rankings_with_entries",
    "scoring_model_active",
    "scoring_model_candidate",
    "scoring_model_params",
    "scoring_model_preview",
    "scoring_model_version",
    "scoring_models",
]
