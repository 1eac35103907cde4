"""Recomputation: exact numbers through the database, dirty marks, positions, history,
scoring model versions, and a constant number of queries whatever the number of items."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone

from roadmap.models import DirtyItem, RoadmapItem
from roadmap.services import item_update, items_mark_dirty, items_set_status
from scoring import engine, selectors
from scoring.models import ItemScore, ScoreHistory, ScoringModel
from scoring.services import (
    item_scores_recompute,
    item_scores_recompute_all,
    item_scores_recompute_dirty,
    scoring_model_activate,
    scoring_model_create_version,
)
from signals.services import report_set_status
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SignalLinkFactory,
)
from tests.support.scoring import random_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def worked_example(now):
    item = RoadmapItemFactory(reach=2000, impact=1, confidence=0.8, effort=2)
    report = FrictionReportFactory(
        affected_people=1000, severity=2, observed_at=now - timedelta(days=90)
    )
    ReportLinkFactory(item=item, report=report)
    for _ in range(2):
        SignalLinkFactory(item=item, signal=MarketSignalFactory(observed_at=now))
    return item


def test_the_worked_example_of_scoring_md_comes_out_of_the_database_to_the_last_digit(now):
    item = worked_example(now)
    item_scores_recompute_all(now=now)
    score = ItemScore.objects.get(item=item)
    assert score.score == pytest.approx(786.8877506519407, rel=1e-12)
    assert score.confidence == pytest.approx(0.8393469340287367, rel=1e-12)
    assert (score.reach, score.reach_product, score.reach_marketing) == pytest.approx(
        (1250, 2000, 500), rel=1e-12
    )
    assert (score.impact, score.evidence, score.effort) == pytest.approx((1.5, 2.5, 2), rel=1e-12)
    assert selectors.item_positions(item_ids=[item.pk]) == {item.pk: 1}
    assert score.missing == []


@pytest.mark.parametrize("half_life_days", [None, 1.0])
def test_sql_evidence_sums_agree_with_the_pure_engine_to_1e_9(now, half_life_days):
    """Also with a half-life of one day, where SQLite's millisecond julianday() was 5.6e-9
    off (issue 18.14): ages are exact to the microsecond in both dialects."""
    items = random_world(random.Random(7), now)
    model = ScoringModel.objects.get(is_active=True)
    model.segment_weights = {"seg-0": 2.0, "seg-1": 0.5}
    if half_life_days is not None:
        model.half_life_days = half_life_days
    model.save()
    params = selectors.scoring_model_params(model)
    item_scores_recompute_all(now=now)
    for item in items:
        reports, signals = selectors.item_inputs(item_id=item.pk)
        expected = engine.score_item(
            engine.Estimates(item.reach, item.impact, item.confidence, item.effort),
            reports,
            signals,
            params,
            now,
        )
        stored = ItemScore.objects.get(item=item)
        assert stored.missing == list(expected.missing)
        if expected.score is None:
            assert stored.score is None
        else:
            assert stored.score == pytest.approx(expected.score, rel=1e-9, abs=1e-300)
        assert stored.confidence == pytest.approx(expected.confidence.value, rel=1e-9)
        assert stored.evidence == pytest.approx(expected.confidence.evidence, rel=1e-9, abs=1e-12)


def test_positions_follow_score_then_id_and_leave_out_unscored_and_closed_items(now):
    tied_a = RoadmapItemFactory(reach=100, impact=1, confidence=1, effort=1)
    tied_b = RoadmapItemFactory(reach=100, impact=1, confidence=1, effort=1)
    top = RoadmapItemFactory(reach=1000, impact=1, confidence=1, effort=1)
    shipped = RoadmapItemFactory(reach=10**6, impact=3, status="shipped")
    unscored = RoadmapItemFactory(reach=None)
    item_scores_recompute_all(now=now)
    assert selectors.item_positions() == {top.pk: 1, tied_a.pk: 2, tied_b.pk: 3}
    assert [s.item_id for s in selectors.live_ranking()] == [top.pk, tied_a.pk, tied_b.pk]
    assert ItemScore.objects.get(item=shipped).score is not None
    assert ItemScore.objects.get(item=unscored).missing == ["reach"]


def test_an_estimate_change_marks_the_item_dirty_and_the_sweeper_moves_it_up(now):
    low = RoadmapItemFactory(reach=10, effort=1)
    high = RoadmapItemFactory(reach=1000, effort=1)
    item_scores_recompute_all(now=now)
    DirtyItem.objects.all().delete()

    item_update(item=low, data={"reach": 5000.0})

    assert DirtyItem.objects.filter(item=low).exists()
    result = item_scores_recompute_dirty(now=now)
    assert result.items == 1
    assert not DirtyItem.objects.exists()
    assert selectors.item_positions() == {low.pk: 1, high.pk: 2}


def test_a_title_change_does_not_mark_the_item_dirty():
    item = RoadmapItemFactory()
    DirtyItem.objects.all().delete()
    item_update(item=item, data={"title": "Renamed"})
    assert not DirtyItem.objects.exists()


def test_addressing_a_report_marks_its_items_dirty_and_removes_its_reach(now):
    item = RoadmapItemFactory(reach=None, impact=None, effort=1)
    report = FrictionReportFactory(affected_people=500, severity=1, observed_at=now)
    ReportLinkFactory(item=item, report=report)
    item_scores_recompute_all(now=now)
    assert ItemScore.objects.get(item=item).reach_marketing == pytest.approx(500)

    report_set_status(report=report, status="addressed")

    assert DirtyItem.objects.filter(item=item).exists()
    item_scores_recompute_dirty(now=now)
    stored = ItemScore.objects.get(item=item)
    assert stored.score is None
    assert stored.missing == ["reach", "impact"]


def test_a_write_during_a_recompute_keeps_its_mark(now):
    item = RoadmapItemFactory()
    items_mark_dirty(item_ids=[item.pk])
    marks_read_by_recompute = selectors.dirty_item_revs()
    items_mark_dirty(item_ids=[item.pk])  # lands after the recompute read its marks

    from scoring.score_writes import marks_clear

    marks_clear(marks_read_by_recompute)
    assert DirtyItem.objects.get(item=item).rev == marks_read_by_recompute[item.pk] + 1


def test_recomputing_twice_gives_the_same_scores_and_no_new_history(now):
    random_world(random.Random(3), now, items=10)
    item_scores_recompute_all(now=now)
    first = list(ItemScore.objects.order_by("item_id").values())
    history = ScoreHistory.objects.count()
    item_scores_recompute_all(now=now)
    assert list(ItemScore.objects.order_by("item_id").values()) == first
    assert ScoreHistory.objects.count() == history


def test_history_records_each_score_change_with_its_position(now):
    item = RoadmapItemFactory(effort=2)
    item_scores_recompute_all(now=now)
    item_update(item=item, data={"effort": 5.0})
    item_scores_recompute_dirty(now=now + timedelta(minutes=1))
    rows = list(ScoreHistory.objects.filter(item=item).order_by("computed_at"))
    assert [row.effort for row in rows] == [2, 5]
    assert [row.position for row in rows] == [1, 1]
    split = engine.split_change(
        engine.ScoreResult(
            score=rows[0].score,
            reach=engine.ReachParts(rows[0].reach, None, None),
            impact=engine.ImpactParts(rows[0].impact, None, None),
            confidence=engine.ConfidenceParts(rows[0].confidence, 0, 0),
            effort=engine.EffortParts(rows[0].effort, None),
            missing=(),
            signal_count=0,
            report_count=0,
        ),
        selectors.item_score_result(ItemScore.objects.get(item=item)),
    )
    assert split.main_driver == "effort"


def test_bulk_status_change_takes_items_out_of_the_ranking(now, product_user):
    items = RoadmapItemFactory.create_batch(3)
    item_scores_recompute_all(now=now)
    assert items_set_status(item_ids=[items[0].pk], status="shipped", user=product_user) == 1
    item_scores_recompute_dirty(now=now)
    assert selectors.item_positions() == {items[1].pk: 1, items[2].pk: 2}
    last = ScoreHistory.objects.filter(item=items[0]).order_by("-computed_at", "-id").first()
    assert last.position is None  # the history shows it left the ranking
    assert items[0].history.first().history_user == product_user


def test_recompute_reads_in_a_constant_number_of_queries(now, django_assert_num_queries):
    def world(n):
        made = []
        for _ in range(n):
            item = RoadmapItemFactory()
            SignalLinkFactory(item=item)
            ReportLinkFactory(item=item)
            made.append(item.pk)
        return made

    small, large = world(3), world(30)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        item_scores_recompute(item_ids=small, now=now)
    with CaptureQueriesContext(connection) as many:
        item_scores_recompute(item_ids=large, now=now)
    assert len(many) == len(few)
    assert len(few) <= 16


def test_a_new_model_version_keeps_the_old_one_and_marks_every_item_dirty(product_user):
    items = RoadmapItemFactory.create_batch(3)
    DirtyItem.objects.all().delete()
    old = ScoringModel.objects.get(is_active=True)

    new = scoring_model_create_version(
        params={"product_weight": 0.7}, note="more weight to product", created_by=product_user
    )

    old.refresh_from_db()
    assert (new.version, new.is_active, new.product_weight) == (old.version + 1, True, 0.7)
    assert not old.is_active
    assert old.product_weight == 0.5
    assert ScoringModel.objects.filter(is_active=True).count() == 1
    assert set(DirtyItem.objects.values_list("item_id", flat=True)) == {i.pk for i in items}
    item_scores_recompute_dirty()
    assert set(ItemScore.objects.values_list("model_id", flat=True)) == {new.pk}

    scoring_model_activate(model=old)
    assert ScoringModel.objects.get(is_active=True) == old


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"product_weight": 1.5}, "product_weight"),
        ({"half_life_days": 0}, "half_life_days"),
        ({"evidence_saturation": -1}, "evidence_saturation"),
        ({"min_effort": 0}, "min_effort"),
        ({"default_confidence": "high"}, "default_confidence"),
        ({"kind_weights": {"rumour": 1}}, "kind_weights"),
        ({"segment_weights": {"smb": -1}}, "segment_weights"),
        ({"segment_weights": [1, 2]}, "segment_weights"),
        ({"warp_factor": 9}, "warp_factor"),
    ],
)
def test_an_invalid_model_version_is_refused_and_nothing_changes(params, field):
    with pytest.raises(ValidationError) as excinfo:
        scoring_model_create_version(params=params)
    assert field in excinfo.value.message_dict
    assert ScoringModel.objects.count() == 1


def test_decay_halves_an_old_reports_reach_after_one_half_life(now):
    item = RoadmapItemFactory(reach=None, impact=None, effort=1)
    ReportLinkFactory(
        item=item, report=FrictionReportFactory(affected_people=1000, observed_at=now)
    )
    item_scores_recompute_all(now=now)
    assert ItemScore.objects.get(item=item).reach == pytest.approx(1000)
    item_scores_recompute_all(now=now + timedelta(days=90))
    assert ItemScore.objects.get(item=item).reach == pytest.approx(500, rel=1e-9)


def test_the_explanation_lists_contributors_and_missing_inputs(now):
    item = worked_example(now)
    item_scores_recompute_all(now=now)
    explanation = selectors.item_explanation(item=item)
    assert explanation["score"] == pytest.approx(786.8877506519407, rel=1e-12)
    assert explanation["model_version"] == 1
    assert len(explanation["contributors"]["signals"]) == 2
    assert len(explanation["contributors"]["reports"]) == 1
    assert explanation["missing"] == []


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_recomputes_at_once_give_the_result_of_one():
    import threading

    from tests.support.services import need_service

    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    now = timezone.now()
    random_world(random.Random(11), now, items=20)
    item_scores_recompute_all(now=now)
    history_before = ScoreHistory.objects.count()
    scored = list(ItemScore.objects.filter(score__gt=0).values_list("item_id", flat=True))
    RoadmapItem.objects.filter(pk__in=scored).update(effort=F("effort") * 2 + 1)
    # Marks written directly: items_mark_dirty would also run the recompute after commit.
    DirtyItem.objects.bulk_create([DirtyItem(item_id=pk, marked_at=now) for pk in scored])
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            item_scores_recompute_dirty(now=now)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Each changed score is recorded once, not once per concurrent run.
    assert ScoreHistory.objects.count() == history_before + len(scored)
    assert not DirtyItem.objects.exists()
    single = {row.item_id: row.score for row in ItemScore.objects.all()}
    item_scores_recompute_all(now=now)
    assert {row.item_id: row.score for row in ItemScore.objects.all()} == single


def test_evidence_thousands_of_half_lives_old_counts_zero_instead_of_failing_the_recompute(now):
    """PostgreSQL raises on a floating-point underflow that Python rounds to 0."""
    scoring_model_create_version(params={"half_life_days": 0.01})
    item = RoadmapItemFactory(reach=None, impact=None, effort=1)
    old = FrictionReportFactory(affected_people=1000, observed_at=now - timedelta(days=3650))
    ReportLinkFactory(item=item, report=old, weight=0.001)
    SignalLinkFactory(item=item, signal=MarketSignalFactory(observed_at=now - timedelta(days=3650)))
    item_scores_recompute_all(now=now)
    stored = ItemScore.objects.get(item=item)
    assert stored.reach is None
    assert stored.evidence == 0.0
