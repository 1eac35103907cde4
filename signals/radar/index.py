"""Reading and writing the radar's derived rows: documents (analysed evidence) and item
profiles (the inverted index). Plain functions over querysets, called by the services."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from roadmap.models import RoadmapItem
from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink
from signals.radar import semantic, text
from signals.radar.models import RadarDoc, RadarPosting, RadarProfile, RadarTerm

# An item's title says more about it than one message linked to it; its description
# somewhat more. Linked messages are many: each counts for a little.
TITLE_SCALE = 3.0
DESCRIPTION_SCALE = 1.0
LINKED_SCALE = 0.7
# Postings below this weight change no ranking and cost index space.
MIN_POSTING_WEIGHT = 0.01
# Features of one item profile kept at most (the strongest).
MAX_PROFILE_TERMS = 400


@dataclass(frozen=True)
class EvidenceText:
    kind: str
    id: int
    text: str
    account: str
    observed_at: datetime
    linked: bool
    active: bool
    kind_label: str  # the signal's kind, or "friction_report"
    submitted_by_id: int | None


def signal_text(signal: MarketSignal) -> str:
    return f"{signal.title}\n{signal.summary}"


def report_text(report: FrictionReport) -> str:
    parts = (report.title, report.summary, report.metric_name, report.campaign)
    return "\n".join(part for part in parts if part)


def evidence_texts(
    *, signal_ids: Iterable[int] = (), report_ids: Iterable[int] = ()
) -> list[EvidenceText]:
    """The text and facts of these signals and reports, two queries whatever their number."""
    out: list[EvidenceText] = []
    sids, rids = list(signal_ids), list(report_ids)
    if sids:
        signals = (
            MarketSignal.objects.filter(pk__in=sids)
            .annotate(has_link=Exists(SignalLink.objects.filter(signal=OuterRef("pk"))))
            .only(
                "id",
                "title",
                "summary",
                "account_name",
                "observed_at",
                "dismissed",
                "kind",
                "submitted_by_id",
            )
        )
        out.extend(
            EvidenceText(
                "signal",
                s.pk,
                signal_text(s),
                s.account_name,
                s.observed_at,
                s.has_link,
                not s.dismissed,
                s.kind,
                s.submitted_by_id,
            )
            for s in signals
        )
    if rids:
        reports = (
            FrictionReport.objects.filter(pk__in=rids)
            .annotate(has_link=Exists(ReportLink.objects.filter(report=OuterRef("pk"))))
            .only(
                "id",
                "title",
                "summary",
                "metric_name",
                "campaign",
                "observed_at",
                "status",
                "submitted_by_id",
            )
        )
        out.extend(
            EvidenceText(
                "report",
                r.pk,
                report_text(r),
                "",
                r.observed_at,
                r.has_link,
                r.status != "dismissed",
                "friction_report",
                r.submitted_by_id,
            )
            for r in reports
        )
    return out


def docs_analyse(docs: Sequence[RadarDoc]) -> dict[int, EvidenceText]:
    """Analyse the evidence of `docs` and write their terms and facts (not `stale`: the
    caller clears it once suggestions are written too). Returns the texts by doc id."""
    texts = evidence_texts(
        signal_ids=[d.signal_id for d in docs if d.signal_id],
        report_ids=[d.report_id for d in docs if d.report_id],
    )
    by_key = {(t.kind, t.id): t for t in texts}
    found: dict[int, EvidenceText] = {}
    orphans: list[int] = []
    for doc in docs:
        evidence = by_key.get((doc.kind, doc.evidence_id))
        if evidence is None:
            # Deleted meanwhile: its doc went with it (Django's cascade), unless it was
            # marked by a write that raced the deletion; such a doc goes now.
            orphans.append(doc.pk)
            continue
        analysis = text.analyze(evidence.text, account=evidence.account)
        doc.language = analysis.language
        doc.terms = analysis.terms
        doc.observed_at = evidence.observed_at
        doc.linked = evidence.linked
        doc.active = evidence.active
        found[doc.pk] = evidence
    RadarDoc.objects.bulk_update(
        [d for d in docs if d.pk in found],
        ["language", "terms", "observed_at", "linked", "active"],
        batch_size=500,
    )
    if orphans:
        RadarDoc.objects.filter(pk__in=orphans).delete()
    return found


def docs_ensure(*, signal_ids: Iterable[int] = (), report_ids: Iterable[int] = ()) -> None:
    """Mark these signals' and reports' docs stale, creating them if needed, in one upsert
    per kind that bumps `rev` (so a refresh running meanwhile does not clear the mark)."""
    table = connection.ops.quote_name(RadarDoc._meta.db_table)
    for column, ids in (("signal_id", signal_ids), ("report_id", report_ids)):
        wanted = sorted({int(i) for i in ids})
        if wanted and connection.vendor == "postgresql":
            # One statement for any number (a bulk ingestion marks a thousand).
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} ({column}, language, terms, linked, active, stale, "
                    "rev) SELECT unnest(%s::bigint[]), '', '', false, true, true, 0 "
                    f"ON CONFLICT ({column}) DO UPDATE SET stale = true, rev = {table}.rev + 1",
                    [wanted],
                )
            continue
        with connection.cursor() as cursor:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                values = ", ".join(["(%s, '', '', false, true, true, 0)"] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} ({column}, language, terms, linked, active, stale, "  # noqa: S608
                    f"rev) VALUES {values} ON CONFLICT ({column}) DO UPDATE SET stale = true, "
                    f"rev = {table}.rev + 1",
                    chunk,
                )


def docs_missing_ensure() -> int:
    """Docs for the evidence written around the services (bulk loads, the demo data), in
    one INSERT ... SELECT per kind; returns how many were created."""
    created = 0
    for model, field in ((MarketSignal, "signal"), (FrictionReport, "report")):
        missing = list(
            model.objects.exclude(
                Exists(RadarDoc.objects.filter(**{field: OuterRef("pk")}))
            ).values_list("pk", flat=True)
        )
        docs_ensure(**{f"{field}_ids": missing})
        created += len(missing)
    return created


def profiles_mark_stale(*, item_ids: Iterable[int]) -> None:
    ids = sorted({int(i) for i in item_ids if i is not None})
    if ids and connection.vendor == "postgresql":
        # One statement for any number of items (a bulk ingestion marks a thousand).
        table = connection.ops.quote_name(RadarProfile._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (item_id, stale, built_at) "
                "SELECT unnest(%s::bigint[]), true, NULL "
                # an item already marked is left alone: no new row version to write
                f"ON CONFLICT (item_id) DO UPDATE SET stale = true WHERE NOT {table}.stale",
                [ids],
            )
    elif ids:
        RadarProfile.objects.bulk_create(
            [RadarProfile(item_id=i, stale=True) for i in ids],
            update_conflicts=True,
            unique_fields=["item"],
            update_fields=["stale"],
            batch_size=500,
        )


def profiles_due(limit: int) -> list[int]:
    """Items whose profile is missing, stale, older than the item's last change, or
    without the vector the sentence model can give it."""
    missing = RoadmapItem.objects.exclude(
        Exists(RadarProfile.objects.filter(item=OuterRef("pk")))
    ).values_list("pk", flat=True)[:limit]
    stale = RadarProfile.objects.filter(stale=True).values_list("item_id", flat=True)[:limit]
    changed = (
        RadarProfile.objects.filter(built_at__isnull=False)
        .filter(
            Exists(
                RoadmapItem.objects.filter(
                    pk=OuterRef("item_id"), updated_at__gt=OuterRef("built_at")
                )
            )
        )
        .values_list("item_id", flat=True)[:limit]
    )
    # Profiles built before the sentence model was there (an upgrade): their vector.
    unembedded = (
        RadarProfile.objects.filter(vector__isnull=True).values_list("item_id", flat=True)[:limit]
        if semantic.available()
        else []
    )
    return sorted({*missing, *stale, *changed, *unembedded})[:limit]


def profiles_build(*, item_ids: Sequence[int]) -> int:
    """Rebuild the postings of these items from their title, description and the analysed
    text of their linked evidence; then the idf of every feature. Returns items built."""
    if not item_ids:
        return 0
    if not RadarTerm.objects.exists():
        # The very first build has no idf to weigh with: count one, then build again.
        _profiles_write(item_ids)
    return _profiles_write(item_ids)


def _profiles_write(item_ids: Sequence[int]) -> int:
    items = RoadmapItem.objects.filter(pk__in=item_ids).only("id", "title", "description")
    bags: dict[int, list[tuple[Counter[str], float]]] = {}
    for item in items:
        bags[item.pk] = [
            (_topic_features(text.analyze(item.title).features), TITLE_SCALE),
            (_topic_features(text.analyze(item.description).features), DESCRIPTION_SCALE),
        ]
    links = [
        *(
            ("s", s, i)
            for s, i in SignalLink.objects.filter(item_id__in=item_ids).values_list(
                "signal_id", "item_id"
            )
        ),
        *(
            ("r", r, i)
            for r, i in ReportLink.objects.filter(item_id__in=item_ids).values_list(
                "report_id", "item_id"
            )
        ),
    ]
    # The analysed text of the linked evidence, through the links' indexes (never a scan of
    # every document), in chunks that keep each IN list short.
    terms_of: dict[tuple[str, int], str] = {}
    for kind, column in (("s", "signal_id"), ("r", "report_id")):
        ids = sorted({evidence_id for k, evidence_id, _ in links if k == kind})
        for start in range(0, len(ids), 5000):
            rows = (
                RadarDoc.objects.filter(active=True, **{f"{column}__in": ids[start : start + 5000]})
                .exclude(terms="")
                .values_list(column, "terms")
            )
            terms_of.update(((kind, evidence_id), terms) for evidence_id, terms in rows)
    for kind, evidence_id, item_id in links:
        terms = terms_of.get((kind, evidence_id))
        if terms and item_id in bags:
            bags[item_id].append((_topic_features(text.parse_terms(terms)), LINKED_SCALE))
    idfs = idf_map()
    default_idf = text.idf(0, max(1, RadarProfile.objects.count()))
    postings: list[tuple[int, str, float]] = []
    for item_id, parts in bags.items():
        merged = text.merge((bag for bag, _ in parts), scales=(scale for _, scale in parts))
        weights = text.weigh(merged, idfs, default_idf=default_idf)
        strongest = sorted(weights.items(), key=lambda kv: -kv[1])[:MAX_PROFILE_TERMS]
        postings.extend(
            (item_id, term[:64], weight)
            for term, weight in strongest
            if weight >= MIN_POSTING_WEIGHT
        )
    RadarPosting.objects.filter(item_id__in=item_ids).delete()
    _postings_insert(postings)
    now = timezone.now()
    profiles = [RadarProfile(item_id=i, stale=False, built_at=now) for i in bags]
    fields = ["stale", "built_at"]
    if semantic.available():
        _vectors_set(profiles, items)
        fields += ["vector", "vector_key"]
    RadarProfile.objects.bulk_create(
        profiles, update_conflicts=True, unique_fields=["item"], update_fields=fields
    )
    terms_recount()
    return len(bags)


def _vectors_set(profiles: Sequence[RadarProfile], items: Iterable[RoadmapItem]) -> None:
    """Give each profile its item's vector: the stored one while the item's title and
    description are those it was computed from, else a new one (one batch)."""
    texts = {item.pk: semantic.item_text(item.title, item.description) for item in items}
    stored = {
        item_id: (key, vector)
        for item_id, key, vector in RadarProfile.objects.filter(
            item_id__in=list(texts), vector__isnull=False
        ).values_list("item_id", "vector_key", "vector")
    }
    keys = {item_id: semantic.text_key(t) for item_id, t in texts.items()}
    todo = [i for i in texts if stored.get(i, ("", None))[0] != keys[i]]
    fresh = semantic.passages([texts[i] for i in todo]) if todo else None
    computed = {}
    if fresh is not None:
        computed = {i: semantic.to_bytes(fresh[n]) for n, i in enumerate(todo)}
    for profile in profiles:
        item_id = profile.item_id
        if item_id in computed:
            profile.vector, profile.vector_key = computed[item_id], keys[item_id]
        elif item_id in stored and stored[item_id][0] == keys[item_id]:
            profile.vector, profile.vector_key = bytes(stored[item_id][1] or b""), keys[item_id]


def _postings_insert(postings: list[tuple[int, str, float]]) -> None:
    """Write (item id, term, weight) rows."""
    if connection.vendor != "postgresql":
        RadarPosting.objects.bulk_create(
            [RadarPosting(item_id=i, term=t, weight=w) for i, t, w in postings], batch_size=2000
        )
        return
    # COPY: a full rebuild writes millions of postings, several times faster than INSERTs.
    table = connection.ops.quote_name(RadarPosting._meta.db_table)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {table} (item_id, term, weight) FROM STDIN") as copy:
            for row in postings:
                copy.write_row(row)


def _topic_features(features: Counter[str]) -> Counter[str]:
    # The account names a customer, not a topic: items are not described by who asked.
    return Counter({k: v for k, v in features.items() if not k.startswith("a:")})


def terms_recount() -> None:
    """The idf of every feature over the item profiles, in two statements."""
    profiles = max(1, RadarProfile.objects.count())
    table = connection.ops.quote_name(RadarTerm._meta.db_table)
    postings = connection.ops.quote_name(RadarPosting._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        # idf = ln((1 + n) / (1 + df)) + 1, as text.idf; LN exists in both dialects
        # (SQLite 3.35+ built with math functions, which Python's is).
        cursor.execute(
            f"INSERT INTO {table} (term, idf) SELECT term, "  # noqa: S608
            f"LN((1.0 + %s) / (1.0 + COUNT(*))) + 1.0 FROM {postings} GROUP BY term",
            [profiles],
        )


def idf_map(terms: Iterable[str] | None = None) -> dict[str, float]:
    rows = RadarTerm.objects.all()
    if terms is not None:
        rows = rows.filter(term__in=list(terms))
    return dict(rows.values_list("term", "idf"))
