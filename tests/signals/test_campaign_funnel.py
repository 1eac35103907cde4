"""The pure funnel figures, against values computed by hand (no database)."""

from __future__ import annotations

import math

import pytest

from signals.campaigns import funnel


def test_wilson_interval_of_40_in_100_matches_the_hand_computation():
    # p = 0.4, z² = 3.84146; centre = (0.4 + 0.019207) / 1.038415 = 0.403699;
    # half = 1.96 / 1.038415 · √(0.0024 + 0.000096) = 0.094298.
    low, high = funnel.wilson_interval(40, 100)
    assert low == pytest.approx(0.309401, abs=1e-5)
    assert high == pytest.approx(0.497997, abs=1e-5)


def test_wilson_interval_of_none_in_ten_starts_at_zero():
    low, high = funnel.wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.277535, abs=1e-5)


def test_wilson_interval_of_all_ends_at_one():
    low, high = funnel.wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(1 - 0.277535, abs=1e-5)


def test_a_rate_over_nobody_is_not_enough_data_rather_than_a_division_by_zero():
    result = funnel.rate(0, 0)
    assert result.value is None
    assert result.reason == "no_people"
    assert not result.enough


def test_a_rate_with_an_unknown_count_is_not_enough_data():
    assert funnel.rate(None, 100).reason == "unknown"
    assert funnel.rate(5, None).reason == "unknown"


def test_funnel_rates_divide_each_stage_by_the_one_above():
    counts = {
        "impressions": 10_000,
        "clicks": 500,
        "sign_ups": 100,
        "activated": 40,
        "paid": 10,
        "retained_30": 9,
        "retained_90": None,
    }
    rates = funnel.funnel_rates(counts)
    assert rates["click_through"].value == 0.05
    assert rates["sign_up"].value == 0.2
    assert rates["activation"].value == 0.4
    assert rates["paid"].value == 0.25
    assert rates["retention_30"].value == 0.9
    assert rates["retention_90"].reason == "unknown"


def test_a_funnel_that_grows_downwards_is_refused_stage_by_stage():
    errors = funnel.funnel_order_errors({"clicks": 100, "sign_ups": 120, "activated": 50})
    assert set(errors) == {"sign_ups"}
    assert "cannot exceed clicks (100)" in errors["sign_ups"]


def test_unknown_stages_are_skipped_when_checking_the_order():
    # activated is compared with clicks, the nearest known stage above it.
    errors = funnel.funnel_order_errors({"clicks": 100, "sign_ups": None, "activated": 150})
    assert set(errors) == {"activated"}
    assert funnel.funnel_order_errors({"impressions": None, "paid": 3}) == {}


def test_cac_is_spend_over_paying_customers_and_undefined_without_any():
    assert funnel.cac(1000.0, 20) == 50.0
    assert funnel.cac(1000.0, 0) is None
    assert funnel.cac(1000.0, None) is None


def test_ltv_payback_and_ratio_from_settings_match_the_hand_computation():
    # LTV = 50 × 0.8 / 0.02 = 2000; margin a month = 40; CAC 50 → payback 1.25 months.
    ltv = funnel.ltv_from_settings(arpa=50.0, gross_margin=0.8, churn=0.02)
    assert ltv == pytest.approx(2000.0)
    margin = funnel.monthly_margin(arpa=50.0, gross_margin=0.8, ltv=ltv, churn=0.02)
    assert margin == pytest.approx(40.0)
    assert funnel.payback_months(50.0, margin) == pytest.approx(1.25)
    assert funnel.ltv_to_cac(ltv, 50.0) == pytest.approx(40.0)


def test_without_arpa_the_margin_comes_from_the_ltv_and_churn():
    assert funnel.monthly_margin(arpa=None, gross_margin=0.8, ltv=1000.0, churn=0.05) == 50.0


def test_money_figures_without_their_inputs_are_not_enough_data():
    assert funnel.ltv_from_settings(arpa=50.0, gross_margin=0.8, churn=0.0) is None
    assert funnel.ltv_from_settings(arpa=None, gross_margin=0.8, churn=0.1) is None
    assert funnel.payback_months(None, 40.0) is None
    assert funnel.payback_months(50.0, 0.0) is None
    assert funnel.ltv_to_cac(2000.0, None) is None
    assert funnel.ltv_to_cac(None, 50.0) is None


def test_a_drop_from_60_to_40_percent_over_100_people_is_significant():
    # pooled 0.5; se = √(0.25 · 0.02) = 0.0707107; z = −0.2 / 0.0707107 = −2.8284.
    drop = funnel.stage_drop(40, 100, 60, 100)
    assert drop is not None
    assert drop.z == pytest.approx(-2.828427, abs=1e-6)
    assert drop.significant
    assert drop.people_lost == 20
    assert drop.relative_drop == pytest.approx(1 / 3)
    assert drop.severity == 2.0


def test_a_small_drop_is_not_significant():
    # pooled 0.575; se = √(0.575 · 0.425 · 0.02) = 0.069911; z = −0.05 / 0.069911.
    drop = funnel.stage_drop(55, 100, 60, 100)
    assert drop is not None
    assert drop.z == pytest.approx(-0.7152, abs=1e-4)
    assert not drop.significant


def test_a_tiny_drop_over_a_huge_crowd_is_not_worth_a_report():
    # 39.5 % against 40 % over a million people each: z ≈ −7.2, relative drop 1.25 %.
    drop = funnel.stage_drop(395_000, 1_000_000, 400_000, 1_000_000)
    assert drop is not None
    assert drop.z < -7
    assert not drop.significant


def test_a_rise_loses_nobody():
    drop = funnel.stage_drop(80, 100, 60, 100)
    assert drop is not None
    assert drop.people_lost == 0
    assert drop.relative_drop == 0.0
    assert not drop.significant


def test_too_few_people_or_no_variance_is_not_tested():
    assert funnel.stage_drop(1, 10, 60, 100) is None
    assert funnel.stage_drop(0, 100, 0, 100) is None
    assert funnel.stage_drop(100, 100, 100, 100) is None


@pytest.mark.parametrize(
    ("relative", "impact"),
    [(0.8, 3.0), (0.5, 3.0), (0.49, 2.0), (0.3, 2.0), (0.2, 1.0), (0.1, 0.5), (0.01, 0.25)],
)
def test_the_relative_drop_maps_onto_the_rice_scale(relative, impact):
    assert funnel.severity_of(relative) == impact


def test_people_over_a_month_become_people_per_quarter():
    assert funnel.per_quarter(30, 30) == 91
    assert funnel.per_quarter(100, 91) == 100
    with pytest.raises(ValueError, match="at least one day"):
        funnel.per_quarter(1, 0)


def test_spend_is_prorated_by_the_days_inside_the_window():
    # A 10-day campaign (days 1–10) of 1,000: days 6–10 are in the window 6–20.
    assert funnel.prorated_spend(1000.0, 1, 10, 6, 20) == 500.0
    assert funnel.prorated_spend(1000.0, 1, 10, 11, 20) == 0.0
    assert funnel.prorated_spend(1000.0, 1, 10, 1, 10) == 1000.0


def test_volume_without_value_needs_both_a_large_share_and_a_low_activation():
    assert funnel.volume_without_value(sign_ups=500, all_sign_ups=1000, activation=0.1, overall=0.3)
    assert not funnel.volume_without_value(
        sign_ups=100, all_sign_ups=1000, activation=0.1, overall=0.3
    )
    assert not funnel.volume_without_value(
        sign_ups=500, all_sign_ups=1000, activation=0.2, overall=0.3
    )
    assert not funnel.volume_without_value(
        sign_ups=0, all_sign_ups=0, activation=None, overall=None
    )


def test_no_figure_is_ever_nan_or_infinite_on_edge_counts():
    for successes, trials in [(0, 1), (1, 1), (0, 10**11), (10**11, 10**11)]:
        result = funnel.rate(successes, trials)
        assert result.value is not None
        assert result.low is not None
        assert result.high is not None
        assert all(math.isfinite(v) for v in (result.value, result.low, result.high))
        assert 0.0 <= result.low <= result.value <= result.high <= 1.0
