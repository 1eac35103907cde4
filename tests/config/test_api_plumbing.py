"""API plumbing: keys stored hashed, the one error shape, idempotency, throttling, size limit."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from config.models import ApiKey, IdempotencyRecord
from roadmap.models import Theme
from tests.support.api import assert_error
from tests.support.factories import UserFactory
from tests.support.services import need_service

pytestmark = pytest.mark.django_db


def key_client(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")


def make_key(user, **kwargs) -> str:
    _, key = ApiKey.objects.create_key(user=user, name="test", **kwargs)
    return key


def test_create_api_key_prints_a_key_once_and_stores_only_its_hash():
    out = io.StringIO()
    call_command("create_api_key", user="zapier", role="marketing", stdout=out)
    key = out.getvalue().strip()
    stored = ApiKey.objects.get(user__username="zapier")
    assert stored.prefix == key.split(".")[0]
    assert key not in stored.hashed_key
    assert key not in stored.id
    assert stored.user.groups.get().name == "marketing"
    assert key_client(key).get("/api/v1/themes/").status_code == 200


def test_an_unknown_a_revoked_and_an_expired_key_are_refused_with_401(product_user):
    assert_error(key_client("nope.nope").get("/api/v1/themes/"), 401)
    revoked = make_key(product_user)
    ApiKey.objects.filter(user=product_user).update(revoked=True)
    assert_error(key_client(revoked).get("/api/v1/themes/"), 401)
    expired = make_key(product_user, expiry_date=timezone.now() - timedelta(minutes=1))
    assert_error(key_client(expired).get("/api/v1/themes/"), 401)


def test_the_key_lookup_reads_what_the_orm_reads_in_one_query(product_user):
    from django.contrib.auth.models import Group
    from django.test.utils import CaptureQueriesContext

    product_user.groups.add(Group.objects.get_or_create(name="marketing")[0])
    key = make_key(product_user, expiry_date=timezone.now() + timedelta(days=1))
    prefix = key.partition(".")[0]
    with CaptureQueriesContext(connection) as queries:
        found = ApiKey.objects.get_from_key(key)
    assert len(queries) == 1
    orm = ApiKey.objects.get_usable_keys().get(prefix=prefix)
    for field in ApiKey._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
    for field in type(product_user)._meta.concrete_fields:
        assert getattr(found.user, field.attname) == getattr(orm.user, field.attname), field.name
    for role in ("product", "marketing", "integration"):
        assert getattr(found, f"has_role_{role}") is getattr(orm, f"has_role_{role}"), role
    assert found.has_role_product
    assert found.has_role_marketing
    assert not found.has_role_integration
    assert found.has_expired is False
    assert found.user.is_active
    # The prefix alone is not enough: the rest of the key must match its hash.
    with pytest.raises(ApiKey.DoesNotExist):
        ApiKey.objects.get_from_key(f"{prefix}.{'x' * 32}")
    assert_error(key_client(f"{prefix}.{'x' * 32}").get("/api/v1/themes/"), 401)
    type(product_user).objects.filter(pk=product_user.pk).update(is_active=False)
    assert_error(key_client(key).get("/api/v1/themes/"), 401)


def test_anonymous_requests_get_401_in_the_error_shape_but_the_schema_is_public(client):
    error = assert_error(client.get("/api/v1/themes/"), 401)
    assert error["code"] == "not_authenticated"
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/redoc/").status_code == 200


def test_an_unknown_api_url_answers_404_in_the_error_shape(product_user):
    assert_error(key_client(make_key(product_user)).get("/api/v1/nothing-here/"), 404)


def test_malformed_json_answers_400_in_the_error_shape(product_user):
    response = key_client(make_key(product_user)).post(
        "/api/v1/themes/", data="{not json", content_type="application/json"
    )
    assert_error(response, 400)


def test_a_body_over_the_limit_answers_413(product_user):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
        response = key_client(make_key(product_user)).post(
            "/api/v1/themes/", data={"name": "x" * 5000}, format="json"
        )
    assert_error(response, 413)
    assert not Theme.objects.exists()


def test_a_retried_post_with_the_same_idempotency_key_replays_the_first_answer(product_user):
    client = key_client(make_key(product_user))
    first = client.post(
        "/api/v1/themes/", {"name": "Activation"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = client.post(
        "/api/v1/themes/", {"name": "Activation"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Theme.objects.count() == 1


def test_the_same_idempotency_key_with_a_different_body_is_refused(product_user):
    client = key_client(make_key(product_user))
    client.post("/api/v1/themes/", {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = client.post(
        "/api/v1/themes/", {"name": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert assert_error(response, 422)["code"] == "idempotency_key_reused"
    assert list(Theme.objects.values_list("name", flat=True)) == ["A"]


def test_idempotency_keys_of_different_clients_do_not_mix(product_user):
    other = UserFactory(username="pm2", role="product")
    key_client(make_key(product_user)).post(
        "/api/v1/themes/", {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    response = key_client(make_key(other)).post(
        "/api/v1/themes/", {"name": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    assert response.status_code == 201
    assert Theme.objects.count() == 2


def test_a_refused_post_is_not_remembered_so_a_corrected_retry_can_succeed(
    marketing_user, product_user
):
    key = make_key(marketing_user)
    assert (
        key_client(key)
        .post("/api/v1/themes/", {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
        .status_code
        == 403
    )
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_same_idempotency_key_sent_concurrently_creates_exactly_one_record():
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    user = UserFactory(username="pm-concurrent", role="product")
    key = make_key(user)
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def post() -> None:
        try:
            barrier.wait()
            response = key_client(key).post(
                "/api/v1/themes/",
                {"name": "Concurrent"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="race",
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 6
    assert Theme.objects.filter(name="Concurrent").count() == 1


def test_each_api_key_has_its_own_throttle_budget_answered_with_429_and_retry_after(
    product_user, monkeypatch
):
    from config.api.throttling import ApiKeyRateThrottle

    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "2/min"})
    first, second = make_key(product_user), make_key(product_user)
    codes = [key_client(first).get("/api/v1/themes/").status_code for _ in range(3)]
    other = key_client(second).get("/api/v1/themes/")
    throttled = key_client(first).get("/api/v1/themes/")
    assert codes == [200, 200, 429]
    assert other.status_code == 200
    assert_error(throttled, 429)
    assert int(throttled["Retry-After"]) > 0


def test_pruning_deletes_only_idempotency_records_past_their_replay_window(product_user):
    from config.services import idempotency_records_prune

    client = key_client(make_key(product_user))
    client.post("/api/v1/themes/", {"name": "Old"}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    client.post("/api/v1/themes/", {"name": "New"}, format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert idempotency_records_prune() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
