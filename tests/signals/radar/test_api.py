"""The radar's API: suggestions, the queue, decisions, duplicates, topics; roles and the
one error shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from signals import services as evidence
from signals.models import SignalLink
from signals.radar.models import RadarDuplicate, RadarSuggestion, RadarTopic, TopicStatus
from tests.signals.radar.conftest import refresh
from tests.support.api import API, api_client_for, assert_error
from tests.support.factories import FrictionReportFactory


def _signal(title, user, days=1, account=""):
    return evidence.signal_create(
        kind="customer_request",
        title=title,
        account_name=account,
        observed_at=timezone.now() - timedelta(days=days),
        submitted_by=user,
    )


@pytest.fixture
def product(product_user):
    return api_client_for(product_user)


@pytest.fixture
def marketing(marketing_user):
    return api_client_for(marketing_user)


def test_a_signals_suggestions_name_items_with_similarity_and_words(
    catalogue, product, marketing_user
):
    signal = _signal("factures PDF sans logo", marketing_user)
    refresh()
    body = product.get(f"{API}/signals/{signal.pk}/suggestions/").json()
    assert body["kind"] == "signal"
    assert body["pending"] is False
    first = body["suggestions"][0]
    assert first["item_id"] == catalogue["invoices"].pk
    assert first["matched"]
    assert 0 < first["similarity"] <= 1


def test_a_report_never_read_by_the_radar_answers_pending(catalogue, product):
    report = FrictionReportFactory()
    body = product.get(f"{API}/friction-reports/{report.pk}/suggestions/").json()
    assert body["pending"] is True
    assert body["suggestions"] == []


def test_the_queue_lists_unlinked_evidence_newest_first_within_a_query_budget(
    catalogue, product, marketing_user, django_assert_max_num_queries
):
    older = _signal("PDF invoices logo", marketing_user, days=3)
    newer = _signal("dark theme please", marketing_user, days=1)
    refresh()
    with django_assert_max_num_queries(12):
        body = product.get(f"{API}/suggestions/?unlinked=true").json()
    ids = [row["id"] for row in body["results"]]
    assert ids.index(newer.pk) < ids.index(older.pk)
    assert_error(product.get(f"{API}/suggestions/?unlinked=maybe"), 400)


def test_marketing_accepts_on_its_own_evidence_and_not_on_others(
    catalogue, marketing, marketing_user, other_marketing_user
):
    mine = _signal("PDF invoices logo", marketing_user)
    theirs = _signal("PDF invoices logo VAT", other_marketing_user)
    refresh()
    own = RadarSuggestion.objects.get(doc__signal=mine, rank=1)
    other = RadarSuggestion.objects.get(doc__signal=theirs, rank=1)
    response = marketing.post(f"{API}/suggestions/{own.pk}/accept/")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert SignalLink.objects.filter(signal=mine, item_id=own.item_id, weight=1.0).exists()
    assert_error(marketing.post(f"{API}/suggestions/{other.pk}/accept/"), 403)


def test_rejecting_then_accepting_is_a_conflict(catalogue, product, marketing_user):
    signal = _signal("PDF invoices logo", marketing_user)
    refresh()
    suggestion = RadarSuggestion.objects.get(doc__signal=signal, rank=1)
    assert product.post(f"{API}/suggestions/{suggestion.pk}/reject/").status_code == 200
    assert_error(product.post(f"{API}/suggestions/{suggestion.pk}/accept/"), 409)
    assert_error(product.post(f"{API}/suggestions/999999/accept/"), 404)


def test_integration_reads_but_does_not_decide(catalogue, integration_user, marketing_user):
    signal = _signal("PDF invoices logo", marketing_user)
    refresh()
    client = api_client_for(integration_user)
    assert client.get(f"{API}/signals/{signal.pk}/suggestions/").status_code == 200
    suggestion = RadarSuggestion.objects.get(doc__signal=signal, rank=1)
    assert_error(client.post(f"{API}/suggestions/{suggestion.pk}/accept/"), 403)


def test_anonymous_callers_get_401(db, client):
    assert_error(client.get(f"{API}/suggestions/"), 401)
    assert_error(client.get(f"{API}/radar/topics/"), 401)


def test_duplicates_are_listed_and_confirmed(catalogue, product, marketing_user):
    _signal("Acme wants Okta single sign-on before the renewal", marketing_user, 5, "Acme")
    duplicate = _signal("Acme again: they need Okta SSO before renewal", marketing_user, 2, "Acme")
    refresh()
    rows = product.get(f"{API}/duplicates/?status=flagged").json()["results"]
    assert [row["evidence_id"] for row in rows] == [duplicate.pk]
    flag = RadarDuplicate.objects.get()
    response = product.post(f"{API}/duplicates/{flag.pk}/confirm/")
    assert response.json()["status"] == "confirmed"
    assert product.get(f"{API}/signals/{duplicate.pk}/").json()["dismissed"] is True


def test_topics_are_listed_and_only_product_acts_on_them(catalogue, product, marketing):
    topic = RadarTopic.objects.create(
        label="factur-x, réforme", status=TopicStatus.EMERGING, size=0
    )
    body = product.get(f"{API}/radar/topics/?status=emerging").json()
    assert body["results"][0]["label"] == "factur-x, réforme"
    assert_error(marketing.post(f"{API}/radar/topics/{topic.pk}/dismiss/"), 403)
    assert product.post(f"{API}/radar/topics/{topic.pk}/dismiss/").json()["status"] == "dismissed"
    assert_error(
        product.post(f"{API}/radar/topics/{topic.pk}/create-item/", {"x": 1}, format="json"), 400
    )
