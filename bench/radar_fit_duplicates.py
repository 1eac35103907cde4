"""Fit the weights of the duplicate model (signals.radar.duplicates.MEANING_WEIGHTS) again.

For each tuning set (tests/data/radar_eval.json and tests/data/radar_train.json, never the
held-out or blind sets), a child process loads it into a throwaway SQLite database as the
quality bench does, rebuilds the radar, and prints the facts (`duplicate_facts`) of the
first MEANING_CANDIDATES candidates of every piece, labelled with whether the candidate
is the piece's original. The parent fits a logistic regression (scikit-learn, C = 1) on
all of them, prints the weights and intercept, and how each set's model does on the other
set at the threshold. Needs the sentence model (x86-64 Linux with AVX2).

    .venv/bin/python bench/radar_fit_duplicates.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TUNING_SETS = [
    ROOT / "tests" / "data" / "radar_eval.json",
    ROOT / "tests" / "data" / "radar_train.json",
]
NAMES = ["words", "letters", "items", "same_account", "other_account", "cross_language", "meaning"]


def _child(path: Path) -> None:
    import django

    django.setup()
    from bench.radar_quality import load
    from signals.radar import duplicates
    from signals.radar import services as radar
    from signals.radar.matching import doc_vectors
    from signals.radar.models import RadarDoc

    data = json.loads(path.read_text())
    ids, _, _, _ = load(data)
    radar.radar_rebuild_all()
    key_of = {v: k for k, v in ids.items()}
    original = {e["key"]: e["duplicate_of"] for e in data["evidence"] if e["duplicate_of"]}
    rows = []
    docs = list(RadarDoc.objects.order_by("pk"))
    key_of_doc = {d.pk: key_of[(d.kind, d.evidence_id)] for d in docs}
    for doc in docs:
        key = key_of_doc[doc.pk]
        for f in duplicates.duplicate_facts(doc)[: duplicates.MEANING_CANDIDATES]:
            if f.meaning is None:
                # The service embeds only the candidates the model may flag; the fit reads
                # all three first candidates.
                pair = [doc.pk, f.original_id]
                texts = duplicates._texts_of(list(RadarDoc.objects.filter(pk__in=pair)))
                vectors = doc_vectors(pair, texts)
                if len(vectors) < 2:
                    continue
                f = replace(f, meaning=float(vectors[doc.pk] @ vectors[f.original_id]))
            both = bool(f.accounts[0] and f.accounts[1])
            rows.append(
                {
                    "doc": key,
                    "x": [
                        f.words,
                        0.0 if f.cross_language else f.letters,
                        f.items,
                        float(both and f.accounts[0] == f.accounts[1]),
                        float(both and f.accounts[0] != f.accounts[1]),
                        float(f.cross_language),
                        (f.meaning - 0.85) / 0.05,
                    ],
                    "y": original.get(key) == key_of_doc[f.original_id],
                }
            )
    print(json.dumps(rows))


def _facts(path: Path) -> list[dict]:
    folder = tempfile.mkdtemp(prefix="radar-fit-")
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{folder}/radar.sqlite3",
    }
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def _found(model, rows: list[dict], threshold: float, margin: float) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Flags right and wrong as the service judges (`duplicates_judge`): among the
    candidates the model may flag (items' cosine at least MEANING_MIN_ITEMS, not another
    account), the most probable at `threshold` and `margin` above the next."""
    from signals.radar.duplicates import MEANING_MIN_ITEMS

    by_doc: dict[str, list[tuple[float, bool]]] = {}
    for row in rows:
        if row["x"][2] < MEANING_MIN_ITEMS or row["x"][4]:
            continue
        p = float(model.predict_proba([row["x"]])[0, 1])
        by_doc.setdefault(row["doc"], []).append((p, row["y"]))
    right = wrong = 0
    for scored in by_doc.values():
        scored.sort(reverse=True)
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        if scored[0][0] >= threshold and scored[0][0] - runner_up >= margin:
            right += scored[0][1]
            wrong += not scored[0][1]
    return right, wrong


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        _child(Path(sys.argv[2]))
        return
    import django
    from sklearn.linear_model import LogisticRegression

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    django.setup()
    from signals.radar.duplicates import MEANING_MARGIN, MEANING_THRESHOLD

    facts = {path.name: _facts(path) for path in TUNING_SETS}

    def fit(rows: list[dict]) -> LogisticRegression:
        return LogisticRegression(C=1.0, max_iter=2000).fit(
            [r["x"] for r in rows], [r["y"] for r in rows]
        )

    names = list(facts)
    for a, b in ((names[0], names[1]), (names[1], names[0])):
        right, wrong = _found(fit(facts[a]), facts[b], MEANING_THRESHOLD, MEANING_MARGIN)
        pairs = sum(r["y"] for r in facts[b])
        print(f"fitted on {a}, judged on {b}: {right} of {pairs} found, {wrong} false")
    every = [r for rows in facts.values() for r in rows]
    model = fit(every)
    print(f"fitted on both ({len(every)} pairs, {sum(r['y'] for r in every)} duplicates):")
    for name, weight in zip(NAMES, model.coef_[0], strict=True):
        print(f"  {name:16} {weight:.3f}")
    print(f"  intercept        {model.intercept_[0]:.3f}")


if __name__ == "__main__":
    main()
