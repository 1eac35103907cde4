"""The scoring API: model versions and previews, the live ranking, published rankings and
their diffs, an item's score; roles, the error shape, ETags and query budgets."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from config.models import ApiKey
from roadmap.models import DirtyItem
from roadmap.services import item_update
from scoring.models import ItemScore, Ranking, RankingEntry, ScoreHistory, ScoringModel
from scoring.services import item_scores_recompute_all, ranking_publish
from tests.support.api import assert_error
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SegmentFactory,
    SignalLinkFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user():
    """An API-key client for a user: `as_user(product_user).get(...)`."""

    def client(user) -> APIClient:
        _, key = ApiKey.objects.create_key(user=user, name="t")
        return APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")

    return client


@pytest.fixture
def product(as_user, product_user):
    return as_user(product_user)


@pytest.fixture
def marketing(as_user, marketing_user):
    return as_user(marketing_user)


@pytest.fixture
def integration(as_user, integration_user):
    return as_user(integration_user)


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def ranked(now, *reaches: float):
    """Items scoring exactly `reach` each (impact, confidence and effort 1), in that order."""
    items = [
        RoadmapItemFactory(title=f"R{reach:g}", reach=reach, impact=1, confidence=1, effort=1)
        for reach in reaches
    ]
    item_scores_recompute_all(now=now)
    return items


def scoring_table_counts() -> dict[str, int]:
    models = (ScoringModel, ScoringModel.history.model, ItemScore, ScoreHistory, Ranking)
    counts = {model.__name__: model.objects.count() for model in models}
    counts.update(entries=RankingEntry.objects.count(), dirty=DirtyItem.objects.count())
    return counts


# --- Roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/rankings/live/"),
        ("get", "/api/v1/rankings/"),
        ("post", "/api/v1/rankings/"),
        ("get", "/api/v1/rankings/latest/"),
        ("get", "/api/v1/scoring-models/"),
        ("post", "/api/v1/scoring-models/preview/"),
        ("get", "/api/v1/items/1/score/"),
    ],
)
def test_anonymous_callers_get_401_in_the_error_shape(client, method, url):
    error = assert_error(getattr(client, method)(url, {}, content_type="application/json"), 401)
    assert error["code"] == "not_authenticated"


def test_every_role_reads_rankings_models_and_scores(product, marketing, integration, now):
    [item] = ranked(now, 100)
    ranking_publish(note="", published_by=None)
    for api in (product, marketing, integration):
        for url in (
            "/api/v1/rankings/live/",
            "/api/v1/rankings/",
            "/api/v1/rankings/latest/",
            "/api/v1/rankings/1/",
            "/api/v1/rankings/1/diff/",
            "/api/v1/rankings/1/entries/",
            "/api/v1/scoring-models/",
            f"/api/v1/items/{item.pk}/score/",
        ):
            assert api.get(url).status_code == 200, url


def test_marketing_cannot_publish_nor_change_the_model(marketing):
    assert_error(marketing.post("/api/v1/rankings/", {"note": "x"}, format="json"), 403)
    assert_error(
        marketing.post("/api/v1/scoring-models/", {"product_weight": 0.7}, format="json"), 403
    )
    model = ScoringModel.objects.get()
    assert_error(marketing.post(f"/api/v1/scoring-models/{model.pk}/activate/"), 403)
    assert not Ranking.objects.exists()
    assert ScoringModel.objects.count() == 1


def test_integration_cannot_preview_nor_publish(integration):
    error = assert_error(
        integration.post("/api/v1/scoring-models/preview/", {"product_weight": 1}, format="json"),
        403,
    )
    assert "preview" in error["message"]
    assert_error(integration.post("/api/v1/rankings/", {}, format="json"), 403)


# --- Scoring model versions -------------------------------------------------------------------


def test_creating_a_model_version_makes_version_n_plus_1_the_active_one(product, product_user):
    response = product.post(
        "/api/v1/scoring-models/",
        {"product_weight": 0.7, "segment_weights": {"enterprise": 2}, "note": "committee"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["version"], body["is_active"], body["product_weight"]) == (2, True, 0.7)
    assert (body["note"], body["created_by"], body["segment_weights"]) == (
        "committee",
        product_user.username,
        {"enterprise": 2.0},
    )
    assert body["half_life_days"] == 90.0  # laid over the active version's values
    assert ScoringModel.objects.get(is_active=True).version == 2
    listed = product.get("/api/v1/scoring-models/").json()
    assert [row["version"] for row in listed["results"]] == [2, 1]


def test_activating_an_old_version_rolls_back(product):
    first = ScoringModel.objects.get()
    product.post("/api/v1/scoring-models/", {"product_weight": 0.9}, format="json")

    response = product.post(f"/api/v1/scoring-models/{first.pk}/activate/")

    assert response.status_code == 200
    assert (response.json()["version"], response.json()["is_active"]) == (1, True)
    assert ScoringModel.objects.get(is_active=True) == first
    assert_error(product.post("/api/v1/scoring-models/999/activate/"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product_weight": 1.5}, "product_weight"),
        ({"product_weight": "0.7"}, "product_weight"),
        ({"product_weight": True}, "product_weight"),
        ({"half_life_days": 0}, "half_life_days"),
        ({"min_effort": None}, "min_effort"),
        ({"kind_weights": {"rumour": 1}}, "kind_weights"),
        ({"kind_weights": [1, 2]}, "kind_weights"),
        ({"segment_weights": {"smb": -1}}, "segment_weights"),
        ({"segment_weights": {"smb": "heavy"}}, "segment_weights"),
        ({"warp_factor": 9}, "warp_factor"),
        ({"version": 7}, "version"),
    ],
)
def test_invalid_parameters_answer_400_in_the_error_shape_and_create_nothing(product, body, field):
    before = scoring_table_counts()
    error = assert_error(product.post("/api/v1/scoring-models/", body, format="json"), 400)
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert scoring_table_counts() == before


def test_an_infinite_parameter_is_refused(product):
    # 1e999 is valid JSON that Python reads as infinity.
    response = product.post(
        "/api/v1/scoring-models/", '{"evidence_gain": 1e999}', content_type="application/json"
    )
    assert "evidence_gain" in assert_error(response, 400)["fields"]
    assert ScoringModel.objects.count() == 1


# --- Preview ---------------------------------------------------------------------------------


def two_camps(now):
    product_led = RoadmapItemFactory(reach=1000, impact=1, confidence=0.8, effort=1)
    marketing_led = RoadmapItemFactory(reach=100, impact=1, confidence=0.8, effort=1)
    ReportLinkFactory(
        item=marketing_led,
        report=FrictionReportFactory(affected_people=5000, severity=1, observed_at=now),
    )
    item_scores_recompute_all(now=now)
    return product_led, marketing_led


@pytest.mark.parametrize("persona", ["product", "marketing"])
def test_a_preview_with_more_product_weight_reorders_the_items_and_writes_nothing(
    request, now, persona
):
    api = request.getfixturevalue(persona)
    product_led, marketing_led = two_camps(now)
    before = scoring_table_counts()

    response = api.post("/api/v1/scoring-models/preview/", {"product_weight": 1.0}, format="json")

    assert response.status_code == 200, response.content
    assert scoring_table_counts() == before
    body = response.json()
    assert [
        (row["item"], row["position"], row["active_position"], row["change"])
        for row in body["results"]
    ] == [(product_led.pk, 1, 2, 1), (marketing_led.pk, 2, 1, -1)]
    assert body["parameters"]["product_weight"] == 1.0
    assert body["parameters"]["half_life_days"] == 90.0


def test_a_preview_honours_its_limit_and_refuses_one_out_of_range(product, now):
    ranked(now, 5, 4, 3)
    body = product.post("/api/v1/scoring-models/preview/?limit=2", {}, format="json").json()
    assert (len(body["results"]), body["count"], body["limit"]) == (2, 3, 2)
    for limit in ("0", "501", "many"):
        response = product.post(f"/api/v1/scoring-models/preview/?limit={limit}", {}, format="json")
        assert "limit" in assert_error(response, 400)["fields"]


def test_a_preview_with_invalid_parameters_answers_400(marketing):
    response = marketing.post(
        "/api/v1/scoring-models/preview/", {"evidence_gain": 2, "typo": 1}, format="json"
    )
    assert "typo" in assert_error(response, 400)["fields"]
    response = marketing.post(
        "/api/v1/scoring-models/preview/", {"evidence_gain": 2}, format="json"
    )
    assert "evidence_gain" in assert_error(response, 400)["fields"]


def test_a_preview_costs_the_same_queries_for_few_and_many_items(
    product, now, django_assert_max_num_queries
):
    ranked(now, *range(1, 4))
    with django_assert_max_num_queries(9) as few:
        product.post("/api/v1/scoring-models/preview/", {"half_life_days": 30}, format="json")
    ranked(now, *range(4, 80))
    with django_assert_max_num_queries(len(few.captured_queries)):
        product.post("/api/v1/scoring-models/preview/", {"half_life_days": 30}, format="json")


# --- The live ranking -------------------------------------------------------------------------


def test_the_live_ranking_lists_items_by_score_with_their_factor_parts(integration, now):
    item = RoadmapItemFactory(reach=2000, impact=1, confidence=0.8, effort=2, jira_key="PM-1")
    ReportLinkFactory(
        item=item, report=FrictionReportFactory(affected_people=1000, severity=2, observed_at=now)
    )
    low = RoadmapItemFactory(reach=1, impact=1, effort=1)
    item_scores_recompute_all(now=now)

    body = integration.get("/api/v1/rankings/live/").json()

    assert body["count"] == 2
    first, second = body["results"]
    assert (first["position"], first["item"], first["jira_key"]) == (1, item.pk, "PM-1")
    assert (second["position"], second["item"]) == (2, low.pk)
    assert first["reach"] == {"value": 1500.0, "product": 2000.0, "marketing": 1000.0}
    assert first["impact"] == {"value": 1.5, "product": 1.0, "marketing": 2.0}
    assert first["confidence"]["product"] == 0.8
    assert first["effort"] == {"value": 2.0, "estimate": 2.0}
    assert first["theme_name"] == item.theme.name
    assert first["score"] == ItemScore.objects.get(item=item).score


def test_live_ranking_filters_keep_the_global_positions(product, now, product_user):
    onboarding = ThemeFactory(name="Onboarding")
    smb = SegmentFactory(slug="smb")
    items = ranked(now, 600, 500, 400, 300, 200, 100)
    item_update(item=items[1], data={"theme": onboarding, "jira_key": "PM-2"})
    item_update(item=items[3], data={"theme": onboarding, "owner": product_user})
    items[4].segments.add(smb)
    item_update(item=items[4], data={"title": "SSO for small teams"})
    item_update(item=items[5], data={"status": "planned"})
    item_scores_recompute_all(now=now)

    def positions(query: str) -> list[tuple[int, int]]:
        response = product.get(f"/api/v1/rankings/live/?{query}")
        assert response.status_code == 200, response.content
        return [(row["position"], row["item"]) for row in response.json()["results"]]

    assert positions(f"theme={onboarding.pk}") == [(2, items[1].pk), (4, items[3].pk)]
    assert positions("has_jira_key=true") == [(2, items[1].pk)]
    assert positions(f"owner={product_user.pk}") == [(4, items[3].pk)]
    assert positions(f"segment={smb.pk}") == [(5, items[4].pk)]
    assert positions("q=sso") == [(5, items[4].pk)]
    assert positions("status=planned") == [(6, items[5].pk)]
    assert positions("limit=2&offset=2") == [(3, items[2].pk), (4, items[3].pk)]
    assert len(positions("has_jira_key=false")) == 5
    assert (
        "status" in assert_error(product.get("/api/v1/rankings/live/?status=lost"), 400)["fields"]
    )


def test_a_live_ranking_page_of_50_costs_at_most_6_queries(
    integration, now, django_assert_max_num_queries
):
    ranked(now, *range(1, 61))
    with django_assert_max_num_queries(6):
        response = integration.get("/api/v1/rankings/live/?limit=50&q=")
    assert len(response.json()["results"]) == 50
    with django_assert_max_num_queries(6):
        response = integration.get("/api/v1/rankings/live/?limit=50&offset=10&status=candidate")
    assert response.json()["results"][0]["position"] == 11


def test_the_live_ranking_answers_304_to_a_matching_if_none_match(integration, now):
    [item] = ranked(now, 10)
    first = integration.get("/api/v1/rankings/live/")
    etag = first["ETag"]
    assert etag

    again = integration.get("/api/v1/rankings/live/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    item_update(item=item, data={"reach": 20.0})
    item_scores_recompute_all(now=now)
    changed = integration.get("/api/v1/rankings/live/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


# --- Published rankings -----------------------------------------------------------------------


def test_publishing_twice_gives_rankings_1_and_2_whose_entries_stay_frozen(product, now):
    top, bottom = ranked(now, 300, 100)

    first = product.post("/api/v1/rankings/", {"note": "March committee"}, format="json")
    item_update(item=bottom, data={"reach": 1000.0})
    second = product.post("/api/v1/rankings/", {}, format="json")

    assert first.status_code == 201, first.content
    assert first["Location"] == "/api/v1/rankings/1/"
    assert (first.json()["number"], first.json()["note"], first.json()["item_count"]) == (
        1,
        "March committee",
        2,
    )
    assert (second.json()["number"], second.json()["note"]) == (2, "")
    detail = product.get("/api/v1/rankings/1/").json()
    assert [(e["position"], e["item"], e["score"]) for e in detail["entries"]] == [
        (1, top.pk, 300),
        (2, bottom.pk, 100),
    ]
    assert detail["entries_truncated"] is False
    assert detail["entries"][0]["explanation"]["reach"]["product"] == 300
    latest = product.get("/api/v1/rankings/latest/").json()
    assert latest["number"] == 2
    assert [e["item"] for e in latest["entries"]] == [bottom.pk, top.pk]
    listed = product.get("/api/v1/rankings/").json()
    assert [row["number"] for row in listed["results"]] == [2, 1]


def test_a_publish_note_is_validated(product):
    assert (
        "note"
        in assert_error(product.post("/api/v1/rankings/", {"note": "x" * 501}, format="json"), 400)[
            "fields"
        ]
    )
    assert (
        "notes"
        in assert_error(product.post("/api/v1/rankings/", {"notes": "x"}, format="json"), 400)[
            "fields"
        ]
    )
    assert not Ranking.objects.exists()


def test_a_retried_publish_with_the_same_idempotency_key_publishes_once(product, now):
    ranked(now, 1)
    for _ in range(2):
        response = product.post(
            "/api/v1/rankings/", {"note": "n"}, format="json", HTTP_IDEMPOTENCY_KEY="pub-1"
        )
        assert (response.status_code, response.json()["number"]) == (201, 1)
    assert Ranking.objects.count() == 1


def test_latest_answers_404_in_the_error_shape_before_any_publication(integration):
    error = assert_error(integration.get("/api/v1/rankings/latest/"), 404)
    assert "No ranking" in error["message"]
    assert_error(integration.get("/api/v1/rankings/1/"), 404)
    assert_error(integration.get("/api/v1/rankings/1/diff/"), 404)


def test_polling_latest_with_if_none_match_answers_304_until_a_new_publication(integration, now):
    ranked(now, 2, 1)
    ranking_publish(note="", published_by=None)
    first = integration.get("/api/v1/rankings/latest/")
    etag = first["ETag"]

    assert integration.get("/api/v1/rankings/latest/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert (
        integration.get("/api/v1/rankings/1/")["ETag"]
        == integration.get("/api/v1/rankings/1/")["ETag"]
    )

    ranking_publish(note="", published_by=None)
    fresh = integration.get("/api/v1/rankings/latest/", HTTP_IF_NONE_MATCH=etag)
    assert (fresh.status_code, fresh.json()["number"]) == (200, 2)


def test_a_published_ranking_costs_at_most_5_queries(
    integration, now, django_assert_max_num_queries
):
    ranked(now, *range(1, 41))
    ranking_publish(note="", published_by=None)
    with django_assert_max_num_queries(5):
        response = integration.get("/api/v1/rankings/1/")
    assert len(response.json()["entries"]) == 40
    with django_assert_max_num_queries(5):
        assert integration.get("/api/v1/rankings/latest/").status_code == 200


def test_the_entries_of_a_ranking_are_paged_by_position(integration, now):
    ranked(now, 5, 4, 3)
    ranking_publish(note="", published_by=None)
    body = integration.get("/api/v1/rankings/1/entries/?limit=2&offset=1").json()
    assert body["count"] == 3
    assert [entry["position"] for entry in body["results"]] == [2, 3]


def test_the_diff_names_effort_as_the_main_driver_of_a_fall(
    integration, now, django_assert_max_num_queries
):
    top, middle, bottom = ranked(now, 300, 200, 100)
    ranking_publish(note="", published_by=None)
    item_update(item=top, data={"effort": 4.0})  # 300 -> 75: from first to third
    newcomer = RoadmapItemFactory(reach=50, impact=1, confidence=1, effort=1)
    item_scores_recompute_all(now=now)
    ranking_publish(note="", published_by=None)

    # Six for the diff itself, at most eight for the causes of every item
    # (tests/scoring/test_why.py holds that count fixed whatever the number of items).
    with django_assert_max_num_queries(14):
        response = integration.get("/api/v1/rankings/2/diff/")

    body = response.json()
    assert (body["number"], body["previous_number"], body["unchanged"]) == (2, 1, 0)
    [down] = body["moved_down"]
    assert (down["item"], down["from_position"], down["to_position"], down["places"]) == (
        top.pk,
        1,
        3,
        2,
    )
    assert down["main_driver"] == "effort"
    assert down["terms"]["effort"] == pytest.approx(-1.3862943611198906)  # -ln 4
    assert (down["score_before"], down["score_after"]) == (300, 75)
    assert [row["item"] for row in body["moved_up"]] == [middle.pk, bottom.pk]
    assert body["new"] == [
        {"item": newcomer.pk, "title": newcomer.title, "position": 4, "score": 50}
    ]
    assert body["dropped"] == []
    first = integration.get("/api/v1/rankings/1/diff/").json()
    assert first["previous_number"] is None
    assert len(first["new"]) == 3


# --- An item's score --------------------------------------------------------------------------


def test_an_items_score_explains_itself_with_contributors_and_history(integration, now):
    item = RoadmapItemFactory(reach=2000, impact=1, confidence=0.8, effort=2)
    report = FrictionReportFactory(affected_people=1000, severity=2, observed_at=now)
    ReportLinkFactory(item=item, report=report)
    signal = MarketSignalFactory(observed_at=now)
    SignalLinkFactory(item=item, signal=signal)
    item_scores_recompute_all(now=now)
    DirtyItem.objects.all().delete()

    response = integration.get(f"/api/v1/items/{item.pk}/score/")

    assert response.status_code == 200
    body = response.json()
    stored = ItemScore.objects.get(item=item)
    assert (body["item"], body["score"], body["position"], body["dirty"]) == (
        item.pk,
        stored.score,
        1,
        False,
    )
    assert body["missing"] == []
    explanation = body["explanation"]
    assert explanation["model_version"] == 1
    assert explanation["reach"] == {"value": 1500.0, "product": 2000.0, "marketing": 1000.0}
    assert [c["id"] for c in explanation["contributors"]["reports"]] == [report.pk]
    assert [c["id"] for c in explanation["contributors"]["signals"]] == [signal.pk]
    assert [(h["score"], h["position"], h["model_version"]) for h in body["history"]] == [
        (stored.score, 1, 1)
    ]
    assert response["ETag"]
    again = integration.get(f"/api/v1/items/{item.pk}/score/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304

    item_update(item=item, data={"effort": 4.0})
    assert integration.get(f"/api/v1/items/{item.pk}/score/").json()["dirty"] is True


def test_an_unscored_item_has_a_null_score_and_lists_what_it_misses(integration, now):
    item = RoadmapItemFactory(reach=None, impact=None, effort=1)
    item_scores_recompute_all(now=now)
    body = integration.get(f"/api/v1/items/{item.pk}/score/").json()
    assert (body["score"], body["position"], body["missing"]) == (None, None, ["reach", "impact"])
    assert body["explanation"]["missing"] == ["reach", "impact"]


def test_an_item_never_scored_says_so(integration):
    item = RoadmapItemFactory()
    body = integration.get(f"/api/v1/items/{item.pk}/score/").json()
    assert (body["score"], body["explanation"], body["missing"], body["history"]) == (
        None,
        None,
        None,
        [],
    )


def test_the_score_of_an_unknown_item_answers_404(integration):
    assert_error(integration.get("/api/v1/items/999999/score/"), 404)


def test_a_user_without_a_role_is_refused(as_user):
    nobody = as_user(UserFactory(username="nobody"))
    assert_error(nobody.get("/api/v1/rankings/live/"), 403)
    assert_error(nobody.post("/api/v1/scoring-models/preview/", {}, format="json"), 403)
