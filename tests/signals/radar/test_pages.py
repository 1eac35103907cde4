"""The radar where people work: the board's "Emerging" panel and its two actions, the
suggestions on "My evidence" and on marketing's "Suggested links" page, and the demo data
that makes them show on a first visit."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from roadmap.models import RoadmapItem
from signals import services as evidence
from signals.models import MarketSignal, SignalLink
from signals.radar.models import (
    RadarDoc,
    RadarDuplicate,
    RadarSuggestion,
    RadarTopic,
    SuggestionStatus,
    TopicStatus,
)
from tests.signals.radar.conftest import refresh


@pytest.fixture(autouse=True)
def _plain_http(settings):
    settings.SECURE_SSL_REDIRECT = False


def _topic(**extra):
    now = timezone.now()
    values = {
        "label": "factur-x, reforme",
        "status": TopicStatus.EMERGING,
        "top_terms": ["Factur-X", "réforme", "e-invoicing"],
        "size": 9,
        "recent_count": 8,
        "baseline_count": 1,
        "growth": 40.0,
        "p_value": 2.1e-6,
        "quotes": [{"kind": "signal", "id": 1, "text": "Facture électronique obligatoire ?"}],
        "first_seen": now - timedelta(days=100),
        "last_seen": now,
    }
    return RadarTopic.objects.create(**{**values, **extra})


def _signal(title, user, *, days=1):
    return evidence.signal_create(
        kind="customer_request",
        title=title,
        observed_at=timezone.now() - timedelta(days=days),
        submitted_by=user,
    )


def _panel(html: str) -> str:
    return html.split('data-testid="emerging-panel"')[1].split("</section>")[0]


# --- The board's "Emerging" panel ---------------------------------------------------


def test_product_sees_the_topic_with_both_actions(client, product_user):
    topic = _topic()
    client.force_login(product_user)
    panel = _panel(client.get("/board/").content.decode())
    assert "Factur-X" in panel
    assert "Facture électronique obligatoire ?" in panel
    assert f"/radar/topics/{topic.pk}/create-item/" in panel
    assert f"/radar/topics/{topic.pk}/dismiss/" in panel
    assert "csrfmiddlewaretoken" in panel


def test_marketing_sees_dismiss_but_not_create(client, marketing_user):
    topic = _topic()
    client.force_login(marketing_user)
    panel = _panel(client.get("/board/").content.decode())
    assert f"/radar/topics/{topic.pk}/dismiss/" in panel
    assert "create-item" not in panel


def test_the_panel_says_when_nothing_emerges_and_hides_decided_topics(client, product_user):
    _topic(status=TopicStatus.DISMISSED)
    _topic(status=TopicStatus.QUIET)
    client.force_login(product_user)
    panel = _panel(client.get("/board/").content.decode())
    assert "No emerging topic right now." in panel
    assert "Factur-X" not in panel


def test_the_panel_is_translated(client, product_user):
    _topic()
    client.force_login(product_user)
    client.cookies["django_language"] = "fr"
    page = client.get("/board/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    panel = _panel(page)
    assert "Créer un élément à partir de ce sujet" in panel
    assert "Écarter le sujet" in panel
    assert "Create an item" not in panel


def test_creating_an_item_from_the_panel_links_the_topic_evidence(catalogue, client, product_user):
    signals = [_signal(f"Factur-X e-invoicing mandate {n}", product_user) for n in range(3)]
    refresh()
    topic = _topic()
    RadarDoc.objects.filter(signal__in=signals).update(topic=topic)
    client.force_login(product_user)
    before = RoadmapItem.objects.count()
    response = client.post(f"/radar/topics/{topic.pk}/create-item/", {"next": "/board/"})
    assert response.status_code == 302
    assert response["Location"] == "/board/"
    topic.refresh_from_db()
    assert topic.status == TopicStatus.CONVERTED
    assert RoadmapItem.objects.count() == before + 1
    assert SignalLink.objects.filter(item=topic.item, signal__in=signals).count() == 3
    # A second click does not create a second item; the person is told why.
    again = client.post(f"/radar/topics/{topic.pk}/create-item/", {"next": "/board/"}, follow=True)
    assert RoadmapItem.objects.count() == before + 1
    assert "already" in again.content.decode()


def test_marketing_dismisses_a_topic_and_it_leaves_the_board(client, marketing_user):
    topic = _topic()
    client.force_login(marketing_user)
    response = client.post(f"/radar/topics/{topic.pk}/dismiss/", {"next": "/board/"})
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == TopicStatus.DISMISSED
    assert topic.decided_by == marketing_user
    assert "Factur-X" not in _panel(client.get("/board/").content.decode())


def test_integration_accounts_and_anonymous_visitors_may_not_decide(client, integration_user):
    topic = _topic()
    response = client.post(f"/radar/topics/{topic.pk}/dismiss/")
    assert response.status_code == 302
    assert "/login" in response["Location"]
    client.force_login(integration_user)
    assert client.post(f"/radar/topics/{topic.pk}/dismiss/").status_code == 403
    assert client.post(f"/radar/topics/{topic.pk}/create-item/").status_code == 403
    topic.refresh_from_db()
    assert topic.status == TopicStatus.EMERGING


def test_the_actions_need_post_and_a_csrf_token(product_user):
    topic = _topic()
    client = Client(enforce_csrf_checks=True)
    client.force_login(product_user)
    assert client.get(f"/radar/topics/{topic.pk}/dismiss/").status_code == 405
    assert client.post(f"/radar/topics/{topic.pk}/dismiss/").status_code == 403
    topic.refresh_from_db()
    assert topic.status == TopicStatus.EMERGING


def test_an_unknown_topic_is_a_404(client, product_user):
    client.force_login(product_user)
    assert client.post("/radar/topics/999999/dismiss/").status_code == 404


# --- Suggestions on "My evidence" and "Suggested links" ----------------------------


def test_my_evidence_shows_suggestions_for_unlinked_evidence(catalogue, client, marketing_user):
    signal = _signal("Nos factures PDF n'ont pas le logo ni le numéro de TVA", marketing_user)
    refresh()
    suggestion = RadarSuggestion.objects.get(doc__signal=signal, rank=1)
    assert suggestion.item_id == catalogue["invoices"].pk
    client.force_login(marketing_user)
    page = client.get("/evidence/mine/").content.decode()
    card = page.split(f'data-testid="evidence-signal-{signal.pk}"')[1].split('class="card"')[0]
    assert "Branded PDF invoices" in card
    assert f"/radar/suggestions/{suggestion.pk}/accept/" in card
    response = client.post(
        f"/radar/suggestions/{suggestion.pk}/accept/", {"next": "/evidence/mine/"}, follow=True
    )
    assert SignalLink.objects.filter(signal=signal, item=catalogue["invoices"]).exists()
    after = response.content.decode()
    assert f"/radar/suggestions/{suggestion.pk}/accept/" not in after


def test_rejecting_from_my_evidence_is_remembered(catalogue, client, marketing_user):
    signal = _signal("Dark mode please, the white screen hurts at night", marketing_user)
    refresh()
    suggestion = RadarSuggestion.objects.get(doc__signal=signal, rank=1)
    client.force_login(marketing_user)
    client.post(f"/radar/suggestions/{suggestion.pk}/reject/", {"next": "/evidence/mine/"})
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.REJECTED
    page = client.get("/evidence/mine/").content.decode()
    assert f"/radar/suggestions/{suggestion.pk}/" not in page


@pytest.mark.parametrize(
    ("language", "words"), [("en", "(confidence 0.87)"), ("fr", "(confiance 0,87)")]
)
def test_my_evidence_shows_a_duplicate_flag_with_its_confidence(
    catalogue, client, marketing_user, language, words
):
    """The figure is the duplicate model's probability, not a similarity: it reads as a
    confidence, in both languages, with the two decisions."""
    original = _signal("Nos factures PDF n'ont pas le logo", marketing_user)
    repeat = _signal("Factures PDF toujours sans logo", marketing_user)
    refresh()
    RadarDuplicate.objects.filter(doc__signal=repeat).delete()
    flag = RadarDuplicate.objects.create(
        doc=RadarDoc.objects.get(signal=repeat),
        original=RadarDoc.objects.get(signal=original),
        similarity=0.8712,
    )
    client.force_login(marketing_user)
    client.cookies["django_language"] = language
    page = client.get("/evidence/mine/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    card = page.split(f'data-testid="evidence-signal-{repeat.pk}"')[1].split('class="card"')[0]
    assert words in card
    assert "similarit" not in card.split('class="radar-duplicate"')[1]
    assert f"/radar/duplicates/{flag.pk}/confirm/" in card
    assert f"/radar/duplicates/{flag.pk}/reject/" in card


def test_the_suggestion_queue_shows_marketing_its_own_and_product_everything(
    catalogue, client, marketing_user, other_marketing_user, product_user
):
    mine = _signal("Facture PDF avec logo", marketing_user)
    theirs = _signal("PDF invoices need our logo", other_marketing_user)
    refresh()
    client.force_login(marketing_user)
    page = client.get("/evidence/suggestions/").content.decode()
    assert f'data-testid="queue-signal-{mine.pk}"' in page
    assert f'data-testid="queue-signal-{theirs.pk}"' not in page
    client.force_login(product_user)
    page = client.get("/evidence/suggestions/").content.decode()
    assert f'data-testid="queue-signal-{mine.pk}"' in page
    assert f'data-testid="queue-signal-{theirs.pk}"' in page
    assert client.get("/evidence/suggestions/?page=abc").status_code == 200


def test_marketing_may_not_accept_someone_elses_suggestion(
    catalogue, client, marketing_user, other_marketing_user
):
    theirs = _signal("PDF invoices need our logo", other_marketing_user)
    refresh()
    suggestion = RadarSuggestion.objects.get(doc__signal=theirs, rank=1)
    client.force_login(marketing_user)
    client.post(f"/radar/suggestions/{suggestion.pk}/accept/", {"next": "/evidence/mine/"})
    assert not SignalLink.objects.filter(signal=theirs).exists()


# --- The demo ------------------------------------------------------------------------


@pytest.mark.slow
def test_the_demo_shows_suggestions_and_an_emerging_topic(client, db):
    out = io.StringIO()
    call_command("seed_demo", "--quiet", stdout=out)
    call_command("radar_refresh", stdout=out)
    unlinked = MarketSignal.objects.filter(external_id__startswith="demo-radar-")
    assert unlinked.count() == 14
    assert not SignalLink.objects.filter(signal__in=unlinked).exists()
    emerging = list(RadarTopic.objects.filter(status=TopicStatus.EMERGING))
    assert len(emerging) == 1
    assert (
        emerging[0].docs.filter(signal__external_id__startswith="demo-radar-einvoice").count() >= 7
    )
    match = MarketSignal.objects.get(external_id="demo-radar-match-02")
    assert RadarSuggestion.objects.filter(
        doc__signal=match, rank=1, item__title="Microsoft Teams integration"
    ).exists()
    client.force_login(_demo_user("camille.martin"))
    page = client.get("/board/").content.decode()
    assert "factur" in _panel(page).lower()
    # A second seed writes nothing, and keeps what a person decided.
    emerging[0].status = TopicStatus.DISMISSED
    emerging[0].save()
    before = MarketSignal.objects.count()
    call_command("seed_demo", "--quiet", stdout=out)
    assert MarketSignal.objects.count() == before
    emerging[0].refresh_from_db()
    assert emerging[0].status == TopicStatus.DISMISSED


def _demo_user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)
