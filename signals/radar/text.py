"""Pure text processing of the radar: from whatever people typed to weighted features.

No Django, no database: tested on its own (tests/signals/radar/test_text.py).

A text becomes `Analysis`: its language, its words (surface form and stem), and its
features, a bag of strings:

- `w:<stem>`: the folded stem of each word that is not a stop word;
- `p:<prefix>`: the first 5 folded letters of words of 6 letters or more, a bridge
  between French and English cognates that stem differently ("synchronisation" →
  "synchronis", "synchronization" → "synchron", both "p:synch");
- `w:<english stem>` for French words of the shared vocabulary (glossary_fr_en.txt);
- `a:<account>`: the account named on a signal, when there is one (same customer).

Hostile input degrades to fewer features, never to an error: markup, URLs and emoji are
dropped, a long text is read up to `MAX_CHARS`, an empty one has no features.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from signals.radar.language import (
    FRENCH,
    detect_language,
    english_stems,
    fold,
    stem,
    stop_words,
)

# Past this many characters a text says nothing more about its topic, and reading it all
# would let one message cost as much as a thousand.
MAX_CHARS = 4000
PREFIX_LENGTH = 5
# Longer "words" are hashes, identifiers or keyboard mashing.
MAX_WORD = 30
_K = TypeVar("_K")  # a term, or an item id

_TAG = re.compile(r"<[^>]{0,500}>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]]{0,300})\]\([^)]{0,500}\)")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
# Letters (any script) and digits; apostrophes and hyphens split words ("l'export").
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def clean(text: str) -> str:
    """Text without markup, links, e-mail addresses or entities, cut at MAX_CHARS."""
    text = (text or "")[: MAX_CHARS * 2]
    text = html.unescape(_TAG.sub(" ", text))
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    return text[:MAX_CHARS]


@dataclass(frozen=True)
class Word:
    surface: str  # lower case, as written
    stem: str  # folded stem


@dataclass(frozen=True)
class Analysis:
    language: str
    words: tuple[Word, ...]
    features: Counter[str] = field(default_factory=Counter)

    @property
    def terms(self) -> str:
        """The features as one space-separated string (stored, and indexed on PostgreSQL)."""
        return " ".join(sorted(self.features.elements()))

    def surfaces(self) -> dict[str, str]:
        """Feature → the first word of the text that produced it (for "matched words")."""
        found: dict[str, str] = {}
        for word in self.words:
            found.setdefault(f"w:{word.stem}", word.surface)
            if self.language == FRENCH:
                for english in english_stems(word.stem):
                    found.setdefault(f"w:{english}", word.surface)
            if len(word.surface) > PREFIX_LENGTH:
                found.setdefault(f"p:{fold(word.surface)[:PREFIX_LENGTH]}", word.surface)
        return found


def _is_word(token: str) -> bool:
    # Pure numbers ("2", "2024") name no topic; "v2" or "sso" do.
    return len(token) >= 2 and not token.isdigit()


def analyze(text: str, *, account: str = "") -> Analysis:
    """The language, words and features of `text` (see the module docstring)."""
    cleaned = clean(text)
    tokens = [t.lower() for t in _WORD.findall(cleaned)]
    folded = [fold(t) for t in tokens]
    language = detect_language(folded, cleaned)
    stops = stop_words(language)
    words: list[Word] = []
    features: Counter[str] = Counter()
    for token, plain in zip(tokens, folded, strict=True):
        if not _is_word(plain) or len(plain) > MAX_WORD or plain in stops:
            continue
        word = Word(surface=token, stem=stem(token, language))
        if len(word.stem) < 2:
            continue
        words.append(word)
        features[f"w:{word.stem}"] += 1
        if language == FRENCH:
            # The shared vocabulary: the English words of a French one, so that a French
            # message can meet an English item or its English duplicate.
            for english in english_stems(word.stem):
                if english != word.stem:
                    features[f"w:{english}"] += 1
        if len(plain) > PREFIX_LENGTH:
            features[f"p:{plain[:PREFIX_LENGTH]}"] += 1
    account_key = fold(" ".join(_WORD.findall(account or ""))).strip()
    if account_key:
        features[f"a:{account_key.replace(' ', '_')[:60]}"] += 1
    return Analysis(language=language, words=tuple(words), features=features)


def parse_terms(terms: str) -> Counter[str]:
    """The features stored by `Analysis.terms`, back as a bag."""
    return Counter(terms.split())


# --- Weights --------------------------------------------------------------------------

# Prefixes only bridge languages: a stem match says more than a prefix match.
KIND_WEIGHTS = {"w": 1.0, "p": 0.5, "a": 1.5}


def kind_weight(feature: str) -> float:
    return KIND_WEIGHTS.get(feature[:1], 1.0)


def idf(document_frequency: int, documents: int) -> float:
    """Smoothed inverse document frequency, as scikit-learn computes it."""
    return math.log((1 + documents) / (1 + document_frequency)) + 1.0


def weigh(
    counts: Mapping[str, float], idfs: Mapping[str, float], *, default_idf: float
) -> dict[str, float]:
    """Sublinear tf × idf × kind weight, L2-normalised: cosine similarity is then a dot
    product. Features unknown to `idfs` get `default_idf` (rare: they are new)."""
    raw = {
        term: (1.0 + math.log(count)) * idfs.get(term, default_idf) * kind_weight(term)
        for term, count in counts.items()
        if count > 0
    }
    norm = math.sqrt(sum(value * value for value in raw.values()))
    if norm == 0:
        return {}
    return {term: value / norm for term, value in raw.items()}


def cosine(a: Mapping[_K, float], b: Mapping[_K, float]) -> float:
    """Dot product of two normalised vectors (of terms, or of item ids)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(term, 0.0) for term, value in a.items())


def merge(bags: Iterable[Mapping[str, float]], *, scales: Iterable[float]) -> dict[str, float]:
    """Bags added with a scale each (an item's title counts more than a linked message)."""
    total: defaultdict[str, float] = defaultdict(float)
    for bag, scale in zip(bags, scales, strict=True):
        for term, count in bag.items():
            total[term] += count * scale
    return total


def char_ngrams(text: str, *, low: int = 3, high: int = 5) -> Counter[str]:
    """Character n-grams of the folded words (with a space at each end), for duplicates:
    paraphrases and translations share names, numbers and cognates more than stems."""
    grams: Counter[str] = Counter()
    for token in _WORD.findall(fold(clean(text))):
        padded = f" {token} "
        for n in range(low, high + 1):
            for start in range(len(padded) - n + 1):
                grams[padded[start : start + n]] += 1
    return grams


def normalised(counts: Mapping[str, float]) -> dict[str, float]:
    """Sublinear tf, L2-normalised (no idf)."""
    raw = {k: 1.0 + math.log(v) for k, v in counts.items() if v > 0}
    norm = math.sqrt(sum(v * v for v in raw.values()))
    return {k: v / norm for k, v in raw.items()} if norm else {}


def normalised_values(values: Mapping[int, float]) -> dict[int, float]:
    """A vector of plain values, L2-normalised."""
    norm = math.sqrt(sum(v * v for v in values.values()))
    return {k: v / norm for k, v in values.items()} if norm else {}
