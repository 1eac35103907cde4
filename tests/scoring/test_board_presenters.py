"""The board's rules, each from its one definition: who may publish
(scoring.board.permissions), the blend of a factor's parts (scoring.engine), the filters
(the API's LiveRankingFilterSet), and the presenters' shaping of plain data."""

from __future__ import annotations

import math

import pytest
from django.contrib.auth.models import AnonymousUser

from scoring import engine
from scoring.board.forms import BoardFilterForm
from scoring.board.permissions import can_publish
from scoring.board.presenters.common import contribution_bar, evidence_rows, person_name
from scoring.filters import LiveRankingFilterSet
from tests.support.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "staff", "allowed"),
    [
        ("product", True, True),
        ("product", False, True),
        ("marketing", True, False),
        ("integration", True, False),
    ],
)
def test_only_the_product_role_may_publish(role, staff, allowed):
    assert can_publish(UserFactory(role=role, is_staff=staff)) is allowed


@pytest.mark.django_db
def test_neither_anonymous_visitors_nor_inactive_users_may_publish():
    assert not can_publish(AnonymousUser())
    assert not can_publish(UserFactory(role="product", is_active=False))


@pytest.mark.parametrize(
    ("product", "marketing", "alpha"),
    [(2000.0, 1000.0, 0.5), (3.0, 1.0, 0.7), (2000.0, None, 0.5), (None, 250.0, 0.3)],
)
def test_a_bar_splits_the_engines_blend_into_its_two_parts(product, marketing, alpha):
    value = engine.blend(product, marketing, alpha)
    p_part, m_part = engine.blend_parts(product, marketing, alpha)

    bar = contribution_bar("Reach", value, product, marketing, alpha)

    assert math.isclose(p_part + m_part, value)
    assert float(bar["product"]) + float(bar["marketing"]) == pytest.approx(100, abs=0.01)
    assert float(bar["product"]) == pytest.approx(p_part / value * 100, abs=0.01)
    assert bar["has_product"] is (product is not None)
    assert bar["has_marketing"] is (marketing is not None)


def test_a_factor_with_no_part_has_an_empty_bar_that_says_so():
    bar = contribution_bar("Impact", None, None, None, 0.5)

    assert (bar["product"], bar["marketing"]) == ("0.00", "0.00")
    assert bar["text"] == "Impact: not defined"


def test_the_board_filters_are_filters_of_the_live_ranking_api():
    assert set(BoardFilterForm.base_fields) <= set(LiveRankingFilterSet.base_filters)


def test_evidence_rows_name_each_kind_in_the_singular_or_the_plural():
    rows = evidence_rows({"friction_report": 1, "customer_request": 3, "market_trend": 0})

    assert [(row["kind"], row["label"], row["count"]) for row in rows] == [
        ("friction_report", "open friction report", 1),
        ("customer_request", "customer requests", 3),
    ]


@pytest.mark.django_db
def test_people_are_named_by_full_name_then_username():
    assert person_name(UserFactory(username="jw", first_name="Jonas", last_name="Weber")) == (
        "Jonas Weber"
    )
    assert person_name(UserFactory(username="anon", first_name="", last_name="")) == "anon"
    assert person_name(None) == "—"
