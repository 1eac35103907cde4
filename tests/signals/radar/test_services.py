"""The radar's services on a database: suggestions, decisions, duplicates, topics, and
what keeps them fresh."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from roadmap.models import DirtyItem
from signals import services as evidence
from signals.models import MarketSignal, SignalLink
from signals.radar import selectors, topic_services
from signals.radar import services as radar
from signals.radar.models import (
    DuplicateStatus,
    RadarDoc,
    RadarDuplicate,
    RadarSuggestion,
    RadarTopic,
    SuggestionStatus,
    TopicStatus,
)
from tests.signals.radar.conftest import refresh


def _signal(title, *, user=None, days=1, account="", **extra):
    return evidence.signal_create(
        kind="customer_request",
        title=title,
        account_name=account,
        observed_at=timezone.now() - timedelta(days=days),
        submitted_by=user,
        **extra,
    )


def test_a_doc_left_behind_by_a_deleted_signal_is_deleted_by_the_refresh(catalogue):
    signal = _signal("Export to CSV please")
    doc = RadarDoc.objects.get(signal=signal)
    # A write that raced the deletion: the doc's reference checks nothing at commit.
    MarketSignal.objects.filter(pk=signal.pk)._raw_delete(MarketSignal.objects.db)
    refresh()
    assert not RadarDoc.objects.filter(pk=doc.pk).exists()


def test_a_new_signal_is_marked_stale_in_the_writers_transaction(catalogue):
    signal = _signal("Need PDF invoices with our logo")
    doc = RadarDoc.objects.get(signal=signal)
    assert doc.stale
    refresh()
    doc.refresh_from_db()
    assert not doc.stale
    assert doc.computed_at is not None


def test_a_french_signal_finds_the_english_item_with_the_words_that_matched(catalogue):
    signal = _signal("Les factures PDF n'ont pas notre logo")
    refresh()
    row = selectors.evidence_suggestions(signal=signal)
    assert row.suggestions[0].item_id == catalogue["invoices"].pk
    assert row.language == "fr"
    assert {"factures", "logo"} & set(row.suggestions[0].matched)
    assert 0 < row.suggestions[0].similarity <= 1
    assert len(row.suggestions) <= 3


def test_links_people_made_teach_an_item_its_vocabulary(catalogue):
    # "connexion unique" appears only in the evidence linked to the SSO item.
    signal = _signal("connexion unique obligatoire pour nos agents")
    refresh()
    assert selectors.evidence_suggestions(signal=signal).suggestions[0].item_id == (
        catalogue["sso"].pk
    )


@pytest.mark.parametrize(
    "title",
    ["", "ok", "😀🎉", "<b></b>", "Die Synchronisation funktioniert nicht", "x" * 200],
)
def test_bad_input_gives_few_or_no_suggestions_and_no_error(catalogue, title):
    signal = _signal(title or "-", summary="lorem " * 1500 if title == "x" * 200 else "")
    refresh()
    assert len(selectors.evidence_suggestions(signal=signal).suggestions) <= 3


def test_accepting_links_with_weight_one_and_marks_the_item_dirty(catalogue, product_user):
    signal = _signal("PDF invoice with logo please")
    refresh()
    suggestion = RadarSuggestion.objects.get(doc__signal=signal, rank=1)
    DirtyItem.objects.all().delete()
    radar.suggestion_accept(suggestion=suggestion, user=product_user)
    link = SignalLink.objects.get(signal=signal)
    assert (link.item_id, link.weight) == (catalogue["invoices"].pk, 1.0)
    assert DirtyItem.objects.filter(item_id=catalogue["invoices"].pk).exists()
    # Accepting twice is harmless.
    radar.suggestion_accept(suggestion=suggestion, user=product_user)
    assert SignalLink.objects.filter(signal=signal).count() == 1


def test_a_rejected_pair_is_never_suggested_again(catalogue, product_user):
    signal = _signal("PDF invoice with logo please")
    refresh()
    suggestion = RadarSuggestion.objects.get(doc__signal=signal, item=catalogue["invoices"])
    radar.suggestion_reject(suggestion=suggestion, user=product_user)
    refresh()
    radar.radar_rebuild_all()
    open_items = RadarSuggestion.objects.filter(
        doc__signal=signal, status=SuggestionStatus.OPEN
    ).values_list("item_id", flat=True)
    assert catalogue["invoices"].pk not in open_items
    with pytest.raises(ValidationError):
        radar.suggestion_accept(suggestion=suggestion, user=product_user)


def test_marketing_acts_only_on_its_own_evidence(catalogue, marketing_user, other_marketing_user):
    signal = _signal("PDF invoice with logo please", user=other_marketing_user)
    refresh()
    suggestion = RadarSuggestion.objects.filter(doc__signal=signal).first()
    with pytest.raises(PermissionDenied):
        radar.suggestion_accept(suggestion=suggestion, user=marketing_user)
    radar.suggestion_accept(suggestion=suggestion, user=other_marketing_user)


def test_a_paraphrase_from_the_same_account_is_flagged_and_confirming_dismisses_it(
    catalogue, product_user
):
    original = _signal("Acme wants Okta single sign-on before the renewal", account="Acme", days=5)
    duplicate = _signal("Acme again: they need Okta SSO before renewal", account="Acme", days=2)
    refresh()
    flag = RadarDuplicate.objects.get(doc__signal=duplicate)
    assert flag.original.signal_id == original.pk
    row = selectors.evidence_suggestions(signal=duplicate)
    assert row.duplicate is not None
    assert row.duplicate.original_id == original.pk
    radar.duplicate_confirm(duplicate=flag, user=product_user)
    assert MarketSignal.objects.get(pk=duplicate.pk).dismissed
    assert not MarketSignal.objects.get(pk=original.pk).dismissed
    flag.refresh_from_db()
    assert flag.status == DuplicateStatus.CONFIRMED


def test_a_rejected_duplicate_flag_is_not_raised_again(catalogue, product_user):
    _signal("Acme wants Okta single sign-on before the renewal", account="Acme", days=5)
    duplicate = _signal("Acme again: they need Okta SSO before renewal", account="Acme", days=2)
    refresh()
    flag = RadarDuplicate.objects.get(doc__signal=duplicate)
    radar.duplicate_reject(duplicate=flag, user=product_user)
    radar.radar_rebuild_all()
    assert not RadarDuplicate.objects.filter(
        doc__signal=duplicate, status=DuplicateStatus.FLAGGED
    ).exists()


def test_different_messages_are_not_duplicates(catalogue):
    _signal("Dark theme please", account="Acme", days=5)
    _signal("PDF invoices need our VAT number", account="Acme", days=2)
    refresh()
    assert not RadarDuplicate.objects.exists()


def test_a_new_link_rebuilds_the_item_profile(catalogue, product_user):
    signal = _signal("tableau noir du soir")
    evidence.evidence_link(item=catalogue["dark"], signal=signal)
    refresh()
    other = _signal("tableau noir du soir pour mes yeux")
    refresh()
    assert selectors.evidence_suggestions(signal=other).suggestions[0].item_id == (
        catalogue["dark"].pk
    )


def test_the_sweep_catches_up_what_the_broker_never_delivered(catalogue):
    # With the task never run (a broker outage), the stale mark stays in the database...
    signal = _signal("PDF invoice with logo please")
    assert RadarDoc.objects.get(signal=signal).stale
    # ...and the periodic sweep computes it.
    radar.radar_refresh()
    assert RadarSuggestion.objects.filter(doc__signal=signal).exists()


def _emerging_messages(product_user):
    now = timezone.now()
    texts = [
        "réforme facturation électronique Factur-X obligatoire",
        "Factur-X e-invoicing reform: are you ready?",
        "facture électronique Factur-X plateforme agréée réforme",
        "e-invoicing mandate Factur-X approved platform",
        "Factur-X réforme facture électronique PDP",
        "Factur-X e-invoicing reform PDP",
    ]
    for n, title in enumerate(texts):
        _signal(title, user=product_user, days=n + 1, account=f"Client {n}")
    _signal("Factur-X question", user=product_user, days=120)
    refresh()
    return now


def test_emerging_topics_are_found_tested_and_described(catalogue, product_user):
    now = _emerging_messages(product_user)
    result = topic_services.radar_topics_refresh(now=now)
    assert result.emerging == 1
    topic = selectors.radar_topics_emerging()[0]
    assert topic.p_value < 0.01
    assert topic.recent_count >= 5
    assert "Factur" in " ".join(topic.top_terms) or "factur" in " ".join(topic.top_terms)
    assert len(topic.quotes) == 3
    assert topic.counts_by_kind == {"customer_request": topic.size}
    assert topic.counts_by_team == {"product": topic.size}
    assert topic.first_seen <= topic.last_seen


def test_a_dismissed_topic_stays_dismissed(catalogue, product_user):
    now = _emerging_messages(product_user)
    topic_services.radar_topics_refresh(now=now)
    topic = RadarTopic.objects.get(status=TopicStatus.EMERGING)
    topic_services.topic_dismiss(topic=topic, user=product_user)
    topic_services.radar_topics_refresh(now=now)
    assert RadarTopic.objects.get(pk=topic.pk).status == TopicStatus.DISMISSED
    assert not RadarTopic.objects.filter(status=TopicStatus.EMERGING).exists()


def test_an_item_created_from_a_topic_is_linked_to_its_evidence(catalogue, product_user):
    now = _emerging_messages(product_user)
    topic_services.radar_topics_refresh(now=now)
    topic = RadarTopic.objects.get(status=TopicStatus.EMERGING)
    item = topic_services.topic_item_create(topic=topic, user=product_user)
    assert item.status == "candidate"
    assert SignalLink.objects.filter(item=item).count() == topic.size
    with pytest.raises(ValidationError):
        topic_services.topic_item_create(topic=topic, user=product_user)
