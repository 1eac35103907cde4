"""French typography (issue 11): a no-break space (U+00A0) before ":", a narrow no-break
space (U+202F) before ";", "!", "?" and inside « guillemets », in the catalogue and on
the pages that join words in code; numbers such as the radar's p-value in the reader's
notation ("4,6 × 10⁻⁶" in French, "4.6e-06" in English as before)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation

from config.formatting import format_p_value
from signals.radar.models import RadarTopic, TopicStatus

CATALOGUE = Path(__file__).resolve().parents[2] / "config" / "locale" / "fr_translations.json"
NBSP, NNBSP = "\u00a0", "\u202f"


def _french_texts() -> list[tuple[str, str]]:
    entries = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    texts = []
    for msgid, french in entries.items():
        for text in french if isinstance(french, list) else [french]:
            texts.append((msgid, text))
    return texts


def typography_faults(text: str) -> list[str]:
    """What `text` (French) gets wrong: a plain space or none before ":" ";" "!" "?"
    where French wants a no-break one, and plain spaces inside guillemets."""
    faults = []
    # A colon after a word and before a space or the end (not "12:30", "https://", "%(x)s").
    # JSON such as {"kind": 1.0} is an example, not prose.
    if re.search(r"(?:^|[^\s\u00a0\u202f\d\"])( ?):(?=\s|$)", text) or " :" in text:
        faults.append("colon")
    if re.search(r"(?:^|[^\s\u202f\d])( ?)[;!?](?=\s|$|»)", text) or re.search(r" [;!?]", text):
        faults.append("; ! ?")
    if "« " in text or " »" in text:
        faults.append("guillemets")
    return faults


def test_the_checker_finds_each_fault_and_passes_good_french():
    assert typography_faults("Statut : ouvert") == ["colon"]
    assert typography_faults("Statut: ouvert") == ["colon"]
    assert typography_faults("un ; deux") == ["; ! ?"]
    assert typography_faults("Vraiment?") == ["; ! ?"]
    assert typography_faults("« Export »") == ["guillemets"]
    good = f"Statut{NBSP}: ouvert{NNBSP}; «{NNBSP}Export{NNBSP}»{NNBSP}! à 12:30, https://x"
    assert typography_faults(good) == []
    # Examples of a file's syntax are not French prose: "12:0.5; 15" stays as typed.
    assert typography_faults("par exemple «\u202f12:0.5; 15\u202f»") == []
    assert typography_faults('{"kind": 1.0}') == []


def test_the_french_catalogue_follows_french_typography():
    faults = {
        msgid: typography_faults(text) for msgid, text in _french_texts() if typography_faults(text)
    }
    assert faults == {}


def test_the_french_of_a_colon_and_a_semicolon_glue_is_spaced_the_french_way():
    with translation.override("fr"):
        assert translation.gettext(": ") == f"{NBSP}: "
        assert translation.gettext("; ") == f"{NNBSP}; "
    with translation.override("en"):
        assert translation.gettext(": ") == ": "
        assert translation.gettext("; ") == "; "


@pytest.mark.parametrize(
    ("value", "english", "french"),
    [
        (4.6e-06, "4.6e-06", f"4,6{NBSP}×{NBSP}10⁻⁶"),
        (2.1e-12, "2.1e-12", f"2,1{NBSP}×{NBSP}10⁻¹²"),
        (0.0004, "4.0e-04", f"4,0{NBSP}×{NBSP}10⁻⁴"),
        (0.012, "1.2e-02", "0,012"),
        (0.5, "5.0e-01", "0,5"),
        (1.0, "1.0e+00", "1"),
        (0.0, "0.0e+00", "0"),
        (None, "—", "—"),
    ],
)
def test_a_p_value_reads_in_the_readers_notation(value, english, french):
    with translation.override("en"):
        assert format_p_value(value) == english
    with translation.override("fr"):
        assert format_p_value(value) == french


@pytest.mark.django_db
def test_the_emerging_panel_shows_the_p_value_in_the_readers_notation(
    client, product_user, settings
):
    settings.SECURE_SSL_REDIRECT = False
    now = timezone.now()
    RadarTopic.objects.create(
        label="factur-x, reforme",
        status=TopicStatus.EMERGING,
        top_terms=["Factur-X", "réforme"],
        size=9,
        recent_count=8,
        baseline_count=1,
        growth=40.0,
        p_value=4.6e-6,
        quotes=[],
        first_seen=now - timedelta(days=100),
        last_seen=now,
    )
    client.force_login(product_user)
    english = client.get("/board/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "(p = 4.6e-06)" in english
    french = client.get("/board/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"(p{NBSP}={NBSP}4,6{NBSP}×{NBSP}10⁻⁶)" in french
    assert "4.6e-06" not in french
    assert f"précédents{NBSP}: ×40,0" in french
