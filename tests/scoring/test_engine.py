"""Tests of the pure scoring core against SCORING.md; no database, no Django."""

from __future__ import annotations

import json
import math
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import (
    DEFAULT_KIND_WEIGHTS,
    FACTORS,
    RANKABLE_STATUSES,
    RICE_SCALE,
    SIGNAL_KINDS,
    Contributor,
    EffortParts,
    Estimates,
    EvidenceSums,
    ImpactParts,
    Params,
    RankEntry,
    ReachParts,
    ReportInput,
    ScoreResult,
    SignalInput,
    contributors,
    decay,
    evidence_sums,
    explanation,
    input_weight,
    rank,
    score_from_sums,
    score_item,
    split_change,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SEGMENTS = ("smb", "enterprise", "public_sector")
STATUSES = ("candidate", "planned", "in_progress", "shipped", "archived")

# No example database: the suite must not write files into the project tree.
PROPERTY = settings(database=None, deadline=None, max_examples=200)


def report(
    pk: int = 1,
    *,
    people: float = 100.0,
    severity: float = 1.0,
    days_ago: float = 0.0,
    segment: str | None = None,
    link: float = 1.0,
    status: str = "open",
) -> ReportInput:
    return ReportInput(
        id=pk,
        affected_people=people,
        severity=severity,
        observed_at=NOW - timedelta(days=days_ago),
        segment=segment,
        link_weight=link,
        status=status,
    )


def signal(
    pk: int = 1,
    *,
    kind: str = "customer_request",
    days_ago: float = 0.0,
    segment: str | None = None,
    link: float = 1.0,
    dismissed: bool = False,
) -> SignalInput:
    return SignalInput(
        id=pk,
        kind=kind,
        observed_at=NOW - timedelta(days=days_ago),
        segment=segment,
        link_weight=link,
        dismissed=dismissed,
    )


def confidence(c0: float, evidence: float, gain: float = 0.5, saturation: float = 5.0) -> float:
    """The contract's confidence formula, restated for expected values."""
    return c0 + (1.0 - c0) * gain * (1.0 - math.exp(-evidence / saturation))


WORKED_ESTIMATES = Estimates(reach=2000, impact=1, confidence=0.8, effort=2)
WORKED_REPORTS = (report(1, people=1000, severity=2, days_ago=90),)
WORKED_SIGNALS = (signal(1), signal(2))


def worked_example(estimates: Estimates = WORKED_ESTIMATES) -> ScoreResult:
    return score_item(estimates, WORKED_REPORTS, WORKED_SIGNALS, Params(), NOW)


# --- The worked example ------------------------------------------------------------------


def test_the_worked_example_of_scoring_md_matches_to_the_last_digit() -> None:
    result = worked_example()

    assert result.reach == ReachParts(value=1250.0, product=2000, marketing=500.0)
    assert result.impact == ImpactParts(value=1.5, product=1, marketing=2.0)
    assert result.confidence.product == 0.8
    assert result.confidence.evidence == 2.5
    assert result.confidence.value == 0.8393469340287367
    assert result.effort == EffortParts(value=2, estimate=2)
    assert result.score == 786.8877506519407
    assert result.missing == ()
    assert result.scored
    assert (result.report_count, result.signal_count) == (1, 2)


def test_the_worked_example_sums_are_what_sql_would_compute() -> None:
    sums = evidence_sums(WORKED_REPORTS, WORKED_SIGNALS, Params(), NOW)

    assert sums == EvidenceSums(
        reach_marketing=500.0,
        severity_weighted=1000.0,
        signal_evidence=2.0,
        report_weight=0.5,
        signal_count=2,
        report_count=1,
    )
    assert sums.evidence(Params()) == 2.5
    assert sums.marketing_impact == 2.0
    assert score_from_sums(WORKED_ESTIMATES, sums, Params()) == worked_example()


# --- Edge cases --------------------------------------------------------------------------

ONLY_PRODUCT = Estimates(reach=1000, impact=2, confidence=0.8, effort=4)
SEGMENTED = Params(segment_weights={"enterprise": 2.0, "smb": 0.0})


@pytest.mark.parametrize(
    ("estimates", "reports", "signals", "params", "expected"),
    [
        pytest.param(
            ONLY_PRODUCT,
            [],
            [],
            Params(),
            {"score": 400.0, "reach": 1000, "impact": 2, "confidence": 0.8},
            id="only-product-estimates",
        ),
        pytest.param(
            Estimates(effort=2),
            [report(people=100, severity=3)],
            [],
            Params(),
            {
                "score": (100.0 * 3.0 * confidence(0.5, 1.0)) / 2,
                "reach": 100.0,
                "impact": 3.0,
                "confidence": confidence(0.5, 1.0),
            },
            id="only-friction-with-effort",
        ),
        pytest.param(
            Estimates(reach=0, impact=1, effort=1),
            [],
            [],
            Params(),
            {"score": 0.0, "reach": 0, "missing": ()},
            id="zero-reach-is-scored-zero",
        ),
        pytest.param(
            Estimates(reach=100, impact=1, confidence=1.0, effort=0.01),
            [],
            [],
            Params(),
            {"score": (100 * 1 * 1.0) / 0.1, "effort": 0.1},
            id="effort-below-the-floor",
        ),
        pytest.param(
            ONLY_PRODUCT,
            [report(1, status="addressed"), report(2, status="dismissed")],
            [signal(1, dismissed=True)],
            Params(),
            {"score": 400.0, "confidence": 0.8, "report_count": 0, "signal_count": 0},
            id="dismissed-signals-and-closed-reports-ignored",
        ),
        pytest.param(
            Estimates(effort=1),
            [
                report(1, people=100, severity=1, segment="enterprise"),
                report(2, people=1000, severity=3, segment="smb"),
                report(3, people=50, severity=2, segment="unlisted"),
            ],
            [],
            SEGMENTED,
            {
                "score": (250.0 * (300.0 / 250.0) * confidence(0.5, 3.0)) / 1,
                "reach": 250.0,
                "impact": 300.0 / 250.0,
                "confidence": confidence(0.5, 3.0),
                "report_count": 3,
            },
            id="segment-weights-and-unlisted-segment",
        ),
        pytest.param(
            ONLY_PRODUCT,
            [],
            [signal(1, kind="rumour")],
            Params(),
            {"score": 400.0, "confidence": 0.8, "signal_count": 1},
            id="unknown-kind-adds-no-evidence",
        ),
        pytest.param(
            Estimates(effort=1),
            [report(people=100, severity=1, days_ago=-10)],
            [],
            Params(),
            {"reach": 100.0, "confidence": confidence(0.5, 1.0)},
            id="future-report-counts-as-fresh",
        ),
        pytest.param(
            Estimates(reach=100, impact=1, confidence=0.0, effort=1),
            [],
            [],
            Params(),
            {"score": 0.0, "confidence": 0.0},
            id="product-confidence-zero-is-kept",
        ),
        pytest.param(
            Estimates(reach=100, impact=1, effort=1),
            [report(people=0, severity=3)],
            [],
            Params(),
            {"reach": 100, "impact": 1, "confidence": confidence(0.5, 1.0), "report_count": 1},
            id="report-without-people-adds-evidence-not-reach",
        ),
        pytest.param(
            Estimates(impact=1, effort=1),
            [report(people=100, severity=3)],
            [],
            Params(),
            {"reach": 100.0, "impact": 2.0},
            id="marketing-impact-blends-with-product-impact",
        ),
        pytest.param(
            Estimates(reach=1000, impact=1, effort=1),
            [report(people=200, severity=1, link=0.5)],
            [],
            Params(product_weight=0.25),
            {"reach": 0.25 * 1000 + 0.75 * 100.0},
            id="link-weight-and-product-weight",
        ),
    ],
)
def test_edge_cases_follow_the_contract(
    estimates: Estimates,
    reports: list[ReportInput],
    signals: list[SignalInput],
    params: Params,
    expected: dict[str, object],
) -> None:
    result = score_item(estimates, reports, signals, params, NOW)
    actual = {
        "score": result.score,
        "reach": result.reach.value,
        "impact": result.impact.value,
        "confidence": result.confidence.value,
        "effort": result.effort.value,
        "missing": result.missing,
        "report_count": result.report_count,
        "signal_count": result.signal_count,
    }
    assert {key: actual[key] for key in expected} == expected
    assert result.scored == (result.missing == ())


@pytest.mark.parametrize(
    ("estimates", "reports", "missing"),
    [
        (Estimates(), [], ("reach", "impact", "effort")),
        (Estimates(confidence=0.9), [], ("reach", "impact", "effort")),
        (Estimates(effort=1), [], ("reach", "impact")),
        (Estimates(reach=1), [], ("impact", "effort")),
        (Estimates(impact=1), [], ("reach", "effort")),
        (Estimates(reach=1, effort=1), [], ("impact",)),
        (Estimates(reach=1, impact=1), [], ("effort",)),
        (Estimates(), [report()], ("effort",)),
        (Estimates(effort=1), [report(people=0)], ("reach", "impact")),
    ],
)
def test_unscored_items_list_what_is_missing_in_order(
    estimates: Estimates, reports: list[ReportInput], missing: tuple[str, ...]
) -> None:
    result = score_item(estimates, reports, [], Params(), NOW)

    assert result.missing == missing
    assert result.score is None
    assert not result.scored


@pytest.mark.parametrize(
    ("age", "half_life", "expected"),
    [
        (timedelta(0), 90.0, 1.0),
        (timedelta(days=90), 90.0, 0.5),
        (timedelta(days=180), 90.0, 0.25),
        (timedelta(days=30), 30.0, 0.5),
        (timedelta(hours=12), 0.5, 0.5),
        (timedelta(days=-5), 90.0, 1.0),
        (timedelta(seconds=-1), 90.0, 1.0),
    ],
)
def test_decay_halves_at_each_half_life_and_ignores_future_dates(
    age: timedelta, half_life: float, expected: float
) -> None:
    assert decay(NOW - age, NOW, half_life) == expected


def test_decay_uses_fractional_days() -> None:
    assert decay(NOW - timedelta(days=45), NOW, 90.0) == 0.5**0.5


def test_decay_compares_instants_across_time_zones() -> None:
    observed = (NOW - timedelta(days=90)).astimezone(timezone(timedelta(hours=-7)))

    assert decay(observed, NOW, 90.0) == 0.5


def test_decay_refuses_naive_datetimes_and_a_non_positive_half_life() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decay(NOW.replace(tzinfo=None), NOW, 90.0)
    with pytest.raises(ValueError, match="half_life_days"):
        decay(NOW, NOW, 0.0)


def test_input_weight_multiplies_link_segment_and_decay() -> None:
    params = Params(segment_weights={"enterprise": 2.0})
    observed = NOW - timedelta(days=90)

    assert input_weight(0.5, "enterprise", observed, NOW, params) == 0.5
    assert input_weight(0.5, "smb", observed, NOW, params) == 0.25
    assert input_weight(0.5, None, observed, NOW, params) == 0.25


def test_inputs_in_any_order_give_the_same_bits() -> None:
    reports = [
        report(i, people=10.0**i / 3, severity=RICE_SCALE[i % 5], days_ago=i) for i in range(8)
    ]
    signals = [signal(i, kind=SIGNAL_KINDS[i % 7], days_ago=7 * i) for i in range(8)]

    forward = score_item(ONLY_PRODUCT, reports, signals, Params(), NOW)
    backward = score_item(ONLY_PRODUCT, reports[::-1], signals[::-1], Params(), NOW)

    assert forward == backward


# --- Params.errors -----------------------------------------------------------------------


def test_the_default_params_are_valid_and_match_the_contract() -> None:
    params = Params()

    assert params.errors() == {}
    assert dict(params.kind_weights) == dict(DEFAULT_KIND_WEIGHTS)
    assert dict(DEFAULT_KIND_WEIGHTS) == {
        "customer_request": 1.0,
        "sales_feedback": 1.0,
        "churn_reason": 1.5,
        "support_ticket": 0.5,
        "competitor_move": 1.0,
        "market_trend": 0.5,
        "usage_insight": 1.0,
    }
    assert dict(params.segment_weights) == {}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"product_weight": 0.0, "evidence_gain": 0.0, "default_confidence": 0.0},
        {"product_weight": 1.0, "evidence_gain": 1.0, "default_confidence": 1.0},
        {"friction_evidence_weight": 0.0, "kind_weights": {"churn_reason": 0.0}},
        {"segment_weights": {"smb": 0.0, "enterprise": 3}},
        {"half_life_days": 0.01, "evidence_saturation": 1e-6, "min_effort": 0.001},
        {"half_life_days": 1e5, "evidence_saturation": 1e9, "min_effort": 1e6},
        {"kind_weights": {"churn_reason": 1e6}, "friction_evidence_weight": 1e-6},
    ],
)
def test_boundary_params_are_valid(kwargs: dict[str, object]) -> None:
    assert Params(**kwargs).errors() == {}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"product_weight": 1.5}, "product_weight"),
        ({"product_weight": -0.1}, "product_weight"),
        ({"product_weight": math.nan}, "product_weight"),
        ({"half_life_days": 0.0}, "half_life_days"),
        ({"half_life_days": -90.0}, "half_life_days"),
        ({"half_life_days": math.inf}, "half_life_days"),
        ({"evidence_gain": 1.01}, "evidence_gain"),
        ({"evidence_saturation": 0.0}, "evidence_saturation"),
        ({"min_effort": 0.0}, "min_effort"),
        ({"default_confidence": 1.2}, "default_confidence"),
        ({"default_confidence": True}, "default_confidence"),
        ({"friction_evidence_weight": -1.0}, "friction_evidence_weight"),
        ({"kind_weights": {"customer_request": -1.0}}, "kind_weights"),
        ({"kind_weights": {"customer_request": math.nan}}, "kind_weights"),
        ({"kind_weights": {"rumour": 1.0}}, "kind_weights"),
        ({"segment_weights": {"smb": -0.5}}, "segment_weights"),
        ({"segment_weights": {"smb": math.inf}}, "segment_weights"),
        ({"segment_weights": {"": 1.0}}, "segment_weights"),
        ({"segment_weights": {"smb": "heavy"}}, "segment_weights"),
    ],
)
def test_each_invalid_param_is_reported_on_its_field(kwargs: dict[str, object], field: str) -> None:
    errors = Params(**kwargs).errors()  # type: ignore[arg-type]

    assert list(errors) == [field]
    assert errors[field]


def test_every_invalid_param_is_reported_at_once() -> None:
    params = Params(product_weight=1.5, half_life_days=0, evidence_saturation=0, min_effort=0)

    assert set(params.errors()) == {
        "product_weight",
        "half_life_days",
        "evidence_saturation",
        "min_effort",
    }


def test_a_mapping_problem_names_the_offending_key() -> None:
    errors = Params(kind_weights={"rumour": 1.0, "churn_reason": -2.0}).errors()

    assert "rumour" in errors["kind_weights"]
    assert "churn_reason" in errors["kind_weights"]


def test_params_do_not_follow_later_changes_to_the_callers_dict() -> None:
    weights = {"enterprise": 2.0}
    params = Params(segment_weights=weights)

    weights["enterprise"] = 9.0

    assert params.segment_weights["enterprise"] == 2.0


# --- Contributors ------------------------------------------------------------------------


def test_contributors_rank_by_weight_then_id_with_shares_of_their_kind() -> None:
    reports = [
        report(5, people=100),
        report(2, people=300),
        report(4, people=100),
        report(6, people=1000, status="addressed"),
        report(7, people=0),
    ]
    signals = [
        signal(1, kind="churn_reason"),
        signal(8, kind="support_ticket"),
        signal(2, kind="customer_request", days_ago=90),
        signal(3, kind="rumour"),
        signal(4, dismissed=True),
    ]

    top_reports, top_signals = contributors(reports, signals, Params(), NOW)

    assert top_reports == (
        Contributor(kind="report", id=2, weight=300.0, share=0.6),
        Contributor(kind="report", id=4, weight=100.0, share=0.2),
        Contributor(kind="report", id=5, weight=100.0, share=0.2),
    )
    assert top_signals == (
        Contributor(kind="signal", id=1, weight=1.5, share=0.6),
        Contributor(kind="signal", id=2, weight=0.5, share=0.2),
        Contributor(kind="signal", id=8, weight=0.5, share=0.2),
    )


def test_contributors_stop_at_the_limit_and_keep_shares_of_the_whole() -> None:
    reports = [report(pk, people=10 * pk) for pk in range(1, 8)]

    top, _ = contributors(reports, [], Params(), NOW)
    top_two, _ = contributors(reports, [], Params(), NOW, limit=2)

    assert [c.id for c in top] == [7, 6, 5, 4, 3]
    assert [c.id for c in top_two] == [7, 6]
    assert top_two[0].share == 70 / 280
    assert contributors(reports, [], Params(), NOW, limit=0) == ((), ())


def test_contributors_of_an_item_without_evidence_are_empty() -> None:
    assert contributors([], [signal(kind="rumour")], Params(), NOW) == ((), ())


def test_contributors_refuse_a_negative_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        contributors([], [], Params(), NOW, limit=-1)


# --- Ranking -----------------------------------------------------------------------------


def test_rank_keeps_scored_rankable_items_by_score_then_id() -> None:
    ranking = rank(
        [
            (4, 10.0, "candidate"),
            (2, 10.0, "planned"),
            (9, 50.0, "shipped"),
            (3, None, "candidate"),
            (7, 0.0, "in_progress"),
            (1, 99.0, "archived"),
            (5, 20.0, "in_progress"),
        ]
    )

    assert ranking == [
        RankEntry(item_id=5, score=20.0, position=1),
        RankEntry(item_id=2, score=10.0, position=2),
        RankEntry(item_id=4, score=10.0, position=3),
        RankEntry(item_id=7, score=0.0, position=4),
    ]


def test_rank_refuses_duplicate_ids_and_nan_scores() -> None:
    with pytest.raises(ValueError, match="repeat"):
        rank([(1, 1.0, "planned"), (1, 2.0, "planned")])
    with pytest.raises(ValueError, match="NaN"):
        rank([(1, math.nan, "planned")])


# --- Change split ------------------------------------------------------------------------


def test_re_estimating_effort_makes_effort_the_main_driver() -> None:
    before = worked_example()
    after = worked_example(Estimates(reach=2000, impact=1, confidence=0.8, effort=5))

    split = split_change(before, after)

    assert split.main_driver == "effort"
    assert dict(split.terms) == {
        "reach": 0.0,
        "impact": 0.0,
        "confidence": 0.0,
        "effort": -math.log(5 / 2),
    }
    assert dict(split.deltas) == {"reach": 0.0, "impact": 0.0, "confidence": 0.0, "effort": 3.0}
    assert after.score is not None
    assert before.score is not None
    assert math.isclose(sum(split.terms.values()), math.log(after.score / before.score))


def test_an_unchanged_score_has_no_main_driver() -> None:
    split = split_change(worked_example(), worked_example())

    assert split.main_driver is None
    assert set(split.terms.values()) == {0.0}


def test_a_score_falling_to_zero_reports_deltas_and_the_largest_relative_change() -> None:
    before = score_item(Estimates(reach=1000, impact=1, effort=2), [], [], Params(), NOW)
    after = score_item(Estimates(reach=0, impact=1, effort=2.2), [], [], Params(), NOW)

    split = split_change(before, after)

    assert dict(split.terms) == {}
    assert split.main_driver == "reach"
    assert dict(split.deltas) == pytest.approx(
        {"reach": -1000.0, "impact": 0.0, "confidence": 0.0, "effort": 0.2}
    )


def test_a_factor_that_appears_is_the_main_driver_and_has_no_delta() -> None:
    before = score_item(Estimates(reach=1000, impact=1), [], [], Params(), NOW)
    after = score_item(Estimates(reach=1500, impact=1, effort=2), [], [], Params(), NOW)

    split = split_change(before, after)

    assert dict(split.terms) == {}
    assert split.main_driver == "effort"
    assert dict(split.deltas) == {"reach": 500.0, "impact": 0.0, "confidence": 0.0}


# --- Explanation -------------------------------------------------------------------------


def test_the_explanation_repeats_every_part_and_is_strict_json() -> None:
    result = worked_example()
    found = contributors(WORKED_REPORTS, WORKED_SIGNALS, Params(), NOW)
    computed_at = NOW.astimezone(timezone(timedelta(hours=2)))

    data = explanation(result, computed_at=computed_at, model_version=3, contributors=found)

    assert json.loads(json.dumps(data, allow_nan=False)) == {
        "computed_at": "2025-06-01T12:00:00+00:00",
        "model_version": 3,
        "score": 786.8877506519407,
        "reach": {"value": 1250.0, "product": 2000, "marketing": 500.0},
        "impact": {"value": 1.5, "product": 1, "marketing": 2.0},
        "confidence": {"value": 0.8393469340287367, "product": 0.8, "evidence": 2.5},
        "effort": {"value": 2, "estimate": 2},
        "missing": [],
        "counts": {"reports": 1, "signals": 2},
        "contributors": {
            "reports": [{"id": 1, "weight": 500.0, "share": 1.0}],
            "signals": [
                {"id": 1, "weight": 1.0, "share": 0.5},
                {"id": 2, "weight": 1.0, "share": 0.5},
            ],
        },
    }


def test_the_explanation_of_an_unscored_item_lists_what_is_missing() -> None:
    result = score_item(Estimates(reach=10), [], [], Params(), NOW)

    data = explanation(result, computed_at=NOW, model_version=1)

    assert data["score"] is None
    assert data["missing"] == ["impact", "effort"]
    assert data["confidence"] == {"value": 0.5, "product": 0.5, "evidence": 0.0}
    assert "contributors" not in data


# --- Properties --------------------------------------------------------------------------

observed_ats = st.floats(min_value=-30, max_value=3650).map(lambda days: NOW - timedelta(days=days))
segments = st.one_of(st.none(), st.sampled_from((*SEGMENTS, "unlisted")))
link_weights = st.floats(min_value=0, max_value=1, exclude_min=True)
# A model weight is 0 or between 1e-6 and 1e6 (Params.errors).
weights = st.just(0.0) | st.floats(min_value=1e-6, max_value=10)

reports_strategy = st.builds(
    ReportInput,
    id=st.integers(min_value=1, max_value=10**6),
    affected_people=st.floats(min_value=0, max_value=1e9),
    severity=st.sampled_from(RICE_SCALE),
    observed_at=observed_ats,
    segment=segments,
    link_weight=link_weights,
    status=st.sampled_from(("open", "open", "addressed", "dismissed")),
)
signals_strategy = st.builds(
    SignalInput,
    id=st.integers(min_value=1, max_value=10**6),
    kind=st.sampled_from((*SIGNAL_KINDS, "rumour")),
    observed_at=observed_ats,
    segment=segments,
    link_weight=link_weights,
    dismissed=st.booleans(),
)
params_strategy = st.builds(
    Params,
    product_weight=st.floats(min_value=0, max_value=1),
    half_life_days=st.floats(min_value=1, max_value=3650),
    evidence_gain=st.floats(min_value=0, max_value=1),
    evidence_saturation=st.floats(min_value=0.1, max_value=100),
    min_effort=st.floats(min_value=0.01, max_value=10),
    default_confidence=st.floats(min_value=0, max_value=1),
    kind_weights=st.dictionaries(st.sampled_from(SIGNAL_KINDS), weights),
    friction_evidence_weight=weights,
    segment_weights=st.dictionaries(st.sampled_from(SEGMENTS), weights),
)
reaches = st.floats(min_value=0, max_value=1e9)
impacts = st.sampled_from(RICE_SCALE)
confidences = st.floats(min_value=0, max_value=1)
efforts = st.floats(min_value=0, max_value=1e4, exclude_min=True)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Params, EvidenceSums]:
    """Valid model parameters and the evidence sums of a random set of linked inputs."""
    params = draw(params_strategy)
    assert params.errors() == {}
    reports = draw(st.lists(reports_strategy, max_size=8))
    signals = draw(st.lists(signals_strategy, max_size=8))
    return params, evidence_sums(reports, signals, params, NOW)


def scores(estimates: list[Estimates], scenario: tuple[Params, EvidenceSums]) -> list[float]:
    """Score each estimate set on the same evidence; all of them must be scored."""
    params, sums = scenario
    found = [score_from_sums(each, sums, params).score for each in estimates]
    for score in found:
        assert score is not None
    return [score for score in found if score is not None]


@PROPERTY
@given(
    scenarios(),
    st.tuples(reaches, reaches).map(sorted),
    impacts,
    st.none() | confidences,
    efforts,
)
def test_score_never_falls_when_product_reach_rises(
    scenario: tuple[Params, EvidenceSums],
    pair: list[float],
    impact: float,
    c_p: float | None,
    effort: float,
) -> None:
    low, high = scores([Estimates(r, impact, c_p, effort) for r in pair], scenario)

    assert low <= high


@PROPERTY
@given(
    scenarios(), reaches, st.tuples(impacts, impacts).map(sorted), st.none() | confidences, efforts
)
def test_score_never_falls_when_product_impact_rises(
    scenario: tuple[Params, EvidenceSums],
    reach: float,
    pair: list[float],
    c_p: float | None,
    effort: float,
) -> None:
    low, high = scores([Estimates(reach, i, c_p, effort) for i in pair], scenario)

    assert low <= high


@PROPERTY
@given(scenarios(), reaches, impacts, st.tuples(confidences, confidences).map(sorted), efforts)
def test_score_never_falls_when_product_confidence_rises(
    scenario: tuple[Params, EvidenceSums],
    reach: float,
    impact: float,
    pair: list[float],
    effort: float,
) -> None:
    low, high = scores([Estimates(reach, impact, c, effort) for c in pair], scenario)

    # C0 + (1 - C0)·k rounds 1 - C0 separately, so a one-ulp rise of C0 may lose one ulp.
    assert low <= high or math.isclose(low, high, rel_tol=1e-12)


@PROPERTY
@given(
    scenarios(), reaches, impacts, st.none() | confidences, st.tuples(efforts, efforts).map(sorted)
)
def test_score_never_rises_when_effort_rises(
    scenario: tuple[Params, EvidenceSums],
    reach: float,
    impact: float,
    c_p: float | None,
    pair: list[float],
) -> None:
    small, large = scores([Estimates(reach, impact, c_p, e) for e in pair], scenario)

    assert small >= large


@PROPERTY
@given(
    params_strategy,
    st.lists(reports_strategy, max_size=8),
    st.lists(signals_strategy, max_size=8),
    st.builds(
        Estimates,
        reach=st.none() | reaches,
        impact=st.none() | impacts,
        confidence=st.none() | confidences,
        effort=st.none() | efforts,
    ),
)
def test_valid_inputs_never_give_nan_or_infinity(
    params: Params,
    reports: list[ReportInput],
    signals: list[SignalInput],
    estimates: Estimates,
) -> None:
    result = score_item(estimates, reports, signals, params, NOW)
    found = contributors(reports, signals, params, NOW)

    data = explanation(result, computed_at=NOW, model_version=1, contributors=found)

    json.dumps(data, allow_nan=False)  # raises on NaN or infinity anywhere
    assert result.scored == (result.score is not None)
    for kind in found:
        assert math.fsum(c.share for c in kind) <= 1 + 1e-12
        assert [c.weight for c in kind] == sorted((c.weight for c in kind), reverse=True)


@PROPERTY
@given(scenarios(), st.none() | confidences)
def test_confidence_stays_between_c0_and_its_ceiling(
    scenario: tuple[Params, EvidenceSums], c_p: float | None
) -> None:
    params, sums = scenario

    parts = score_from_sums(Estimates(confidence=c_p), sums, params).confidence

    c0 = params.default_confidence if c_p is None else c_p
    assert parts.product == c0
    assert c0 <= parts.value <= c0 + (1 - c0) * params.evidence_gain


candidates_strategy = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=60),
        st.none() | st.sampled_from((0.0, 1.0, 2.5, 1e6)) | st.floats(0, 1e6),
        st.sampled_from(STATUSES),
    ),
    unique_by=lambda candidate: candidate[0],
    max_size=30,
)


@PROPERTY
@given(candidates_strategy, st.data())
def test_rank_is_an_ordered_permutation_of_the_rankable_scored_items(
    candidates: list[tuple[int, float | None, str]], data: st.DataObject
) -> None:
    ranking = rank(candidates)

    expected = {
        item_id: score
        for item_id, score, status in candidates
        if score is not None and status in RANKABLE_STATUSES
    }
    assert {entry.item_id: entry.score for entry in ranking} == expected
    assert len(ranking) == len(expected)
    assert [entry.position for entry in ranking] == list(range(1, len(ranking) + 1))
    keys = [(-entry.score, entry.item_id) for entry in ranking]
    assert keys == sorted(keys)
    assert rank(data.draw(st.permutations(candidates))) == ranking


positive_estimates = st.builds(
    Estimates,
    reach=st.floats(min_value=1e-3, max_value=1e9),
    impact=impacts,
    confidence=st.none() | st.floats(min_value=0.01, max_value=1),
    effort=efforts,
)


@PROPERTY
@given(scenarios(), positive_estimates, positive_estimates)
def test_split_change_terms_sum_to_the_log_of_the_score_ratio(
    scenario: tuple[Params, EvidenceSums], first: Estimates, second: Estimates
) -> None:
    params, sums = scenario
    before = score_from_sums(first, sums, params)
    after = score_from_sums(second, sums, params)

    split = split_change(before, after)

    assert before.score is not None
    assert after.score is not None
    assert set(split.deltas) == set(FACTORS)
    if before.score > 0 and after.score > 0:
        assert set(split.terms) == set(FACTORS)
        largest = max(FACTORS, key=lambda name: abs(split.terms[name]))
        assert split.main_driver == (largest if split.terms[largest] else None)
        # A subnormal score (a confidence of 5e-324, say) has lost the digits that the
        # identity compares; the terms are still the exact factor ratios.
        if min(before.score, after.score) >= sys.float_info.min:
            total = math.fsum(split.terms.values())
            assert math.isclose(total, math.log(after.score / before.score), abs_tol=1e-9)
    else:
        assert dict(split.terms) == {}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"half_life_days": 1e-6}, "half_life_days"),
        ({"min_effort": 1e-300}, "min_effort"),
        ({"evidence_saturation": 1e12}, "evidence_saturation"),
        ({"friction_evidence_weight": 1e300}, "friction_evidence_weight"),
        ({"kind_weights": {"churn_reason": 1e-300}}, "kind_weights"),
        ({"segment_weights": {"smb": 1e7}}, "segment_weights"),
    ],
)
def test_parameters_that_would_overflow_or_underflow_a_double_are_refused(
    kwargs: dict[str, object], field: str
) -> None:
    assert field in Params(**kwargs).errors()  # type: ignore[arg-type]


def test_an_input_older_than_a_thousand_half_lives_counts_as_zero() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert decay(now - timedelta(days=1000 * 90), now, 90.0) == 0.5**1000
    assert decay(now - timedelta(days=1001 * 90), now, 90.0) == 0.0
