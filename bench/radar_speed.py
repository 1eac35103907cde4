"""Speed half of bench/radar.py, on PostgreSQL (run in a child process whose DATABASE_URL
names the bench database).

The data set is generated inside PostgreSQL with generate_series (reused while its sizes
match): N items whose titles carry their own words, M signals, 30 % of them linked to the
item whose words they use, the rest unlinked (`unlinked` of them within the topic window),
and the radar's documents of those signals (their analysed terms, as the refresh stores
them). The item profiles are then built by the service itself.

Timed: the link suggestions of one new signal (the vector of its text by the bundled
sentence model, then `items_rank`: the idf lookup, the postings aggregate, the product with
every item's vector, the blend and the explanation; the words' part alone is also given),
the whole refresh of one new signal (analysis, suggestions, duplicate search, write), and a
full topic refresh. The item vectors are computed by the service when it builds the
profiles (on the items' generated titles and descriptions).
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import timedelta
from pathlib import Path

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from roadmap.models import RoadmapItem  # noqa: E402
from signals import services as evidence  # noqa: E402
from signals.models import MarketSignal  # noqa: E402
from signals.radar import index, matching, semantic, text, topic_services  # noqa: E402
from signals.radar import services as radar  # noqa: E402
from signals.radar.models import RadarDoc, RadarPosting, RadarProfile  # noqa: E402

# Words: "g0000".."g9999" shared by everyone (drawn log-uniformly, so a few are very
# common, as in real text), and three words of its own per item: "x" + 4 hex digits.
GENERATE = """
SELECT setseed(0.13);
TRUNCATE roadmap_roadmapitem, roadmap_dirtyitem, signals_marketsignal, signals_signallink,
         signals_radardoc, signals_radarsuggestion, signals_radarduplicate,
         signals_radarprofile, signals_radarposting, signals_radarterm, signals_radartopic
         CASCADE;
CREATE OR REPLACE FUNCTION pg_temp.gw() RETURNS text LANGUAGE sql VOLATILE AS
  $$ SELECT 'g' || lpad(floor(exp(random() * ln(10000)))::int::text, 4, '0') $$;
CREATE OR REPLACE FUNCTION pg_temp.xw(i int, j int) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT 'x' || lpad(to_hex(i * 3 + j), 5, '0') $$;
INSERT INTO roadmap_roadmapitem (id, title, description, status, jira_key, version,
    created_at, updated_at)
  SELECT g, pg_temp.xw(g, 0) || ' ' || pg_temp.xw(g, 1) || ' ' || pg_temp.gw(),
    pg_temp.xw(g, 2) || ' ' || pg_temp.gw() || ' ' || pg_temp.gw() || ' ' || pg_temp.gw(),
    'candidate', '', 1, now(), now() - interval '1 day'
  FROM generate_series(1, {items}) g;
SELECT setval(pg_get_serial_sequence('roadmap_roadmapitem', 'id'), {items});
CREATE TEMP TABLE bench_signal AS
  SELECT g, 1 + floor(random() * {items})::int AS item, random() < 0.3 AS linked,
    g <= {linked_cut} AS keep_recent
  FROM generate_series(1, {signals}) g;
INSERT INTO signals_marketsignal (id, source, external_id, observed_at, created_at, updated_at,
    kind, title, summary, account_name, dismissed)
  SELECT g, 'bench', 's' || g,
    CASE WHEN NOT linked AND keep_recent THEN now() - random() * interval '180 days'
         ELSE now() - interval '181 days' - random() * interval '540 days' END,
    now(), now(), 'customer_request',
    pg_temp.xw(item, floor(random() * 3)::int) || ' ' || pg_temp.xw(item, floor(random() * 3)::int)
      || ' ' || pg_temp.gw() || ' ' || pg_temp.gw() || ' ' || pg_temp.gw(),
    '', '', false
  FROM bench_signal;
SELECT setval(pg_get_serial_sequence('signals_marketsignal', 'id'), {signals});
INSERT INTO signals_signallink (item_id, signal_id, weight, created_at)
  SELECT item, g, 1.0, now() FROM bench_signal WHERE linked;
INSERT INTO signals_radardoc (signal_id, language, terms, observed_at, linked, active, stale,
    rev, computed_at)
  SELECT s.id, 'en',
    (SELECT string_agg('w:' || w, ' ' ORDER BY w) FROM unnest(string_to_array(s.title, ' ')) w),
    s.observed_at, b.linked, true, false, 0, now()
  FROM signals_marketsignal s JOIN bench_signal b ON b.g = s.id;
ANALYZE;
"""


def _sizes() -> tuple[int, int]:
    return RoadmapItem.objects.count(), MarketSignal.objects.count()


DEV_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "radar_eval.json"


def _figures(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return {"median_ms": round(statistics.median(values) * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def _ms(values: list[float]) -> str:
    figures = _figures(values)
    return f"median {figures['median_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms"


def run(*, items: int, signals: int, unlinked: int) -> None:
    call_command("migrate", verbosity=0)
    generated = False
    if _sizes() != (items, signals) or not RadarProfile.objects.exists():
        print(f"generating {items:,} items and {signals:,} signals in PostgreSQL ...", flush=True)
        started = time.perf_counter()
        # Unlinked signals are 70 %: keep `unlinked` of them in the topic window.
        cut = int(unlinked / 0.7)
        script = GENERATE.format(items=items, signals=signals, linked_cut=cut)
        with connection.cursor() as cursor:
            for statement in script.split(";\n"):
                if statement.strip():
                    cursor.execute(statement)
        print(f"  generated in {time.perf_counter() - started:.1f}s", flush=True)
        started = time.perf_counter()
        item_ids = list(RoadmapItem.objects.order_by("pk").values_list("pk", flat=True))
        for _ in range(2):  # the second pass weighs with the idf the first one counted
            for start in range(0, len(item_ids), 1000):
                index.profiles_build(item_ids=item_ids[start : start + 1000])
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"  item profiles built by the service in {time.perf_counter() - started:.1f}s "
            f"({RadarPosting.objects.count():,} postings)",
            flush=True,
        )
        generated = True
    n_items, n_signals = _sizes()
    window = timezone.now() - timedelta(days=180)
    n_unlinked = RadarDoc.objects.filter(linked=False, observed_at__gte=window).count()
    print(
        f"data: {n_items:,} items, {n_signals:,} signals ({n_unlinked:,} unlinked in the "
        f"180-day topic window){'' if generated else ' (reused)'}"
    )

    rng = random.Random(5)
    lexical_times: list[float] = []
    vector_times: list[float] = []
    total_times: list[float] = []
    suggest_times: list[float] = []
    refresh_times: list[float] = []
    hits = 0
    rounds = 200
    for n in range(rounds):
        item = rng.randint(1, n_items)
        words = [f"x{item * 3 + rng.randint(0, 2):05x}", f"g{rng.randint(0, 9999):04d}"]
        title = f"{words[0]} customer asks about {words[1]} again"
        with transaction.atomic():
            signal = evidence.signal_create(
                kind="customer_request", title=title, observed_at=timezone.now()
            )
            connection.run_on_commit.clear()  # timed here, not by the after-commit task
        doc = RadarDoc.objects.get(signal=signal)
        features = text.analyze(title).features
        started = time.perf_counter()
        matching.items_rank(features)
        lexical_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        meaning = semantic.query(title)
        vector_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        matches = matching.items_rank(features, meaning=meaning)
        suggest_times.append(time.perf_counter() - started)
        total_times.append(vector_times[-1] + suggest_times[-1])
        hits += bool(matches) and matches[0].item_id == item
        started = time.perf_counter()
        radar.docs_refresh([doc])
        refresh_times.append(time.perf_counter() - started)
        if n % 50 == 49:
            print(f"  {n + 1} new signals timed", flush=True)
    # Leave the data set as generated for the next run.
    MarketSignal.objects.filter(source="manual", title__contains="customer asks").delete()

    print(
        f"suggestions for one new signal ({rounds} signals, {n_items:,} items, "
        f"{n_signals:,} signals): {_ms(suggest_times)} (target: within 50 ms); "
        f"right item first for {hits}/{rounds}; "
        + (
            "meaning blended in, the message's vector given (computed with its analysis, as "
            f"its words are); the message's vector by the sentence model {_ms(vector_times)}; "
            f"vector and suggestions together {_ms(total_times)}; the words' part alone "
            f"{_ms(lexical_times)}"
            if semantic.available()
            else "words only (no sentence model on this machine)"
        )
    )
    print(
        f"whole refresh of one new signal (analysis, suggestions, duplicate search, writes): "
        f"{_ms(refresh_times)}"
    )
    if semantic.available():
        # The generated messages are short (about 40 characters): the vector's time grows
        # with the text, so it is also timed on the written messages of the development set.
        written = json.loads(DEV_SET.read_text())["evidence"]
        samples = [f"{e['title']}\n{e['summary']}".strip() for e in written]
        semantic.query(samples[0])
        written_times = []
        for sample in samples:
            started = time.perf_counter()
            semantic.query(sample)
            written_times.append(time.perf_counter() - started)
        print(
            f"the vector of a written message ({len(samples)} messages of "
            f"tests/data/{DEV_SET.name}, median {statistics.median(map(len, samples)):.0f} "
            f"characters): {_ms(written_times)}; with the suggestions' median above: "
            f"{(statistics.median(written_times) + statistics.median(suggest_times)) * 1000:.1f} ms"
        )
    started = time.perf_counter()
    result = topic_services.radar_topics_refresh()
    seconds = time.perf_counter() - started
    print(
        f"topic refresh: {result.docs:,} unlinked pieces in {seconds:.1f}s (target: 20,000 "
        f"within 60 s), {result.topics} groups, {result.emerging} emerging"
    )
    # The last line: every figure, read by bench/radar.py into its summary.
    summary: dict[str, object] = {
        "items": n_items,
        "signals": n_signals,
        "suggestions": _figures(suggest_times),
        "right_first": f"{hits}/{rounds}",
        "whole_refresh": _figures(refresh_times),
        "topic_refresh": {"pieces": result.docs, "seconds": round(seconds, 1)},
        "target_ms": 50,
    }
    if semantic.available():
        summary["vector"] = _figures(vector_times)
        summary["vector_and_suggestions"] = _figures(total_times)
        summary["written_vector"] = _figures(written_times)
    print(json.dumps({"speed": summary}))
