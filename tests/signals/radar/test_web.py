"""The radar in the admin and through its web actions (the forms of the partials)."""

from __future__ import annotations

from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from signals import services as evidence
from signals.models import SignalLink
from signals.radar import selectors
from signals.radar.models import RadarSuggestion, RadarTopic, TopicStatus
from tests.signals.radar.conftest import refresh


def _signal(title, user=None):
    return evidence.signal_create(
        kind="customer_request",
        title=title,
        observed_at=timezone.now() - timedelta(days=1),
        submitted_by=user,
    )


def test_the_signal_admin_page_shows_the_suggestions_with_their_forms(
    catalogue, client, product_user
):
    signal = _signal("Les factures PDF sans logo")
    refresh()
    client.force_login(product_user)
    page = client.get(f"/admin/signals/marketsignal/{signal.pk}/change/").content.decode()
    assert "Branded PDF invoices" in page
    assert "/radar/suggestions/" in page
    assert "<script" not in page.split('class="radar-suggestions"')[1].split("</section>")[0]


def test_accepting_through_the_web_form_links_and_returns(catalogue, client, marketing_user):
    signal = _signal("PDF invoice logo", marketing_user)
    refresh()
    suggestion = RadarSuggestion.objects.get(doc__signal=signal, rank=1)
    client.force_login(marketing_user)
    response = client.post(f"/radar/suggestions/{suggestion.pk}/accept/", {"next": "/board/"})
    assert response.status_code == 302
    assert response["Location"] == "/board/"
    assert SignalLink.objects.filter(signal=signal, item_id=suggestion.item_id).exists()


def test_an_unsafe_next_goes_home_and_get_is_refused(catalogue, client, product_user):
    signal = _signal("PDF invoice logo")
    refresh()
    suggestion = RadarSuggestion.objects.get(doc__signal=signal, rank=1)
    client.force_login(product_user)
    assert client.get(f"/radar/suggestions/{suggestion.pk}/reject/").status_code == 405
    response = client.post(
        f"/radar/suggestions/{suggestion.pk}/reject/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_marketing_cannot_create_an_item_from_a_topic(catalogue, client, marketing_user):
    topic = RadarTopic.objects.create(label="x", status=TopicStatus.EMERGING)
    client.force_login(marketing_user)
    assert client.post(f"/radar/topics/{topic.pk}/create-item/").status_code == 403
    topic.refresh_from_db()
    assert topic.status == TopicStatus.EMERGING
    assert topic.item_id is None


def test_the_emerging_panel_renders_topics_and_their_actions(catalogue, rf, product_user):
    RadarTopic.objects.create(
        label="factur-x",
        status=TopicStatus.EMERGING,
        top_terms=["Factur-X", "réforme"],
        recent_count=8,
        baseline_count=2,
        growth=20.0,
        p_value=1.9e-5,
        quotes=[{"kind": "signal", "id": 1, "text": "Réforme 2026 ?"}],
        first_seen=timezone.now(),
        last_seen=timezone.now(),
    )
    request = rf.get("/board/")
    request.user = product_user
    html = render_to_string(
        "radar/_emerging.html",
        {"topics": selectors.emerging_panel(), "next": "/board/", "can_create": True},
        request=request,
    )
    assert "Factur-X" in html
    assert "Réforme 2026" in html
    assert "create-item" in html
