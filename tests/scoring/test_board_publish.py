"""Publishing from the board: the confirmation's diff, the note, the review number, the
product role, and the snapshot the confirmation shows being the one published."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.utils.formats import date_format

from config.formatting import format_number
from roadmap.services import item_update
from scoring import selectors
from scoring.models import Ranking
from scoring.services import (
    item_scores_recompute_all,
    ranking_publish,
)
from tests.scoring.board_pages import (
    BOARD,
    PUBLISH,
    ranking_rows,
    tables,
    text_of,
    three_items,
    worked_example,
)
from tests.support.factories import (
    RoadmapItemFactory,
    UserFactory,
)

# --- Publishing -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_publish_confirmation_shows_the_diff_against_the_latest_ranking(
    pm_client, now, product_user
):
    top, _, _ = three_items(now)
    gone = RoadmapItemFactory(title="Gone", reach=100, impact=1, confidence=1, effort=1)
    item_scores_recompute_all(now=now)
    ranking_publish(note="March", published_by=product_user)
    item_update(item=top, data={"effort": 5.0})  # 3000 → 600: from first to third
    item_update(item=gone, data={"status": "archived"})
    RoadmapItemFactory(title="Newcomer", reach=50, impact=1, confidence=1, effort=1)
    item_scores_recompute_all(now=now)

    response = pm_client.get(PUBLISH, {"note": "April committee"})

    assert response.status_code == 200
    diff = tables(response)
    moved = [row for row in diff["diff"] if len(row) == 6]
    when = date_format(top.history.first().history_date, "DATE_FORMAT")
    # The main cause in people's terms: the estimate change, who made it and when.
    assert [row[:5] for row in moved] == [
        [
            "R2000",
            "2 → 1",
            "1",
            "2,000 → 2,000",
            "its own score did not change; other items moved past it",
        ],
        [
            "R1000",
            "3 → 2",
            "1",
            "1,000 → 1,000",
            "its own score did not change; other items moved past it",
        ],
        ["R3000", "1 → 3", "2", "3,000 → 600", f"effort 1 → 5 on {when}"],
    ]
    # Why, in people's terms: who passed whom, and the estimate that changed.
    assert [row[5] for row in moved] == [
        f"up 1: passed R3000 (effort 1 → 5 on {when}); its own score did not change",
        f"up 1: passed R3000 (effort 1 → 5 on {when}); its own score did not change",
        f"down 2: passed by R2000 and R1000; own score 3,000 → 600 (effort 1 → 5 on {when})",
    ]
    assert [row for row in diff["diff"] if len(row) != 6] == [
        ["Newcomer", "4", "50"],
        ["Gone", "4", "100"],
    ]
    text = text_of(response)
    assert "Publish Ranking 2" in text
    assert "against Ranking 1" in text
    assert "2 up" in text
    assert "1 down" in text
    assert "April committee" in response.content.decode()
    assert Ranking.objects.count() == 1  # the confirmation publishes nothing


@pytest.mark.django_db
def test_the_live_diff_is_the_diff_publishing_then_records(now, product_user):
    _, middle, bottom = three_items(now)
    ranking_publish(note="", published_by=product_user)
    item_update(item=middle, data={"reach": 5000.0})
    item_update(item=bottom, data={"status": "shipped"})
    RoadmapItemFactory(title="New", reach=1500, impact=1, confidence=1, effort=1)
    item_scores_recompute_all(now=now)

    preview = selectors.ranking_diff_live(against=selectors.ranking_latest())
    published = selectors.ranking_diff(ranking=ranking_publish(note="", published_by=product_user))

    assert (preview["number"], preview["previous_number"]) == (None, 1)
    for key in ("moved_up", "moved_down", "new", "dropped", "unchanged"):
        assert preview[key] == published[key], key
    [up] = preview["moved_up"]
    assert (up["item"], up["main_driver"], up["factors_after"]["reach"]) == (
        middle.pk,
        "reach",
        5000.0,
    )


@pytest.mark.django_db
def test_publishing_creates_the_next_ranking_with_the_note_and_returns_to_the_board(
    pm_client, now, product_user
):
    three_items(now)
    ranking_publish(note="March", published_by=product_user)

    response = pm_client.post(PUBLISH, {"note": "April committee: SSO first", "reviewed": 1})

    assert response.status_code == 302
    assert response["Location"] == BOARD
    latest = Ranking.objects.order_by("-number").first()
    assert (latest.number, latest.note, latest.published_by, latest.item_count) == (
        2,
        "April committee: SSO first",
        product_user,
        3,
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Published Ranking 2 (3 items)."
    ]
    board = pm_client.get(BOARD)
    assert "Published Ranking 2 (3 items)." in board.content.decode()
    assert {row["published"].split(" ")[0] for row in ranking_rows(board)} == {"#1", "#2", "#3"}


@pytest.mark.django_db
def test_the_confirmation_carries_the_number_of_the_ranking_it_was_made_against(
    pm_client, now, product_user
):
    three_items(now)
    ranking_publish(note="March", published_by=product_user)

    page = pm_client.get(PUBLISH, {"note": "April"}).content.decode()

    assert '<input type="hidden" name="reviewed" value="1"' in page


@pytest.mark.django_db
def test_a_confirmation_overtaken_by_another_publication_publishes_nothing(
    pm_client, now, product_user
):
    three_items(now)
    ranking_publish(note="March", published_by=product_user)

    # Reviewed against nothing (0), but Ranking 1 went out in the meantime.
    response = pm_client.post(PUBLISH, {"note": "April", "reviewed": 0})

    assert response.status_code == 409
    assert Ranking.objects.count() == 1
    page = response.content.decode()
    assert "Ranking 1 was published by pm since this page was opened" in page
    # The page now shows the diff against Ranking 1 and can be confirmed again.
    assert '<input type="hidden" name="reviewed" value="1"' in page
    assert "April" in page
    assert pm_client.post(PUBLISH, {"note": "April", "reviewed": 1}).status_code == 302
    assert Ranking.objects.count() == 2


@pytest.mark.django_db
def test_a_publication_that_did_not_come_through_the_confirmation_is_refused(pm_client, now):
    three_items(now)

    response = pm_client.post(PUBLISH, {"note": "straight in"})

    assert response.status_code == 200
    assert "Publish from the confirmation page, after the review." in response.content.decode()
    assert not Ranking.objects.exists()


@pytest.mark.django_db
def test_publishing_needs_a_note(pm_client, now):
    three_items(now)

    response = pm_client.post(PUBLISH, {"note": "   ", "reviewed": 0})

    assert response.status_code == 200
    assert "Say why this ranking is published." in response.content.decode()
    assert not Ranking.objects.exists()


@pytest.mark.django_db
def test_staff_outside_the_product_role_see_publishing_disabled_and_get_403(
    marketing_staff_client, now
):
    three_items(now)

    board = marketing_staff_client.get(BOARD).content.decode()
    confirm = marketing_staff_client.get(PUBLISH, {"note": "try"}).content.decode()
    response = marketing_staff_client.post(PUBLISH, {"note": "try anyway", "reviewed": 0})

    reason = "Only members of the product role can publish a ranking."
    for page in (board, confirm):
        assert re.search(r'<button type="submit" class="button primary" disabled', page)
        assert reason in page
    assert response.status_code == 403
    assert reason in response.content.decode()
    assert not Ranking.objects.exists()


@pytest.mark.django_db
def test_product_role_members_who_are_not_superusers_may_publish(client, now):
    pm = UserFactory(username="plain-pm", role="product", is_staff=True)
    client.force_login(pm)
    three_items(now)

    assert client.post(PUBLISH, {"note": "ok", "reviewed": 0}).status_code == 302
    assert Ranking.objects.get().published_by == pm


@pytest.mark.django_db
def test_publishing_needs_a_csrf_token(product_user, now):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(product_user)

    assert client.post(PUBLISH, {"note": "no token", "reviewed": 0}).status_code == 403
    assert not Ranking.objects.exists()


# --- One snapshot for the confirmation and the publication ---------------------------------

SNAPSHOT_FIELDS = (
    "item_id",
    "title",
    "jira_key",
    "position",
    "score",
    "reach",
    "impact",
    "confidence",
    "effort",
    "explanation",
)


def snapshot_rows(entries: Any) -> list[tuple[Any, ...]]:
    return [tuple(getattr(entry, name) for name in SNAPSHOT_FIELDS) for entry in entries]


@pytest.mark.django_db
def test_the_snapshot_the_confirmation_shows_is_the_one_publishing_saves(now, product_user):
    item, _, _ = worked_example(now)
    item.jira_key = "RP-7"
    item.save(update_fields=["jira_key"])
    three_items(now)

    shown = selectors.live_ranking_snapshot()
    ranking = ranking_publish(note="May committee", published_by=product_user)
    saved = selectors.ranking_entries(ranking=ranking)

    assert len(shown) == 4 == ranking.item_count
    assert snapshot_rows(saved) == snapshot_rows(shown)
    # Every field a publication freezes is compared, explanation parts included.
    [worked] = [entry for entry in shown if entry.item_id == item.pk]
    assert worked.explanation["reach"]["marketing"] is not None
    assert worked.jira_key == "RP-7"


@pytest.mark.django_db
def test_the_confirmation_page_lists_what_publishing_then_records(pm_client, now, product_user):
    three_items(now)
    page = pm_client.get(PUBLISH)
    assert '<input type="hidden" name="reviewed" value="0"' in page.content.decode()

    pm_client.post(PUBLISH, {"note": "First", "reviewed": 0})

    shown_new = [(row["title"], row["score"]) for row in page.context["new"]]
    ranking = Ranking.objects.get()
    saved = [
        (entry.title, format_number(entry.score))
        for entry in selectors.ranking_entries(ranking=ranking)
    ]
    assert shown_new == saved
