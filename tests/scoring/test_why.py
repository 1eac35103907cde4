"""Why items moved, in people's terms: the causes of a ranking diff (estimates changed by
a named user, evidence added by marketing, a new model version, being passed by others)
and an item's score since a moment (`?since=`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scoring import selectors
from scoring.services import (
    item_scores_recompute_all,
    ranking_publish,
    scoring_model_create_version,
)
from tests.support.api import api_client_for, assert_error
from tests.support.factories import (
    FrictionReportFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    UserFactory,
)


def three_items(now):
    """Scores 3000, 2000, 1000 (confidence 1, impact 1, effort 1)."""
    items = [
        RoadmapItemFactory(title=f"R{reach}", reach=reach, impact=1, confidence=1, effort=1)
        for reach in (3000, 2000, 1000)
    ]
    item_scores_recompute_all(now=now)
    return items


@pytest.fixture
def camille(db):
    return UserFactory(username="camille", first_name="Camille", last_name="Martin", role="product")


@pytest.fixture
def carla(db):
    return UserFactory(username="carla", first_name="Carla", last_name="Diaz", role="marketing")


def patch_item(user, item, data):
    client = api_client_for(user)
    version = client.get(f"/api/v1/items/{item.pk}/")["ETag"]
    response = client.patch(f"/api/v1/items/{item.pk}/", data, format="json", HTTP_IF_MATCH=version)
    assert response.status_code == 200, response.content


def test_a_move_names_the_estimate_change_and_the_user_who_made_it(now, product_user, camille):
    top, _middle, _bottom = three_items(now)
    ranking_publish(note="", published_by=product_user)
    patch_item(camille, top, {"effort": 5})
    ranking_publish(note="", published_by=product_user)

    diff = api_client_for(product_user).get("/api/v1/rankings/2/diff/").json()

    [down] = diff["moved_down"]
    assert down["item"] == top.pk
    assert down["own_change"] is True
    [change] = down["causes"]["estimates"]
    assert (change["field"], change["before"], change["after"], change["changed_by"]) == (
        "effort",
        1.0,
        5.0,
        "Camille Martin",
    )
    assert down["main_driver"] == "effort"  # the factor split stays the number behind it
    assert "effort 1 → 5 by Camille Martin" in down["summary"]
    # The two that rose did nothing themselves: they passed the top item.
    for up in diff["moved_up"]:
        assert up["own_change"] is False
        assert up["causes"]["estimates"] == []
        assert [other["item"] for other in up["passed"]] == [top.pk]
        assert up["summary"].endswith("its own score did not change")


def test_a_move_names_the_report_marketing_added_and_who_was_passed(now, product_user, carla):
    top, middle, bottom = three_items(now)
    ranking_publish(note="", published_by=product_user)
    report = FrictionReportFactory(
        submitted_by=carla, affected_people=20000, severity=1, observed_at=timezone.now()
    )
    ReportLinkFactory(item=bottom, report=report)
    item_scores_recompute_all(now=timezone.now())
    second = ranking_publish(note="", published_by=product_user)

    diff = selectors.ranking_diff(ranking=second)

    [up] = diff["moved_up"]
    assert up["item"] == bottom.pk
    assert up["causes"]["evidence"] == [
        {"change": "added", "kind": "friction_report", "team": "marketing", "count": 1}
    ]
    largest = up["causes"]["largest_evidence"]
    assert (largest["id"], largest["submitted_by"], largest["team"]) == (
        report.pk,
        "Carla Diaz",
        "marketing",
    )
    down_rows = {row["item"]: row for row in diff["moved_down"]}
    assert set(down_rows) == {top.pk, middle.pk}
    for row in down_rows.values():
        assert row["own_change"] is False
        assert row["passed_by_count"] == 1
        [passer] = row["passed_by"]
        assert passer["item"] == bottom.pk
        assert passer["headline"] == f"+ friction report #{report.pk} by Carla Diaz, marketing"
        assert row["summary"].startswith(
            f"down 1: passed by R1000 (+ friction report #{report.pk} by Carla Diaz, marketing)"
        )


def test_a_new_item_that_passes_others_is_named_new(now, product_user):
    _top, _middle, _bottom = three_items(now)
    ranking_publish(note="", published_by=product_user)
    RoadmapItemFactory(title="SSO for small teams", reach=9000, impact=1, confidence=1, effort=1)
    item_scores_recompute_all(now=timezone.now())

    diff = selectors.ranking_diff(ranking=ranking_publish(note="", published_by=product_user))

    assert diff["moved_down"][0]["summary"].startswith(
        "down 1: passed by SSO for small teams (new)"
    )


def test_a_new_model_version_is_a_cause(now, product_user):
    product_led = RoadmapItemFactory(title="P", reach=1000, impact=1, confidence=0.8, effort=1)
    marketing_led = RoadmapItemFactory(title="M", reach=100, impact=1, confidence=0.8, effort=1)
    ReportLinkFactory(
        item=marketing_led,
        report=FrictionReportFactory(affected_people=5000, severity=1, observed_at=now),
    )
    item_scores_recompute_all(now=now)
    ranking_publish(note="", published_by=product_user)
    scoring_model_create_version(params={"product_weight": 1.0}, created_by=product_user)

    diff = selectors.ranking_diff(ranking=ranking_publish(note="", published_by=product_user))

    moved = [*diff["moved_up"], *diff["moved_down"]]
    assert {row["item"] for row in moved} == {product_led.pk, marketing_led.pk}
    for row in moved:
        assert row["causes"]["model"] == {"before": 1, "after": 2}
    # Only the marketing-led item's own score changed (α = 1 drops marketing's reach).
    [down] = diff["moved_down"]
    assert down["item"] == marketing_led.pk
    assert "scoring model v1 → v2" in down["summary"]
    assert diff["moved_up"][0]["summary"] == (
        "up 1: passed M (scoring model v2); its own score did not change"
    )


def test_the_publish_confirmation_carries_the_causes_of_the_live_diff(now, product_user, camille):
    top, _middle, _bottom = three_items(now)
    latest = ranking_publish(note="", published_by=product_user)
    patch_item(camille, top, {"effort": 5})
    item_scores_recompute_all(now=timezone.now())

    diff = selectors.ranking_diff_live(against=latest)

    [down] = diff["moved_down"]
    assert down["causes"]["estimates"][0]["changed_by"] == "Camille Martin"


def test_the_diff_reads_its_causes_in_a_fixed_number_of_queries(now, product_user, carla):
    def publish_pair(count):
        items = [
            RoadmapItemFactory(reach=1000 + i, impact=1, confidence=1, effort=1)
            for i in range(count)
        ]
        item_scores_recompute_all(now=now)
        ranking_publish(note="", published_by=product_user)
        for item in items[count // 2 :]:
            item.effort = 4
            item.save()
            ReportLinkFactory(item=item, report=FrictionReportFactory(submitted_by=carla))
        item_scores_recompute_all(now=timezone.now())
        return ranking_publish(note="", published_by=product_user)

    def queries(ranking):
        with CaptureQueriesContext(connection) as context:
            diff = selectors.ranking_diff(ranking=ranking)
        assert diff["moved_up"]
        assert diff["moved_down"]
        return len(context.captured_queries)

    small = queries(publish_pair(4))
    large = queries(publish_pair(20))
    assert small == large <= 13


def test_an_items_score_since_explains_a_change_that_kept_its_place(now, product_user, carla):
    top, _middle, _bottom = three_items(now)
    since = timezone.now()
    report = FrictionReportFactory(
        submitted_by=carla, affected_people=3000, severity=1, observed_at=timezone.now()
    )
    ReportLinkFactory(item=top, report=report)
    item_scores_recompute_all(now=timezone.now())
    client = api_client_for(product_user)

    body = client.get(
        f"/api/v1/items/{top.pk}/score/", {"since": since.isoformat().replace("+00:00", "Z")}
    ).json()

    change = body["change"]
    assert change["position_before"] == change["position_after"] == 1
    assert change["score_before"] == 3000
    assert change["score_after"] != 3000
    assert change["main_driver"] in {"reach", "confidence", "impact"}
    assert change["causes"]["largest_evidence"]["id"] == report.pk
    assert f"friction report #{report.pk} by Carla Diaz, marketing" in change["summary"]
    assert client.get(f"/api/v1/items/{top.pk}/score/").json()["change"] is None


@pytest.mark.parametrize("since", ["2026-01-01T00:00:00", "yesterday", "2026-13-01T00:00:00Z"])
def test_a_bad_since_is_a_400(product_user, since):
    item = RoadmapItemFactory()
    response = api_client_for(product_user).get(f"/api/v1/items/{item.pk}/score/", {"since": since})
    assert_error(response, 400)


def test_an_items_score_since_costs_a_fixed_number_of_queries(
    now, product_user, django_assert_max_num_queries
):
    top, _middle, _bottom = three_items(now)
    for _ in range(5):
        ReportLinkFactory(item=top, report=FrictionReportFactory(submitted_by=UserFactory()))
    item_scores_recompute_all(now=timezone.now())
    client = api_client_for(product_user)
    # The detail without `since` takes 9 (with authentication); the change adds 12 whatever
    # the number of links and submitters.
    with django_assert_max_num_queries(21):
        response = client.get(
            f"/api/v1/items/{top.pk}/score/",
            {"since": (now - timedelta(days=1)).isoformat()},
        )
    assert response.status_code == 200


def test_a_report_addressed_between_rankings_is_named_as_removed(now, product_user, carla):
    top, _middle, _bottom = three_items(now)
    report = FrictionReportFactory(
        submitted_by=carla, affected_people=20000, severity=1, observed_at=timezone.now()
    )
    ReportLinkFactory(item=_bottom, report=report)
    item_scores_recompute_all(now=timezone.now())
    ranking_publish(note="", published_by=product_user)
    report.status = "addressed"
    report.save()
    item_scores_recompute_all(now=timezone.now())

    diff = selectors.ranking_diff(ranking=ranking_publish(note="", published_by=product_user))

    [down] = diff["moved_down"]
    assert down["item"] == _bottom.pk
    assert down["causes"]["evidence"] == [
        {"change": "removed", "kind": "friction_report", "team": "marketing", "count": 1}
    ]
    largest = down["causes"]["largest_evidence"]
    assert (largest["id"], largest["reason"], largest["change"]) == (
        report.pk,
        "addressed",
        "removed",
    )
    assert (
        f"− friction report #{report.pk} by Carla Diaz, marketing (addressed)" in (down["summary"])
    )
    assert top.pk in {row["item"] for row in diff["moved_up"]}
