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


def test_benjamini_hochberg_is_the_step_up_procedure():
    # m = 4, alpha = 0.05: thresholds 0.0125, 0.025, 0.0375, 0.05 for the sorted p-values
    # 0.001, 0.028, 0.03, 0.2. The third (0.03) passes its threshold, so the first three
    # are rejected, the second (0.028) too though it misses its own 0.025 (step-up).
    rejected = topics.benjamini_hochberg([0.03, 0.001, 0.028, 0.2], alpha=0.05)
    assert rejected == [True, True, True, False]
    assert topics.benjamini_hochberg([0.02, 0.04], alpha=0.01) == [False, False]
    assert topics.benjamini_hochberg([], alpha=0.01) == []


def _scan(messages, recent, **kwargs):
    return topics.emerging_scan(
        [text.analyze(m).features for m in messages],
        recent,
        recent_days=30,
        baseline_days=150,
        alpha=0.01,
        min_size=kwargs.pop("min_size", 5),
        **kwargs,
    )


def test_a_recent_group_is_emerging_and_a_steady_one_is_quiet():
    new = [f"facturation electronique obligatoire format facturx {n}" for n in range(8)]
    old = [f"dark mode theme sombre interface {n}" for n in range(12)]
    groups = _scan(new + old, [True] * 8 + [n % 6 == 0 for n in range(12)])
    emerging = [g for g in groups if g.emerging]
    assert [sorted(g.members) for g in emerging] == [list(range(8))]
    assert emerging[0].test.p_value < 1e-5
    quiet = [g for g in groups if not g.emerging]
    assert [sorted(g.members) for g in quiet] == [list(range(8, 20))]
    assert all(g.test.p_value > 0.01 for g in quiet)


def test_the_scan_corrects_for_its_many_tests_and_keeps_the_minimum_size():
    # Four recent pieces out of four: p = (1/6)^4 = 7.7e-4, significant alone, but the
    # group is below the minimum size.
    messages = [f"facturation electronique facturx {n}" for n in range(4)]
    assert _scan(messages, [True] * 4) == []
    # 2 recent of 5: p = 0.20, never emerging whatever the level.
    messages = [f"sso okta login saml {n}" for n in range(5)]
    groups = _scan(messages, [True, True, False, False, False])
    assert groups
    assert not any(g.emerging for g in groups)


def test_emerging_groups_do_not_overlap():
    messages = [f"facturation electronique obligatoire facturx chorus {n}" for n in range(6)]
    messages += [f"facturation electronique pdp plateforme {n}" for n in range(6)]
    groups = _scan(messages, [True] * 12)
    seen: set[int] = set()
    for group in groups:
        assert not seen & set(group.members)
        seen |= set(group.members)
    assert any(g.emerging for g in groups)
