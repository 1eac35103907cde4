"""The committee board's pages (/board/): who may see them, the live ranking beside the
latest published one, filters, the needs-estimates panel and the item view."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roadmap.models import RoadmapItem
from roadmap.services import item_update
from scoring import selectors
from scoring.models import Ranking
from scoring.services import (
    item_scores_recompute_all,
    item_scores_recompute_dirty,
    ranking_publish,
)
from signals.models import MarketSignal, SignalLink
from tests.scoring.board_pages import (
    BOARD,
    PUBLISH,
    SVG,
    by_title,
    item_page,
    ranking_rows,
    tables,
    text_of,
    three_items,
    worked_example,
)
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SegmentFactory,
    SignalLinkFactory,
    ThemeFactory,
    UserFactory,
)

# --- Who may see it -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", [BOARD, PUBLISH, "/board/items/1/"])
def test_anonymous_visitors_are_sent_to_the_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert "next=" in response["Location"]


@pytest.mark.django_db
def test_marketing_users_who_are_not_staff_see_the_board(client, marketing_user):
    client.force_login(marketing_user)
    assert client.get(BOARD).status_code == 200


@pytest.mark.django_db
def test_integration_users_are_refused(client, integration_user):
    client.force_login(integration_user)
    assert client.get(BOARD).status_code == 403


@pytest.mark.django_db
def test_an_anonymous_publish_post_publishes_nothing(client):
    response = client.post(PUBLISH, {"note": "sneaky"})
    assert response.status_code == 302
    assert not Ranking.objects.exists()


@pytest.mark.django_db
def test_the_admin_index_links_to_the_board(pm_client):
    response = pm_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert f'href="{BOARD}"' in response.content.decode()
    assert "Committee board" in response.content.decode()


# --- The live ranking -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_board_lists_the_live_ranking_best_first_with_theme_owner_status_and_score(
    pm_client, now, product_user
):
    theme = ThemeFactory(name="Onboarding")
    top, _, _ = three_items(now, theme=theme, owner=product_user)

    response = pm_client.get(BOARD)

    assert response.status_code == 200
    rows = ranking_rows(response)
    assert [(r["position"], r["title"], r["score"]) for r in rows] == [
        ("1", "R3000", "3,000"),
        ("2", "R2000", "2,000"),
        ("3", "R1000", "1,000"),
    ]
    assert {(r["theme"], r["owner"], r["status"]) for r in rows} == {
        ("Onboarding", "pm", "Candidate")
    }
    page = response.content.decode()
    assert f'href="{item_page(top)}"' in page
    assert "<h1>Committee board</h1>" in page
    assert '<th scope="col"' in page
    assert "<caption" in page


@pytest.mark.django_db
def test_shipped_and_unscored_items_are_not_in_the_live_ranking(pm_client, now):
    three_items(now)
    RoadmapItemFactory(title="Shipped", status="shipped")
    RoadmapItemFactory(title="No effort", effort=None)
    item_scores_recompute_all(now=now)

    titles = [row["title"] for row in ranking_rows(pm_client.get(BOARD))]

    assert titles == ["R3000", "R2000", "R1000"]


@pytest.mark.django_db
def test_filters_hide_rows_but_keep_positions_in_the_whole_ranking(pm_client, now):
    mobile, web = ThemeFactory(name="Mobile"), ThemeFactory(name="Web")
    enterprise = SegmentFactory(slug="enterprise", name="Enterprise")
    owner = UserFactory(username="priya", first_name="Priya", last_name="Nair", is_staff=True)
    RoadmapItemFactory(title="First", reach=3000, theme=mobile, status="planned")
    second = RoadmapItemFactory(title="Second", reach=2000, theme=web, owner=owner)
    third = RoadmapItemFactory(title="Third", reach=1000, theme=web, status="in_progress")
    second.segments.add(enterprise)
    third.segments.add(enterprise)
    item_scores_recompute_all(now=now)

    def shown(**params: Any) -> list[tuple[str, str]]:
        response = pm_client.get(BOARD, params)
        assert response.status_code == 200
        return [(row["position"], row["title"]) for row in ranking_rows(response)]

    assert shown(theme=web.pk) == [("2", "Second"), ("3", "Third")]
    assert shown(segment=enterprise.pk) == [("2", "Second"), ("3", "Third")]
    assert shown(status="in_progress") == [("3", "Third")]
    assert shown(owner=owner.pk) == [("2", "Second")]
    assert shown(theme=web.pk, status="planned") == []
    assert shown(theme="", segment="", status="", owner="") == [
        ("1", "First"),
        ("2", "Second"),
        ("3", "Third"),
    ]


@pytest.mark.django_db
def test_the_filter_form_offers_themes_segments_statuses_and_the_owners_of_items(pm_client, now):
    ThemeFactory(name="Mobile")
    SegmentFactory(slug="smb", name="SMB")
    owner = UserFactory(username="jonas", first_name="Jonas", last_name="Weber")
    UserFactory(username="owns-nothing")
    RoadmapItemFactory(owner=owner)

    page = pm_client.get(BOARD).content.decode()

    assert '<select name="theme"' in page
    assert ">Mobile</option>" in page
    assert '<select name="segment"' in page
    assert ">SMB</option>" in page
    assert '<option value="in_progress">In progress</option>' in page
    assert ">Jonas Weber</option>" in page
    assert "owns-nothing" not in page


@pytest.mark.django_db
def test_an_unknown_filter_value_is_reported_and_ignored(pm_client, now):
    three_items(now)

    response = pm_client.get(BOARD, {"theme": 999_999, "status": "shipped"})

    assert response.status_code == 200
    assert len(ranking_rows(response)) == 3
    page = response.content.decode()
    assert 'class="error"' in page
    assert "Select a valid choice" in page


@pytest.mark.django_db
def test_before_any_publication_every_row_is_new_and_has_no_published_position(pm_client, now):
    three_items(now)

    rows = ranking_rows(pm_client.get(BOARD))

    assert {row["move"] for row in rows} == {"new no ranking published yet"}
    assert {row["published"] for row in rows} == {"— not in the published ranking"}


@pytest.mark.django_db
def test_movement_arrows_and_the_published_column_compare_with_the_latest_ranking(
    pm_client, now, product_user
):
    top, _, _ = three_items(now)
    ranking_publish(note="March", published_by=product_user)
    RoadmapItemFactory(title="Newcomer", reach=500, impact=1, confidence=1, effort=1)
    item_update(item=top, data={"effort": 5.0})  # 3000 → 600: from first to third
    item_scores_recompute_all(now=now)

    response = pm_client.get(BOARD)
    rows = by_title(response)

    assert [row["title"] for row in ranking_rows(response)] == [
        "R2000",
        "R1000",
        "R3000",
        "Newcomer",
    ]
    assert rows["R3000"]["move"] == "▼ 2 down 2 places since Ranking 1"
    assert rows["R2000"]["move"] == "▲ 1 up 1 place since Ranking 1"
    assert rows["R1000"]["move"] == "▲ 1 up 1 place since Ranking 1"
    assert rows["Newcomer"]["move"] == "new new since Ranking 1"
    assert rows["R3000"]["published"] == "#1 · 3,000"
    assert rows["R2000"]["published"] == "#2 · 2,000"
    assert rows["Newcomer"]["published"] == "— not in the published ranking"
    assert "Published (Ranking 1)" in response.content.decode()


@pytest.mark.django_db
def test_an_item_at_its_published_place_shows_no_movement(pm_client, now, product_user):
    three_items(now)
    ranking_publish(note="", published_by=product_user)

    rows = ranking_rows(pm_client.get(BOARD))

    assert {row["move"] for row in rows} == {"— unchanged since Ranking 1"}


@pytest.mark.django_db
def test_items_that_left_the_ranking_since_the_last_publication_are_named(
    pm_client, now, product_user
):
    top, _, _ = three_items(now)
    ranking_publish(note="", published_by=product_user)
    item_update(item=top, data={"status": "shipped"})
    item_scores_recompute_dirty(now=now)

    text = text_of(pm_client.get(BOARD))

    assert "Left the ranking since Ranking 1" in text
    assert "#1 R3000" in text


@pytest.mark.django_db
def test_each_row_splits_reach_and_impact_into_product_and_marketing_parts(pm_client, now):
    worked_example(now)  # R = 0.5·2000 + 0.5·500, I = 0.5·1 + 0.5·2
    RoadmapItemFactory(title="Product only", reach=100, impact=1, confidence=1, effort=1)
    item_scores_recompute_all(now=now)

    response = pm_client.get(BOARD)
    rows = by_title(response)

    assert rows["Worked example"]["split"] == (
        "Reach Reach 1,250 = product 1,000 (α 0.5 × estimate 2,000) + marketing 250 "
        "(0.5 × measured 500). "
        "Impact Impact 1.5 = product 0.5 (α 0.5 × estimate 1) + marketing 1 "
        "(0.5 × measured 2)."
    )
    assert (
        "Reach 100: product estimate only, no marketing measurement"
        in (rows["Product only"]["split"])
    )
    page = response.content.decode()
    # Reach: 1000 of 1250 is product (80 %); impact: 0.5 of 1.5 (33.33 %).
    assert '<rect class="bar-product" x="0" y="0" width="80.00" height="8"/>' in page
    assert '<rect class="bar-marketing" x="80.00" y="0" width="20.00" height="8"' in page
    assert '<rect class="bar-product" x="0" y="0" width="33.33" height="8"/>' in page
    assert '<rect class="bar-marketing" x="33.33" y="0" width="66.67" height="8"' in page
    assert '<rect class="bar-product" x="0" y="0" width="100.00" height="8"/>' in page
    assert 'title="Reach 1,250 = product 1,000' in page


@pytest.mark.django_db
def test_board_pages_need_no_inline_styles_or_scripts(pm_client, now, product_user):
    """The Content-Security-Policy allows no inline style or script."""
    item, _, _ = worked_example(now)
    ranking_publish(note="", published_by=product_user)

    for path in (BOARD, item_page(item), PUBLISH):
        page = pm_client.get(path).content.decode()
        assert " style=" not in page, path
        assert "<style" not in page, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path


@pytest.mark.django_db
def test_evidence_is_counted_by_kind_leaving_out_dismissed_signals_and_closed_reports(
    pm_client, now
):
    item = RoadmapItemFactory(title="Evidenced")
    for kind in ("customer_request", "customer_request", "churn_reason"):
        SignalLinkFactory(item=item, signal=MarketSignalFactory(kind=kind))
    SignalLinkFactory(item=item, signal=MarketSignalFactory(kind="sales_feedback", dismissed=True))
    ReportLinkFactory(item=item, report=FrictionReportFactory(status="open"))
    ReportLinkFactory(item=item, report=FrictionReportFactory(status="addressed"))
    RoadmapItemFactory(title="Bare")
    item_scores_recompute_all(now=now)

    rows = by_title(pm_client.get(BOARD))

    assert rows["Evidenced"]["evidence"] == (
        "open friction report: 1 friction customer requests: 2 requests churn reason: 1 churn"
    )
    assert rows["Bare"]["evidence"] == "none"
    assert selectors.item_evidence_counts(item_ids=[item.pk]) == {
        item.pk: {"friction_report": 1, "customer_request": 2, "churn_reason": 1}
    }


def _populate(rows: int, now: datetime) -> dict[str, Any]:
    """`rows` ranked items in three themes with owners, segments and evidence, a published
    ranking, and a few unscored items; bulk-created so 300 stay quick. Item n has theme and
    owner n % 3, and segment "smb" when n is even."""
    themes = [ThemeFactory(name=f"Theme {n}") for n in range(3)]
    owners = [UserFactory(username=f"owner{n}", is_staff=True) for n in range(3)]
    segment = SegmentFactory(slug="smb")
    items = RoadmapItem.objects.bulk_create(
        RoadmapItem(
            title=f"Item {n}",
            theme=themes[n % 3],
            owner=owners[n % 3],
            reach=1000 + n,
            impact=1,
            confidence=0.5,
            effort=1 + n % 7,
        )
        for n in range(rows)
    )
    RoadmapItem.objects.bulk_create(
        RoadmapItem(title=f"Unscored {n}", theme=themes[0], effort=None) for n in range(5)
    )
    RoadmapItem.segments.through.objects.bulk_create(
        RoadmapItem.segments.through(roadmapitem_id=item.pk, segment_id=segment.pk)
        for item in items[::2]
    )
    signals = MarketSignal.objects.bulk_create(
        MarketSignal(kind=kind, title=kind, source="t", external_id=f"{rows}-{n}", observed_at=now)
        for n, kind in enumerate(["customer_request", "churn_reason", "usage_insight"] * 4)
    )
    SignalLink.objects.bulk_create(
        SignalLink(item=item, signal=signals[(i + k) % len(signals)])
        for i, item in enumerate(items)
        for k in range(3)
    )
    report = FrictionReportFactory()
    for item in items[:10]:
        ReportLinkFactory(item=item, report=report)
    item_scores_recompute_all(now=now)
    ranking_publish(note="baseline", published_by=None)
    # Some movement since the publication, so every kind of row is rendered.
    RoadmapItem.objects.filter(pk__in=[item.pk for item in items[::5]]).update(effort=9)
    item_scores_recompute_all(now=now)
    return {"owners": owners, "segment": segment}


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [30, 300])
@pytest.mark.parametrize("filtered", [False, True])
def test_the_board_runs_a_fixed_number_of_queries_whatever_the_number_of_rows(
    pm_client, django_assert_max_num_queries, now, rows, filtered
):
    world = _populate(rows, now)
    params: dict[str, Any] = {}
    expected = rows
    if filtered:
        params = {
            "owner": world["owners"][1].pk,
            "status": "candidate",
            "segment": world["segment"].pk,
            "theme": "",
        }
        expected = sum(1 for n in range(rows) if n % 6 == 4)  # owner 1 and an even n

    # 12, and one for the radar's "Emerging" panel (its topics, whatever their number).
    with django_assert_max_num_queries(13):
        response = pm_client.get(BOARD, params)

    assert response.status_code == 200
    shown = ranking_rows(response)
    assert len(shown) == expected
    moves = {row["move"].split(" ")[0] for row in shown}
    assert moves == {"▲", "▼", "—"} if not filtered else moves <= {"▲", "▼", "—"}


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_from_30_to_300_rows(pm_client, now):
    counts = []
    for rows in (30, 300):
        RoadmapItem.objects.all().delete()
        _populate(rows, now)
        with CaptureQueriesContext(connection) as queries:
            assert pm_client.get(BOARD).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Needs estimates ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_needs_estimates_panel_lists_unscored_open_items_and_what_they_miss(pm_client, now):
    three_items(now)
    no_effort = RoadmapItemFactory(title="No effort", effort=None)
    nothing = RoadmapItemFactory(title="Nothing yet", reach=None, impact=None, effort=None)
    RoadmapItemFactory(title="Shipped unscored", effort=None, status="shipped")
    item_scores_recompute_all(now=now)

    response = pm_client.get(BOARD)

    needs = {row[0]: row for row in tables(response)["needs"]}
    assert set(needs) == {"No effort", "Nothing yet"}
    assert needs["No effort"][4] == "effort"
    assert needs["Nothing yet"][4] == "reach impact effort"
    assert needs["No effort"][5] == "Edit estimates of No effort in the admin"
    page = response.content.decode()
    for item in (no_effort, nothing):
        assert f'href="{reverse("admin:roadmap_roadmapitem_change", args=[item.pk])}"' in page
    assert "Needs estimates" in page


@pytest.mark.django_db
def test_the_needs_estimates_panel_follows_the_filters(pm_client, now):
    mobile = ThemeFactory(name="Mobile")
    RoadmapItemFactory(title="Mobile gap", effort=None, theme=mobile)
    RoadmapItemFactory(title="Other gap", effort=None)
    item_scores_recompute_all(now=now)

    needs = tables(pm_client.get(BOARD, {"theme": mobile.pk}))["needs"]

    assert [row[0] for row in needs] == ["Mobile gap"]


# --- The item view --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_item_view_breaks_the_score_down_into_its_factors_and_their_parts(pm_client, now):
    item, _, _ = worked_example(now)

    response = pm_client.get(item_page(item))

    assert response.status_code == 200
    factors = {row[0]: row for row in tables(response)["factors"]}
    assert factors["Reach"][1:4] == [
        "1,250",
        "R p = 2,000, adds 1,000",
        "R m = 500, adds 250",
    ]
    assert factors["Impact"][1:4] == ["1.5", "I p = 1, adds 0.5", "I m = 2, adds 1"]
    assert factors["Confidence"][1:4] == [
        "0.8393",
        "C₀ = 0.8 (product estimate)",
        "evidence strength Eᵥ = 2.5",
    ]
    assert factors["Effort"][1:3] == ["2", "estimate 2 person-months"]
    text = text_of(response)
    assert "S = R × I × C ÷ E = 1,250 × 1.5 × 0.8393 ÷ 2 = 786.9" in text
    assert 'title="786.8877506519407"' in response.content.decode()
    assert "Live position #1" in text


@pytest.mark.django_db
def test_the_item_view_links_its_top_contributors_to_their_admin_pages(pm_client, now):
    item, report, signals = worked_example(now)

    response = pm_client.get(item_page(item))

    page = response.content.decode()
    assert f'href="{reverse("admin:signals_frictionreport_change", args=[report.pk])}"' in page
    for signal in signals:
        assert f'href="{reverse("admin:signals_marketsignal_change", args=[signal.pk])}"' in page
    rows = tables(response)["contributors"]
    assert any(row[0].startswith("SSO step stalls trials") and row[2] == "100%" for row in rows)
    assert any(row[0].startswith("Acme asks for it (1)") and row[2] == "50%" for row in rows)


@pytest.mark.django_db
def test_the_item_view_says_what_is_missing(pm_client, now):
    item = RoadmapItemFactory(title="Half done", reach=None, confidence=None, effort=None)
    item_scores_recompute_all(now=now)

    text = text_of(pm_client.get(item_page(item)))

    assert "Reach: no product estimate, and no open friction report is linked." in text
    assert "Effort: not estimated (only product estimates effort)." in text
    assert "Confidence: no product estimate; the model’s default C₀ 0.5 is used." in text
    assert "Evidence: no market signal is linked" in text
    assert "none (unscored)" in text


@pytest.mark.django_db
def test_the_item_view_draws_the_score_history_as_an_accessible_svg(pm_client, now):
    item, _, _ = worked_example(now)
    item_update(item=item, data={"effort": 4.0})
    item_scores_recompute_all(now=now + timedelta(hours=1))

    response = pm_client.get(item_page(item))

    page = response.content.decode()
    svg = re.search(r'<svg [^>]*class="chart".*?</svg>', page, re.S)
    assert svg is not None
    root = ET.fromstring(svg.group(0))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Score history of “Worked example”"
    assert "2 points" in root.find(f"{SVG}desc").text
    assert len(root.findall(f"{SVG}circle")) == 2
    newest, oldest = tables(response)["history"]
    assert oldest[1] == "786.9"
    assert newest[1].startswith("393")  # effort 2 → 4 halves it (and an hour of decay)


@pytest.mark.django_db
def test_an_unknown_item_is_a_404(pm_client):
    assert pm_client.get("/board/items/999999/").status_code == 404


@pytest.mark.django_db
def test_an_item_never_scored_has_a_page_that_says_so(pm_client):
    item = RoadmapItem.objects.create(title="Fresh", effort=1)  # no recompute yet

    response = pm_client.get(item_page(item))

    assert response.status_code == 200
    assert "No score has been computed yet" in text_of(response)
