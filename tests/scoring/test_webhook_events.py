"""The events each service writes into the webhook outbox, with their payloads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config.webhooks import services as webhooks
from config.webhooks.models import WebhookEvent
from roadmap.services import (
    items_set_status,
    launch_plan_create,
    launch_plan_delete,
    launch_plan_update,
)
from scoring.services import (
    item_scores_recompute,
    item_scores_recompute_all,
    item_scores_recompute_dirty,
    ranking_publish,
)
from scoring.webhook_events import score_changes_emit
from signals.services import (
    BulkRecord,
    evidence_link,
    outcome_create,
    report_create,
    reports_bulk_upsert,
)
from tests.support.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db

PUBLIC = "https://93.184.216.34/hook"  # a literal public address: no DNS, never called


def subscribe(*events: str) -> None:
    webhooks.subscription_create(url=PUBLIC, events=list(events), owner=None)


def payloads(event_type: str) -> list[dict]:
    return [e.payload for e in WebhookEvent.objects.filter(type=event_type).order_by("created_at")]


def report_fields(**extra):
    return {
        "campaign": "Trial push",
        "channel": "email",
        "funnel_stage": "activation",
        "affected_people": 500,
        "severity": 2.0,
        "observed_at": timezone.now() - timedelta(days=1),
        **extra,
    }


def test_publishing_sends_the_ranking_with_its_top_ten(product_user):
    items = RoadmapItemFactory.create_batch(12)
    item_scores_recompute_all()
    subscribe("ranking.published")
    ranking = ranking_publish(note="March committee", published_by=product_user)
    (payload,) = payloads("ranking.published")
    assert payload["ranking"]["number"] == ranking.number
    assert payload["ranking"]["note"] == "March committee"
    assert payload["ranking"]["item_count"] == 12
    assert [row["position"] for row in payload["top"]] == list(range(1, 11))
    assert {row["item"] for row in payload["top"]} <= {item.pk for item in items}


def test_a_score_change_beyond_the_threshold_is_sent_and_a_small_one_is_not(
    settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_SCORE_CHANGE_THRESHOLD = 0.1
    settings.WEBHOOK_POSITION_CHANGE_THRESHOLD = 100
    big, small = RoadmapItemFactory(effort=2.0), RoadmapItemFactory(effort=2.0, reach=999)
    item_scores_recompute_all()
    subscribe("item.score_changed")
    type(big).objects.filter(pk=big.pk).update(effort=4.0)  # score halves
    type(small).objects.filter(pk=small.pk).update(effort=2.02)  # score -1%
    from roadmap.services import items_mark_dirty

    items_mark_dirty(item_ids=[big.pk, small.pk])
    with django_capture_on_commit_callbacks() as queued:
        item_scores_recompute_dirty()
    assert queued  # the emitter runs after the recompute commits
    assert score_changes_emit() == 1
    (payload,) = payloads("item.score_changed")
    assert payload["item"] == big.pk
    assert payload["score"] == pytest.approx(payload["previous_score"] / 2)
    assert score_changes_emit() == 0  # each history row is considered once


def test_score_changes_before_anyone_subscribed_are_not_sent():
    item = RoadmapItemFactory(effort=2.0)
    item_scores_recompute_all()
    type(item).objects.filter(pk=item.pk).update(effort=8.0)
    item_scores_recompute(item_ids=[item.pk])
    assert score_changes_emit() == 0  # nobody listens: the cursor moves on
    subscribe("item.score_changed")
    assert score_changes_emit() == 0
    type(item).objects.filter(pk=item.pk).update(effort=1.0)
    item_scores_recompute(item_ids=[item.pk])
    assert score_changes_emit() == 1


def test_bulk_status_changes_send_one_event_per_item_with_where_it_came_from():
    items = RoadmapItemFactory.create_batch(3)
    subscribe("item.status_changed")
    assert items_set_status(item_ids=[i.pk for i in items], status="planned") == 3
    sent = payloads("item.status_changed")
    assert sorted(p["item"]["id"] for p in sent) == sorted(i.pk for i in items)
    assert {(p["from"], p["to"]) for p in sent} == {("candidate", "planned")}


def test_reports_links_plans_and_outcomes_send_their_events(marketing_user):
    subscribe("report.created", "report.linked", "launch_plan.changed", "outcome.created")
    item = RoadmapItemFactory(status="planned")
    report = report_create(submitted_by=marketing_user, **report_fields(), links=[(item.pk, 0.5)])
    assert payloads("report.created")[0]["report"]["id"] == report.pk
    assert payloads("report.linked") == [{"report": report.pk, "item": item.pk, "weight": 0.5}]
    evidence_link(item=item, report=report, weight=0.8)
    assert payloads("report.linked")[-1]["weight"] == 0.8

    plan = launch_plan_create(item=item)
    launch_plan_update(plan=plan, data={"value_proposition": "Faster"})
    launch_plan_delete(plan=plan)
    assert [p["action"] for p in payloads("launch_plan.changed")] == [
        "created",
        "updated",
        "deleted",
    ]

    shipped = RoadmapItemFactory(status="shipped")
    today = timezone.localdate()
    outcome = outcome_create(
        submitted_by=marketing_user,
        item=shipped,
        kpi="activation_rate",
        baseline=0.3,
        measured=0.4,
        period_start=today - timedelta(days=60),
        period_end=today - timedelta(days=1),
    )
    assert payloads("outcome.created")[0]["outcome"]["id"] == outcome.pk


def test_bulk_reports_send_one_event_per_created_report(marketing_user):
    subscribe("report.created")
    records = [
        BulkRecord(index=i, data=report_fields(source="crm", external_id=f"r{i}")) for i in range(5)
    ]
    result = reports_bulk_upsert(records=records, user=marketing_user)
    assert result.created == 5
    assert len(payloads("report.created")) == 5
    # Sent again: updates, no new report.created.
    reports_bulk_upsert(records=records, user=marketing_user)
    assert len(payloads("report.created")) == 5
