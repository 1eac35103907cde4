"""Emerging topics: group the unlinked evidence of the last `recent + baseline` days, test
each group's recent rate against its own baseline (signals.radar.topics), store the groups
as `RadarTopic` rows; and what people decide about a topic (an item from it, or dismiss).

A refresh keeps people's decisions: a new group that mostly holds the evidence of a
dismissed or converted topic stays that topic.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.roles import Role
from config.webhooks import event_emit
from roadmap.models import RoadmapItem
from signals.radar import index, text, topics
from signals.radar.models import RadarDoc, RadarTopic, TopicStatus

QUOTE_CHARS = 280
# A refresh reads at most this many unlinked pieces (the newest): the test needs the
# window, and beyond this the grouping would no longer fit its time.
MAX_TOPIC_DOCS = 50_000


@dataclass(frozen=True)
class TopicsResult:
    docs: int
    topics: int
    emerging: int
    seconds: float


def radar_topics_refresh(*, now: datetime | None = None) -> TopicsResult:
    """Group, test and store (see the module docstring)."""
    started = time.perf_counter()
    now = now or timezone.now()
    recent_days = settings.RADAR_RECENT_DAYS
    baseline_days = settings.RADAR_BASELINE_DAYS
    recent_from = now - timedelta(days=recent_days)
    window_from = recent_from - timedelta(days=baseline_days)
    docs = list(
        RadarDoc.objects.filter(
            linked=False, active=True, observed_at__gte=window_from, observed_at__lte=now
        )
        .exclude(terms="")
        .order_by("-observed_at")
        .values_list("pk", "terms", "observed_at", "signal_id", "report_id", "language")[
            :MAX_TOPIC_DOCS
        ]
    )
    observed_at = [cast(datetime, d[2]) for d in docs]  # the __gte filter excludes NULL
    bags = [
        {k: v for k, v in text.parse_terms(terms).items() if not k.startswith("a:")}
        for _, terms, *_ in docs
    ]
    groups = topics.emerging_scan(
        bags,
        [at >= recent_from for at in observed_at],
        recent_days=recent_days,
        baseline_days=baseline_days,
        alpha=settings.RADAR_TOPIC_ALPHA,
        min_size=settings.RADAR_TOPIC_MIN_SIZE,
    )
    frequencies = topics.document_frequencies(bags)
    texts = index.evidence_texts(
        signal_ids=[d[3] for d in docs if d[3]], report_ids=[d[4] for d in docs if d[4]]
    )
    by_key = {(t.kind, t.id): t for t in texts}
    evidence = [by_key.get(("signal", d[3]) if d[3] else ("report", d[4])) for d in docs]
    product_users = _product_user_ids({e.submitted_by_id for e in evidence if e})
    previous = {
        t.pk: (t, set(t.docs.values_list("pk", flat=True))) for t in RadarTopic.objects.all()
    }
    kept: set[int] = set()
    emerging = 0
    with transaction.atomic():
        RadarDoc.objects.filter(topic__isnull=False).update(topic=None)
        for group in groups:
            members, test, is_emerging = group.members, group.test, group.emerging
            member_ids = {docs[i][0] for i in members}
            topic = _matching_topic(previous, member_ids) or RadarTopic()
            was_emerging = topic.pk is not None and topic.status == TopicStatus.EMERGING
            if topic.status not in (TopicStatus.DISMISSED, TopicStatus.CONVERTED):
                topic.status = TopicStatus.EMERGING if is_emerging else TopicStatus.QUIET
            emerging += topic.status == TopicStatus.EMERGING
            member_evidence = [e for i in members if (e := evidence[i])]
            terms = topics.top_terms(bags, members, document_frequency=frequencies)
            surfaces: dict[str, str] = {}
            for i in members:
                e = evidence[i]
                if e:
                    for term, word in text.analyze(e.text).surfaces().items():
                        surfaces.setdefault(term, word)
            words = []
            for term in terms:
                word = surfaces.get(term, term.split(":", 1)[1])
                if word not in words:
                    words.append(word)
            topic.top_terms = words
            topic.label = ", ".join(words[:4])[:200] or "topic"
            topic.size = len(members)
            topic.recent_count = test.recent
            topic.baseline_count = test.baseline
            topic.growth = round(test.growth, 3)
            topic.p_value = test.p_value
            topic.counts_by_kind = dict(Counter(e.kind_label for e in member_evidence))
            topic.counts_by_team = dict(
                Counter(
                    "product" if e.submitted_by_id in product_users else "marketing"
                    for e in member_evidence
                )
            )
            topic.accounts = sorted({e.account for e in member_evidence if e.account})[:20]
            topic.languages = dict(Counter(docs[i][5] for i in members))
            topic.quotes = [
                {"kind": e.kind, "id": e.id, "text": e.text.strip()[:QUOTE_CHARS]}
                for i in topics.representatives(bags, members)
                if (e := evidence[i])
            ]
            seen = [observed_at[i] for i in members]
            topic.first_seen, topic.last_seen = min(seen), max(seen)
            topic.save()
            kept.add(topic.pk)
            if topic.status == TopicStatus.EMERGING and not was_emerging:
                # In this transaction: a broker outage delays the webhook, loses nothing.
                event_emit(
                    "radar.topic_emerged",
                    {
                        "topic": topic.pk,
                        "label": topic.label,
                        "size": topic.size,
                        "growth": topic.growth,
                        "p_value": topic.p_value,
                    },
                )
            RadarDoc.objects.filter(pk__in=member_ids).update(topic=topic)
        # Groups that dissolved: gone, unless a person decided about them.
        RadarTopic.objects.exclude(pk__in=kept).filter(
            status__in=[TopicStatus.EMERGING, TopicStatus.QUIET]
        ).delete()
    return TopicsResult(len(docs), len(groups), emerging, time.perf_counter() - started)


def _matching_topic(
    previous: dict[int, tuple[RadarTopic, set[int]]], members: set[int]
) -> RadarTopic | None:
    best, best_overlap = None, 0.0
    for topic, old in previous.values():
        if not old:
            continue
        overlap = len(old & members) / len(old | members)
        if overlap >= 0.5 and overlap > best_overlap:
            best, best_overlap = topic, overlap
    if best is not None:
        previous.pop(best.pk)
    return best


def _product_user_ids(user_ids: set[int | None]) -> set[int]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return set()
    return set(
        get_user_model()
        .objects.filter(pk__in=ids)
        .filter(Q(is_superuser=True) | Q(groups__name=Role.PRODUCT))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def topic_dismiss(*, topic: RadarTopic, user: User) -> RadarTopic:
    """Not worth an item: the topic stays dismissed through later refreshes."""
    locked = RadarTopic.objects.select_for_update().get(pk=topic.pk)
    if locked.status == TopicStatus.CONVERTED:
        raise ValidationError("An item was created from this topic already.")
    locked.status = TopicStatus.DISMISSED
    locked.decided_by = user
    locked.save(update_fields=["status", "decided_by", "refreshed_at"])
    return locked


@transaction.atomic
def topic_item_create(
    *, topic: RadarTopic, user: User, title: str = "", description: str = ""
) -> RoadmapItem:
    """A new candidate item from the topic, linked (weight 1) to the topic's evidence,
    through the roadmap and signals services (so scores and the radar follow)."""
    from roadmap.services import item_create
    from signals.services import evidence_link_upsert

    locked = RadarTopic.objects.select_for_update().get(pk=topic.pk)
    if locked.status == TopicStatus.CONVERTED and locked.item_id:
        raise ValidationError(f"Item {locked.item_id} was created from this topic already.")
    quotes = "\n".join(f"- {q['text']}" for q in locked.quotes)
    item = item_create(
        title=(title or locked.label.capitalize())[:200],
        description=description or f"From the radar's emerging topic: {locked.label}.\n{quotes}",
    )
    for doc in locked.docs.select_related("signal", "report"):
        evidence = {"signal": doc.signal} if doc.signal_id else {"report": doc.report}
        evidence_link_upsert(item=item, weight=1.0, **evidence)
    locked.status = TopicStatus.CONVERTED
    locked.item = item
    locked.decided_by = user
    locked.save(update_fields=["status", "item", "decided_by", "refreshed_at"])
    return item
