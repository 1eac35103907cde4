"""Quality half of bench/radar.py (run in a child process with its own database)."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import django

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

from roadmap.choices import Channel  # noqa: E402
from roadmap.services import item_create  # noqa: E402
from signals import services as evidence  # noqa: E402
from signals.choices import FunnelStage  # noqa: E402
from signals.radar import language, topic_services, topics  # noqa: E402
from signals.radar import services as radar  # noqa: E402
from signals.radar.models import (  # noqa: E402
    RadarDoc,
    RadarDuplicate,
    RadarSuggestion,
    RadarTopic,
    SuggestionStatus,
    TopicStatus,
)

TARGETS = {"recall@3": 0.92, "precision@1": 0.78, "dup_precision": 0.8, "dup_recall": 0.6}


def _text(e: dict[str, Any]) -> str:
    return f"{e['title']}\n{e['summary']}".strip()


def load(data: dict[str, Any]) -> tuple[dict[str, tuple[str, int]], dict[str, int], set[str], Any]:
    """Write a labelled set into the (throwaway) database: its items, and its evidence with
    a third of each item's linked beforehand (what people already did). Returns the
    evidence's (kind, id) by key, the items' ids by key, the keys linked beforehand and
    the moment the set's `days_ago` count from."""
    call_command("migrate", verbosity=0)
    now = timezone.now().replace(microsecond=0)
    items: dict[str, int] = {}
    ids: dict[str, tuple[str, int]] = {}
    by_item: dict[str, list[dict[str, Any]]] = {}
    for e in data["evidence"]:
        if e["item"]:
            by_item.setdefault(e["item"], []).append(e)
    linked_before = {
        e["key"]
        for group in by_item.values()
        for n, e in enumerate(sorted(group, key=lambda x: x["key"]))
        if n % 3 == 0
    }
    with transaction.atomic():
        for item in data["items"]:
            items[item["key"]] = item_create(
                title=item["title"], description=item["description"]
            ).pk
        for n, e in enumerate(data["evidence"]):
            observed = now - timedelta(days=e["days_ago"], minutes=n)
            links = [(items[e["item"]], 1.0)] if e["key"] in linked_before else []
            if e["kind"] == "signal":
                record = evidence.signal_create(
                    kind=e["signal_kind"],
                    title=e["title"][:200],
                    summary=e["summary"],
                    account_name=e["account"],
                    observed_at=observed,
                    links=links,
                )
                ids[e["key"]] = ("signal", record.pk)
            else:
                record = evidence.report_create(
                    # A set may leave out the campaign fields: they are not read by the radar.
                    campaign=e.get("campaign") or "evaluation",
                    title=e["title"][:200],
                    summary=e["summary"],
                    channel=e.get("channel") or Channel.values[0],
                    funnel_stage=e.get("funnel_stage") or FunnelStage.values[0],
                    affected_people=100,
                    severity=1.0,
                    observed_at=observed,
                    links=links,
                )
                ids[e["key"]] = ("report", record.pk)
    return ids, items, linked_before, now


def run(path: Path) -> None:
    # The tasks' progress lines would bury the figures.
    for name in ("celery", "scoring.tasks", "signals.radar.tasks"):
        logging.getLogger(name).setLevel(logging.WARNING)
    data = json.loads(path.read_text())
    started = time.perf_counter()
    ids, items, linked_before, now = load(data)
    loaded = time.perf_counter() - started
    radar_metrics, rebuilt, topics_result = _measure(data, ids, items, linked_before, now)
    language.glossary_enable(False)
    bare_metrics, _, _ = _measure(data, ids, items, linked_before, now)
    language.glossary_enable(True)
    judged = [e for e in data["evidence"] if e["item"] and e["key"] not in linked_before]
    truth = {
        frozenset((e["key"], e["duplicate_of"])) for e in data["evidence"] if e["duplicate_of"]
    }
    radar_links, radar_dups, radar_topics = radar_metrics
    bare_links, bare_dups, bare_topics = bare_metrics
    base = _baseline(data, linked_before, judged, now)

    print(
        f"radar quality on tests/data/{path.name}: {len(data['items'])} items, "
        f"{len(data['evidence'])} pieces of evidence "
        f"({sum(e['lang'] == 'fr' for e in data['evidence']) / len(data['evidence']):.0%} French), "
        f"{len(linked_before)} linked beforehand, {len(judged)} judged, "
        f"{len(truth)} duplicate pairs, {len(data['topics'])} emerging topics"
    )
    print(f"{'figure':32} {'radar':>7} {'radar, no glossary':>19} {'baseline':>9}  target")
    rows = [
        ("link suggestions: recall@3", "recall@3", "links", "≥ 0.92"),
        ("link suggestions: precision@1", "precision@1", "links", "≥ 0.78"),
        ("duplicates: precision", "precision", "dups", "≥ 0.80"),
        ("duplicates: recall", "recall", "dups", "≥ 0.60"),
    ]
    mine = {"links": radar_links, "dups": radar_dups, "topics": radar_topics}
    bare = {"links": bare_links, "dups": bare_dups, "topics": bare_topics}
    for label, name, group, target in rows:
        print(
            f"{label:32} {mine[group][name]:7.3f} {bare[group][name]:19.3f} "
            f"{base[group][name]:9.3f}  {target}"
        )
    for lang in mine["links"]["by_language"]:
        row = [group["links"]["by_language"].get(lang, {}) for group in (mine, bare, base)]
        judged_here = row[0].get("judged", 0)
        for name in ("recall@3", "precision@1"):
            label = f"  {lang} evidence ({judged_here}): {name}"
            print(f"{label:32} {row[0][name]:7.3f} {row[1][name]:19.3f} {row[2][name]:9.3f}")
    wanted = {"found": f"= {len(data['topics'])}", "missed": "= 0", "false": "≤ 1"}
    for name, target in wanted.items():
        print(
            f"{'emerging topics: ' + name:32} {mine['topics'][name]:7d} "
            f"{bare['topics'][name]:19d} {base['topics'][name]:9d}  {target}"
        )
    print(
        f"duplicates flagged: radar {radar_dups['flagged']}, without glossary "
        f"{bare_dups['flagged']}, baseline {base['dups']['flagged']}"
    )
    print(
        f"load {loaded:.1f}s, rebuild {rebuilt.seconds:.1f}s ({rebuilt.docs} docs), topics "
        f"{topics_result.seconds:.2f}s ({topics_result.topics} groups of {topics_result.docs} "
        "unlinked)"
    )
    print(json.dumps({"quality": {"radar": mine, "radar_no_glossary": bare, "baseline": base}}))


def _link_metrics(judged: list[dict[str, Any]], suggested: dict[str, list[str]]) -> dict[str, Any]:
    """recall@3 and precision@1 over the judged evidence, and the same by the evidence's
    language (the items are in English: French evidence is the cross-language case)."""

    def figures(group: list[dict[str, Any]]) -> dict[str, float]:
        if not group:
            return {"recall@3": 0.0, "precision@1": 0.0, "judged": 0}
        hits3 = sum(1 for e in group if e["item"] in suggested.get(e["key"], [])[:3])
        hits1 = sum(1 for e in group if suggested.get(e["key"], [None])[0] == e["item"])
        return {
            "recall@3": round(hits3 / len(group), 3),
            "precision@1": round(hits1 / len(group), 3),
            "judged": len(group),
        }

    out: dict[str, Any] = figures(judged)
    out["by_language"] = {
        lang: figures([e for e in judged if e["lang"] == lang])
        for lang in sorted({e["lang"] for e in judged})
    }
    return out


def _dup_metrics(flags: set[frozenset[str]], truth: set[frozenset[str]]) -> dict[str, Any]:
    right = len(flags & truth)
    return {
        "precision": round(right / len(flags), 3) if flags else 0.0,
        "recall": round(right / len(truth), 3),
        "flagged": len(flags),
    }


def _topic_metrics(
    groups: list[list[str]], data: dict[str, Any], by_key: dict[str, Any]
) -> dict[str, int]:
    found: set[str] = set()
    false = 0
    for members in groups:
        labels = Counter(by_key[k]["topic"] for k in members)
        label, count = labels.most_common(1)[0]
        if label and count * 2 >= len(members):
            found.add(label)
        else:
            false += 1
    return {"found": len(found), "missed": len(data["topics"]) - len(found), "false": false}


def _baseline(
    data: dict[str, Any], linked_before: set[str], judged: list[dict[str, Any]], now: Any
) -> dict[str, Any]:
    """TF-IDF over character n-grams, cosine, nothing else."""
    items = data["items"]
    texts = [_text(e) for e in data["evidence"]]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    vectorizer.fit([f"{i['title']} {i['description']}" for i in items] + texts)
    item_matrix = vectorizer.transform([f"{i['title']} {i['description']}" for i in items])
    keys = [i["key"] for i in items]
    judged_matrix = vectorizer.transform([_text(e) for e in judged])
    sims = (judged_matrix @ item_matrix.T).toarray()
    suggested = {
        e["key"]: [keys[j] for j in np.argsort(-sims[n], kind="stable")[:3]]
        for n, e in enumerate(judged)
    }
    links = _link_metrics(judged, suggested)
    # Duplicates: each piece against the earlier ones, cosine ≥ 0.5.
    evidence = data["evidence"]
    matrix = vectorizer.transform(texts)
    pair_sims = (matrix @ matrix.T).toarray()
    flags = set()
    for a, ea in enumerate(evidence):
        best, best_sim = None, 0.5
        for b, eb in enumerate(evidence):
            earlier = (eb["days_ago"], b) > (ea["days_ago"], a)
            if (
                a != b
                and earlier
                and 0 <= eb["days_ago"] - ea["days_ago"] <= 120
                and pair_sims[a, b] >= best_sim
            ):
                best, best_sim = eb["key"], pair_sims[a, b]
        if best:
            flags.add(frozenset((ea["key"], best)))
    truth = {frozenset((e["key"], e["duplicate_of"])) for e in evidence if e["duplicate_of"]}
    dups = _dup_metrics(flags, truth)
    # Topics: the unlinked evidence of the window, grouped on the same vectors.
    window = [
        n for n, e in enumerate(evidence) if e["key"] not in linked_before and e["days_ago"] <= 180
    ]
    # The radar's own grouping, fed character n-grams instead of its features.
    from signals.radar.text import char_ngrams

    window.sort(key=lambda n: evidence[n]["days_ago"])
    grouped = topics.cluster([char_ngrams(texts[n]) for n in window])
    emerging = []
    for positions in grouped:
        members = [window[p] for p in positions]
        recent = sum(1 for n in members if evidence[n]["days_ago"] < 30)
        test = topics.rate_test(
            recent=recent, baseline=len(members) - recent, recent_days=30, baseline_days=150
        )
        if test.p_value < 0.01 and len(members) >= 5:
            emerging.append([evidence[n]["key"] for n in members])
    by_key = {e["key"]: e for e in evidence}
    return {"links": links, "dups": dups, "topics": _topic_metrics(emerging, data, by_key)}


def _measure(data, ids, items, linked_before, now):  # type: ignore[no-untyped-def]
    """Rebuild the radar, refresh topics, and judge suggestions, duplicates, topics."""
    rebuilt = radar.radar_rebuild_all()
    topics_result = topic_services.radar_topics_refresh(now=now)
    doc_key = {}
    for doc in RadarDoc.objects.all():
        doc_key[doc.pk] = next(k for k, v in ids.items() if v == (doc.kind, doc.evidence_id))
    evidence_by_key = {e["key"]: e for e in data["evidence"]}
    judged = [e for e in data["evidence"] if e["item"] and e["key"] not in linked_before]
    item_key = {v: k for k, v in items.items()}

    # Radar: suggestions
    suggested: dict[str, list[str]] = {}
    for s in RadarSuggestion.objects.filter(status=SuggestionStatus.OPEN).order_by("doc", "rank"):
        suggested.setdefault(doc_key[s.doc_id], []).append(item_key[s.item_id])
    radar_links = _link_metrics(judged, suggested)
    # Radar: duplicates
    truth = {
        frozenset((e["key"], e["duplicate_of"])) for e in data["evidence"] if e["duplicate_of"]
    }
    flags = {
        frozenset((doc_key[d.doc_id], doc_key[d.original_id])) for d in RadarDuplicate.objects.all()
    }
    radar_dups = _dup_metrics(flags, truth)
    # Radar: topics
    emerging = [
        [doc_key[d] for d in t.docs.values_list("pk", flat=True)]
        for t in RadarTopic.objects.filter(status=TopicStatus.EMERGING)
    ]
    radar_topics = _topic_metrics(emerging, data, evidence_by_key)
    return (radar_links, radar_dups, radar_topics), rebuilt, topics_result
