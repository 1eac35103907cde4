"""The committee board (/board/): who may see it, the live ranking beside the latest
published one, filters, the item view, the needs-estimates panel and publishing; and the
SVG chart function, which needs no database."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roadmap.models import RoadmapItem
from roadmap.services import item_update
from scoring import selectors
from scoring.board.charts import format_number, line_chart_svg, nice_ticks
from scoring.models import Ranking
from scoring.services import (
    item_scores_recompute_all,
    item_scores_recompute_dirty,
    ranking_publish,
)
from signals.models import MarketSignal, SignalLink
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

BOARD = reverse("board:index")
PUBLISH = reverse("board:publish")
SVG = "{http://www.w3.org/2000/svg}"


def item_page(item: RoadmapItem) -> str:
    return reverse("board:item", args=[item.pk])


# --- Reading pages --------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every table of a page as {class: [[cell text, ...] per body row]}; a cell's text
    includes visually hidden text, as a screen reader would read it."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._in_body = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("class") or ""
            self.tables.setdefault(self._table, [])
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
            self._cell.append(" ")  # separate elements read as separate words


def tables(response: Any) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


RANKING_COLUMNS = (
    "position",
    "move",
    "title",
    "theme",
    "owner",
    "status",
    "score",
    "split",
    "evidence",
    "published",
)


def ranking_rows(response: Any) -> list[dict[str, str]]:
    """The live ranking as shown, one {column: text} per row, top to bottom."""
    rows = tables(response)["ranking"]
    # A single cell is the "nothing matches" row.
    return [dict(zip(RANKING_COLUMNS, row, strict=True)) for row in rows if len(row) > 1]


def by_title(response: Any) -> dict[str, dict[str, str]]:
    return {row["title"]: row for row in ranking_rows(response)}


def text_of(response: Any) -> str:
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(page).split())


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def pm_client(client, product_user):
    client.force_login(product_user)
    return client


@pytest.fixture
def marketing_staff(db):
    """Staff (may use the admin and the board) but in the marketing role, not product."""
    return UserFactory(username="mkt-staff", role="marketing", is_staff=True)


@pytest.fixture
def marketing_staff_client(client, marketing_staff):
    client.force_login(marketing_staff)
    return client


def three_items(now, **extra):
    """Scores 3000, 2000, 1000 (impact 1, confidence 1, effort 1), titled by reach."""
    items = [
        RoadmapItemFactory(
            title=f"R{reach}", reach=reach, impact=1, confidence=1, effort=1, **extra
        )
        for reach in (3000, 2000, 1000)
    ]
    item_scores_recompute_all(now=now)
    return items


def worked_example(now):
    """The worked example of SCORING.md: S = 786.8877506519407."""
    item = RoadmapItemFactory(
        title="Worked example", reach=2000, impact=1, confidence=0.8, effort=2
    )
    report = FrictionReportFactory(
        title="SSO step stalls trials",
        affected_people=1000,
        severity=2,
        observed_at=now - timedelta(days=90),
    )
    ReportLinkFactory(item=item, report=report)
    signals = [
        MarketSignalFactory(title=f"Acme asks for it ({n})", observed_at=now) for n in (1, 2)
    ]
    for signal in signals:
        SignalLinkFactory(item=item, signal=signal)
    item_scores_recompute_all(now=now)
    return item, report, signals


# --- Who may see it -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", [BOARD, PUBLISH, "/board/items/1/"])
def test_anonymous_visitors_are_sent_to_the_admin_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "next=" in response["Location"]


@pytest.mark.django_db
def test_signed_in_users_who_are_not_staff_are_sent_to_the_admin_login(client, marketing_user):
    client.force_login(marketing_user)
    response = client.get(BOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


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

    with django_assert_max_num_queries(12):
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
    assert diff["diff"] == [
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
        ["R3000", "1 → 3", "2", "3,000 → 600", "effort 1 → 5 person-months"],
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


# --- The chart (no database) ----------------------------------------------------------------

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_the_chart_is_well_formed_svg_with_a_title_and_a_description():
    points = [(T0 + timedelta(days=d), v) for d, v in ((0, 100.0), (10, 250.0), (20, 200.0))]

    root = parse(line_chart_svg(points, title="Score of SSO", chart_id="h1"))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "h1-title h1-desc"
    assert root.find(f"{SVG}title").text == "Score of SSO"
    assert root.find(f"{SVG}title").get("id") == "h1-title"
    desc = root.find(f"{SVG}desc").text
    assert desc == (
        "3 points from 2026-03-01 09:00 to 2026-03-21 09:00 (UTC). "
        "First 100, latest 200, lowest 100, highest 250."
    )
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert "Score" in labels
    assert "Computed at (UTC)" in labels
    digits = [label for label in labels if label and label.isdigit()]
    assert digits == ["0", "100", "200", "300"]
    assert "1 Mar 2026" in labels
    assert "21 Mar 2026" in labels
    assert [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")] == [
        "2026-03-01 09:00 UTC: 100",
        "2026-03-11 09:00 UTC: 250",
        "2026-03-21 09:00 UTC: 200",
    ]


def test_the_chart_starts_its_value_axis_at_zero_and_draws_steps():
    points = [(T0, 100.0), (T0 + timedelta(days=1), 200.0)]

    root = parse(line_chart_svg(points, title="t", width=520, height=260))

    path = root.find(f"{SVG}path").get("d")
    # 0 sits on the bottom axis (260 − 52 = 208); 100 halfway to 200 at the top (16).
    assert path == "M 64.0 112.0 H 500.0 V 16.0"
    [bottom_tick] = [t for t in root.iter(f"{SVG}text") if t.text == "0"]
    assert bottom_tick.get("y") == "212.0"


def test_the_chart_extends_the_last_value_until_now():
    points = [(T0, 10.0), (T0 + timedelta(days=1), 20.0)]

    path = parse(line_chart_svg(points, title="t", until=T0 + timedelta(days=2))).find(f"{SVG}path")

    assert path.get("d").endswith("H 500.0")


def test_an_unscored_stretch_breaks_the_line():
    points = [
        (T0, 10.0),
        (T0 + timedelta(days=1), None),
        (T0 + timedelta(days=2), 30.0),
        (T0 + timedelta(days=3), 20.0),
    ]

    root = parse(line_chart_svg(points, title="t"))

    assert root.find(f"{SVG}path").get("d").count("M ") == 2
    assert len(root.findall(f"{SVG}circle")) == 3
    assert "Gaps in the line are times when the item had no score." in (
        root.find(f"{SVG}desc").text
    )


def test_the_chart_escapes_its_texts():
    svg = line_chart_svg([(T0, 1.0)], title='<script>alert("x")</script> & co', chart_id='a"b')

    root = parse(svg)
    assert "<script>" not in svg
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script> & co'
    assert root.get("aria-labelledby") == "a-b-title a-b-desc"


def test_a_single_point_and_no_points_still_make_a_chart():
    single = parse(line_chart_svg([(T0, 5.0)], title="one"))
    assert len(single.findall(f"{SVG}circle")) == 1
    assert "1 point from" in single.find(f"{SVG}desc").text

    empty = parse(line_chart_svg([], title="none"))
    assert empty.find(f"{SVG}desc").text == "No points yet."
    assert [t.text for t in empty.iter(f"{SVG}text")] == ["No history yet"]


def test_points_in_any_order_are_drawn_oldest_first():
    forward = [(T0, 1.0), (T0 + timedelta(hours=5), 3.0)]
    assert line_chart_svg(forward, title="t") == line_chart_svg(forward[::-1], title="t")


def test_short_spans_label_the_time_axis_with_times_not_repeated_dates():
    points = [(T0, 1.0), (T0 + timedelta(minutes=30), 2.0)]

    labels = [t.text for t in parse(line_chart_svg(points, title="t")).iter(f"{SVG}text")]

    assert "09:00:00" in labels
    assert "09:30:00" in labels
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 786.9, [0, 200, 400, 600, 800]),
        (0, 3.3, [0, 1, 2, 3, 4]),
        (0, 0, [0, 0.25, 0.5, 0.75, 1]),
        (0, 9, [0, 2.5, 5, 7.5, 10]),
    ],
)
def test_ticks_are_round_numbers_covering_the_range(low, high, ticks):
    assert nice_ticks(low, high) == pytest.approx(ticks)


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "—"), (0.0, "0"), (786.8877506519407, "786.9"), (1250.0, "1,250"), (0.0964, "0.0964")],
)
def test_numbers_are_shown_with_about_four_significant_digits(value, text):
    assert format_number(value) == text
