"""End to end: the receiver dies in the middle of a stream of events and comes back; every
event arrives, signed, once it is back (at least once: the receiver drops duplicates by
`webhook-id`, as Standard Webhooks asks)."""

from __future__ import annotations

import socket

import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from werkzeug import Request, Response

from config.webhooks import services
from config.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from roadmap.services import item_create

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Receiver:
    """A receiver that checks each signature and keeps the message ids it accepted."""

    def __init__(self, port: int, secret: str) -> None:
        self.port, self.webhook = port, Webhook(secret)
        self.received: dict[str, str] = {}
        self.server: HTTPServer | None = None

    def handle(self, request: Request) -> Response:
        body = self.webhook.verify(request.get_data(), dict(request.headers))
        self.received[request.headers["webhook-id"]] = body["data"]["item"]["title"]
        return Response(status=204)

    def start(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", port=self.port)
        self.server.expect_request("/hook", method="POST").respond_with_handler(self.handle)
        self.server.start()

    def kill(self) -> None:
        assert self.server is not None
        self.server.stop()
        self.server = None


def test_every_event_arrives_after_the_receiver_comes_back(
    settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # deliveries run in-process after commit
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0  # retries due at once: the sweeper decides when
    port = free_port()
    subscription = services.subscription_create(
        url=f"http://127.0.0.1:{port}/hook", events=["item.created"], owner=None
    )
    receiver = Receiver(port, subscription.secret)
    receiver.start()
    try:
        for n in range(12):
            if n == 5:
                receiver.kill()  # mid-stream: the next events find nobody
            with django_capture_on_commit_callbacks(execute=True):
                item_create(title=f"Event {n}")
        assert len(receiver.received) == 5
        pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
        assert pending.count() == 7
        assert all(d.last_error for d in pending)

        receiver.start()
        services.deliveries_sweep()
    finally:
        if receiver.server is not None:
            receiver.kill()

    expected = {
        event.message_id: event.payload["item"]["title"] for event in WebhookEvent.objects.all()
    }
    assert len(expected) == 12
    assert receiver.received == expected
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
