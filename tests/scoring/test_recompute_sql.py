"""The two recompute paths: PostgreSQL's one statement (scores computed in SQL) and the
engine's (SQLite, and the fallback on a float underflow) write the same rows."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import DataError, OperationalError, connection, transaction
from django.utils import timezone

from roadmap.models import RoadmapItem
from scoring import score_writes, selectors
from scoring.models import ItemScore, ScoreHistory, ScoringModel
from scoring.services import item_scores_recompute_all, scoring_model_create_version
from tests.support.factories import MarketSignalFactory, RoadmapItemFactory, SignalLinkFactory
from tests.support.scoring import random_world
from tests.support.services import need_service

pytestmark = pytest.mark.django_db

PATHS = {
    "sql": score_writes.scores_recompute_sql,
    "engine": score_writes.scores_recompute_python,
}


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def _stored() -> tuple[list[dict], list[dict]]:
    scores = list(ItemScore.objects.order_by("item_id").values())
    history = list(
        ScoreHistory.objects.order_by("item_id", "computed_at").values(
            *(f.attname for f in ScoreHistory._meta.concrete_fields if f.name != "id")
        )
    )
    return scores, history


def _each_path(now, item_ids):
    """What each path writes from the same starting point (each one rolled back)."""
    model = selectors.scoring_model_active()
    params = selectors.scoring_model_params(model)
    outcomes = {}
    for name, recompute in PATHS.items():
        with transaction.atomic():
            counts = recompute(params=params, now=now, model_id=model.pk, item_ids=item_ids)
            outcomes[name] = (counts, _stored())
            transaction.set_rollback(True)
    return outcomes


@pytest.mark.parametrize("half_life_days", [90.0, 1.0])
def test_the_one_statement_writes_exactly_the_rows_the_engine_writes(now, half_life_days):
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    items = random_world(random.Random(11), now, items=40)
    ScoringModel.objects.filter(is_active=True).update(
        segment_weights={"seg-0": 2.0, "seg-1": 0.5},
        half_life_days=half_life_days,
        product_weight=0.3,
        evidence_saturation=3.0,
    )
    item_scores_recompute_all(now=now)
    # Then estimates and statuses move, a new item appears, and a day passes.
    for item in items[::3]:
        RoadmapItem.objects.filter(pk=item.pk).update(effort=7.5, status="planned")
    RoadmapItem.objects.filter(pk=items[1].pk).update(status="archived")
    fresh = RoadmapItemFactory(reach=10, impact=1, effort=1)
    later = now + timedelta(days=1)

    subset = [item.pk for item in items[:20:2]] + [fresh.pk, 10**9]
    for item_ids in (None, subset):
        outcomes = _each_path(later, item_ids)
        assert outcomes["sql"] == outcomes["engine"]
        counts, (scores, history) = outcomes["sql"]
        assert counts.items == (41 if item_ids is None else 11)
        assert counts.history_rows > 0
        # The positions recorded are the live ranking's after the write.
        positions = {
            row["item_id"]: i + 1
            for i, row in enumerate(
                sorted(
                    (row for row in scores if row["rankable"]),
                    key=lambda row: (-row["score"], row["item_id"]),
                )
            )
        }
        latest = {row["item_id"]: row for row in history if row["computed_at"] == later}
        assert latest
        assert {pk: row["position"] for pk, row in latest.items()} == {
            pk: positions.get(pk) for pk in latest
        }


def test_strong_evidence_over_a_small_saturation_gives_the_full_evidence_gain(now):
    """1 − e^(−E_v/κ) with E_v/κ = 1,000: PostgreSQL's exp() would raise on the underflow
    that Python rounds to 0, and the confidence is C₀ + (1 − C₀)·g exactly."""
    scoring_model_create_version(params={"evidence_saturation": 0.001})
    item = RoadmapItemFactory(reach=100, impact=1, confidence=0.5, effort=1)
    SignalLinkFactory(item=item, signal=MarketSignalFactory(observed_at=now))
    item_scores_recompute_all(now=now)
    assert ItemScore.objects.get(item=item).confidence == 0.75


def test_the_one_statement_saturates_the_evidence_without_an_underflow(now):
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    scoring_model_create_version(params={"evidence_saturation": 0.001})
    item = RoadmapItemFactory(reach=100, impact=1, confidence=0.5, effort=1)
    SignalLinkFactory(item=item, signal=MarketSignalFactory(observed_at=now))
    outcomes = _each_path(now, [item.pk])
    assert outcomes["sql"] == outcomes["engine"]
    assert outcomes["sql"][1][0][0]["confidence"] == 0.75


def test_a_score_that_underflows_is_zero_as_in_the_engine(now):
    """reach × impact × confidence = 1e-200 × 1 × 1e-200: 0 in IEEE doubles. PostgreSQL
    raises instead; the recompute then scores with the engine."""
    item = RoadmapItemFactory(reach=1e-200, impact=1, confidence=1e-200, effort=1)
    other = RoadmapItemFactory(reach=10, impact=1, confidence=1, effort=1)
    result = item_scores_recompute_all(now=now)
    assert (result.items, result.scored) == (2, 2)
    assert ItemScore.objects.get(item=item).score == 0.0
    assert ItemScore.objects.get(item=other).score == 10.0
    assert selectors.item_positions() == {other.pk: 1, item.pk: 2}


def test_the_one_statement_refuses_an_underflow_instead_of_storing_a_wrong_score(now):
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    RoadmapItemFactory(reach=1e-200, impact=1, confidence=1e-200, effort=1)
    model = selectors.scoring_model_active()
    params = selectors.scoring_model_params(model)
    with pytest.raises(DataError), transaction.atomic():
        score_writes.scores_recompute_sql(params=params, now=now, model_id=model.pk, item_ids=None)
    assert not ItemScore.objects.exists()


def test_deleting_an_item_waits_for_a_running_recompute(now):
    """Score history has no database constraint on its item: an item deleted while a
    recompute writes its history would leave rows behind, so the deletion waits for the
    recompute's lock (here held by another connection, as a running recompute holds it)."""
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    import psycopg

    from scoring.services import _RECOMPUTE_LOCK_KEY

    item = RoadmapItemFactory(reach=100, impact=1, confidence=0.8, effort=2)
    # A history row as a recompute writes it (a recompute here would take the lock in this
    # test's own transaction, and the other connection would wait on it for ever).
    ScoreHistory.objects.create(
        item=item,
        model=ScoringModel.objects.get(is_active=True),
        computed_at=now,
        score=40.0,
        confidence=0.8,
    )
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    ) as recompute:
        recompute.execute("SELECT pg_advisory_xact_lock(%s)", [_RECOMPUTE_LOCK_KEY])

        def delete_within_200_ms() -> None:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '200ms'")
                item.delete()

        with pytest.raises(OperationalError, match="lock timeout"):
            delete_within_200_ms()
        recompute.rollback()  # the recompute ends: its lock goes
    assert RoadmapItem.objects.filter(pk=item.pk).exists()
    item.delete()
    assert not ScoreHistory.objects.filter(item_id=item.pk).exists()
