"""Read use-cases of the radar, as typed results: what the API, the admin, the board and
marketing's pages show. Set-based: a page of the queue costs a constant number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy

from signals.models import FrictionReport, MarketSignal
from signals.radar.models import (
    DuplicateStatus,
    RadarDoc,
    RadarDuplicate,
    RadarSuggestion,
    RadarTopic,
    SuggestionStatus,
    TopicStatus,
)


@dataclass(frozen=True)
class Suggestion:
    id: int
    item_id: int
    item_title: str
    similarity: float
    matched: list[str]
    status: str


@dataclass(frozen=True)
class DuplicateFlag:
    id: int
    original_kind: str
    original_id: int
    original_title: str
    similarity: float
    status: str


@dataclass(frozen=True)
class EvidenceSuggestions:
    """One piece of evidence with its open suggestions and its duplicate flag, if any."""

    kind: str
    id: int
    title: str
    observed_at: datetime | None
    language: str
    pending: bool  # not computed yet, or changed since: the refresh is queued
    suggestions: list[Suggestion] = field(default_factory=list)
    duplicate: DuplicateFlag | None = None


def _open_suggestions() -> Prefetch:
    return Prefetch(
        "suggestions",
        queryset=RadarSuggestion.objects.filter(status=SuggestionStatus.OPEN)
        .select_related("item")
        .only("id", "doc_id", "item_id", "item__title", "similarity", "matched", "status", "rank")
        .order_by("rank"),
        to_attr="open_suggestions",
    )


def _flags() -> Prefetch:
    return Prefetch(
        "duplicates",
        queryset=RadarDuplicate.objects.filter(status=DuplicateStatus.FLAGGED).select_related(
            "original__signal", "original__report"
        ),
        to_attr="flags",
    )


def _docs() -> QuerySet[RadarDoc]:
    return RadarDoc.objects.select_related("signal", "report").prefetch_related(
        _open_suggestions(), _flags()
    )


def _row(doc: RadarDoc) -> EvidenceSuggestions:
    evidence = doc.signal or doc.report
    flag = next(iter(getattr(doc, "flags", [])), None)
    duplicate = None
    if flag is not None:
        original = flag.original.signal or flag.original.report
        duplicate = DuplicateFlag(
            id=flag.pk,
            original_kind=flag.original.kind,
            original_id=flag.original.evidence_id,
            original_title=str(original),
            similarity=flag.similarity,
            status=flag.status,
        )
    return EvidenceSuggestions(
        kind=doc.kind,
        id=doc.evidence_id,
        title=str(evidence),
        observed_at=doc.observed_at,
        language=doc.language,
        pending=doc.stale or doc.computed_at is None,
        suggestions=[
            Suggestion(s.pk, s.item_id, s.item.title, s.similarity, list(s.matched), s.status)
            for s in getattr(doc, "open_suggestions", [])
        ],
        duplicate=duplicate,
    )


def evidence_suggestions(
    *, signal: MarketSignal | None = None, report: FrictionReport | None = None
) -> EvidenceSuggestions:
    """The suggestions of one signal or report (pending and empty when never computed)."""
    lookup = {"signal": signal} if signal is not None else {"report": report}
    doc = _docs().filter(**lookup).first()
    if doc is None:
        evidence = signal or report
        assert evidence is not None
        return EvidenceSuggestions(
            kind="signal" if signal is not None else "report",
            id=evidence.pk,
            title=str(evidence),
            observed_at=evidence.observed_at,
            language="",
            pending=True,
        )
    return _row(doc)


def suggestion_queue(*, unlinked: bool = True) -> QuerySet[RadarDoc]:
    """Evidence with open suggestions, newest first (unlinked only, by default): a
    queryset of docs to paginate, then `suggestion_rows` for the page."""
    docs = RadarDoc.objects.filter(active=True, suggestions__status=SuggestionStatus.OPEN)
    if unlinked:
        docs = docs.filter(linked=False)
    return docs.distinct().order_by("-observed_at", "-pk")


def suggestion_rows(docs: list[RadarDoc] | QuerySet[RadarDoc]) -> list[EvidenceSuggestions]:
    """The rows of a page of `suggestion_queue`, in its order, in four queries."""
    ids = [d.pk for d in docs]
    by_id = {d.pk: d for d in _docs().filter(pk__in=ids)}
    return [_row(by_id[i]) for i in ids if i in by_id]


def suggestions_of_submitter(*, user_id: int, limit: int = 20) -> list[EvidenceSuggestions]:
    """Marketing's "my evidence": the submitter's unlinked evidence with suggestions."""
    mine = Q(signal__submitted_by_id=user_id) | Q(report__submitted_by_id=user_id)
    return suggestion_rows(list(suggestion_queue().filter(mine)[:limit]))


def duplicate_list(*, status: str | None = None) -> QuerySet[RadarDuplicate]:
    """Duplicate flags (all statuses, or one), most similar first."""
    flags = RadarDuplicate.objects.all()
    if status:
        flags = flags.filter(status=status)
    return flags.select_related(
        "doc__signal", "doc__report", "original__signal", "original__report"
    ).order_by("-similarity", "-pk")


def topic_list(*, status: str | None = None) -> QuerySet[RadarTopic]:
    topics = RadarTopic.objects.select_related("item")
    if status:
        topics = topics.filter(status=status)
    return topics


def radar_topics_emerging(*, limit: int = 10) -> list[RadarTopic]:
    """The emerging topics, most significant first: the board's "Emerging" panel."""
    return list(topic_list(status=TopicStatus.EMERGING)[:limit])


def suggestions_for(
    *, signal_ids: list[int], report_ids: list[int]
) -> dict[tuple[str, int], EvidenceSuggestions]:
    """("signal"|"report", id) → the suggestions of each listed piece of evidence that the
    radar has read (a page of "My evidence"), in four queries."""
    if not signal_ids and not report_ids:
        return {}
    docs = _docs().filter(Q(signal_id__in=signal_ids) | Q(report_id__in=report_ids))
    return {(doc.kind, doc.evidence_id): _row(doc) for doc in docs}


# What the counts of a topic are keyed on, as people read them (the web pages).
_COUNT_LABELS = {
    "customer_request": gettext_lazy("Customer requests"),
    "sales_feedback": gettext_lazy("Sales feedback"),
    "churn_reason": gettext_lazy("Churn reasons"),
    "support_ticket": gettext_lazy("Support tickets"),
    "competitor_move": gettext_lazy("Competitor moves"),
    "market_trend": gettext_lazy("Market trends"),
    "usage_insight": gettext_lazy("Usage insights"),
    "friction_report": gettext_lazy("Friction reports"),
    "product": gettext_lazy("From product"),
    "marketing": gettext_lazy("From marketing"),
}


@dataclass(frozen=True)
class TopicCount:
    label: str
    count: int


def topic_counts(topic: RadarTopic) -> list[TopicCount]:
    """A topic's counts by kind, then by team, labelled for the page."""
    return [
        TopicCount(str(_COUNT_LABELS.get(key, key)), int(count))
        for counts in (topic.counts_by_kind, topic.counts_by_team)
        for key, count in counts.items()
    ]


def emerging_panel(*, limit: int = 10) -> list[tuple[RadarTopic, list[TopicCount]]]:
    """The board's "Emerging" panel: each emerging topic with its labelled counts."""
    return [(topic, topic_counts(topic)) for topic in radar_topics_emerging(limit=limit)]
