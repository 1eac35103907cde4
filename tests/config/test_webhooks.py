"""Outbound webhooks: signed per Standard Webhooks (verified with the `standardwebhooks`
package, as a receiver would), delivered from an outbox at least once, retried with
backoff, disabled after a run of failures, logged, redelivered; URLs guarded."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import transaction
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from werkzeug import Request, Response

from config.webhooks import services
from config.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from config.webhooks.urlguard import UrlRefused, check_url
from roadmap.services import item_create, item_update
from tests.support.api import (
    API,
    api_client_for,
    assert_error,
    error_fields,
    sqlite_real_variable_limit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # deliveries run in-process after commit
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30.0


def hook_url(server: HTTPServer, path: str = "/hook") -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def subscribe(server: HTTPServer, events: list[str], owner: Any = None, path: str = "/hook"):
    return services.subscription_create(url=hook_url(server, path), events=events, owner=owner)


def verified(subscription: WebhookSubscription, request: Request) -> dict[str, Any]:
    """What a receiver does: check the signature with the reference implementation."""
    return Webhook(subscription.secret).verify(request.get_data(), dict(request.headers))


def test_an_event_arrives_signed_as_standard_webhooks_says(
    httpserver, product_user, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("thanks")
    subscription = subscribe(httpserver, ["item.created"], owner=product_user)

    with django_capture_on_commit_callbacks(execute=True):
        item = item_create(title="SSO for small teams")

    (request, _), *_ = httpserver.log
    body = verified(subscription, request)
    assert body["type"] == "item.created"
    assert body["data"]["item"]["id"] == item.pk
    assert body["data"]["item"]["title"] == "SSO for small teams"
    event = WebhookEvent.objects.get()
    assert request.headers["webhook-id"] == event.message_id
    assert subscription.secret.startswith("whsec_")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    attempt = WebhookAttempt.objects.get()
    assert attempt.ok
    assert attempt.status_code == 200
    assert attempt.response_excerpt == "thanks"


def test_a_tampered_body_fails_the_receivers_check(httpserver, django_capture_on_commit_callbacks):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscription = subscribe(httpserver, ["item.created"])
    with django_capture_on_commit_callbacks(execute=True):
        item_create(title="Original")
    (request, _), *_ = httpserver.log
    forged = request.get_data().replace(b"Original", b"Forged!!")
    from standardwebhooks.webhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        Webhook(subscription.secret).verify(forged, dict(request.headers))


def test_nobody_subscribed_means_nothing_written_and_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert services.event_emit("item.created", {"item": {"id": 1}}) == 0
    assert not WebhookEvent.objects.exists()


def test_events_are_written_in_the_transaction_of_the_change(httpserver):
    subscribe(httpserver, ["item.created"])

    def change_that_fails() -> None:
        with transaction.atomic():
            item_create(title="Rolled back")
            assert WebhookEvent.objects.count() == 1
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not WebhookEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_bulk_events_cost_the_same_queries_for_1_or_100(httpserver, django_assert_max_num_queries):
    subscribe(httpserver, ["report.created"])
    subscribe(httpserver, ["report.created"], path="/other")
    with sqlite_real_variable_limit():
        with django_assert_max_num_queries(5):  # the savepoint counts twice
            assert services.events_emit("report.created", [{"n": 1}]) == 1
        with django_assert_max_num_queries(5):
            assert services.events_emit("report.created", [{"n": i} for i in range(100)]) == 100
    assert WebhookDelivery.objects.count() == 202


def test_only_subscribed_types_are_written(httpserver, product_user):
    subscribe(httpserver, ["item.status_changed"])
    item = item_create(title="Quiet")
    assert not WebhookEvent.objects.exists()
    item_update(item=item, data={"status": "planned"})
    event = WebhookEvent.objects.get()
    assert event.type == "item.status_changed"
    assert event.payload["from"] == "candidate"
    assert event.payload["to"] == "planned"


def test_a_failing_receiver_is_retried_with_growing_jittered_delays(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600
    for attempts, full in ((1, 10), (2, 20), (5, 160), (20, 3600)):
        for _ in range(20):
            assert full / 2 <= services.retry_delay(attempts) <= full


def test_a_delivery_is_retried_then_given_up_after_its_window(
    httpserver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    subscribe(httpserver, ["item.created"])
    with django_capture_on_commit_callbacks(execute=True):
        item_create(title="Retried")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 503
    services.deliveries_sweep()
    assert WebhookDelivery.objects.get().attempts == 2
    # Past its window (3 days by default), the next failure gives it up.
    WebhookDelivery.objects.update(retry_until=delivery.created_at)
    services.deliveries_sweep()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempt_log.count() == 3
    assert services.deliveries_due() == []


def test_a_run_of_failures_disables_the_subscription_and_tells_its_owner(
    httpserver, settings, product_user, client, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    httpserver.expect_request("/hook").respond_with_data("no", status=500)
    subscription = subscribe(httpserver, ["item.created"], owner=product_user)
    with django_capture_on_commit_callbacks(execute=True):
        item_create(title="One")
        item_create(title="Two")
    services.deliveries_sweep()
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_at is not None
    assert "3 failed attempts" in subscription.disabled_reason
    sent = len(httpserver.log)
    services.deliveries_sweep()
    assert len(httpserver.log) == sent  # a disabled subscription is sent nothing

    client.force_login(product_user)
    page = client.get("/admin/config/webhooksubscription/")
    assert page.status_code == 200
    assert "was disabled" in page.content.decode()

    # Enabled again (the receiver is fixed): what waited is sent.
    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("ok")
    with django_capture_on_commit_callbacks(execute=True):
        services.subscription_update(subscription=subscription, data={"is_active": True})
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_redirects_are_not_followed(httpserver, django_capture_on_commit_callbacks):
    httpserver.expect_request("/hook").respond_with_data(
        "", status=302, headers={"Location": hook_url(httpserver, "/elsewhere")}
    )
    subscribe(httpserver, ["item.created"])
    with django_capture_on_commit_callbacks(execute=True):
        item_create(title="Redirected")
    assert [request.path for request, _ in httpserver.log] == ["/hook"]
    attempt = WebhookAttempt.objects.get()
    assert not attempt.ok
    assert attempt.error == "redirects are not followed"


def test_a_huge_answer_is_read_only_up_to_the_cap(
    httpserver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 4096
    httpserver.expect_request("/hook").respond_with_data("x" * 5_000_000)
    subscribe(httpserver, ["item.created"])
    with django_capture_on_commit_callbacks(execute=True):
        item_create(title="Huge")
    attempt = WebhookAttempt.objects.get()
    assert attempt.ok
    assert len(attempt.response_excerpt) <= 1000


def test_a_slow_receiver_times_out(httpserver, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3

    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response("late")

    httpserver.expect_request("/hook").respond_with_handler(slow)
    subscribe(httpserver, ["item.created"])
    with django_capture_on_commit_callbacks(execute=True):
        item_create(title="Slow")
    attempt = WebhookAttempt.objects.get()
    assert not attempt.ok
    assert "within" in attempt.error
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    # The shared test server is still answering: let it finish before the next test.
    for _ in range(50):
        if httpserver.log:
            break
        time.sleep(0.1)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://93.184.216.34/hook",
        "file:///etc/passwd",
        "http://10.0.0.8/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://192.168.1.20:8080/hook",
        "http://user:pw@93.184.216.34/hook",
        "http://localhost/hook",
        "not a url",
    ],
)
def test_urls_that_are_not_public_http_are_refused(url, product_user, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(UrlRefused):
        check_url(url)
    client = api_client_for(product_user)
    response = client.post(
        f"{API}/webhooks/subscriptions/", {"url": url, "events": ["item.created"]}, format="json"
    )
    assert "url" in error_fields(response)
    assert not WebhookSubscription.objects.exists()


def test_the_allowlist_names_what_may_be_internal(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(UrlRefused):
        check_url("http://127.0.0.1:9999/hook")
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.0/8"]
    assert check_url("http://127.0.0.1:9999/hook").address == "127.0.0.1"
    assert check_url("https://93.184.216.34/hook").port == 443


def test_product_manages_subscriptions_through_the_api(httpserver, product_user, marketing_user):
    client = api_client_for(product_user)
    response = client.post(
        f"{API}/webhooks/subscriptions/",
        {"url": hook_url(httpserver), "events": ["ranking.published", "item.created"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["item.created", "ranking.published"]
    assert WebhookSubscription.objects.get().owner == product_user

    bad = client.post(
        f"{API}/webhooks/subscriptions/",
        {"url": hook_url(httpserver), "events": ["item.exploded"]},
        format="json",
    )
    assert "events" in error_fields(bad)
    typo = client.post(
        f"{API}/webhooks/subscriptions/",
        {"url": hook_url(httpserver), "events": ["item.created"], "secret": "mine"},
        format="json",
    )
    assert "secret" in error_fields(typo)
    assert WebhookSubscription.objects.count() == 1
    assert_error(api_client_for(marketing_user).get(f"{API}/webhooks/subscriptions/"), 403)


def test_redeliver_from_the_api_sends_the_same_message_again(
    httpserver, product_user, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscription = subscribe(httpserver, ["item.created"])
    with django_capture_on_commit_callbacks(execute=True):
        item_create(title="Twice")
    delivery = WebhookDelivery.objects.get()
    client = api_client_for(product_user)
    listed = client.get(f"{API}/webhooks/deliveries/?subscription={subscription.pk}")
    assert listed.status_code == 200
    row = listed.json()["results"][0]
    assert row["status"] == "delivered"
    assert row["attempt_log"][0]["status_code"] == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{API}/webhooks/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 202, response.content
    first, second = (request for request, _ in httpserver.log)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    verified(subscription, second)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.status == DeliveryStatus.DELIVERED


def test_redelivering_for_a_disabled_subscription_is_refused(httpserver, product_user):
    subscription = subscribe(httpserver, ["item.created"])
    item_create(title="Waiting")
    WebhookSubscription.objects.update(is_active=False)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    response = api_client_for(product_user).post(
        f"{API}/webhooks/deliveries/{delivery.pk}/redeliver/"
    )
    assert_error(response, 400)


def test_redeliver_from_the_admin(
    httpserver, product_user, client, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe(httpserver, ["item.created"])
    with django_capture_on_commit_callbacks(execute=True):
        item_create(title="Admin")
    delivery = WebhookDelivery.objects.get()
    client.force_login(product_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/config/webhookdelivery/",
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    assert len(httpserver.log) == 2
    assert client.get(f"/admin/config/webhookdelivery/{delivery.pk}/change/").status_code == 200


def test_product_subscribes_in_the_admin_and_internal_urls_are_refused_there(
    httpserver, product_user, client, settings
):
    client.force_login(product_user)
    response = client.post(
        "/admin/config/webhooksubscription/add/",
        {
            "url": hook_url(httpserver),
            "events": ["item.created", "report.linked"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = WebhookSubscription.objects.get()
    assert subscription.owner == product_user
    assert subscription.events == ["item.created", "report.linked"]
    settings.WEBHOOK_ALLOWED_HOSTS = []
    refused = client.post(
        "/admin/config/webhooksubscription/add/",
        {"url": "http://10.1.2.3/hook", "events": ["item.created"], "is_active": "on"},
    )
    assert refused.status_code == 200
    assert "private" in refused.content.decode()
    assert WebhookSubscription.objects.count() == 1
    assert (
        client.get(f"/admin/config/webhooksubscription/{subscription.pk}/change/").status_code
        == 200
    )
