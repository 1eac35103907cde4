"""The roadmap API: items (filters, ordering, If-Match, archive), themes and segments."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from roadmap.api import serializers as roadmap_serializers
from roadmap.models import DirtyItem, RoadmapItem, Segment, Theme
from scoring.models import ItemScore, ScoringModel
from tests.support.api import API, api_client_for, assert_error, error_fields
from tests.support.factories import RoadmapItemFactory, SegmentFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db

ITEMS = f"{API}/items/"
LIST_QUERY_BUDGET = 6


def item_url(item: RoadmapItem) -> str:
    return f"{ITEMS}{item.pk}/"


def ids(response: Any) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def dirty_item_ids() -> set[int]:
    return set(DirtyItem.objects.values_list("item_id", flat=True))


def score(item: RoadmapItem, value: float | None, *, rankable: bool = True) -> None:
    ItemScore.objects.create(
        item=item,
        model=ScoringModel.objects.get(is_active=True),
        score=value,
        rankable=rankable and value is not None,
        confidence=0.5,
        confidence_product=0.5,
        evidence=0,
        computed_at=timezone.now(),
    )


@pytest.fixture
def pm(product_user):
    return api_client_for(product_user)


@pytest.fixture
def marketer(marketing_user):
    return api_client_for(marketing_user)


@pytest.fixture
def bot(integration_user):
    return api_client_for(integration_user)


# --- Who may do what ----------------------------------------------------------------------


def test_an_anonymous_caller_gets_401_in_the_error_shape(client):
    response = client.get(ITEMS)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Api-Key"


def test_an_invalid_api_key_gets_401(client):
    response = client.get(ITEMS, HTTP_AUTHORIZATION="Api-Key nope.nope")
    assert_error(response, 401, "authentication_failed")


def test_a_user_without_a_role_gets_403(db):
    outsider = api_client_for(UserFactory(username="outsider"))
    assert_error(outsider.get(ITEMS), 403)


def test_every_role_reads_items(pm, marketer, bot):
    item = RoadmapItemFactory()
    for client in (pm, marketer, bot):
        assert client.get(item_url(item)).status_code == 200


def test_marketing_and_integration_cannot_create_or_change_items(marketer, bot):
    item = RoadmapItemFactory()
    for client in (marketer, bot):
        assert_error(client.post(ITEMS, {"title": "Mine"}, format="json"), 403)
        assert_error(client.patch(item_url(item), {"title": "Mine"}, format="json"), 403)
        assert_error(client.post(f"{item_url(item)}archive/"), 403)
    item.refresh_from_db()
    assert item.title != "Mine"
    assert item.status == "candidate"


# --- Create, read, update ------------------------------------------------------------------


def test_product_creates_an_item_and_it_is_marked_for_scoring(pm, product_user):
    theme = ThemeFactory()
    segments = SegmentFactory.create_batch(2)
    response = pm.post(
        ITEMS,
        {
            "title": "SSO for trials",
            "description": "Let trial users sign in with their company SSO.",
            "status": "planned",
            "theme": theme.pk,
            "owner": product_user.pk,
            "segments": [s.pk for s in segments],
            "reach": 2400,
            "impact": 2,
            "confidence": 0.8,
            "effort": 1.5,
            "jira_key": "PROJ-12",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["ETag"] == '"1"'
    assert body["version"] == 1
    assert body["theme"] == theme.pk
    assert body["owner"] == product_user.pk
    assert sorted(body["segments"]) == sorted(s.pk for s in segments)
    assert body["impact"] == 2.0
    item = RoadmapItem.objects.get(pk=body["id"])
    assert item.jira_key == "PROJ-12"
    assert dirty_item_ids() == {item.pk}
    assert item.history.first().history_user == product_user


def test_reading_an_item_carries_its_version_as_etag_and_if_none_match_answers_304(pm):
    item = RoadmapItemFactory()
    response = pm.get(item_url(item))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert pm.get(item_url(item), HTTP_IF_NONE_MATCH='"1"').status_code == 304


def test_an_update_with_the_current_etag_applies_and_bumps_the_version(pm):
    item = RoadmapItemFactory(effort=2.0)
    response = pm.patch(item_url(item), {"effort": 3.0}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response.json()["effort"] == 3.0
    assert response["ETag"] == '"2"'
    assert dirty_item_ids() == {item.pk}


def test_an_update_with_a_stale_etag_is_refused_with_412_and_changes_nothing(pm):
    item = RoadmapItemFactory(title="Before")
    RoadmapItem.objects.filter(pk=item.pk).update(version=F("version") + 1)  # someone else
    response = pm.patch(item_url(item), {"title": "After"}, format="json", HTTP_IF_MATCH='"1"')
    error = assert_error(response, 412, "precondition_failed")
    assert "version 2" in error["message"]
    item.refresh_from_db()
    assert item.title == "Before"
    assert item.version == 2


def test_a_weak_or_malformed_etag_does_not_match(pm):
    item = RoadmapItemFactory()
    for header in ('W/"1"', "1", '"2"'):
        response = pm.patch(item_url(item), {"title": "x"}, format="json", HTTP_IF_MATCH=header)
        assert_error(response, 412)


def test_if_match_star_matches_any_version(pm):
    item = RoadmapItemFactory()
    response = pm.patch(item_url(item), {"title": "Star"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200


def test_a_write_that_lands_between_the_etag_check_and_the_update_answers_412(pm, monkeypatch):
    item = RoadmapItemFactory(title="Before")

    def concurrent_writer(self, value):
        # Another request commits while this one validates its body.
        RoadmapItem.objects.filter(pk=item.pk).update(version=F("version") + 1)
        return value

    monkeypatch.setattr(
        roadmap_serializers.RoadmapItemSerializer,
        "validate_title",
        concurrent_writer,
        raising=False,
    )
    response = pm.patch(item_url(item), {"title": "After"}, format="json", HTTP_IF_MATCH='"1"')
    assert_error(response, 412)
    item.refresh_from_db()
    assert item.title == "Before"


def test_an_update_without_if_match_applies(pm):
    item = RoadmapItemFactory(title="Before")
    response = pm.patch(item_url(item), {"title": "After"}, format="json")
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.title == "After"
    assert item.version == 2


def test_a_title_change_does_not_mark_the_item_for_scoring(pm):
    item = RoadmapItemFactory()
    pm.patch(item_url(item), {"title": "Renamed"}, format="json")
    assert dirty_item_ids() == set()


def test_put_replaces_the_item_and_its_segments(pm):
    item = RoadmapItemFactory()
    item.segments.set(SegmentFactory.create_batch(2))
    kept = SegmentFactory()
    response = pm.put(
        item_url(item),
        {"title": "Replaced", "segments": [kept.pk], "theme": None, "reach": None},
        format="json",
    )
    assert response.status_code == 200, response.json()
    item.refresh_from_db()
    assert item.title == "Replaced"
    assert item.theme is None
    assert item.reach is None
    assert list(item.segments.all()) == [kept]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("confidence", 1.5),
        ("confidence", -0.1),
        ("impact", 1.5),
        ("impact", "2"),
        ("effort", 0),
        ("effort", -1),
        ("reach", -5),
        ("reach", True),
        ("reach", 10**30),
        ("status", "done"),
        ("theme", 999999),
        ("theme", True),
        ("segments", [999999]),
        ("owner", 10**30),
        ("jira_key", "not a key"),
        # The launch fields moved to launch plans: an item refuses them.
        ("value_proposition", "No new password."),
        ("launch_channels", ["email"]),
        ("target_launch_date", "2026-03-01"),
        ("title", ""),
        ("title", "x" * 201),
        ("title", "NUL\x00byte"),
    ],
)
def test_an_invalid_value_is_refused_with_400_naming_the_field(pm, field, value):
    payload = {"title": "Valid", field: value}
    response = pm.post(ITEMS, payload, format="json")
    assert field in error_fields(response)
    assert not RoadmapItem.objects.exists()


def test_a_number_too_large_for_a_double_is_refused_with_400(pm):
    body = b'{"title": "Huge", "reach": 1e400, "effort": 1e400}'
    response = pm.generic("POST", ITEMS, body, content_type="application/json")
    assert set(error_fields(response)) == {"reach", "effort"}


def test_unknown_and_read_only_fields_are_refused_not_ignored(pm):
    response = pm.post(ITEMS, {"title": "x", "colour": "red", "version": 7}, format="json")
    assert error_fields(response) == {"colour": ["Unknown field."], "version": ["Unknown field."]}


def test_a_body_that_is_not_json_is_refused_with_400(pm):
    response = pm.generic("POST", ITEMS, b"{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_a_jira_key_already_used_is_refused_naming_the_item(pm):
    other = RoadmapItemFactory(jira_key="PROJ-1")
    response = pm.post(ITEMS, {"title": "Twin", "jira_key": "PROJ-1"}, format="json")
    assert f"Item {other.pk}" in error_fields(response)["jira_key"][0]


def test_items_cannot_be_deleted(pm):
    item = RoadmapItemFactory()
    assert_error(pm.delete(item_url(item)), 405, "method_not_allowed")
    assert RoadmapItem.objects.filter(pk=item.pk).exists()


def test_an_unknown_or_malformed_item_id_answers_404_in_the_error_shape(pm):
    assert_error(pm.get(f"{ITEMS}999999/"), 404)
    assert_error(pm.get(f"{ITEMS}{10**30}/"), 404)
    assert_error(pm.get(f"{ITEMS}abc/"), 404)


# --- Archive --------------------------------------------------------------------------------


def test_archiving_an_item_sets_its_status_and_bumps_its_version(pm, product_user):
    item = RoadmapItemFactory(status="planned")
    response = pm.post(f"{item_url(item)}archive/")
    assert response.status_code == 200
    assert response.json()["status"] == "archived"
    assert response["ETag"] == '"2"'
    item.refresh_from_db()
    assert item.status == "archived"
    assert item.version == 2
    assert dirty_item_ids() == {item.pk}
    assert item.history.first().history_user == product_user


def test_archiving_an_archived_item_changes_nothing(pm):
    item = RoadmapItemFactory(status="archived")
    response = pm.post(f"{item_url(item)}archive/")
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.version == 1


def test_archiving_with_a_stale_etag_answers_412(pm):
    item = RoadmapItemFactory()
    assert_error(pm.post(f"{item_url(item)}archive/", HTTP_IF_MATCH='"9"'), 412)
    item.refresh_from_db()
    assert item.status == "candidate"


# --- List, filters, ordering, pagination ---------------------------------------------------


def test_items_filter_by_several_statuses(pm):
    planned = RoadmapItemFactory(status="planned")
    shipped = RoadmapItemFactory(status="shipped")
    RoadmapItemFactory(status="archived")
    response = pm.get(ITEMS, {"status": ["planned", "shipped"]})
    assert sorted(ids(response)) == sorted([planned.pk, shipped.pk])


def test_items_filter_by_theme_segment_and_owner(pm, product_user):
    theme = ThemeFactory()
    segment = SegmentFactory()
    match = RoadmapItemFactory(theme=theme, owner=product_user)
    match.segments.add(segment)
    RoadmapItemFactory(theme=theme)
    other = RoadmapItemFactory(owner=product_user)
    other.segments.add(segment)
    params = {"theme": theme.pk, "segment": segment.pk, "owner": product_user.pk}
    assert ids(pm.get(ITEMS, params)) == [match.pk]


def test_items_filter_by_whether_they_have_a_jira_key(pm):
    linked = RoadmapItemFactory(jira_key="PROJ-7")
    unlinked = RoadmapItemFactory()
    assert ids(pm.get(ITEMS, {"has_jira_key": "true"})) == [linked.pk]
    assert ids(pm.get(ITEMS, {"has_jira_key": "false"})) == [unlinked.pk]


def test_items_search_title_description_and_jira_key(pm):
    by_title = RoadmapItemFactory(title="Single sign-on")
    by_description = RoadmapItemFactory(description="Needs SIGN-ON work")
    by_key = RoadmapItemFactory(jira_key="SIGN-4")
    RoadmapItemFactory(title="Dark mode")
    found = ids(pm.get(ITEMS, {"q": "sign"}))
    assert sorted(found) == sorted([by_title.pk, by_description.pk, by_key.pk])


def test_items_order_by_score_with_unscored_items_last_both_ways(pm):
    low, high, unscored = RoadmapItemFactory(), RoadmapItemFactory(), RoadmapItemFactory()
    score(low, 1.0)
    score(high, 9.0)
    assert ids(pm.get(ITEMS, {"ordering": "-score"})) == [high.pk, low.pk, unscored.pk]
    assert ids(pm.get(ITEMS, {"ordering": "score"})) == [low.pk, high.pk, unscored.pk]


def test_items_order_by_position_puts_the_top_of_the_ranking_first(pm):
    low, high = RoadmapItemFactory(), RoadmapItemFactory()
    shipped = RoadmapItemFactory(status="shipped")
    score(low, 1.0)
    score(high, 9.0)
    score(shipped, 50.0, rankable=False)  # scored, but off the ranking: no position
    assert ids(pm.get(ITEMS, {"ordering": "position"})) == [high.pk, low.pk, shipped.pk]
    assert ids(pm.get(ITEMS, {"ordering": "-position"})) == [low.pk, high.pk, shipped.pk]


def test_items_order_by_updated_at_and_id(pm):
    first, second = RoadmapItemFactory(), RoadmapItemFactory()
    RoadmapItem.objects.filter(pk=first.pk).update(updated_at=timezone.now())
    assert ids(pm.get(ITEMS, {"ordering": "-updated_at"})) == [first.pk, second.pk]
    assert ids(pm.get(ITEMS, {"ordering": "-id"})) == [second.pk, first.pk]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("status", "done"),
        ("theme", "abc"),
        ("theme", "1.5"),
        ("segment", str(10**30)),
        ("owner", "-1"),
        ("has_jira_key", "maybe"),
        ("ordering", "title"),
        ("q", "nul\x00"),
    ],
)
def test_an_invalid_filter_is_refused_with_400_naming_it(pm, param, value):
    response = pm.get(ITEMS, {param: value})
    assert param in error_fields(response)


def test_item_lists_are_paginated_with_a_capped_page_size(pm):
    RoadmapItemFactory.create_batch(3)
    body = pm.get(ITEMS, {"limit": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]
    assert pm.get(ITEMS, {"limit": 200}).status_code == 200
    # Past the cap, or not a page size at all: refused, never silently replaced.
    for limit in ("201", "0", "-1", "ten"):
        assert pm.get(ITEMS, {"limit": limit}).status_code == 400


def test_listing_fifty_items_stays_within_the_query_budget(
    pm, product_user, django_assert_max_num_queries
):
    segments = SegmentFactory.create_batch(3)
    for item in RoadmapItemFactory.create_batch(50, owner=product_user):
        item.segments.set(segments)
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = pm.get(ITEMS, {"limit": 50, "ordering": "-score"})
    assert len(response.json()["results"]) == 50
    assert all(len(row["segments"]) == 3 for row in response.json()["results"])


# --- Idempotency ----------------------------------------------------------------------------


def test_a_retried_post_with_the_same_idempotency_key_creates_one_item(pm):
    first = pm.post(ITEMS, {"title": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = pm.post(ITEMS, {"title": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert RoadmapItem.objects.count() == 1


def test_an_idempotency_key_reused_with_another_body_is_refused_with_422(pm):
    pm.post(ITEMS, {"title": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = pm.post(ITEMS, {"title": "Twice"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert_error(response, 422, "idempotency_key_reused")
    assert list(RoadmapItem.objects.values_list("title", flat=True)) == ["Once"]


# --- Themes and segments --------------------------------------------------------------------


def test_product_manages_themes(pm):
    created = pm.post(f"{API}/themes/", {"name": "Onboarding"}, format="json")
    assert created.status_code == 201
    url = f"{API}/themes/{created.json()['id']}/"
    assert pm.patch(url, {"description": "First week"}, format="json").status_code == 200
    assert pm.get(url).json()["description"] == "First week"
    assert pm.delete(url).status_code == 204
    assert not Theme.objects.exists()


def test_a_theme_name_is_unique(pm):
    ThemeFactory(name="Growth")
    response = pm.post(f"{API}/themes/", {"name": "Growth"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert "name" in response.json()["error"]["fields"]


def test_deleting_a_theme_keeps_its_items_without_a_theme(pm):
    theme = ThemeFactory()
    item = RoadmapItemFactory(theme=theme)
    assert pm.delete(f"{API}/themes/{theme.pk}/").status_code == 204
    item.refresh_from_db()
    assert item.theme is None


def test_product_manages_segments(pm):
    created = pm.post(f"{API}/segments/", {"slug": "smb", "name": "SMB"}, format="json")
    assert created.status_code == 201
    url = f"{API}/segments/{created.json()['id']}/"
    assert pm.put(url, {"slug": "smb", "name": "Small business"}, format="json").status_code == 200
    assert Segment.objects.get().name == "Small business"
    assert pm.delete(url).status_code == 204


def test_a_new_segment_slug_rescores_every_item(pm):
    segment = SegmentFactory(slug="smb")
    items = RoadmapItemFactory.create_batch(2)
    pm.patch(f"{API}/segments/{segment.pk}/", {"name": "SMB"}, format="json")
    assert dirty_item_ids() == set()
    pm.patch(f"{API}/segments/{segment.pk}/", {"slug": "small"}, format="json")
    assert dirty_item_ids() == {item.pk for item in items}


def test_marketing_and_integration_read_but_do_not_write_themes_and_segments(marketer, bot):
    theme = ThemeFactory()
    for client in (marketer, bot):
        assert client.get(f"{API}/themes/").json()["count"] == 1
        assert client.get(f"{API}/segments/").status_code == 200
        assert_error(client.post(f"{API}/themes/", {"name": "Mine"}, format="json"), 403)
        assert_error(client.delete(f"{API}/themes/{theme.pk}/"), 403)
        assert_error(
            client.post(f"{API}/segments/", {"slug": "a", "name": "A"}, format="json"), 403
        )
