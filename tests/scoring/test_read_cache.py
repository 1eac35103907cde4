"""Reads at the floor (issue 12): published rankings served as stored bytes with a strong
ETag, live reads validated by the read generation, 304s before any heavy query, and the
ETag moving with every write that changes a body (a stale 304 is a bug)."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient, APIRequestFactory

from config.api.renderers import OrjsonRenderer
from config.models import ApiKey
from roadmap.services import item_update, items_set_status, theme_update
from scoring.api import representations
from scoring.api.serializers import RankingJiraSerializer
from scoring.models import RankingRepresentation
from scoring.services import item_scores_recompute_all, ranking_publish
from signals.services import signal_update
from tests.support.factories import (
    MarketSignalFactory,
    RoadmapItemFactory,
    SignalLinkFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(integration_user) -> APIClient:
    _, key = ApiKey.objects.create_key(user=integration_user, name="t")
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.get("/api/v1/themes/?limit=1")  # "last used" is written once: not in budgets
    return client


@pytest.fixture
def items():
    now = timezone.now().replace(microsecond=0)
    made = [
        RoadmapItemFactory(
            title=f"R{n}", reach=n, impact=1, confidence=1, effort=1, jira_key=f"PM-{n}"
        )
        for n in (30, 20, 10)
    ]
    item_scores_recompute_all(now=now)
    return made


def drf_json(data) -> bytes:
    return JSONRenderer().render(data)


# --- Published rankings: stored bytes ---------------------------------------------------------


def test_publishing_stores_the_detail_as_the_serializer_renders_it(api, items):
    ranking = ranking_publish(note="March", published_by=None)
    stored = RankingRepresentation.objects.get(ranking=ranking, kind=representations.DETAIL)
    expected = representations.detail_data(ranking)
    # The bytes are orjson's; they are the JSON DRF's own renderer writes.
    assert bytes(stored.body) == OrjsonRenderer().render(expected)
    assert json.loads(bytes(stored.body)) == json.loads(drf_json(expected))
    for url in ("/api/v1/rankings/latest/", f"/api/v1/rankings/{ranking.number}/"):
        response = api.get(url)
        assert response.status_code == 200
        assert response.content == bytes(stored.body)
        assert response["ETag"] == stored.etag


def test_entries_and_the_jira_pull_are_stored_on_first_read_as_rendered(
    api, items, django_capture_on_commit_callbacks
):
    ranking = ranking_publish(note="", published_by=None)
    with django_capture_on_commit_callbacks(execute=True):
        first = api.get(f"/api/v1/rankings/{ranking.number}/entries/?limit=2")
        jira = api.get("/api/v1/rankings/latest/jira/")
    entries = RankingRepresentation.objects.get(kind=representations.ENTRIES)
    pull = RankingRepresentation.objects.get(kind=representations.JIRA)
    assert entries.variant == "http://testserver/api/v1/rankings/1/entries/?limit=2"
    assert pull.variant == "http://testserver/"
    assert first.content == bytes(entries.body)
    assert jira.content == bytes(pull.body)
    # What the serializers give for the same request.
    body = json.loads(first.content)
    assert [e["position"] for e in body["results"]] == [1, 2]
    assert body["next"] == "http://testserver/api/v1/rankings/1/entries/?limit=2&offset=2"
    request = APIRequestFactory().get("/api/v1/rankings/latest/jira/")
    issues = list(ranking.entries.exclude(jira_key="").order_by("position"))
    expected = RankingJiraSerializer(
        {"ranking": ranking, "issues": issues}, context={"request": request}
    ).data
    assert json.loads(jira.content) == json.loads(drf_json(expected))
    # Served again from the stored bytes, identical.
    again = api.get(f"/api/v1/rankings/{ranking.number}/entries/?limit=2")
    assert again.content == first.content
    assert again["ETag"] == first["ETag"] == entries.etag


def test_odd_pages_are_answered_but_not_stored(api, items, django_capture_on_commit_callbacks):
    ranking_publish(note="", published_by=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.get("/api/v1/rankings/1/entries/?limit=2&offset=1")
    assert [e["position"] for e in response.json()["results"]] == [2, 3]
    assert not RankingRepresentation.objects.filter(kind=representations.ENTRIES).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/rankings/latest/",
        "/api/v1/rankings/1/",
        "/api/v1/rankings/1/entries/",
        "/api/v1/rankings/latest/jira/",
    ],
)
def test_a_published_representation_answers_304_after_one_lookup(
    api, items, url, django_assert_max_num_queries
):
    ranking_publish(note="", published_by=None)
    etag = api.get(url)["ETag"]
    assert etag.startswith('"ranking-1-')
    # The key and its roles (one query), the ranking (one indexed lookup); no entries.
    with django_assert_max_num_queries(2):
        response = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_a_new_publication_changes_the_latest_etag_but_not_the_old_ones(api, items):
    ranking_publish(note="", published_by=None)
    latest, first = api.get("/api/v1/rankings/latest/"), api.get("/api/v1/rankings/1/")
    item_update(item=items[2], data={"reach": 100.0})
    ranking_publish(note="", published_by=None)
    assert api.get("/api/v1/rankings/latest/", HTTP_IF_NONE_MATCH=latest["ETag"]).status_code == 200
    assert api.get("/api/v1/rankings/1/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert api.get("/api/v1/rankings/2/").json()["entries"][0]["title"] == "R10"


def test_a_missing_ranking_is_a_404_in_the_one_shape(api):
    for url in ("/api/v1/rankings/latest/", "/api/v1/rankings/7/", "/api/v1/rankings/7/entries/"):
        response = api.get(url, HTTP_IF_NONE_MATCH='"ranking-7-detail-x"')
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


# --- Live reads: the read generation ----------------------------------------------------------

LIVE = "/api/v1/rankings/live/"


def score_url(item) -> str:
    return f"/api/v1/items/{item.pk}/score/"


@pytest.mark.parametrize("kind", ["live", "score"])
def test_a_live_read_answers_304_from_the_generation_alone(
    api, items, kind, django_assert_max_num_queries
):
    url = LIVE if kind == "live" else score_url(items[0])
    etag = api.get(url)["ETag"]
    with django_assert_max_num_queries(2):  # the key with its roles, the generation
        response = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304


def _title(items, **_):
    item_update(item=items[0], data={"title": "Renamed"})


def _status(items, **_):
    items_set_status(item_ids=[items[1].pk], status="shipped")


def _owner(items, **_):
    item_update(item=items[0], data={"owner": UserFactory(username="someone")})


def _theme(items, **_):
    item_update(item=items[0], data={"theme": ThemeFactory(name="Other")})


def _theme_name(items, **_):
    theme_update(theme=items[0].theme, data={"name": "Renamed theme"})


def _username(items, **_):
    owner = UserFactory(username="before")
    item_update(item=items[0], data={"owner": owner})

    def rename() -> None:
        owner.username = "after"
        owner.save()

    return rename


def _recompute(items, **_):
    item_update(item=items[2], data={"reach": 1000.0})
    item_scores_recompute_all(now=timezone.now())


def _evidence(items, **_):
    signal = MarketSignalFactory(title="A signal")
    SignalLinkFactory(signal=signal, item=items[0])
    return lambda: signal_update(signal=signal, data={"title": "Renamed signal"})


WRITES = [_title, _status, _owner, _theme, _theme_name, _username, _recompute, _evidence]


@pytest.mark.parametrize("write", WRITES, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("kind", ["live", "score"])
def test_every_write_that_changes_a_live_body_changes_its_etag(api, items, write, kind):
    url = LIVE if kind == "live" else score_url(items[0])
    # Some writes need a set-up first (an owner to rename, a signal to edit).
    then = write(items)
    before = api.get(url)
    if then is not None:
        then()
    after = api.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    if after.status_code == 304:
        # Allowed only when the body is truly unchanged.
        assert api.get(url).content == before.content
        return
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]


def test_the_same_etag_means_the_same_body(api, items):
    first, second = api.get(LIVE), api.get(LIVE)
    assert first["ETag"] == second["ETag"]
    assert first.content == second.content
    # Filters and pages are different bodies: different ETags.
    assert api.get(LIVE + "?limit=1")["ETag"] != first["ETag"]


def test_an_items_score_has_one_etag_whether_it_was_read_with_the_generation_or_after_it(
    api, items
):
    # Without If-None-Match the generation comes in the read's own statement; with a
    # stale one it is read first, to answer 304: both label the same body alike.
    url = score_url(items[0])
    plain = api.get(url)
    stale = api.get(url, HTTP_IF_NONE_MATCH='"item-score-0-stale"')
    assert stale.status_code == 200
    assert stale["ETag"] == plain["ETag"]
    assert stale.content == plain.content
    item_update(item=items[0], data={"title": "Renamed"})
    renamed = api.get(url)
    assert renamed["ETag"] != plain["ETag"]
    assert api.get(url, HTTP_IF_NONE_MATCH=renamed["ETag"]).status_code == 304


# --- Authentication and rendering -------------------------------------------------------------


def test_the_cheapest_authenticated_get_costs_at_most_2_queries(
    api, items, django_assert_max_num_queries
):
    theme = items[0].theme
    # One query for the key, its user and roles; one for the row.
    with django_assert_max_num_queries(2):
        assert api.get(f"/api/v1/themes/{theme.pk}/").status_code == 200


def test_a_revoked_key_is_refused_at_once(integration_user):
    api_key, key = ApiKey.objects.create_key(user=integration_user, name="t")
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/themes/").status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).update(revoked=True)
    assert client.get("/api/v1/themes/").status_code in (401, 403)


def test_roles_come_with_the_key(as_roles):
    assert all(ok for _, ok in as_roles), as_roles


@pytest.fixture
def as_roles(product_user, marketing_user):
    out = []
    for user, role in ((product_user, "product"), (marketing_user, "marketing")):
        _, key = ApiKey.objects.create_key(user=user, name="t")
        client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")
        # Publishing is product's alone: the role read with the key decides.
        status = client.post("/api/v1/rankings/", {}, format="json").status_code
        out.append((role, status == 201 if role == "product" else status == 403))
    return out


@pytest.mark.parametrize(
    "data",
    [
        {"a": 1.5, "b": [1, 2, None], "c": "é\u2028x", "d": True},
        {"small": 1e-7, "big": 1e20, "neg": -0.1, "int": 10**15},
        [{"nested": {"k": "v"}}, "text", 0],
    ],
)
def test_orjson_renders_the_json_drf_renders(data):
    ours, theirs = OrjsonRenderer().render(data), JSONRenderer().render(data)
    assert json.loads(ours) == json.loads(theirs)
    assert (b"\\u2028" in ours) == (b"\\u2028" in theirs)
