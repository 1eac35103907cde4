"""Pure core of the emerging topics: grouping evidence, and the test that says a group is
emerging. No Django (tested without a database).

Grouping: TF-IDF vectors of the evidence's features (stems, cognate prefixes and the
shared vocabulary: the same `text.analyze` the suggestions use), then average-linkage
agglomerative clustering with the cosine distance (see `cluster`): a message near no other
is noise, not a topic of one, and no one needs to know the number of topics in advance.

The test (a conditional binomial test of two Poisson rates, exact): if a topic's messages
arrive at a constant rate, then given its `n` messages over the recent window (`recent`
days) and the baseline window before it (`baseline` days), the number in the recent window
is Binomial(n, recent / (recent + baseline)). The p-value is the probability of seeing at
least as many recent messages under that constant rate. A topic is emerging when it
holds at least RADAR_TOPIC_MIN_SIZE messages (5) and its p-value is significant at false
discovery rate `alpha` (RADAR_TOPIC_ALPHA, 0.01; Benjamini-Hochberg) among all the groups
tested: the tree is cut at several levels (`emerging_scan`), since no single cut suits
every topic, and the correction pays for testing them all.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix, diags
from scipy.spatial.distance import squareform
from scipy.stats import binom
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer


@dataclass(frozen=True)
class RateTest:
    recent: int
    baseline: int
    growth: float  # recent daily rate over baseline daily rate (baseline 0: counted as 0.5)
    p_value: float


def rate_test(*, recent: int, baseline: int, recent_days: float, baseline_days: float) -> RateTest:
    """The exact conditional test of the module docstring, one-sided (an increase).

    Worked example: 8 messages in the last 30 days, 2 in the 150 before. Under a constant
    rate a message falls in the recent window with probability 30/180 = 1/6, so
    P(X ≥ 8 | n = 10) = 1.9e-05 and the growth is (8/30) / (2/150) = 20.
    The same test is `scipy.stats.binomtest(8, 10, 1/6, alternative="greater")`.
    """
    n = recent + baseline
    share = recent_days / (recent_days + baseline_days)
    p_value = float(binom.sf(recent - 1, n, share)) if n else 1.0
    # Half a message in the baseline keeps the growth finite for a brand-new topic.
    baseline_rate = max(baseline, 0.5) / baseline_days
    growth = (recent / recent_days) / baseline_rate
    return RateTest(recent=recent, baseline=baseline, growth=growth, p_value=min(1.0, p_value))


# Average-linkage clustering holds a distance matrix of n² doubles: up to this many pieces
# are grouped directly; beyond, an even sample of `MAX_DIRECT` across the whole window is
# (never the newest only: groups formed from recent pieces would favour recent growth and
# bias the test), and the others join the group whose centre they are nearest.
MAX_DIRECT = 4000
# Two groups merge while their pieces are, on average, at least 1 - THRESHOLD similar:
# short messages share few words, so a topic's pieces are alike only loosely.
THRESHOLD = 0.9
# A piece joins a group (beyond MAX_DIRECT) when this similar to its normalised centre.
JOIN_SIMILARITY = 0.3


def _vectors(bags: Sequence[Mapping[str, float]]) -> csr_matrix:
    counts = DictVectorizer().fit_transform([dict(bag) for bag in bags])
    return TfidfTransformer(sublinear_tf=True).fit_transform(counts)


@dataclass
class _Tree:
    """The average-linkage tree of the first `direct` pieces (positions in `usable`), and
    the vectors of every usable piece (those beyond `direct` join groups afterwards)."""

    usable: list[int]
    matrix: csr_matrix
    direct: int
    tree: np.ndarray


def _tree(bags: Sequence[Mapping[str, float]], *, min_size: int) -> _Tree | None:
    usable = [i for i, bag in enumerate(bags) if bag]
    if len(usable) < min_size:
        return None
    if len(usable) > MAX_DIRECT:
        step = len(usable) / MAX_DIRECT
        sample = {usable[int(k * step)] for k in range(MAX_DIRECT)}
        usable = sorted(sample) + [i for i in usable if i not in sample]
    matrix = _vectors([bags[i] for i in usable])
    direct = min(len(usable), MAX_DIRECT)
    head = matrix[:direct]
    # Cosine distances from the sparse product (rows are L2-normalised): far cheaper than
    # distances over dense rows as wide as the vocabulary.
    similarity = (head @ head.T).toarray()
    np.clip(similarity, 0.0, 1.0, out=similarity)
    distances = 1.0 - similarity
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="average")
    return _Tree(usable, matrix, direct, tree)


def _cut(tree: _Tree, threshold: float, min_size: int) -> list[list[int]]:
    """The groups (indexes of the bags) of `tree` cut at `threshold`, largest first."""
    labels = fcluster(tree.tree, t=threshold, criterion="distance")
    groups: dict[int, list[int]] = {}
    for position, label in enumerate(labels):
        groups.setdefault(int(label), []).append(position)
    if len(tree.usable) > tree.direct:
        head = tree.matrix[: tree.direct]
        keys = list(groups)
        # The normalised centres as one sparse product (group indicator × vectors): the scan
        # cuts the tree several times, and dense centres as wide as the vocabulary would
        # cost more than the grouping itself.
        rows = [n for n, k in enumerate(keys) for _ in groups[k]]
        columns = [p for k in keys for p in groups[k]]
        weights = [1.0 / len(groups[k]) for k in keys for _ in groups[k]]
        indicator = csr_matrix((weights, (rows, columns)), shape=(len(keys), tree.direct))
        centres = csr_matrix(indicator @ head)
        norms = np.sqrt(np.asarray(centres.multiply(centres).sum(axis=1)).ravel())
        centres = csr_matrix(diags(1.0 / np.where(norms == 0, 1.0, norms)) @ centres)
        for start in range(tree.direct, len(tree.usable), 2000):
            block = (tree.matrix[start : start + 2000] @ centres.T).toarray()
            best = block.argmax(axis=1)
            score = block.max(axis=1)
            for offset, (k, s) in enumerate(zip(best, score, strict=True)):
                if s >= JOIN_SIMILARITY:
                    groups[keys[int(k)]].append(start + offset)
    found = [
        [tree.usable[p] for p in members] for members in groups.values() if len(members) >= min_size
    ]
    return sorted(found, key=len, reverse=True)


def cluster(
    bags: Sequence[Mapping[str, float]],
    *,
    threshold: float = THRESHOLD,
    min_size: int = 3,
) -> list[list[int]]:
    """Groups of indexes of `bags` (feature counts), largest first; pieces
    in no group of `min_size` are left out. Average-linkage agglomerative clustering over
    cosine distances of TF-IDF vectors (scipy), which needs no number of topics in advance
    and, unlike single-linkage methods (DBSCAN), does not chain loosely related messages
    into one giant group."""
    tree = _tree(bags, min_size=min_size)
    return [] if tree is None else _cut(tree, threshold, min_size)


# The scan: the tree cut at each of these distances. A topic's messages are alike more or
# less tightly depending on how people word it (short messages share few words), so no one
# cut suits every topic; the test picks the level, and the false discovery rate is
# controlled over every group of every level (Benjamini-Hochberg), the price of the scan.
SCAN_LEVELS = (0.8, 0.85, 0.9, 0.95)


@dataclass(frozen=True)
class Group:
    members: list[int]
    test: RateTest
    emerging: bool


def benjamini_hochberg(p_values: Sequence[float], *, alpha: float) -> list[bool]:
    """Which hypotheses are rejected at false discovery rate `alpha` (step-up procedure:
    the largest k with p_(k) <= k * alpha / m, and every p-value up to it)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    cutoff = 0
    for rank, index in enumerate(order, start=1):
        if p_values[index] <= alpha * rank / m:
            cutoff = rank
    rejected = [False] * m
    for index in order[:cutoff]:
        rejected[index] = True
    return rejected


def emerging_scan(
    bags: Sequence[Mapping[str, float]],
    recent: Sequence[bool],
    *,
    recent_days: float,
    baseline_days: float,
    alpha: float,
    min_size: int,
    levels: Sequence[float] = SCAN_LEVELS,
    quiet_level: float = THRESHOLD,
) -> list[Group]:
    """The topics of `bags`: the emerging ones first, then the quiet ones.

    Every group of at least `min_size` at every cut in `levels` is tested (`rate_test`,
    `recent[i]` saying whether piece i is in the recent window); those significant at false
    discovery rate `alpha` over all of them (`benjamini_hochberg`) are emerging, taken
    most significant first, a group overlapping one already taken left out. The other
    pieces are grouped at `quiet_level` into quiet topics of at least `min_size`."""
    tree = _tree(bags, min_size=min_size)
    if tree is None:
        return []
    cuts: dict[float, list[list[int]]] = {}

    def cut(level: float) -> list[list[int]]:
        if level not in cuts:
            cuts[level] = _cut(tree, level, min_size)
        return cuts[level]

    candidates: dict[tuple[int, ...], RateTest] = {}
    for level in levels:
        for members in cut(level):
            key = tuple(sorted(members))
            if key not in candidates:
                count = sum(1 for i in key if recent[i])
                candidates[key] = rate_test(
                    recent=count,
                    baseline=len(key) - count,
                    recent_days=recent_days,
                    baseline_days=baseline_days,
                )
    keys = list(candidates)
    significant = benjamini_hochberg([candidates[k].p_value for k in keys], alpha=alpha)
    chosen: list[Group] = []
    taken: set[int] = set()
    for key, is_significant in sorted(
        zip(keys, significant, strict=True), key=lambda kv: (candidates[kv[0]].p_value, -len(kv[0]))
    ):
        if not is_significant or taken.intersection(key):
            continue
        chosen.append(Group(list(key), candidates[key], True))
        taken.update(key)
    for members in cut(quiet_level):
        rest = [i for i in members if i not in taken]
        if len(rest) < min_size:
            continue
        count = sum(1 for i in rest if recent[i])
        test = rate_test(
            recent=count,
            baseline=len(rest) - count,
            recent_days=recent_days,
            baseline_days=baseline_days,
        )
        chosen.append(Group(rest, test, False))
    return chosen


def document_frequencies(bags: Sequence[Mapping[str, float]]) -> Counter[str]:
    frequency: Counter[str] = Counter()
    for bag in bags:
        frequency.update(set(bag))
    return frequency


def top_terms(
    bags: Sequence[Mapping[str, float]],
    members: Sequence[int],
    *,
    limit: int = 8,
    document_frequency: Counter[str] | None = None,
) -> list[str]:
    """The features most typical of `members` against all `bags`: frequency in the group
    times inverse document frequency in the whole set (pass `document_frequency` when
    asking for many groups of the same bags)."""
    if document_frequency is None:
        document_frequency = document_frequencies(bags)
    inside: Counter[str] = Counter()
    for index in members:
        inside.update(set(bags[index]))
    total = len(bags)
    scored = {
        term: count * math.log((1 + total) / (1 + document_frequency[term]))
        for term, count in inside.items()
        if count >= 2 or len(members) < 4
    }
    return [term for term, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]


def representatives(
    bags: Sequence[Mapping[str, float]], members: Sequence[int], *, limit: int = 3
) -> list[int]:
    """The members closest to their group's centre: the quotes that show the topic."""
    if len(members) <= limit:
        return list(members)
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([dict(bags[i]) for i in members])
    normalised = TfidfTransformer(sublinear_tf=True).fit_transform(matrix)
    centre = np.asarray(normalised.mean(axis=0)).ravel()
    scores = normalised @ centre
    order = np.argsort(-scores, kind="stable")[:limit]
    return [members[int(i)] for i in order]
