"""Published rankings (freeze, numbering, diff) and what-if previews, below the API."""

from __future__ import annotations

import math
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from roadmap.models import DirtyItem, RoadmapItem
from roadmap.services import item_update, items_set_status
from scoring import selectors
from scoring.models import ItemScore, Ranking, RankingEntry, ScoreHistory, ScoringModel
from scoring.services import item_scores_recompute_all, ranking_publish
from tests.support.factories import (
    FrictionReportFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    ScoringModelFactory,
    SegmentFactory,
)
from tests.support.services import need_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def three_items(now):
    """Scores 3000, 2000, 1000 (confidence 1, impact 1, effort 1)."""
    items = [
        RoadmapItemFactory(title=f"R{reach}", reach=reach, impact=1, confidence=1, effort=1)
        for reach in (3000, 2000, 1000)
    ]
    item_scores_recompute_all(now=now)
    return items


def scoring_table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            ScoringModel,
            ScoringModel.history.model,
            ItemScore,
            ScoreHistory,
            Ranking,
            RankingEntry,
            DirtyItem,
        )
    }


# --- Publishing ---------------------------------------------------------------------------


def test_publishing_twice_numbers_the_rankings_1_and_2_and_freezes_the_first(now, product_user):
    top, middle, bottom = three_items(now)

    first = ranking_publish(note="March committee", published_by=product_user)
    item_update(item=top, data={"effort": 10.0})
    item_update(item=bottom, data={"title": "Renamed later"})
    second = ranking_publish(note="April committee", published_by=product_user)

    assert (first.number, second.number) == (1, 2)
    assert (first.item_count, first.published_by, first.note) == (
        3,
        product_user,
        "March committee",
    )
    assert first.model == ScoringModel.objects.get(is_active=True)
    frozen = list(first.entries.order_by("position").values_list("item_id", "score", "title"))
    assert frozen == [
        (top.pk, 3000, "R3000"),
        (middle.pk, 2000, "R2000"),
        (bottom.pk, 1000, "R1000"),
    ]
    # The second one saw the new effort: publishing recomputed the dirty item first.
    assert list(second.entries.values_list("item_id", "position", "score")) == [
        (middle.pk, 1, 2000),
        (bottom.pk, 2, 1000),
        (top.pk, 3, 300),
    ]
    assert not DirtyItem.objects.exists()


def test_an_entry_keeps_the_factor_parts_of_the_score_it_froze(now, product_user):
    item = RoadmapItemFactory(reach=2000, impact=1, confidence=0.8, effort=2, jira_key="PM-7")
    ReportLinkFactory(
        item=item,
        report=FrictionReportFactory(affected_people=1000, severity=2, observed_at=now),
    )
    item_scores_recompute_all(now=now)

    entry = ranking_publish(note="", published_by=None).entries.get()

    stored = ItemScore.objects.get(item=item)
    assert (entry.jira_key, entry.position, entry.score) == ("PM-7", 1, stored.score)
    assert (entry.reach, entry.impact, entry.confidence, entry.effort) == (
        stored.reach,
        stored.impact,
        stored.confidence,
        stored.effort,
    )
    assert entry.explanation["reach"] == {"value": 1500.0, "product": 2000.0, "marketing": 1000.0}
    assert entry.explanation["effort"] == {"value": 2.0, "estimate": 2.0}
    assert entry.explanation["model_version"] == 1
    assert entry.explanation["counts"] == {"reports": 1, "signals": 0}
    assert "contributors" not in entry.explanation


def test_a_published_ranking_and_its_entries_cannot_be_saved_again(now, product_user):
    three_items(now)
    ranking = ranking_publish(note="", published_by=product_user)
    ranking.note = "rewritten"
    with pytest.raises(ValueError, match="immutable"):
        ranking.save()
    entry = ranking.entries.first()
    entry.score = 0
    with pytest.raises(ValueError, match="immutable"):
        entry.save()


def test_a_snapshot_outlives_a_deleted_item(now, product_user):
    top, _, _ = three_items(now)
    ranking = ranking_publish(note="", published_by=product_user)
    RoadmapItem.objects.filter(pk=top.pk).delete()
    entry = ranking.entries.get(position=1)
    assert (entry.item_id, entry.title) == (top.pk, "R3000")


def test_publishing_an_empty_live_ranking_is_ranking_with_no_entries(product_user):
    ranking = ranking_publish(note="nothing yet", published_by=product_user)
    assert (ranking.number, ranking.item_count, ranking.entries.count()) == (1, 0, 0)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_publications_get_consecutive_numbers():
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    if not ScoringModel.objects.filter(is_active=True).exists():  # flushed by an earlier test
        ScoringModelFactory(version=1, is_active=True)
    RoadmapItemFactory.create_batch(20)
    item_scores_recompute_all()
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def publish() -> None:
        try:
            barrier.wait()
            ranking_publish(note="race", published_by=None)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(Ranking.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert set(Ranking.objects.values_list("item_count", flat=True)) == {20}
    assert RankingEntry.objects.count() == 80


# --- Diff ---------------------------------------------------------------------------------


def test_the_first_ranking_lists_every_item_as_new(now, product_user):
    items = three_items(now)
    diff = selectors.ranking_diff(ranking=ranking_publish(note="", published_by=product_user))
    assert diff["previous_number"] is None
    assert [row["item"] for row in diff["new"]] == [item.pk for item in items]
    assert [row["position"] for row in diff["new"]] == [1, 2, 3]
    assert (diff["moved_up"], diff["moved_down"], diff["dropped"], diff["unchanged"]) == (
        [],
        [],
        [],
        0,
    )


def test_the_diff_after_an_effort_change_names_effort_as_the_main_driver(now, product_user):
    top, middle, bottom = three_items(now)
    ranking_publish(note="", published_by=product_user)
    item_update(item=top, data={"effort": 5.0})  # 3000 -> 600: from first to third
    second = ranking_publish(note="", published_by=product_user)

    diff = selectors.ranking_diff(ranking=second)

    assert (diff["number"], diff["previous_number"]) == (2, 1)
    [down] = diff["moved_down"]
    assert (down["item"], down["from_position"], down["to_position"], down["places"]) == (
        top.pk,
        1,
        3,
        2,
    )
    assert (down["score_before"], down["score_after"]) == (3000, 600)
    assert down["main_driver"] == "effort"
    assert down["terms"]["effort"] == pytest.approx(-math.log(5))
    assert down["terms"]["reach"] == 0
    assert math.fsum(down["terms"].values()) == pytest.approx(math.log(600 / 3000))
    assert down["deltas"]["effort"] == 4
    # The others rose because the top item fell, not because anything of theirs changed.
    assert [
        (row["item"], row["from_position"], row["to_position"]) for row in diff["moved_up"]
    ] == [
        (middle.pk, 2, 1),
        (bottom.pk, 3, 2),
    ]
    assert {row["main_driver"] for row in diff["moved_up"]} == {None}
    assert (diff["new"], diff["dropped"], diff["unchanged"]) == ([], [], 0)


def test_the_diff_lists_new_and_dropped_items_and_counts_the_unchanged(now, product_user):
    _top, middle, bottom = three_items(now)
    ranking_publish(note="", published_by=product_user)
    newcomer = RoadmapItemFactory(title="New", reach=500, impact=1, confidence=1, effort=1)
    items_set_status(item_ids=[middle.pk], status="shipped")
    item_scores_recompute_all(now=now)

    diff = selectors.ranking_diff(ranking=ranking_publish(note="", published_by=product_user))

    assert diff["new"] == [{"item": newcomer.pk, "title": "New", "position": 3, "score": 500}]
    assert diff["dropped"] == [{"item": middle.pk, "title": "R2000", "position": 2, "score": 2000}]
    assert [row["item"] for row in diff["moved_up"]] == [bottom.pk]
    assert diff["moved_down"] == []
    assert diff["unchanged"] == 1  # the top item


# --- What-if preview ------------------------------------------------------------------------


def product_and_marketing_items(now):
    """`product_led` rests on product's reach alone; `marketing_led` on a friction report.
    Under the default α = 0.5 the marketing-led item leads; under α = 1 it falls behind."""
    product_led = RoadmapItemFactory(reach=1000, impact=1, confidence=0.8, effort=1)
    marketing_led = RoadmapItemFactory(reach=100, impact=1, confidence=0.8, effort=1)
    ReportLinkFactory(
        item=marketing_led,
        report=FrictionReportFactory(affected_people=5000, severity=1, observed_at=now),
    )
    item_scores_recompute_all(now=now)
    return product_led, marketing_led


def test_a_preview_with_more_product_weight_swaps_the_two_items_and_writes_nothing(now):
    product_led, marketing_led = product_and_marketing_items(now)
    before = scoring_table_counts()

    preview = selectors.scoring_model_preview(params={"product_weight": 1.0}, now=now)

    assert scoring_table_counts() == before
    assert ScoringModel.objects.get(is_active=True).product_weight == 0.5
    rows = {row["item"]: row for row in preview["results"]}
    assert (rows[product_led.pk]["position"], rows[product_led.pk]["active_position"]) == (1, 2)
    assert (rows[marketing_led.pk]["position"], rows[marketing_led.pk]["active_position"]) == (2, 1)
    assert (rows[product_led.pk]["change"], rows[marketing_led.pk]["change"]) == (1, -1)
    assert rows[product_led.pk]["score"] == pytest.approx(800)
    assert preview["parameters"]["product_weight"] == 1.0
    assert preview["base_model_version"] == 1
    assert (preview["count"], preview["dropped_count"]) == (2, 0)


def test_a_preview_of_the_active_parameters_moves_nothing(now):
    product_and_marketing_items(now)
    preview = selectors.scoring_model_preview(params={}, now=now)
    assert [row["change"] for row in preview["results"]] == [0, 0]
    stored = dict(ItemScore.objects.values_list("item_id", "score"))
    for row in preview["results"]:
        assert row["score"] == pytest.approx(stored[row["item"]], rel=1e-9)


def test_a_preview_that_weighs_a_segment_at_zero_drops_the_items_resting_on_it(now):
    smb = SegmentFactory(slug="smb")
    only_marketing = RoadmapItemFactory(reach=None, impact=None, effort=1)
    ReportLinkFactory(
        item=only_marketing,
        report=FrictionReportFactory(affected_people=800, segment=smb, observed_at=now),
    )
    steady = RoadmapItemFactory(reach=10, impact=1, effort=1)
    item_scores_recompute_all(now=now)

    preview = selectors.scoring_model_preview(params={"segment_weights": {"smb": 0}}, now=now)

    assert [row["item"] for row in preview["results"]] == [steady.pk]
    assert preview["results"][0]["change"] == 1  # second under the active model, now first
    assert preview["dropped_count"] == 1
    assert preview["dropped"][0]["item"] == only_marketing.pk
    assert preview["dropped"][0]["active_position"] == 1


def test_a_preview_caps_its_rows_at_the_limit_but_counts_them_all(now):
    RoadmapItemFactory.create_batch(5)
    item_scores_recompute_all(now=now)
    preview = selectors.scoring_model_preview(params={"min_effort": 0.5}, limit=2, now=now)
    assert [row["position"] for row in preview["results"]] == [1, 2]
    assert preview["count"] == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"product_weight": 1.5}, "product_weight"),
        ({"half_life_days": 0}, "half_life_days"),
        ({"kind_weights": {"rumour": 1.0}}, "kind_weights"),
        ({"warp_factor": 9}, "warp_factor"),
    ],
)
def test_a_preview_with_invalid_parameters_is_refused_field_by_field(params, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        selectors.scoring_model_preview(params=params)
    assert field in excinfo.value.message_dict


def test_a_preview_reads_in_a_constant_number_of_queries(now):
    def preview_queries(items: int) -> int:
        for _ in range(items):
            ReportLinkFactory(item=RoadmapItemFactory())
        item_scores_recompute_all(now=now)
        with CaptureQueriesContext(connection) as queries:
            selectors.scoring_model_preview(params={"half_life_days": 30}, now=now)
        return len(queries)

    few = preview_queries(2)
    many = preview_queries(40)
    assert few == many <= 5


def test_a_preview_at_a_later_instant_applies_decay_to_both_sides(now):
    # A report half a life old weighs half under both models: the comparison is fair.
    item = RoadmapItemFactory(reach=None, impact=None, effort=1)
    ReportLinkFactory(
        item=item,
        report=FrictionReportFactory(
            affected_people=1000, severity=1, observed_at=now - timedelta(days=90)
        ),
    )
    item_scores_recompute_all(now=now - timedelta(days=90))
    [row] = selectors.scoring_model_preview(params={}, now=now)["results"]
    assert row["change"] == 0
    assert row["active_score"] == row["score"]
    assert row["score"] < ItemScore.objects.get(item=item).score
