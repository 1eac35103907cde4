"""Link suggestions for analysed documents: the reads of the inverted index and of the
item vectors, then the pure scoring of `signals.radar.text` and `signals.radar.semantic`
(duplicate flags are in `signals.radar.duplicates`).

`doc_suggestions` is what must stay fast (50 ms at 10,000 items on PostgreSQL): two
indexed queries, the idf of the evidence's features and the dot products of the profiles
sharing one, computed by the database over the postings index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.db.models import Max, QuerySet

from roadmap.models import RoadmapItem
from signals.models import ReportLink, SignalLink
from signals.radar import semantic, text
from signals.radar.index import idf_map
from signals.radar.models import (
    RadarDoc,
    RadarPosting,
    RadarProfile,
    RadarSuggestion,
    SuggestionStatus,
)

SUGGESTIONS = 3
# Below this similarity an item is not worth a person's glance.
MIN_SIMILARITY = 0.04
# Only the features that best tell items apart are looked up: a message's 12 rarest say
# as much as all of them, and bound the work of one suggestion.
MAX_QUERY_TERMS = 24
MAX_TERM_ITEMS = 500
MAX_TERM_SHARE = 0.05


@dataclass(frozen=True)
class ItemMatch:
    item_id: int
    similarity: float
    matched: list[str] = field(default_factory=list)
    lexical: float = 0.0  # the words' cosine alone


def query_vector(features: Mapping[str, float]) -> dict[str, float]:
    """The evidence's features weighted like the profiles (idf of the item profiles)."""
    topic = {k: v for k, v in features.items() if not k.startswith("a:")}
    if not topic:
        return {}
    idfs = idf_map(topic)
    profiles = max(1, RadarProfile.objects.count())
    # A feature shared by more than MAX_TERM_SHARE of the items (and more than
    # MAX_TERM_ITEMS of them) adds little to any similarity but many postings to read:
    # it counts in the norm, but is not looked up.
    common_idf = text.idf(max(MAX_TERM_ITEMS, int(profiles * MAX_TERM_SHARE)), profiles)
    known = {k: v for k, v in topic.items() if k in idfs and idfs[k] > common_idf}
    default = text.idf(0, profiles)
    weights = text.weigh(topic, idfs, default_idf=default)
    # The norm includes unknown words (they are part of what the message says), but only
    # known ones can match a profile.
    strongest = sorted(known, key=lambda k: -weights[k])[:MAX_QUERY_TERMS]
    return {k: weights[k] for k in strongest}


def items_rank(
    features: Mapping[str, float],
    *,
    exclude_item_ids: set[int] | frozenset[int] = frozenset(),
    limit: int = SUGGESTIONS,
    surfaces: Mapping[str, str] | None = None,
    meaning: np.ndarray | None = None,
) -> list[ItemMatch]:
    """The `limit` items most similar to `features` (cosine over the item profiles), with
    the words that matched, in two indexed queries plus one for the explanation. Given the
    evidence's `meaning` (its vector, `signals.radar.semantic.query`), the similarity is
    the blend of both: items near in meaning but sharing no word can then be suggested,
    with no matched words."""
    vector = query_vector(features)
    matrix = profile_vectors() if meaning is not None and features else None
    if not vector and matrix is None:
        return []
    wanted = limit + len(exclude_item_ids) + 2
    lexical = _lexical_scores(vector, SEMANTIC_CANDIDATES if matrix else wanted)
    if matrix is not None and meaning is not None:
        ids, vectors = matrix
        # einsum, not `@`: a matrix product starts OpenBLAS's threads, which then spin
        # for a while and quadrupled the time of the next message's vector (60 ms against
        # 13). One core does these 10,000 dot products in under a millisecond.
        cosines = np.einsum("ij,j->i", vectors, meaning)
        top = min(wanted, len(cosines)) - 1
        nearest = np.argpartition(-cosines, top)[: top + 1] if top >= 0 else cosines[:0]
        near = {int(ids[n]): float(cosines[n]) for n in nearest}
        near.update(
            (item_id, float(cosines[row]))
            for item_id in lexical
            if (row := _row_of(ids, item_id)) is not None
        )
        # Postings go with their item; a vector may outlive it in the cache.
        meaning_only = {i for i in near if i not in lexical and i not in exclude_item_ids}
        gone = meaning_only - _existing(meaning_only)
        scores = {i: v for i, v in semantic.blend(lexical, near).items() if i not in gone}
    else:
        scores = lexical
    ranked = [
        (item_id, score)
        for item_id, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        if item_id not in exclude_item_ids and score >= MIN_SIMILARITY
    ][:limit]
    if not ranked:
        return []
    terms = list(vector)
    contributions: dict[int, list[tuple[float, str]]] = {item_id: [] for item_id, _ in ranked}
    if terms:
        for item_id, term, weight in RadarPosting.objects.filter(
            item_id__in=list(contributions), term__in=terms
        ).values_list("item_id", "term", "weight"):
            contributions[item_id].append((weight * vector[term], term))
    words = surfaces or {}
    out = []
    for item_id, score in ranked:
        matched: list[str] = []
        for _, term in sorted(contributions[item_id], reverse=True):
            word = words.get(term) or term.split(":", 1)[1]
            if word not in matched:
                matched.append(word)
        out.append(
            ItemMatch(
                item_id,
                round(min(1.0, score), 4),
                matched[:6],
                round(min(1.0, lexical.get(item_id, 0.0)), 4),
            )
        )
    return out


def _lexical_scores(vector: Mapping[str, float], limit: int) -> dict[int, float]:
    """The `limit` best lexical cosines, from the postings (one indexed query)."""
    if not vector:
        return {}
    terms = list(vector)
    table = connection.ops.quote_name(RadarPosting._meta.db_table)
    cases = " ".join(["WHEN %s THEN %s"] * len(terms))
    placeholders = ", ".join(["%s"] * len(terms))
    params: list[str | float] = []
    for term in terms:
        params.extend((term, vector[term]))
    params.extend(terms)
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT item_id, SUM(weight * CASE term {cases} END) AS score "  # noqa: S608
            f"FROM {table} WHERE term IN ({placeholders}) "
            "GROUP BY item_id ORDER BY score DESC, item_id LIMIT %s",
            params,
        )
        return {int(item_id): float(score) for item_id, score in cursor.fetchall()}


# With meaning, the lexical scores of this many items are blended (an item outside them
# has a lexical cosine too small to matter against the semantic part).
SEMANTIC_CANDIDATES = 50


BUILD_COMMIT_MARGIN = timedelta(minutes=10)


@dataclass
class _Vectors:
    latest: object  # the latest build read (a datetime)
    by_item: dict[int, np.ndarray]
    ids: np.ndarray
    matrix: np.ndarray


_vectors: _Vectors | None = None


def profile_vectors() -> tuple[np.ndarray, np.ndarray] | None:
    """Every item's vector (ids sorted, and one row each), cached in the process: one
    indexed query per call (the latest build), and only the profiles built since are read
    again. A deleted item may linger in the cache: `_existing` filters it out."""
    global _vectors  # a per-process cache
    if not semantic.available():
        return None
    latest = RadarProfile.objects.aggregate(latest=Max("built_at"))["latest"]
    if latest is None:
        return None
    cached = _vectors
    if cached is None or cached.latest != latest:
        rows = RadarProfile.objects.filter(vector__isnull=False)
        by_item = {} if cached is None else dict(cached.by_item)
        if cached is not None and isinstance(cached.latest, datetime):
            # A build stamped before the latest one seen may commit after it was read.
            rows = rows.filter(built_at__gt=cached.latest - BUILD_COMMIT_MARGIN)
        for item_id, data in rows.values_list("item_id", "vector"):
            vector = semantic.from_bytes(data)
            if vector is not None:
                by_item[item_id] = vector
        if not by_item:
            return None
        ids = np.array(sorted(by_item), dtype=np.int64)
        cached = _Vectors(latest, by_item, ids, np.vstack([by_item[int(i)] for i in ids]))
        _vectors = cached
    return cached.ids, cached.matrix


def _existing(item_ids: set[int]) -> set[int]:
    """Those of `item_ids` still in the roadmap (one query); the others leave the cache."""
    global _vectors
    if not item_ids:
        return item_ids
    found = set(RoadmapItem.objects.filter(pk__in=item_ids).values_list("pk", flat=True))
    gone = item_ids - found
    cached = _vectors
    if gone and cached is not None:
        by_item = {k: v for k, v in cached.by_item.items() if k not in gone}
        ids = np.array(sorted(by_item), dtype=np.int64)
        matrix = np.vstack([by_item[int(i)] for i in ids]) if by_item else cached.matrix[:0]
        _vectors = _Vectors(cached.latest, by_item, ids, matrix)
    return found


def _row_of(ids: np.ndarray, item_id: int) -> int | None:
    row = int(np.searchsorted(ids, item_id))
    return row if row < len(ids) and ids[row] == item_id else None


def doc_linked_item_ids(doc: RadarDoc) -> set[int]:
    if doc.signal_id:
        rows: QuerySet[SignalLink] | QuerySet[ReportLink] = SignalLink.objects.filter(
            signal_id=doc.signal_id
        )
    else:
        rows = ReportLink.objects.filter(report_id=doc.report_id)
    return set(rows.values_list("item_id", flat=True))


def doc_suggestions_write(doc: RadarDoc, *, evidence_text: str) -> list[RadarSuggestion]:
    """Replace the open suggestions of `doc` with its best items now: never an item it is
    linked to, nor one a person rejected or accepted for it."""
    decided = set(
        RadarSuggestion.objects.filter(doc=doc)
        .exclude(status=SuggestionStatus.OPEN)
        .values_list("item_id", flat=True)
    )
    analysis = text.analyze(evidence_text)
    linked = doc_linked_item_ids(doc)
    # Meaning is read for unlinked evidence only (the queue people work through): a
    # vector costs ~20 ms of CPU, too much for every message of a rebuild.
    meaning = None if linked else doc_vectors([doc.pk], {doc.pk: evidence_text}).get(doc.pk)
    matches = items_rank(
        text.parse_terms(doc.terms),
        exclude_item_ids=decided | linked,
        surfaces=analysis.surfaces(),
        meaning=meaning,
    )
    RadarSuggestion.objects.filter(doc=doc, status=SuggestionStatus.OPEN).delete()
    rows = [
        RadarSuggestion(
            doc=doc,
            item_id=m.item_id,
            rank=rank,
            similarity=m.similarity,
            lexical=m.lexical,
            matched=m.matched,
        )
        for rank, m in enumerate(matches, start=1)
    ]
    return RadarSuggestion.objects.bulk_create(rows)


def doc_vectors(doc_ids: Sequence[int], texts: Mapping[int, str]) -> dict[int, np.ndarray]:
    """The sentence vector of each doc with a text in `texts`: the stored one while its text
    is unchanged, else made now and stored where no other transaction holds the doc (one
    query to read, two to write). {} where there is no model."""
    if not semantic.available():
        return {}
    wanted = {pk: semantic.text_key(texts[pk]) for pk in doc_ids if pk in texts}
    out: dict[int, np.ndarray] = {}
    for pk, key, data in RadarDoc.objects.filter(pk__in=list(wanted)).values_list(
        "pk", "vector_key", "vector"
    ):
        vector = semantic.from_bytes(data) if key == wanted[pk] else None
        if vector is not None:
            out[pk] = vector
    missing = [pk for pk in wanted if pk not in out]
    made = semantic.queries([texts[pk] for pk in missing]) if missing else None
    if made is not None:
        out.update(zip(missing, made, strict=True))
        _vectors_store({pk: (out[pk], wanted[pk]) for pk in missing})
    return out


def _vectors_store(vectors: Mapping[int, tuple[np.ndarray, str]]) -> None:
    """Store vectors on the docs nobody else holds. A refresh holds its own doc's row and
    may be called on to store the vectors of earlier evidence (duplicate candidates): it
    never waits for those rows, which an import may hold while it waits for the refresh's
    own (a deadlock); a vector not stored now is made again the next time it is needed.
    On PostgreSQL `SKIP LOCKED`; SQLite has one writer at a time."""
    with transaction.atomic():
        free = sorted(
            RadarDoc.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(vectors))
            .values_list("pk", flat=True)
        )
        RadarDoc.objects.bulk_update(
            [
                RadarDoc(pk=pk, vector=semantic.to_bytes(vectors[pk][0]), vector_key=vectors[pk][1])
                for pk in free
            ],
            ["vector", "vector_key"],
        )
