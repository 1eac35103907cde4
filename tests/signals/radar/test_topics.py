"""The pure core of emerging topics: the rate test and the grouping."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from signals.radar import text, topics


def test_the_rate_test_is_the_exact_conditional_binomial_test():
    result = topics.rate_test(recent=8, baseline=2, recent_days=30, baseline_days=150)
    expected = binomtest(8, 10, 30 / 180, alternative="greater").pvalue
    assert result.p_value == pytest.approx(expected)
    assert result.growth == pytest.approx(20.0)


def test_a_steady_topic_is_not_significant():
    result = topics.rate_test(recent=5, baseline=25, recent_days=30, baseline_days=150)
    assert result.p_value > 0.5
    assert result.growth == pytest.approx(1.0)


def test_no_messages_give_a_p_value_of_one():
    assert topics.rate_test(recent=0, baseline=0, recent_days=30, baseline_days=150).p_value == 1


def test_similar_messages_group_and_a_lone_one_is_noise():
    messages = [
        "export factures PDF logo",
        "invoice PDF export with logo",
        "factures PDF export logo TVA",
        "PDF invoice export logo please",
        "dark mode for the mobile app",
    ]
    groups = topics.cluster([text.analyze(m).features for m in messages])
    assert groups == [[0, 1, 2, 3]] or sorted(groups[0]) == [0, 1, 2, 3]
    assert all(4 not in group for group in groups)


def test_grouping_beyond_the_direct_limit_joins_the_nearest_group(monkeypatch):
    monkeypatch.setattr(topics, "MAX_DIRECT", 4)
    messages = ["sso okta login"] * 4 + ["okta sso login please", "unrelated dark mode"]
    groups = topics.cluster([text.analyze(m).features for m in messages])
    assert sorted(groups[0]) == [0, 1, 2, 3, 4]


def test_too_few_or_empty_messages_give_no_group():
    assert topics.cluster([{}, {}, {}]) == []
    assert topics.cluster([{"w:a": 1}]) == []


def test_top_terms_and_representatives_come_from_the_group():
    bags = [text.analyze(m).features for m in ["sso okta", "sso azure", "sso okta saml", "dark"]]
    assert "w:sso" in topics.top_terms(bags, [0, 1, 2])
    assert set(topics.representatives(bags, [0, 1, 2], limit=2)) <= {0, 1, 2}
