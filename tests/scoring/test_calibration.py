"""Calibration: what the scores of shipped items assumed against what their outcomes
measured (`GET /api/v1/calibration/`), and applying an owner's suggested confidence
multiplier (`POST /api/v1/calibration/apply/`)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from roadmap.models import DirtyItem, RoadmapItem
from roadmap.services import items_set_status
from scoring import calibration
from scoring.models import ConfidenceCalibration, ScoreHistory, ScoringModel
from scoring.services import item_scores_recompute_all
from tests.support.api import API, api_client_for, assert_error, count_queries, error_fields
from tests.support.factories import OutcomeFactory, RoadmapItemFactory, ThemeFactory, UserFactory

# The pure method's tests need no database, but marking them costs nothing.
pytestmark = pytest.mark.django_db

CALIBRATION = f"{API}/calibration/"
APPLY = f"{CALIBRATION}apply/"
YEAR = 365  # an outcome period of 365 days: people × 91.25 / 365 = people / 4


# --- The method, without a database --------------------------------------------------------


@pytest.mark.parametrize(
    ("lift", "impact"),
    [
        (math.inf, 3),
        (0.5, 3),
        (0.4999, 2),
        (0.25, 2),
        (0.1, 1),
        (0.0999, 0.5),
        (0.05, 0.5),
        (0.0499, 0.25),
        (0.0, 0.25),
        (-0.8, 0.25),
        (-math.inf, 0.25),
    ],
)
def test_a_lift_maps_onto_the_rice_scale(lift, impact):
    assert calibration.impact_of_lift(lift) == impact


def test_measured_reach_is_people_per_quarter_over_the_outcomes_that_count_people():
    outcomes = [
        calibration.MeasuredOutcome(lift=0.1, period_days=365, people=4000),
        calibration.MeasuredOutcome(lift=0.1, period_days=73, people=400),
        calibration.MeasuredOutcome(lift=0.1, period_days=30, people=None),
    ]
    assert calibration.measured_reach(outcomes) == pytest.approx(1000 + 500)
    assert calibration.measured_reach(outcomes[2:]) is None


def test_ratios_need_a_positive_assumption():
    assert calibration.ratio(10, 0) is None
    assert calibration.ratio(None, 5) is None
    assert calibration.ratio(10, None) is None
    assert calibration.ratio(0, 5) == 0


def test_the_geometric_mean_of_ratios():
    assert calibration.geometric_mean([2, 0.5]) == pytest.approx(1)
    assert calibration.geometric_mean([0.25, 1]) == pytest.approx(0.5)
    assert calibration.geometric_mean([0, 3]) == 0
    assert calibration.geometric_mean([]) is None


@pytest.mark.parametrize(
    ("ratios", "multiplier"),
    [
        ([0.8], None),  # one item is no pattern
        ([0.81, 0.81], 0.81),
        ([0.64, 1.0], 0.8),
        ([0.1, 0.2], 0.5),  # at most halved
        ([1.5, 2.0], 1.0),  # never raised
        ([0.0, 0.9], 0.5),
    ],
)
def test_the_suggested_multiplier(ratios, multiplier):
    assert calibration.suggested_multiplier(ratios) == multiplier


# --- The report, on a hand-computed example -------------------------------------------------


def _score_point(item: Any, when: Any, reach: float, rp: float, rm: float | None, impact: float):
    ScoreHistory.objects.create(
        item=item,
        model=ScoringModel.objects.get(is_active=True),
        computed_at=when,
        score=reach * impact,
        reach=reach,
        impact=impact,
        confidence=0.8,
        effort=1,
        reach_product=rp,
        reach_marketing=rm,
    )


def _outcome(item: Any, kpi: str, baseline: float, measured: float, people: int | None):
    end = timezone.localdate() - timedelta(days=1)
    OutcomeFactory(
        item=item,
        kpi=kpi,
        baseline=baseline,
        measured=measured,
        people_measured=people,
        period_start=end - timedelta(days=YEAR - 1),
        period_end=end,
    )


def _ship(item: Any, user: Any) -> None:
    items_set_status(item_ids=[item.pk], status="shipped", user=user)


@pytest.fixture
def example(product_user) -> dict[str, Any]:
    """Two shipped items of one owner, with what their scores assumed when they shipped
    and what their outcomes measured:

    X: assumed R 2000 (R_p 2400, R_m 1600), I 2. Outcomes: activation 0.20 → 0.26 (+30 %:
       impact 2) for 4,000 people a year, conversion 0.05 → 0.052 (+4 %: 0.25) for 2,000.
       Measured R = 1000 + 500 = 1500, I = (2 + 0.25) / 2 = 1.125.
       Ratios: reach 0.75, impact 0.5625, score 0.421875; R_p 0.625, R_m 0.9375.
    Y: assumed R 1000 (R_p 1000, no R_m), I 1. Outcomes: churn 0.10 → 0.08 (a fall of
       20 %: impact 1) for 3,650 people, NPS 30 → 40 (+33 %: 2), no people.
       Measured R = 912.5, I = 1.5. Ratios: reach 0.9125, impact 1.5, score 1.36875.
    Owner: score ratio √(0.421875 × 1.36875) = 0.75990…, suggested multiplier 0.76.
    """
    now = timezone.now()
    x = RoadmapItemFactory(title="X", status="in_progress", owner=product_user)
    y = RoadmapItemFactory(title="Y", status="in_progress", owner=product_user)
    x.theme, y.theme = ThemeFactory(name="Activation"), ThemeFactory(name="Retention")
    RoadmapItem.objects.filter(pk=x.pk).update(theme=x.theme)
    RoadmapItem.objects.filter(pk=y.pk).update(theme=y.theme)
    # The estimates before the last one, and the last one before shipping.
    _score_point(x, now - timedelta(days=40), 9000, 9000, None, 3)
    _score_point(x, now - timedelta(days=5), 2000, 2400, 1600, 2)
    _score_point(y, now - timedelta(days=5), 1000, 1000, None, 1)
    _ship(x, product_user)
    _ship(y, product_user)
    # What the score said after shipping must not count.
    _score_point(x, timezone.now() + timedelta(hours=1), 1, 1, 1, 0.25)
    _outcome(x, "activation_rate", 0.20, 0.26, 4000)
    _outcome(x, "conversion_rate", 0.05, 0.052, 2000)
    _outcome(y, "churn", 0.10, 0.08, 3650)
    _outcome(y, "nps", 30, 40, None)
    return {"x": x, "y": y}


@pytest.fixture
def pm(product_user):
    return api_client_for(product_user)


def test_the_report_holds_each_item_against_its_score_when_it_shipped(pm, example, product_user):
    body = pm.get(CALIBRATION).json()

    x, y = body["items"]
    assert x["item"] == example["x"].pk
    assert x["assumed"]["source"] == "history"
    assert (x["assumed"]["reach"], x["assumed"]["impact"]) == (2000, 2)
    assert (x["assumed"]["reach_product"], x["assumed"]["reach_marketing"]) == (2400, 1600)
    assert x["measured"] == {"reach": pytest.approx(1500), "impact": 1.125, "outcomes": 2}
    assert x["ratios"] == {
        "reach": pytest.approx(0.75),
        "impact": pytest.approx(0.5625),
        "score": pytest.approx(0.421875),
        "product_reach": pytest.approx(0.625),
        "marketing_reach": pytest.approx(0.9375),
    }
    assert y["measured"]["reach"] == pytest.approx(912.5)
    assert y["measured"]["impact"] == 1.5
    assert y["ratios"]["score"] == pytest.approx(1.36875)
    assert y["ratios"]["marketing_reach"] is None

    (owner,) = body["by_owner"]
    assert owner["owner"] == product_user.pk
    assert (owner["items"], owner["calibrated_items"]) == (2, 2)
    assert owner["reach_ratio"] == pytest.approx(math.sqrt(0.75 * 0.9125))
    assert owner["impact_ratio"] == pytest.approx(math.sqrt(0.5625 * 1.5))
    assert owner["score_ratio"] == pytest.approx(math.sqrt(0.421875 * 1.36875))
    assert owner["suggestion"]["multiplier"] == 0.76
    assert sorted(owner["suggestion"]["based_on"]) == sorted([example["x"].pk, example["y"].pk])
    assert owner["last_applied"] is None

    assert [(t["theme_name"], t["items"], t["score_ratio"]) for t in body["by_theme"]] == [
        ("Activation", 1, pytest.approx(0.421875)),
        ("Retention", 1, pytest.approx(1.36875)),
    ]
    assert body["by_team"]["product"] == {
        "items": 2,
        "reach_ratio": pytest.approx(math.sqrt(0.625 * 0.9125)),
    }
    assert body["by_team"]["marketing"] == {"items": 1, "reach_ratio": pytest.approx(0.9375)}


def test_the_ship_time_is_the_last_time_the_item_became_shipped(pm, example, product_user):
    x = example["x"]
    items_set_status(item_ids=[x.pk], status="in_progress", user=product_user)
    _score_point(x, timezone.now(), 3000, 3000, None, 1)
    _ship(x, product_user)

    row = pm.get(CALIBRATION).json()["items"][0]

    assert (row["assumed"]["reach"], row["assumed"]["impact"]) == (3000, 1)
    latest = x.history.filter(status="shipped").latest("history_date").history_date
    assert row["shipped_at"] == latest.isoformat().replace("+00:00", "Z")


def test_without_a_score_point_before_shipping_the_current_score_stands_in(pm, product_user):
    item = RoadmapItemFactory(status="shipped", owner=product_user, reach=500, impact=1)
    item_scores_recompute_all()
    _outcome(item, "activation_rate", 0.2, 0.3, 4000)

    row = pm.get(CALIBRATION).json()["items"][0]

    assert row["assumed"]["source"] == "current"
    assert row["ratios"]["reach"] == pytest.approx(1000 / 500)


def test_an_owner_with_one_calibrated_item_gets_no_suggestion(pm, example):
    RoadmapItem.objects.filter(pk=example["y"].pk).update(owner=UserFactory())
    owners = pm.get(CALIBRATION).json()["by_owner"]
    assert [o["suggestion"] for o in owners] == [None, None]


def test_items_without_people_measured_have_no_reach_ratio_and_are_not_calibrated(pm, product_user):
    item = RoadmapItemFactory(status="in_progress", owner=product_user)
    _score_point(item, timezone.now() - timedelta(days=1), 100, 100, None, 1)
    _ship(item, product_user)
    _outcome(item, "nps", 10, 20, None)  # +100 %: impact 3

    row = pm.get(CALIBRATION).json()["items"][0]

    assert row["measured"]["reach"] is None
    assert row["ratios"]["reach"] is None
    assert row["ratios"]["impact"] == 3
    assert row["calibrated"] is False


def _world(n: int, owner: Any) -> None:
    for k in range(n):
        item = RoadmapItemFactory(status="in_progress", owner=owner, theme=ThemeFactory())
        _score_point(item, timezone.now() - timedelta(days=1), 100 + k, 100, 50, 1)
        _ship(item, owner)
        _outcome(item, "activation_rate", 0.2, 0.25, 400)
        _outcome(item, "nps", 10, 12, None)


def _queries(client: Any) -> int:
    with count_queries() as captured:
        response = client.get(CALIBRATION)
    assert response.status_code == 200
    return len(captured)


def test_the_report_reads_the_same_few_queries_for_2_and_20_items(pm, product_user):
    _world(2, product_user)
    pm.get(CALIBRATION)
    few = _queries(pm)
    _world(18, UserFactory())
    many = _queries(pm)
    assert few == many <= 8
    assert len(pm.get(CALIBRATION).json()["items"]) == 20


@pytest.mark.parametrize("role", ["marketing", "integration"])
def test_every_role_reads_the_calibration(request, role):
    user = request.getfixturevalue(f"{role}_user")
    assert api_client_for(user).get(CALIBRATION).status_code == 200


# --- Applying a suggestion -------------------------------------------------------------------


@pytest.fixture
def open_items(example, product_user) -> dict[str, Any]:
    other = UserFactory()
    return {
        "estimated": RoadmapItemFactory(status="planned", owner=product_user, confidence=0.8),
        "unestimated": RoadmapItemFactory(status="candidate", owner=product_user, confidence=None),
        "archived": RoadmapItemFactory(status="archived", owner=product_user, confidence=0.8),
        "someone_elses": RoadmapItemFactory(status="planned", owner=other, confidence=0.8),
    }


def test_applying_the_suggestion_lowers_the_owners_open_confidence_with_a_reason(
    pm, product_user, example, open_items
):
    DirtyItem.objects.all().delete()
    before = {name: item.version for name, item in open_items.items()}

    response = pm.post(APPLY, {"owner": product_user.pk, "multiplier": 0.76}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["multiplier"], body["items_changed"]) == (0.76, 2)
    assert sorted(body["based_on"]) == sorted([example["x"].pk, example["y"].pk])
    for item in open_items.values():
        item.refresh_from_db()
    assert open_items["estimated"].confidence == pytest.approx(0.608)
    # No confidence: the model's default (0.5) stands in, times the multiplier.
    assert open_items["unestimated"].confidence == pytest.approx(0.38)
    assert open_items["archived"].confidence == 0.8
    assert open_items["someone_elses"].confidence == 0.8
    assert open_items["estimated"].version == before["estimated"] + 1
    row = open_items["estimated"].history.first()
    assert row.history_change_reason == "calibration: ×0.76 from 2 shipped items"
    assert row.history_user == product_user
    assert set(DirtyItem.objects.values_list("item_id", flat=True)) == {
        open_items["estimated"].pk,
        open_items["unestimated"].pk,
    }
    record = ConfidenceCalibration.objects.get()
    assert (record.owner, record.applied_by) == (product_user, product_user)

    owner = pm.get(CALIBRATION).json()["by_owner"][0]
    assert owner["suggestion"] is None  # the evidence is used
    assert owner["last_applied"]["multiplier"] == 0.76


def test_the_same_suggestion_is_never_applied_twice(pm, product_user, example, open_items):
    payload = {"owner": product_user.pk, "multiplier": 0.76}
    assert pm.post(APPLY, payload, format="json").status_code == 200

    assert_error(pm.post(APPLY, payload, format="json"), 409, "stale_suggestion")
    open_items["estimated"].refresh_from_db()
    assert open_items["estimated"].confidence == pytest.approx(0.608)


def test_a_stale_multiplier_is_a_409_and_changes_nothing(pm, product_user, example, open_items):
    response = pm.post(APPLY, {"owner": product_user.pk, "multiplier": 0.8}, format="json")

    error = assert_error(response, 409, "stale_suggestion")
    assert "0.76" in error["message"]
    open_items["estimated"].refresh_from_db()
    assert open_items["estimated"].confidence == 0.8
    assert not ConfidenceCalibration.objects.exists()


def test_an_owner_without_a_suggestion_is_a_409(pm):
    owner = UserFactory()
    assert_error(pm.post(APPLY, {"owner": owner.pk, "multiplier": 0.8}, format="json"), 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"owner": 999999, "multiplier": 0.8}, "owner"),
        ({"multiplier": 0.8}, "owner"),
        ({"owner": "{owner}", "multiplier": 0.4}, "multiplier"),
        ({"owner": "{owner}", "multiplier": 1.2}, "multiplier"),
        ({"owner": "{owner}", "multiplier": "0.76"}, "multiplier"),
        ({"owner": "{owner}", "multiplier": 0.76, "dry_run": True}, "dry_run"),
    ],
)
def test_bad_input_is_a_400(pm, product_user, example, body, field):
    body = {k: product_user.pk if v == "{owner}" else v for k, v in body.items()}
    assert field in error_fields(pm.post(APPLY, body, format="json"))
    assert not ConfidenceCalibration.objects.exists()


@pytest.mark.parametrize("role", ["marketing", "integration"])
def test_only_product_applies_a_calibration(request, product_user, example, role):
    user = request.getfixturevalue(f"{role}_user")
    response = api_client_for(user).post(
        APPLY, {"owner": product_user.pk, "multiplier": 0.76}, format="json"
    )
    assert_error(response, 403)
    assert not ConfidenceCalibration.objects.exists()


def test_anonymous_gets_a_401(client):
    assert_error(client.post(APPLY, {}, content_type="application/json"), 401)


def test_the_admin_lists_applied_calibrations_read_only(client, pm, product_user, example):
    from django.urls import reverse

    pm.post(APPLY, {"owner": product_user.pk, "multiplier": 0.76}, format="json")
    client.force_login(product_user)

    response = client.get(reverse("admin:scoring_confidencecalibration_changelist"))

    assert response.status_code == 200
    assert [r.multiplier for r in response.context["cl"].result_list] == [0.76]
    assert client.get(reverse("admin:scoring_confidencecalibration_add")).status_code == 403


def test_an_items_page_reads_its_launch_outcomes_and_calibration(
    example, django_assert_max_num_queries
):
    from scoring.selectors import item_closing_the_loop
    from tests.support.factories import LaunchPlanFactory

    plan = LaunchPlanFactory(item=example["x"], status="launched")
    with django_assert_max_num_queries(7):
        data = item_closing_the_loop(item=example["x"])
    assert data["launch_plan"] == plan
    # Same period: the latest recorded first.
    assert [row["lift"] for row in data["outcomes"]] == [pytest.approx(0.04), pytest.approx(0.3)]
    assert data["calibration"]["ratios"]["score"] == pytest.approx(0.421875)

    nothing = item_closing_the_loop(item=RoadmapItemFactory())
    assert nothing == {"launch_plan": None, "outcomes": [], "calibration": None}
