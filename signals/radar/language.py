"""Languages the radar reads: French and English stop words and stemmers.

Why snowballstemmer rather than a lemmatizer or PostgreSQL's text search: the same
stemmer runs in the embedded default (SQLite) and on PostgreSQL, it ships its algorithms
in the wheel (nothing is downloaded at run time), and its French and English stems of
cognates often coincide once accents are folded ("intégration" and "integration" both
give "integr"), which is the cheapest bridge between the two languages. Stop words:
scikit-learn's English list, and a French list written here (articles, pronouns,
auxiliaries, prepositions), plus the greetings and fillers of chat-style messages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path

import snowballstemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

FRENCH = "fr"
ENGLISH = "en"
UNDETERMINED = "und"
LANGUAGES = (FRENCH, ENGLISH)


def fold(text: str) -> str:
    """Lower case without accents: "Échéance" → "echeance"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_FRENCH_STOP = """
a au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le les
leur leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que
qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y ete
etee etees etes etant suis es est sommes sont serai sera seront serait seraient etais
etait etions etaient fus fut ai as avons avez ont aurai aura auront aurait auraient avais
avait avions aviez avaient eu eue eus ceci cela ca celui celle ceux celles ici la-bas
tres plus moins trop aussi alors donc car si comme quand tout tous toute toutes rien
encore deja toujours jamais sans sous chez entre vers depuis apres avant pendant non oui
fait faire faut peut peuvent doit doivent veut veulent quoi dont ou y a-t-il est-ce
bonjour merci svp stp salut cordialement bonne journee hello coucou slt bcp vraiment
quelqu quelque quelques autre autres ya yen nan ok okay
"""
_ENGLISH_EXTRA = """
hi hello hey thanks thank pls please plz regards cheers ok okay yes yeah guys team asap
just really get got would could still also lol fyi btw im dont doesnt cant wont isnt
"""

STOP_WORDS: dict[str, frozenset[str]] = {
    FRENCH: frozenset(fold(w) for w in _FRENCH_STOP.split()),
    ENGLISH: frozenset(fold(w) for w in (*ENGLISH_STOP_WORDS, *_ENGLISH_EXTRA.split())),
}
# A word is dropped when it is a stop word of the message's language, or a stop word of
# the other language of 3 letters or more: mixed messages are common ("pb avec le SSO, any
# update?"), but short words of one language are names in the other ("AI" is French "ai").
_LONG = {lang: frozenset(w for w in words if len(w) >= 3) for lang, words in STOP_WORDS.items()}
STOPS_FOR = {
    FRENCH: STOP_WORDS[FRENCH] | _LONG[ENGLISH],
    ENGLISH: STOP_WORDS[ENGLISH] | _LONG[FRENCH],
}
# Words telling one language from the other: stop words of one that are not of the other.
_MARKERS = {
    FRENCH: STOP_WORDS[FRENCH] - STOP_WORDS[ENGLISH],
    ENGLISH: STOP_WORDS[ENGLISH] - STOP_WORDS[FRENCH],
}
_FRENCH_LETTERS = frozenset("éèêàùçôîïœâë")


def detect_language(words: list[str], raw: str = "") -> str:
    """ "fr", "en" or "und" from the stop words of each language among `words` (folded),
    with French letters in `raw` breaking a tie."""
    counts = {lang: sum(1 for w in words if w in markers) for lang, markers in _MARKERS.items()}
    if counts[FRENCH] > counts[ENGLISH]:
        return FRENCH
    if counts[ENGLISH] > counts[FRENCH]:
        return ENGLISH
    if any(c in _FRENCH_LETTERS for c in raw.lower()):
        return FRENCH
    return ENGLISH if words else UNDETERMINED


def stop_words(language: str) -> frozenset[str]:
    """The words dropped from a message in `language` (see STOPS_FOR)."""
    return STOPS_FOR.get(language, STOPS_FOR[ENGLISH])


@cache
def _stemmer(language: str) -> Callable[[str], str]:
    name = {FRENCH: "french", ENGLISH: "english"}[language]
    return snowballstemmer.stemmer(name).stemWord


def stem(word: str, language: str) -> str:
    """The folded stem of a (lower-case, accented) word; other languages are only folded."""
    if language not in LANGUAGES:
        return fold(word)
    return fold(_stemmer(language)(word))


# --- Shared vocabulary ------------------------------------------------------------------

GLOSSARY_FILE = Path(__file__).with_name("glossary_fr_en.txt")
_glossary_enabled = True


def glossary_enable(enabled: bool) -> None:
    """Switch the shared vocabulary on or off (the benchmark measures both)."""
    global _glossary_enabled
    _glossary_enabled = enabled


@cache
def _glossary() -> dict[str, tuple[str, ...]]:
    """French stem → English stems, from GLOSSARY_FILE."""
    table: dict[str, tuple[str, ...]] = {}
    for line in GLOSSARY_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "=" not in line:
            continue
        french, english = line.split("=", 1)
        key = stem(french.strip().lower(), FRENCH)
        # "lead time" or "sign-in" give each of their words (a feature is one word).
        stems = tuple(
            dict.fromkeys(
                stem(w, ENGLISH)
                for w in re.findall(r"[^\W_]+", english.lower())
                if len(w) >= 2 and w not in STOP_WORDS[ENGLISH]
            )
        )
        table[key] = tuple(dict.fromkeys((*table.get(key, ()), *stems)))
    return table


def english_stems(french_stem: str) -> tuple[str, ...]:
    """The English stems the shared vocabulary gives a French stem (none if unknown)."""
    if not _glossary_enabled:
        return ()
    return _glossary().get(french_stem, ())
