"""Slack out: a published ranking announced in the channel (top 10, main moves and their
causes, the board), the weekly digest; against a local stand-in of Slack's Web API,
including 429 with Retry-After and 5xx answers. A Slack failure never touches the
publication."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from roadmap.models import RoadmapItem
from roadmap.services import item_update
from scoring.models import Ranking
from scoring.services import item_scores_recompute_all, item_scores_recompute_dirty, ranking_publish
from scoring.slack.tasks import slack_weekly_digest
from tests.support.factories import FrictionReportFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db

POST = "/api/chat.postMessage"


@pytest.fixture
def slack(settings, httpserver):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the message is sent in-process after commit
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    settings.SLACK_CHANNEL = "C0ROADMAP"
    settings.SLACK_API_URL = httpserver.url_for("/api/")
    settings.PUBLIC_BASE_URL = "https://roadmap.example.com"
    settings.SLACK_MAX_RETRIES = 3
    return httpserver


def ok(server) -> None:
    server.expect_request(POST, method="POST").respond_with_json({"ok": True, "ts": "1.1"})


def posted(server) -> list[dict]:
    return [
        json.loads(request.get_data())
        for request, response in server.log
        if request.path == POST and response.status_code == 200
    ]


def publish(product_user, django_capture_on_commit_callbacks, note: str = "") -> Ranking:
    with django_capture_on_commit_callbacks(execute=True):
        return ranking_publish(note=note, published_by=product_user)


def text_of(message: dict) -> str:
    return "\n".join(
        block.get("text", {}).get("text", "") for block in message["blocks"] if "text" in block
    )


def test_a_published_ranking_is_announced_with_its_moves_and_their_causes(
    slack, product_user, django_capture_on_commit_callbacks
):
    ok(slack)
    items = [RoadmapItemFactory(title=f"Item {n}", reach=1000 + n) for n in range(12)]
    item_scores_recompute_all()
    publish(product_user, django_capture_on_commit_callbacks, note="March")
    item_update(item=RoadmapItem.objects.get(pk=items[0].pk), data={"effort": 0.5})
    item_scores_recompute_dirty()
    publish(product_user, django_capture_on_commit_callbacks, note="April committee")

    first, second = posted(slack)
    assert first["channel"] == "C0ROADMAP"
    assert second["text"] == "Ranking 2 published: April committee"
    text = text_of(second)
    assert "Top 10" in text
    assert text.count("\n") >= 10
    assert "1. Item 0" in text  # moved to the top
    assert "Main moves" in text
    assert "Item 0: 12 → 1 (effort 2 → 0.5)" in text
    assert "https://roadmap.example.com/board/" in text


def test_a_429_is_retried_after_retry_after(
    slack, product_user, django_capture_on_commit_callbacks
):
    slack.expect_oneshot_request(POST).respond_with_json(
        {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"}
    )
    ok(slack)
    RoadmapItemFactory()
    item_scores_recompute_all()
    publish(product_user, django_capture_on_commit_callbacks)
    statuses = [response.status_code for request, response in slack.log if request.path == POST]
    assert statuses == [429, 200]
    assert len(posted(slack)) == 1


def test_5xx_answers_are_retried_with_backoff(
    slack, product_user, django_capture_on_commit_callbacks
):
    for _ in range(2):
        slack.expect_oneshot_request(POST).respond_with_data("oops", status=503)
    ok(slack)
    RoadmapItemFactory()
    item_scores_recompute_all()
    publish(product_user, django_capture_on_commit_callbacks)
    statuses = [response.status_code for request, response in slack.log if request.path == POST]
    assert statuses == [503, 503, 200]


def test_slack_down_never_touches_the_publication(
    slack, product_user, settings, django_capture_on_commit_callbacks
):
    settings.SLACK_MAX_RETRIES = 1
    slack.expect_request(POST).respond_with_data("down", status=500)
    RoadmapItemFactory()
    item_scores_recompute_all()
    ranking = publish(product_user, django_capture_on_commit_callbacks)
    assert Ranking.objects.filter(pk=ranking.pk, item_count=1).exists()
    assert len([r for r, _ in slack.log if r.path == POST]) == 2  # tried, retried, gave up


def test_nothing_is_sent_while_slack_is_not_configured(
    settings, httpserver, product_user, django_capture_on_commit_callbacks
):
    settings.SLACK_CHANNEL = ""
    settings.SLACK_API_URL = httpserver.url_for("/api/")
    RoadmapItemFactory()
    item_scores_recompute_all()
    publish(product_user, django_capture_on_commit_callbacks)
    assert httpserver.log == []


def test_the_weekly_digest_lists_new_friction_reports_biggest_first(slack):
    ok(slack)
    FrictionReportFactory(title="SSO step stalls", affected_people=2400)
    FrictionReportFactory(title="Pricing page confusion", affected_people=300)
    old = FrictionReportFactory(title="Last month")
    type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    assert slack_weekly_digest() == "1.1"
    (message,) = posted(slack)
    assert message["text"] == "This week: 2 new friction reports"
    text = text_of(message)
    assert text.index("SSO step stalls") < text.index("Pricing page confusion")
    assert "Last month" not in text
    assert "Emerging topics" not in text  # no radar yet
