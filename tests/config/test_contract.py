"""The contract as outside probes found it broken (issue 18): each test failed before its
fix. Items: 3 and 4 (idempotency after authentication, per-address throttle), 5 and 6
(hostile JSON), 8 (a PATCHed link without its weight), 9 (refuse consistently), 10 (free
text capped), 11 (JSON everywhere under /api/, debug mode too), 13 (a wrong auth scheme)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from rest_framework.test import APIClient

from config.models import ApiKey, IdempotencyRecord
from config.text import MAX_TEXT_LENGTH
from roadmap.models import RoadmapItem
from signals.models import FrictionReport
from tests.support.api import API, api_client_for, assert_error, error_fields
from tests.support.factories import (
    FrictionReportFactory,
    RoadmapItemFactory,
    SegmentFactory,
)

pytestmark = pytest.mark.django_db


# --- 18.3 and 18.4: idempotency after authentication; anonymous requests throttled ----


def test_anonymous_posts_with_an_idempotency_key_store_nothing():
    client = APIClient()
    for i in range(5):
        response = client.post(f"{API}/nope/", {}, format="json", HTTP_IDEMPOTENCY_KEY=f"f{i}")
        assert_error(response, 404)
        response = client.post(
            f"{API}/items/", {"title": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=f"g{i}"
        )
        assert_error(response, 401)
    assert not IdempotencyRecord.objects.exists()


def test_an_authenticated_post_to_an_unknown_route_stores_nothing(product_user):
    client = api_client_for(product_user)
    response = client.post(f"{API}/nope/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert_error(response, 404)
    assert not IdempotencyRecord.objects.exists()


def test_an_authenticated_post_is_still_replayed(product_user):
    client = api_client_for(product_user)
    first = client.post(f"{API}/items/", {"title": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = client.post(f"{API}/items/", {"title": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert RoadmapItem.objects.count() == 1


def test_a_revoked_key_retrying_a_post_gets_401_not_a_replay(product_user):
    api_key, key = ApiKey.objects.create_key(user=product_user, name="soon revoked")
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")
    first = client.post(f"{API}/items/", {"title": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 201
    api_key.revoked = True
    api_key.save()
    again = client.post(f"{API}/items/", {"title": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert_error(again, 401)
    assert "Idempotent-Replayed" not in again


@override_settings(
    REST_FRAMEWORK={
        **__import__("django.conf").conf.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "1000/min", "anonymous": "5/min"},
    }
)
def test_anonymous_and_invalid_key_requests_are_throttled_per_address(product_user):
    from rest_framework.settings import api_settings

    api_settings.reload()
    try:
        from config.api.middleware import AddressRateThrottle

        AddressRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        anonymous = APIClient()
        for _ in range(5):
            assert_error(anonymous.post(f"{API}/nope/", {}, format="json"), 404)
        throttled = anonymous.post(f"{API}/nope/", {}, format="json")
        assert_error(throttled, 429, "throttled")
        assert int(throttled["Retry-After"]) >= 1
        # Invalid keys spend the same budget; a valid key from the address still works.
        guesser = APIClient(HTTP_AUTHORIZATION="Api-Key nope.nope")
        assert_error(guesser.get(f"{API}/themes/"), 429, "throttled")
        assert api_client_for(product_user).get(f"{API}/themes/").status_code == 200
    finally:
        api_settings.reload()
        AddressRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


# --- 18.5, 18.6: hostile JSON ------------------------------------------------------------


def test_json_nested_a_thousand_levels_is_a_400(product_user):
    body = "[" * 1000 + "]" * 1000
    response = api_client_for(product_user).post(
        f"{API}/items/", body, content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_json_nested_a_little_too_deep_is_a_400(product_user):
    body = '{"title": ' + "[" * 40 + "]" * 40 + "}"
    response = api_client_for(product_user).post(
        f"{API}/items/", body, content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_a_nul_in_an_object_key_is_a_400(product_user):
    response = api_client_for(product_user).post(
        f"{API}/scoring-models/preview/",
        '{"segment_weights": {"a\\u0000b": 1}}',
        content_type="application/json",
    )
    assert_error(response, 400, "parse_error")


# --- 18.8: a PATCHed link without its weight takes the documented default ----------------


def test_patching_a_report_with_a_link_without_weight_defaults_the_weight(product_user):
    report = FrictionReportFactory(submitted_by=product_user)
    item = RoadmapItemFactory()
    response = api_client_for(product_user).patch(
        f"{API}/friction-reports/{report.pk}/",
        {"links": [{"item": item.pk}], "summary": "x"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["links"] == [{"item": item.pk, "weight": 1.0}]
    assert FrictionReport.objects.get(pk=report.pk).summary == "x"


# --- 18.9: refuse consistently -----------------------------------------------------------


def test_a_naive_datetime_in_a_filter_is_a_400(product_user):
    response = api_client_for(product_user).get(
        f"{API}/friction-reports/?observed_after=2026-11-01T00:00:00"
    )
    assert "observed_after" in error_fields(response)


def test_a_limit_in_non_ascii_digits_is_a_400(product_user):
    response = api_client_for(product_user).get(f"{API}/items/?limit=１")
    assert "limit" in error_fields(response)


def test_a_duplicate_segment_is_refused_not_dropped(product_user):
    segment = SegmentFactory()
    response = api_client_for(product_user).post(
        f"{API}/items/", {"title": "A", "segments": [segment.pk, segment.pk]}, format="json"
    )
    assert "segments" in error_fields(response)
    assert not RoadmapItem.objects.exists()


def test_the_schema_says_segment_ids_are_unique(product_user):
    schema = APIClient().get("/api/schema/?format=json").json()
    segments = schema["components"]["schemas"]["RoadmapItemRequest"]["properties"]["segments"]
    assert segments["uniqueItems"] is True


# --- 18.10: free text capped ------------------------------------------------------------


def test_free_text_over_the_cap_is_refused_by_the_api(product_user):
    client = api_client_for(product_user)
    too_long = "x" * (MAX_TEXT_LENGTH + 1)
    response = client.post(f"{API}/items/", {"title": "A", "description": too_long}, format="json")
    assert "description" in error_fields(response)
    ok = client.post(
        f"{API}/items/", {"title": "A", "description": "x" * MAX_TEXT_LENGTH}, format="json"
    )
    assert ok.status_code == 201


def test_free_text_over_the_cap_is_refused_by_model_validation():
    item = RoadmapItemFactory.build(description="x" * (MAX_TEXT_LENGTH + 1))
    with pytest.raises(ValidationError) as raised:
        item.full_clean()
    assert "description" in raised.value.message_dict


def test_the_schema_documents_the_free_text_caps():
    schemas = APIClient().get("/api/schema/?format=json").json()["components"]["schemas"]
    for component, field in [
        ("RoadmapItemRequest", "description"),
        ("FrictionReportRequest", "summary"),
        ("MarketSignalRequest", "summary"),
        ("ThemeRequest", "description"),
        ("SegmentRequest", "description"),
    ]:
        assert schemas[component]["properties"][field]["maxLength"] == MAX_TEXT_LENGTH, component


# --- 18.11: every /api/ answer is JSON, in debug mode too --------------------------------


@override_settings(DEBUG=True)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", f"{API}/launch-plans//"),
        ("get", f"{API}/nothing-here/"),
        ("post", f"{API}/items"),  # no slash: APPEND_SLASH cannot redirect a POST
    ],
)
def test_unmatched_api_routes_answer_json_in_debug_mode(product_user, method, path):
    client = api_client_for(product_user)
    response = getattr(client, method)(path)
    assert response["Content-Type"].startswith("application/json")
    assert response.status_code >= 400
    assert_error(response, response.status_code)


# --- 18.13: a key sent with the wrong scheme ---------------------------------------------


@pytest.mark.parametrize("header", ["Bearer abc.def", "abc.def"])
def test_a_key_with_the_wrong_scheme_is_told_what_is_expected(header):
    response = APIClient(HTTP_AUTHORIZATION=header).get(f"{API}/themes/")
    error = assert_error(response, 401)
    assert "Authorization: Api-Key <key>" in error["message"]
    assert response["WWW-Authenticate"] == "Api-Key"


# --- 18.12: the schema as a generated client reads it ------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def test_bulk_records_are_typed_by_their_record_component(schema):
    for bulk, record in [
        ("MarketSignalBulkRequest", "MarketSignalBulkRecordRequest"),
        ("FrictionReportBulkRequest", "FrictionReportBulkRecordRequest"),
    ]:
        records = schema["components"]["schemas"][bulk]["properties"]["records"]
        assert records["items"] == {"$ref": f"#/components/schemas/{record}"}


def test_every_path_id_is_declared_alike(schema):
    declared = {
        (path, json_dumps(param["schema"]))
        for path, item in schema["paths"].items()
        for operation in item.values()
        if isinstance(operation, dict)
        for param in operation.get("parameters", [])
        if param["in"] == "path" and param["name"] == "id"
    }
    assert {shape for _, shape in declared} == {
        json_dumps({"type": "string", "pattern": "^[0-9]+$"})
    }
    assert any(path == "/api/v1/items/{id}/score/" for path, _ in declared)


def test_a_nullable_nested_object_is_declared_as_the_object_or_null(schema):
    last_applied = schema["components"]["schemas"]["OwnerCalibration"]["properties"]["last_applied"]
    assert "allOf" not in last_applied
    assert last_applied["oneOf"][0] == {"$ref": "#/components/schemas/CalibrationApplied"}
    assert last_applied["oneOf"][1]["enum"] == [None]


def test_the_error_model_is_not_named_after_its_one_property(schema):
    components = schema["components"]["schemas"]
    assert "Error" not in components
    assert set(components["ErrorResponse"]["properties"]) == {"error"}


def test_conditional_gets_declare_if_none_match_and_304(schema):
    live = schema["paths"]["/api/v1/rankings/live/"]["get"]
    assert any(p["name"] == "If-None-Match" and p["in"] == "header" for p in live["parameters"])
    assert "304" in live["responses"]


def json_dumps(value: object) -> str:
    import json

    return json.dumps(value, sort_keys=True)


@pytest.mark.django_db
def test_patching_a_report_with_a_link_without_its_item_is_a_400(product_user):
    """Found by schemathesis against the embedded default: a PATCH validates nested links
    partially, and a link without `item` reached the duplicate check (500 KeyError)."""
    from tests.support.factories import FrictionReportFactory

    report = FrictionReportFactory(submitted_by=product_user)
    client = api_client_for(product_user)
    response = client.patch(
        f"{API}/friction-reports/{report.pk}/", {"links": [{"weight": 0.5}]}, format="json"
    )
    assert_error(response, 400, "invalid")
    assert "links" in response.json()["error"]["fields"]
