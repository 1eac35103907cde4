"""The radar's pure text processing: no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signals.radar import language, text


def test_accents_are_folded_and_french_and_english_cognates_share_a_stem():
    french = text.analyze("Problème d'intégration avec la synchronisation")
    english = text.analyze("Integration issue with synchronization")
    assert french.language == "fr"
    assert english.language == "en"
    assert "w:integr" in french.features
    assert "w:integr" in english.features
    assert "p:synch" in french.features
    assert "p:synch" in english.features


def test_stop_words_of_both_languages_are_dropped_but_short_names_survive():
    features = text.analyze("any plans for AI? le client veut une IA").features
    assert "w:ai" in features
    assert not any(term in features for term in ("w:le", "w:for", "w:une"))


def test_the_shared_vocabulary_gives_a_french_word_its_english_stem():
    assert "w:invoic" in text.analyze("les factures sont fausses").features
    language.glossary_enable(False)
    try:
        assert "w:invoic" not in text.analyze("les factures sont fausses").features
    finally:
        language.glossary_enable(True)


def test_markup_links_and_emoji_are_dropped():
    analysis = text.analyze(
        "<p>**SSO** login fails 😡 see [the ticket](https://example.com/t/1) &amp; "
        "mail bob@example.com</p>"
    )
    assert set(analysis.features) >= {"w:sso", "w:login", "w:fail", "w:ticket"}
    assert not any("http" in t or "example" in t or "<" in t for t in analysis.features)


@pytest.mark.parametrize("raw", ["", "   ", "ok", "😀😀", "12345", "<br/>", "a" * 10_000])
def test_empty_or_meaningless_texts_have_few_or_no_features(raw):
    analysis = text.analyze(raw)
    assert len(analysis.features) <= 2


def test_a_long_text_is_read_up_to_a_bound():
    analysis = text.analyze("export " * 20_000)
    assert sum(analysis.features.values()) <= text.MAX_CHARS


def test_the_account_is_a_feature_of_its_own():
    assert "a:acme_corp" in text.analyze("SSO", account="ACME Corp.").features


def test_terms_round_trip():
    analysis = text.analyze("Exporter les factures en PDF, exporter vite")
    assert text.parse_terms(analysis.terms) == analysis.features


def test_matched_words_are_shown_as_written():
    analysis = text.analyze("Les factures PDF")
    assert analysis.surfaces()["w:factur"] == "factures"
    assert analysis.surfaces()["w:invoic"] == "factures"


def test_weights_are_normalised_and_cosine_of_a_vector_with_itself_is_one():
    weights = text.weigh({"w:a": 2, "w:b": 1}, {"w:a": 1.0}, default_idf=3.0)
    assert text.cosine(weights, weights) == pytest.approx(1.0)
    assert text.weigh({}, {}, default_idf=1.0) == {}


@given(st.text(max_size=300))
def test_any_text_is_analysed_without_error(raw):
    analysis = text.analyze(raw, account=raw[:20])
    assert analysis.language in ("fr", "en", "und")
    assert all(" " not in term for term in analysis.features)


def test_a_translation_is_not_penalised_for_sharing_few_letters():
    from signals.radar.duplicates import duplicate_similarity

    words = ({"w:invoic": 1.0}, {"w:invoic": 1.0})
    chars = ({"abc": 1.0}, {"xyz": 1.0})
    items = ({1: 1.0}, {1: 1.0})
    same = duplicate_similarity(words=words, chars=chars, items=items, accounts=("", ""))
    across = duplicate_similarity(
        words=words, chars=chars, items=items, accounts=("", ""), cross_language=True
    )
    assert same == pytest.approx(0.7)
    assert across == pytest.approx(1.0)


def test_a_duplicate_stands_out_from_the_other_candidates():
    from signals.radar.duplicates import DuplicateMatch, duplicates_pick

    assert duplicates_pick([]) == []
    assert duplicates_pick([DuplicateMatch(1, 0.5)]) == []  # below the threshold
    assert duplicates_pick([DuplicateMatch(1, 0.8), DuplicateMatch(2, 0.3)]) == [
        DuplicateMatch(1, 0.8)
    ]
    # A sibling nearly as close: evidence on the same subject, not one report repeated.
    assert duplicates_pick([DuplicateMatch(1, 0.8), DuplicateMatch(2, 0.7)]) == []
