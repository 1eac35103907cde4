"""Meaning across languages (signals.radar.semantic): the pure blend, the stored item
vectors, and the suggestions they change, with the real bundled model."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import override_settings

from roadmap.models import RoadmapItem
from roadmap.services import item_create
from signals.radar import duplicates, index, matching, semantic
from signals.radar import services as radar
from signals.radar.models import RadarDoc, RadarDuplicate, RadarProfile
from tests.signals.radar.conftest import refresh
from tests.signals.radar.test_services import _signal

needs_model = pytest.mark.skipif(
    not semantic.available(), reason="no bundled sentence model on this machine (not x86-64/AVX2)"
)
# Said about the dark theme of the catalogue, in French, without one of its words.
GLARE = "l'écran est trop lumineux le soir, ça fatigue les yeux"


def test_the_blend_weighs_words_and_meaning_and_ignores_meaning_below_the_floor():
    blended = semantic.blend({1: 0.5, 2: 0.1}, {1: semantic.FLOOR - 0.1, 2: 1.0, 3: 0.875})
    w = semantic.LEXICAL_WEIGHT
    assert blended[1] == pytest.approx(w * 0.5)  # meaning below the floor adds nothing
    assert blended[2] == pytest.approx(w * 0.1 + (1 - w))
    part = (0.875 - semantic.FLOOR) / (1 - semantic.FLOOR)
    assert blended[3] == pytest.approx((1 - w) * part)  # meaning alone, no shared word


def test_vectors_round_trip_and_a_vector_of_the_wrong_size_is_refused():
    vector = np.arange(semantic.DIMENSIONS, dtype=np.float32) / 1000
    assert np.array_equal(semantic.from_bytes(semantic.to_bytes(vector)), vector)
    assert semantic.from_bytes(b"\x00" * 12) is None
    assert semantic.from_bytes(None) is None


def test_switched_off_the_radar_is_lexical_only():
    with override_settings(RADAR_SEMANTIC=False):
        assert not semantic.available()
        assert semantic.query("anything") is None
        assert semantic.passages(["anything"]) is None


@needs_model
@pytest.mark.parametrize(
    "hostile", ["", "\x00\x00", "\ud800 lone surrogate", "🙂" * 500, "x" * 10_000]
)
def test_any_text_gets_a_unit_vector(hostile):
    vector = semantic.query(hostile)
    assert vector is not None
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-3)


@needs_model
def test_items_get_a_vector_computed_again_only_when_their_text_changes(catalogue):
    dark = catalogue["dark"]
    profile = RadarProfile.objects.get(item=dark)
    assert semantic.from_bytes(profile.vector) is not None
    key, vector = profile.vector_key, bytes(profile.vector)
    radar.radar_rebuild_all()
    profile.refresh_from_db()
    assert (profile.vector_key, bytes(profile.vector)) == (key, vector)
    RoadmapItem.objects.filter(pk=dark.pk).update(title="Night mode")
    index.profiles_build(item_ids=[dark.pk])
    profile.refresh_from_db()
    assert profile.vector_key != key
    assert bytes(profile.vector) != vector


@needs_model
def test_meaning_finds_the_item_a_french_message_shares_no_word_with(catalogue):
    signal = _signal(GLARE)
    refresh()
    suggested = list(
        signal.radar_doc.suggestions.order_by("rank").values_list("item_id", "matched")
    )
    assert suggested[0] == (catalogue["dark"].pk, [])
    # The words alone do not find it.
    with override_settings(RADAR_SEMANTIC=False):
        radar.radar_rebuild_all()
    lexical = list(signal.radar_doc.suggestions.values_list("item_id", flat=True))
    assert catalogue["dark"].pk not in lexical[:1]


@needs_model
def test_a_deleted_item_is_never_suggested_from_the_cached_vectors(
    catalogue, django_assert_max_num_queries
):
    ids, _ = matching.profile_vectors() or (np.array([]), None)
    dark = catalogue["dark"].pk
    assert dark in ids
    catalogue["dark"].delete()
    signal = _signal(GLARE)
    refresh()
    assert dark not in set(signal.radar_doc.suggestions.values_list("item_id", flat=True))
    ids, matrix = matching.profile_vectors() or (np.array([]), None)
    assert dark not in ids
    assert matrix is not None
    assert matrix.shape == (len(ids), semantic.DIMENSIONS)
    # Nothing built since: one indexed query, the vectors come from the process's cache.
    with django_assert_max_num_queries(1):
        matching.profile_vectors()


@needs_model
def test_a_new_item_reaches_the_cached_vectors(catalogue):
    matching.profile_vectors()
    night = item_create(title="Night mode", description="Darker colours for evening work.")
    radar.radar_rebuild_all()
    ids, _ = matching.profile_vectors() or (np.array([]), None)
    assert night.pk in ids


@needs_model
def test_profiles_built_before_the_model_get_their_vector_at_the_next_refresh(catalogue):
    RadarProfile.objects.update(vector=None, vector_key="")
    refresh()
    assert not RadarProfile.objects.filter(vector__isnull=True).exists()
    with override_settings(RADAR_SEMANTIC=False):
        RadarProfile.objects.update(vector=None, vector_key="")
        refresh()
        assert RadarProfile.objects.filter(vector__isnull=True).count() == 3


def _probability(**changes):
    facts = {
        "words": 0.4,
        "letters": 0.4,
        "items": 0.9,
        "accounts": ("Acme", "Acme"),
        "cross_language": False,
        "meaning": 0.92,
    }
    return duplicates.duplicate_probability(**{**facts, **changes})


def test_the_duplicate_probability_grows_with_each_fact_and_falls_with_another_account():
    base = _probability()
    assert 0.0 < base < 1.0
    for fact in ("words", "letters", "items", "meaning"):
        assert _probability(**{fact: 0.99}) > base, fact
    assert _probability(accounts=("Acme", "Globex")) < _probability(accounts=("", "Acme")) < base
    # A translation shares no letters: they are not read across languages.
    assert _probability(cross_language=True, letters=0.0) == _probability(
        cross_language=True, letters=0.9
    )
    # Extreme inputs stay probabilities.
    assert _probability(words=1e9) == pytest.approx(1.0)
    assert _probability(words=-1e9, meaning=-1.0) == pytest.approx(0.0)


def test_the_pick_takes_its_threshold_and_margin():
    pair = [duplicates.DuplicateMatch(1, 0.45), duplicates.DuplicateMatch(2, 0.2)]
    assert duplicates.duplicates_pick(pair) == []  # the lexical threshold
    assert duplicates.duplicates_pick(
        pair, threshold=duplicates.MEANING_THRESHOLD, margin=duplicates.MEANING_MARGIN
    ) == [pair[0]]
    assert duplicates.duplicates_pick(pair, threshold=0.4, margin=0.3) == []


@needs_model
def test_a_translated_repeat_from_the_same_account_is_flagged_by_meaning(catalogue):
    original = _signal(
        "Acme: their auditors want every export of invoices kept as PDF with the VAT number",
        account="Acme",
        days=40,
    )
    _signal("Acme asks for a dark theme for the night shift", account="Acme", days=30)
    repeat = _signal(
        "Acme relance : les auditeurs veulent les factures exportées en PDF avec le numéro de TVA",
        account="Acme",
        days=2,
    )
    refresh()
    flag = RadarDuplicate.objects.get(doc__signal=repeat)
    assert flag.original.signal_id == original.pk
    assert duplicates.MEANING_THRESHOLD <= flag.similarity <= 1.0


@needs_model
def test_a_doc_vector_is_stored_and_made_again_only_when_its_text_changes(catalogue):
    signal = _signal("Le mode sombre fatigue moins les yeux")
    refresh()
    doc = RadarDoc.objects.get(signal=signal)
    assert semantic.from_bytes(doc.vector) is not None
    first = doc.vector_key
    text = f"{signal.title}\n{signal.summary}"
    assert matching.doc_vectors([doc.pk], {doc.pk: text})[doc.pk] is not None
    doc.refresh_from_db()
    assert doc.vector_key == first
    matching.doc_vectors([doc.pk], {doc.pk: text + " (edited)"})
    doc.refresh_from_db()
    assert doc.vector_key != first
    with override_settings(RADAR_SEMANTIC=False):
        assert matching.doc_vectors([doc.pk], {doc.pk: text}) == {}


def _facts(original_id, *, items, meaning=0.97, lexical=0.5):
    return duplicates.DuplicateFacts(
        original_id, lexical, 0.5, 0.6, items, ("Globex", "Globex"), False, meaning
    )


def test_a_repeat_must_point_where_its_original_points():
    # Templated asks of one account read alike whatever they ask for.
    alike = _facts(1, items=0.9)
    assert alike.probability > duplicates.MEANING_THRESHOLD
    assert duplicates.duplicates_judge([alike]) == [
        duplicates.DuplicateMatch(1, round(alike.probability, 4))
    ]
    elsewhere = _facts(1, items=0.3)
    assert elsewhere.items < duplicates.MEANING_MIN_ITEMS
    assert elsewhere.probability > duplicates.MEANING_THRESHOLD
    assert duplicates.duplicates_judge([elsewhere]) == []
    # A candidate pointing elsewhere is no runner-up either.
    assert duplicates.duplicates_judge([alike, _facts(2, items=0.1)])[0].original_id == 1
    # Two customers asking the same thing are two pieces of evidence.
    other = duplicates.DuplicateFacts(3, 0.9, 0.9, 0.9, 0.95, ("Globex", "Hooli"), False, 0.99)
    assert other.probability > duplicates.MEANING_THRESHOLD
    assert duplicates.duplicates_judge([other]) == []
    # Without the model's vectors, the lexical rule judges.
    lexical = [
        _facts(1, items=0.1, meaning=None, lexical=0.9),
        _facts(2, items=0.1, meaning=None, lexical=0.2),
    ]
    assert duplicates.duplicates_judge(lexical) == [duplicates.DuplicateMatch(1, 0.9)]


@needs_model
def test_only_candidates_the_model_may_flag_cost_a_vector(catalogue):
    # Linked: its suggestions need no vector, so only the duplicate search could make one.
    original = _signal(
        "Globex wants branded PDF invoices with their logo and VAT number",
        account="Globex",
        days=20,
        links=[(catalogue["invoices"].pk, 1.0)],
    )
    refresh()
    assert RadarDoc.objects.get(signal=original).vector_key == ""
    # Another customer asking the same: two pieces of evidence, never a duplicate, so the
    # earlier one is not embedded for it.
    other = _signal(
        "Initech wants branded PDF invoices with their logo and VAT number",
        account="Initech",
        days=2,
    )
    refresh()
    assert RadarDoc.objects.get(signal=other).vector_key != ""  # its own, for suggestions
    assert RadarDoc.objects.get(signal=original).vector_key == ""
    assert not RadarDuplicate.objects.filter(doc__signal=other).exists()
    # The same customer again: a candidate the model judges, so both get a vector.
    again = _signal(
        "Globex again: branded PDF invoices with our logo and VAT number",
        account="Globex",
        days=1,
    )
    refresh()
    assert RadarDoc.objects.get(signal=original).vector_key != ""
    assert RadarDuplicate.objects.get(doc__signal=again).original.signal_id == original.pk


def test_a_doc_loads_without_its_vector():
    assert "vector" in RadarDoc.objects.all().query.deferred_loading[0]
