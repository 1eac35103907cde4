"""Every endpoint × method × role, anonymous included, with the exact status code.

Roles (DESIGN.md): product does everything; marketing creates signals, reports and
outcomes and changes only its own, shares launch plans with product, reads everything
else, may preview a scoring model; integration reads; anonymous gets 401. "own" and
"other" name evidence submitted by the marketing user and by another marketing user.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.services import item_scores_recompute_all, ranking_publish
from signals.campaigns.models import FrictionProposal
from signals.campaigns.proposals import friction_proposals_refresh
from tests.support.api import api_client_for
from tests.support.campaigns import collapsing_campaign
from tests.support.factories import (
    CampaignFactory,
    FrictionReportFactory,
    FunnelSnapshotFactory,
    LaunchPlanFactory,
    MarketSignalFactory,
    OutcomeFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SegmentFactory,
    SignalLinkFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "product", "marketing", "integration")
NOW = timezone.now().replace(microsecond=0)
OBSERVED = (NOW - timedelta(days=3)).isoformat()


def signal_body(external_id: str) -> dict[str, Any]:
    return {
        "kind": "customer_request",
        "title": "Needs SSO",
        "source": "matrix",
        "external_id": external_id,
        "observed_at": OBSERVED,
    }


def outcome_body(external_id: str) -> dict[str, Any]:
    return {
        "item": "{shipped_item}",
        "kpi": "activation_rate",
        "baseline": 0.3,
        "measured": 0.35,
        "period_start": (NOW - timedelta(days=60)).date().isoformat(),
        "period_end": (NOW - timedelta(days=1)).date().isoformat(),
        "source": "matrix",
        "external_id": external_id,
    }


def report_body(external_id: str) -> dict[str, Any]:
    return {
        "campaign": "Trial push",
        "channel": "email",
        "funnel_stage": "activation",
        "affected_people": 100,
        "severity": 1.0,
        "source": "matrix",
        "external_id": external_id,
        "observed_at": OBSERVED,
    }


def campaign_body(external_id: str) -> dict[str, Any]:
    return {
        "name": "Spring push",
        "channel": "email",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "spend": "1000.00",
        "currency": "EUR",
        "source": "matrix",
        "external_id": external_id,
    }


def snapshot_body(external_id: str, campaign: str = "{own_campaign}") -> dict[str, Any]:
    return {
        "campaign": campaign,
        "period_start": "2027-01-01",
        "period_end": "2027-01-31",
        "impressions": 1000,
        "clicks": 100,
        "sign_ups": 20,
        "activated": 10,
        "paid": 2,
        "retained_30": 2,
        "retained_90": 1,
        "source": "matrix",
        "external_id": external_id,
    }


# (method, path, body, {role: status}); {x} placeholders are filled from the world.
READ = {"anonymous": 401, "product": 200, "marketing": 200, "integration": 200}


def writes(product: int, marketing: int = 403) -> dict[str, int]:
    return {"anonymous": 401, "product": product, "marketing": marketing, "integration": 403}


# Outbound webhooks: product only, reads included (secrets, payloads).
PRODUCT_READ = {"anonymous": 401, "product": 200, "marketing": 403, "integration": 403}
HOOK = {"url": "https://93.184.216.34/hook", "events": ["item.created"]}
PRODUCT_READS = {"anonymous": 401, "product": 200, "marketing": 403, "integration": 403}


def expected_body() -> dict[str, Any]:
    return {
        "launch_plan": "{launch_plan}",
        "kpi": "activation_rate",
        "expected_lift": 0.2,
        "due_date": (NOW + timedelta(days=90)).date().isoformat(),
    }


def decision_body() -> dict[str, Any]:
    return {
        "kind": "investigate",
        "rationale": "Why do trials stall?",
        "owner": "{owner}",
        "team": "marketing",
        "due_date": (NOW + timedelta(days=14)).date().isoformat(),
    }


MATRIX: list[tuple[str, str, Any, dict[str, int]]] = [
    ("get", "/api/v1/items/", None, READ),
    ("post", "/api/v1/items/", {"title": "New"}, writes(201)),
    ("get", "/api/v1/items/{item}/", None, READ),
    ("patch", "/api/v1/items/{item}/", {"effort": 3.0}, writes(200)),
    ("put", "/api/v1/items/{item}/", {"title": "Renamed"}, writes(200)),
    ("delete", "/api/v1/items/{item}/", None, writes(405)),
    ("post", "/api/v1/items/{item}/archive/", None, writes(200)),
    ("get", "/api/v1/items/{item}/score/", None, READ),
    ("get", "/api/v1/themes/", None, READ),
    ("post", "/api/v1/themes/", {"name": "Growth"}, writes(201)),
    ("get", "/api/v1/themes/{theme}/", None, READ),
    ("patch", "/api/v1/themes/{theme}/", {"name": "Renamed"}, writes(200)),
    ("put", "/api/v1/themes/{theme}/", {"name": "Renamed"}, writes(200)),
    ("delete", "/api/v1/themes/{theme}/", None, writes(204)),
    ("get", "/api/v1/segments/", None, READ),
    ("post", "/api/v1/segments/", {"slug": "edu", "name": "Education"}, writes(201)),
    ("get", "/api/v1/segments/{segment}/", None, READ),
    ("patch", "/api/v1/segments/{segment}/", {"name": "SMB"}, writes(200)),
    ("put", "/api/v1/segments/{segment}/", {"slug": "smb", "name": "SMB"}, writes(200)),
    ("delete", "/api/v1/segments/{segment}/", None, writes(204)),
    ("get", "/api/v1/signals/", None, READ),
    ("post", "/api/v1/signals/", signal_body("new-1"), writes(201, 201)),
    ("post", "/api/v1/signals/bulk/", {"records": [signal_body("b-1")]}, writes(200, 200)),
    ("get", "/api/v1/signals/{own_signal}/", None, READ),
    ("patch", "/api/v1/signals/{own_signal}/", {"title": "Edited"}, writes(200, 200)),
    ("patch", "/api/v1/signals/{other_signal}/", {"title": "Edited"}, writes(200, 403)),
    ("put", "/api/v1/signals/{own_signal}/", signal_body("own-s"), writes(200, 200)),
    ("put", "/api/v1/signals/{other_signal}/", signal_body("other-s"), writes(200, 403)),
    ("delete", "/api/v1/signals/{own_signal}/", None, writes(204, 403)),
    ("post", "/api/v1/signals/{own_signal}/dismiss/", None, writes(200, 200)),
    ("post", "/api/v1/signals/{other_signal}/dismiss/", None, writes(200, 403)),
    ("post", "/api/v1/signals/{own_signal}/restore/", None, writes(200, 200)),
    (
        "post",
        "/api/v1/signals/{own_signal}/links/",
        {"item": "{item}", "weight": 0.5},
        writes(200, 200),
    ),
    ("post", "/api/v1/signals/{other_signal}/links/", {"item": "{item}"}, writes(200, 403)),
    ("delete", "/api/v1/signals/{own_signal}/links/{item}/", None, writes(204, 204)),
    ("delete", "/api/v1/signals/{other_signal}/links/{item}/", None, writes(204, 403)),
    ("get", "/api/v1/friction-reports/", None, READ),
    ("post", "/api/v1/friction-reports/", report_body("new-r"), writes(201, 201)),
    ("post", "/api/v1/friction-reports/bulk/", {"records": [report_body("b-r")]}, writes(200, 200)),
    ("get", "/api/v1/friction-reports/{own_report}/", None, READ),
    ("patch", "/api/v1/friction-reports/{own_report}/", {"campaign": "X"}, writes(200, 200)),
    ("patch", "/api/v1/friction-reports/{other_report}/", {"campaign": "X"}, writes(200, 403)),
    ("put", "/api/v1/friction-reports/{own_report}/", report_body("own-r"), writes(200, 200)),
    ("put", "/api/v1/friction-reports/{other_report}/", report_body("oth-r"), writes(200, 403)),
    ("delete", "/api/v1/friction-reports/{own_report}/", None, writes(204, 403)),
    (
        "post",
        "/api/v1/friction-reports/{own_report}/status/",
        {"status": "addressed"},
        writes(200, 200),
    ),
    (
        "post",
        "/api/v1/friction-reports/{other_report}/status/",
        {"status": "addressed"},
        writes(200, 403),
    ),
    ("post", "/api/v1/friction-reports/{own_report}/links/", {"item": "{item}"}, writes(200, 200)),
    ("delete", "/api/v1/friction-reports/{own_report}/links/{item}/", None, writes(204, 204)),
    ("delete", "/api/v1/friction-reports/{other_report}/links/{item}/", None, writes(204, 403)),
    ("get", "/api/v1/scoring-models/", None, READ),
    ("post", "/api/v1/scoring-models/", {"product_weight": 0.6}, writes(201)),
    ("get", "/api/v1/scoring-models/{model}/", None, READ),
    ("post", "/api/v1/scoring-models/{model}/activate/", None, writes(200)),
    ("post", "/api/v1/scoring-models/preview/", {"product_weight": 0.9}, writes(200, 200)),
    ("get", "/api/v1/rankings/live/", None, READ),
    ("get", "/api/v1/rankings/", None, READ),
    ("post", "/api/v1/rankings/", {"note": "October committee"}, writes(201)),
    ("get", "/api/v1/rankings/latest/", None, READ),
    ("get", "/api/v1/rankings/1/", None, READ),
    ("get", "/api/v1/rankings/1/entries/", None, READ),
    ("get", "/api/v1/rankings/1/diff/", None, READ),
    ("get", "/api/v1/rankings/latest/jira/", None, READ),
    # Jira is not configured in tests: product gets the documented 409.
    ("post", "/api/v1/rankings/1/push-to-jira/", None, writes(409)),
    # A push's outcome: product and integration read it, marketing does not.
    ("get", "/api/v1/jira/runs/{jira_run}/", None, READ | {"marketing": 403}),
    # Launch plans: both teams own them.
    ("get", "/api/v1/launch-plans/", None, READ),
    ("post", "/api/v1/launch-plans/", {"item": "{item}"}, writes(201, 201)),
    ("get", "/api/v1/launch-plans/{launch_plan}/", None, READ),
    ("patch", "/api/v1/launch-plans/{launch_plan}/", {"analytics_ready": True}, writes(200, 200)),
    ("put", "/api/v1/launch-plans/{launch_plan}/", {"item": "{planned_item}"}, writes(200, 200)),
    ("delete", "/api/v1/launch-plans/{launch_plan}/", None, writes(204, 204)),
    ("get", "/api/v1/launch-plans/calendar/", None, READ),
    ("get", "/api/v1/launch-plans/calendar.ics", None, READ),
    # Outcomes: evidence after shipping, like signals (no DELETE).
    ("get", "/api/v1/outcomes/", None, READ),
    ("post", "/api/v1/outcomes/", outcome_body("new-o"), writes(201, 201)),
    ("post", "/api/v1/outcomes/bulk/", {"records": [outcome_body("b-o")]}, writes(200, 200)),
    ("get", "/api/v1/outcomes/{own_outcome}/", None, READ),
    ("patch", "/api/v1/outcomes/{own_outcome}/", {"measured": 0.4}, writes(200, 200)),
    ("patch", "/api/v1/outcomes/{other_outcome}/", {"measured": 0.4}, writes(200, 403)),
    ("put", "/api/v1/outcomes/{own_outcome}/", outcome_body("own-o"), writes(200, 200)),
    ("put", "/api/v1/outcomes/{other_outcome}/", outcome_body("oth-o"), writes(200, 403)),
    ("delete", "/api/v1/outcomes/{own_outcome}/", None, writes(405, 405)),
    # Campaigns and funnels: evidence-like ownership.
    ("get", "/api/v1/campaigns/", None, READ),
    ("post", "/api/v1/campaigns/", campaign_body("new-c"), writes(201, 201)),
    ("post", "/api/v1/campaigns/bulk/", {"records": [campaign_body("b-c")]}, writes(200, 200)),
    ("get", "/api/v1/campaigns/dashboard/", None, READ),
    ("get", "/api/v1/campaigns/{own_campaign}/", None, READ),
    ("patch", "/api/v1/campaigns/{own_campaign}/", {"name": "X"}, writes(200, 200)),
    ("patch", "/api/v1/campaigns/{other_campaign}/", {"name": "X"}, writes(200, 403)),
    ("put", "/api/v1/campaigns/{own_campaign}/", campaign_body("own-c"), writes(200, 200)),
    ("put", "/api/v1/campaigns/{other_campaign}/", campaign_body("oth-c"), writes(200, 403)),
    ("delete", "/api/v1/campaigns/{own_campaign}/", None, writes(204, 403)),
    ("get", "/api/v1/funnel-snapshots/", None, READ),
    ("post", "/api/v1/funnel-snapshots/", snapshot_body("new-f"), writes(201, 201)),
    (
        "post",
        "/api/v1/funnel-snapshots/bulk/",
        {"records": [snapshot_body("b-f")]},
        writes(200, 200),
    ),
    ("get", "/api/v1/funnel-snapshots/{own_snapshot}/", None, READ),
    ("patch", "/api/v1/funnel-snapshots/{own_snapshot}/", {"paid": 19}, writes(200, 200)),
    ("patch", "/api/v1/funnel-snapshots/{other_snapshot}/", {"paid": 19}, writes(200, 403)),
    (
        "put",
        "/api/v1/funnel-snapshots/{own_snapshot}/",
        snapshot_body("own-f"),
        writes(200, 200),
    ),
    (
        "put",
        "/api/v1/funnel-snapshots/{other_snapshot}/",
        snapshot_body("oth-f", "{other_campaign}"),
        writes(200, 403),
    ),
    ("delete", "/api/v1/funnel-snapshots/{own_snapshot}/", None, writes(204, 403)),
    ("get", "/api/v1/friction-proposals/", None, READ),
    ("get", "/api/v1/friction-proposals/{proposal}/", None, READ),
    ("post", "/api/v1/friction-proposals/{proposal}/confirm/", {}, writes(200, 200)),
    ("post", "/api/v1/friction-proposals/{proposal}/dismiss/", None, writes(200, 200)),
    ("get", "/api/v1/kpis/", None, READ),
    # The roadmap over time and the loop back.
    ("get", "/api/v1/roadmap/", None, READ),
    ("get", "/api/v1/roadmap/share-links/", None, PRODUCT_READS),
    (
        "post",
        "/api/v1/roadmap/share-links/",
        {"label": "Acme", "expires_at": "{expiry}"},
        writes(201),
    ),
    ("get", "/api/v1/roadmap/share-links/{share_link}/", None, PRODUCT_READS),
    ("delete", "/api/v1/roadmap/share-links/{share_link}/", None, writes(204)),
    ("get", "/api/v1/expected-results/", None, READ),
    ("post", "/api/v1/expected-results/", expected_body(), writes(201, 201)),
    ("get", "/api/v1/expected-results/{expected}/", None, READ),
    ("patch", "/api/v1/expected-results/{expected}/", {"expected_lift": 0.3}, writes(200, 200)),
    ("put", "/api/v1/expected-results/{expected}/", expected_body(), writes(200, 200)),
    ("delete", "/api/v1/expected-results/{expected}/", None, writes(204, 204)),
    ("get", "/api/v1/items/{item}/accounts/", None, READ),
    ("get", "/api/v1/notifications/", None, READ),
    ("post", "/api/v1/notifications/read/", {}, writes(200, 200)),
    ("get", "/api/v1/calibration/", None, READ),
    (
        "post",
        "/api/v1/calibration/apply/",
        {"owner": "{owner}", "multiplier": "{multiplier}"},
        writes(200),
    ),
    # The radar: everyone reads; suggestions and duplicates are decided by product, or by
    # marketing on its own evidence; topics are product's.
    ("get", "/api/v1/signals/{own_signal}/suggestions/", None, READ),
    ("get", "/api/v1/friction-reports/{own_report}/suggestions/", None, READ),
    ("get", "/api/v1/suggestions/", None, READ),
    ("post", "/api/v1/suggestions/{own_suggestion}/accept/", None, writes(200, 200)),
    ("post", "/api/v1/suggestions/{other_suggestion}/accept/", None, writes(200, 403)),
    ("post", "/api/v1/suggestions/{own_suggestion}/reject/", None, writes(200, 200)),
    ("post", "/api/v1/suggestions/{other_suggestion}/reject/", None, writes(200, 403)),
    ("get", "/api/v1/duplicates/", None, READ),
    ("get", "/api/v1/duplicates/{own_duplicate}/", None, READ),
    ("post", "/api/v1/duplicates/{own_duplicate}/confirm/", None, writes(200, 200)),
    ("post", "/api/v1/duplicates/{other_duplicate}/confirm/", None, writes(200, 403)),
    ("post", "/api/v1/duplicates/{own_duplicate}/reject/", None, writes(200, 200)),
    ("post", "/api/v1/duplicates/{other_duplicate}/reject/", None, writes(200, 403)),
    ("get", "/api/v1/radar/topics/", None, READ),
    ("get", "/api/v1/radar/topics/{topic}/", None, READ),
    ("post", "/api/v1/radar/topics/{topic}/dismiss/", None, writes(200)),
    ("post", "/api/v1/radar/topics/{topic}/create-item/", {}, writes(201)),
    ("get", "/api/v1/webhooks/subscriptions/", None, PRODUCT_READ),
    ("post", "/api/v1/webhooks/subscriptions/", HOOK, writes(201)),
    ("get", "/api/v1/webhooks/subscriptions/{webhook}/", None, PRODUCT_READ),
    ("patch", "/api/v1/webhooks/subscriptions/{webhook}/", {"is_active": False}, writes(200)),
    ("put", "/api/v1/webhooks/subscriptions/{webhook}/", HOOK, writes(200)),
    ("delete", "/api/v1/webhooks/subscriptions/{webhook}/", None, writes(204)),
    ("get", "/api/v1/webhooks/deliveries/", None, PRODUCT_READ),
    ("get", "/api/v1/webhooks/deliveries/{delivery}/", None, PRODUCT_READ),
    ("post", "/api/v1/webhooks/deliveries/{delivery}/redeliver/", None, writes(202)),
    # The committee: both teams prepare and run meetings (the agenda: its attendees, here
    # both users); publishing as a meeting closes is product's; integration reads.
    ("get", "/api/v1/committees/", None, READ),
    ("post", "/api/v1/committees/", {"title": "May", "date": "{meeting_day}"}, writes(201, 201)),
    ("get", "/api/v1/committees/{meeting}/", None, READ),
    ("patch", "/api/v1/committees/{meeting}/", {"title": "Renamed"}, writes(200, 200)),
    ("delete", "/api/v1/committees/{meeting}/", None, writes(204, 204)),
    ("post", "/api/v1/committees/{meeting}/regenerate/", None, writes(200, 200)),
    # Another meeting is in session in the world: past the permission, starting is a 409.
    ("post", "/api/v1/committees/{meeting}/start/", None, writes(409, 409)),
    ("get", "/api/v1/committees/{meeting}/points/", None, READ),
    ("post", "/api/v1/committees/{meeting}/points/", {"title": "Pricing"}, writes(201, 201)),
    ("delete", "/api/v1/committees/{meeting}/points/{point}/", None, writes(204, 204)),
    (
        "post",
        "/api/v1/committees/{meeting}/points/reorder/",
        {"points": "{point_order}"},
        writes(200, 200),
    ),
    # Only attendees (and its creator) change an agenda, whatever their role.
    ("post", "/api/v1/committees/{closed_to_us}/points/", {"title": "X"}, writes(403, 403)),
    ("get", "/api/v1/committees/{session}/decisions/", None, READ),
    ("post", "/api/v1/committees/{session}/decisions/", decision_body(), writes(201, 201)),
    ("post", "/api/v1/committees/{session}/close/", {}, writes(200, 200)),
    ("post", "/api/v1/committees/{session}/close/", {"publish": True}, writes(200, 403)),
    ("get", "/api/v1/decisions/", None, READ),
    ("get", "/api/v1/decisions/{decision}/", None, READ),
    ("patch", "/api/v1/decisions/{decision}/", {"status": "done"}, writes(200, 200)),
]


@pytest.fixture
def world(product_user, marketing_user, other_marketing_user) -> dict[str, Any]:
    theme = ThemeFactory(name="Onboarding")
    segment = SegmentFactory(slug="smb", name="SMB")
    item = RoadmapItemFactory(theme=theme)
    own_signal = MarketSignalFactory(submitted_by=marketing_user, observed_at=NOW)
    other_signal = MarketSignalFactory(submitted_by=other_marketing_user, observed_at=NOW)
    own_report = FrictionReportFactory(submitted_by=marketing_user)
    other_report = FrictionReportFactory(submitted_by=other_marketing_user)
    for signal in (own_signal, other_signal):
        SignalLinkFactory(item=item, signal=signal)
    for report in (own_report, other_report):
        ReportLinkFactory(item=item, report=report)
    # Closing the loop: a launch plan, and two shipped items of one owner with outcomes
    # (so that the owner has a calibration suggestion to apply).
    planned_item = RoadmapItemFactory(theme=theme, status="planned")
    launch_plan = LaunchPlanFactory(item=planned_item)
    shipped = RoadmapItemFactory.create_batch(2, status="shipped", owner=product_user)
    own_outcome = OutcomeFactory(item=shipped[0], submitted_by=marketing_user)
    other_outcome = OutcomeFactory(item=shipped[1], submitted_by=other_marketing_user)
    item_scores_recompute_all()
    from config.webhooks.models import WebhookDelivery, WebhookSubscription

    webhook = WebhookSubscription.objects.create(
        url=HOOK["url"], events=["ranking.published"], owner=product_user
    )
    ranking_publish(note="baseline", published_by=product_user)
    delivery = WebhookDelivery.objects.get(subscription=webhook)
    from roadmap.jira.models import JiraSyncRun
    from scoring.models import ScoringModel
    from scoring.selectors import calibration_suggestion

    suggestion = calibration_suggestion(owner_id=product_user.pk)
    assert suggestion is not None
    own_campaign = CampaignFactory(submitted_by=marketing_user)
    other_campaign = CampaignFactory(submitted_by=other_marketing_user)
    own_snapshot = FunnelSnapshotFactory(campaign=own_campaign, submitted_by=marketing_user)
    other_snapshot = FunnelSnapshotFactory(
        campaign=other_campaign, submitted_by=other_marketing_user
    )
    proposed, _ = collapsing_campaign()
    friction_proposals_refresh(campaign_ids=[proposed.pk])
    radar = _radar_world(item, own_signal, other_signal)

    from scoring.sharing.services import share_link_create
    from signals.loop.services import expected_result_create

    expected = expected_result_create(
        launch_plan=launch_plan, kpi="nps", expected_lift=0.1, due_date=NOW.date()
    )
    share_link = share_link_create(
        created_by=product_user, label="Partners", expires_at=NOW + timedelta(days=5)
    )
    committee = _committee_world(product_user, marketing_user, other_marketing_user)
    return {
        **committee,
        "expected": expected.pk,
        "share_link": share_link.pk,
        "expiry": (NOW + timedelta(days=30)).isoformat(),
        "planned_item": planned_item.pk,
        "launch_plan": launch_plan.pk,
        "shipped_item": shipped[0].pk,
        "own_outcome": own_outcome.pk,
        "other_outcome": other_outcome.pk,
        "owner": product_user.pk,
        "multiplier": suggestion.multiplier,
        "item": item.pk,
        "theme": theme.pk,
        "segment": segment.pk,
        "own_signal": own_signal.pk,
        "other_signal": other_signal.pk,
        "own_report": own_report.pk,
        "other_report": other_report.pk,
        "model": ScoringModel.objects.get(is_active=True).pk,
        "webhook": webhook.pk,
        "delivery": delivery.pk,
        "jira_run": JiraSyncRun.objects.create(ranking_number=1, status="succeeded").pk,
        "own_campaign": own_campaign.pk,
        "other_campaign": other_campaign.pk,
        "own_snapshot": own_snapshot.pk,
        "other_snapshot": other_snapshot.pk,
        "proposal": FrictionProposal.objects.filter(campaign=proposed).first().pk,
        **radar,
    }


def _radar_world(item: Any, own_signal: Any, other_signal: Any) -> dict[str, int]:
    """A suggestion and a duplicate flag on the marketing user's signal and on another's,
    and a topic."""
    from signals.radar.models import RadarDoc, RadarDuplicate, RadarSuggestion, RadarTopic

    other_item = RoadmapItemFactory()
    docs = {
        s.pk: RadarDoc.objects.create(signal=s, terms="w:x", observed_at=NOW, stale=False)
        for s in (own_signal, other_signal)
    }
    original = RadarDoc.objects.create(
        signal=MarketSignalFactory(observed_at=NOW), terms="w:x", observed_at=NOW
    )
    own_doc, other_doc = docs[own_signal.pk], docs[other_signal.pk]
    suggestions = [
        RadarSuggestion.objects.create(doc=doc, item=other_item, similarity=0.5)
        for doc in (own_doc, other_doc)
    ]
    duplicates = [
        RadarDuplicate.objects.create(doc=doc, original=original, similarity=0.9)
        for doc in (own_doc, other_doc)
    ]
    topic = RadarTopic.objects.create(label="factur-x", status="emerging")
    return {
        "own_suggestion": suggestions[0].pk,
        "other_suggestion": suggestions[1].pk,
        "own_duplicate": duplicates[0].pk,
        "other_duplicate": duplicates[1].pk,
        "topic": topic.pk,
    }


def _committee_world(product_user: Any, marketing_user: Any, other_user: Any) -> dict[str, Any]:
    """A planned meeting of both users with a point added by hand, one in session with a
    decision, and a planned meeting neither attends."""
    from scoring.committees import services
    from tests.support.committees import decision, meeting_in_session, meeting_planned

    attendees = [product_user, marketing_user]
    meeting = meeting_planned(attendees=attendees, title="April committee")
    point = services.agenda_point_add(meeting=meeting, title="Churn", user=product_user)
    session = meeting_in_session(attendees=attendees, title="March committee")
    closed_to_us = meeting_planned(attendees=[other_user], title="Marketing only")
    order = list(meeting.agenda_points.order_by("-position").values_list("pk", flat=True))
    return {
        "meeting": meeting.pk,
        "meeting_day": (NOW + timedelta(days=20)).date().isoformat(),
        "point": point.pk,
        "point_order": order,
        "session": session.pk,
        "closed_to_us": closed_to_us.pk,
        "decision": decision(session, owner=marketing_user).pk,
    }


def _fill(value: Any, world: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return world[value[1:-1]]
    if isinstance(value, dict):
        return {key: _fill(inner, world) for key, inner in value.items()}
    if isinstance(value, list):
        return [_fill(inner, world) for inner in value]
    return value


CASES = [
    pytest.param(method, path, body, role, expected[role], id=f"{method.upper()} {path} as {role}")
    for method, path, body, expected in MATRIX
    for role in ROLES
]


@pytest.mark.parametrize(("method", "path", "body", "role", "status"), CASES)
def test_permission_matrix(world, method, path, body, role, status, request):
    users = {
        "product": request.getfixturevalue("product_user"),
        "marketing": request.getfixturevalue("marketing_user"),
        "integration": request.getfixturevalue("integration_user"),
    }
    client = APIClient() if role == "anonymous" else api_client_for(users[role])
    url = path.format(**world)
    response = getattr(client, method)(url, _fill(body, world), format="json")
    assert response.status_code == status, response.content[:500]
    if status >= 400:
        assert set(response.json()) == {"error"}


def test_the_matrix_covers_every_api_operation():
    """A new endpoint must be added to the matrix: compare with the OpenAPI schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if path.startswith("/api/v1/") and path not in PUBLIC_PATHS
    }
    covered = set()
    for method, path, _, _ in MATRIX:
        generic = path
        names = ("item", "theme", "segment", "model", "launch_plan", "jira_run", "webhook")
        for name in (*names, "delivery", "expected", "share_link"):
            generic = generic.replace(f"{{{name}}}", "{id}")
        for name in ("own_signal", "other_signal", "own_report", "other_report"):
            generic = generic.replace(f"{{{name}}}", "{id}")
        for name in (
            "own_campaign",
            "other_campaign",
            "own_snapshot",
            "other_snapshot",
            "proposal",
        ):
            generic = generic.replace(f"{{{name}}}", "{id}")
        for name in ("own_outcome", "other_outcome", "own_suggestion", "other_suggestion"):
            generic = generic.replace(f"{{{name}}}", "{id}")
        for name in ("meeting", "session", "closed_to_us", "decision"):
            generic = generic.replace(f"{{{name}}}", "{id}")
        generic = generic.replace("/points/{point}/", "/points/{point_id}/")
        for name in ("own_duplicate", "other_duplicate", "topic"):
            generic = generic.replace(f"{{{name}}}", "{id}")
        generic = generic.replace("/1/", "/{number}/").replace("/links/{id}/", "/links/{item_id}/")
        if generic.startswith("/api/v1/items/{id}/score/"):
            generic = "/api/v1/items/{id}/score/"
        covered.add((method, generic))
    assert documented - covered == set()


# Endpoints that authenticate by other means than an API key (checked in their own tests).
PUBLIC_PATHS = {"/api/v1/jira/webhook/"}
