"""A board a committee reads at a glance: the value/effort matrix, the R, I, C, E
columns and their sorting, the unowned flag, the CSV exports (the API's numbers, escaped
against formulas) and a published ranking's diff page with its causes."""

from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.board.exports import csv_cell
from scoring.board.matrix import MatrixLabels, MatrixPoint, value_effort_svg
from scoring.services import item_scores_recompute_all, ranking_publish
from tests.scoring.board_pages import BOARD, SVG, ranking_rows, three_items
from tests.support.api import api_client_for
from tests.support.factories import (
    FrictionReportFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    UserFactory,
)

LABELS = MatrixLabels(
    title="Value against effort",
    x_axis="Effort",
    y_axis="Value",
    quick_wins="Quick wins",
    big_bets="Big bets",
    fill_ins="Fill-ins",
    money_pits="Money pits",
    empty="Nothing yet",
    point="%(position)s. %(title)s: value %(value)s, effort %(effort)s",
    describe="%(count)s items",
)


def rows_of(text):
    return list(csv.reader(io.StringIO(text)))


# --- The matrix -------------------------------------------------------------------------------


def test_the_matrix_places_items_on_log_scales_with_links_and_quadrants():
    points = [
        MatrixPoint(1, "Quick <win>", 1, value=10_000, effort=0.5, href="/board/items/1/"),
        MatrixPoint(2, "Money pit", 2, value=10, effort=20, href="/board/items/2/"),
        MatrixPoint(3, "Zero", 3, value=0, effort=1, href="/board/items/3/"),
    ]
    svg = ET.fromstring(value_effort_svg(points, labels=LABELS))

    texts = [t.text for t in svg.iter(f"{SVG}text")]
    for label in ("Quick wins", "Big bets", "Fill-ins", "Money pits", "Effort", "Value"):
        assert label in texts
    links = svg.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == ["/board/items/1/", "/board/items/2/"]  # no 0
    circles = [a.find(f"{SVG}circle") for a in links]
    titles = [c.find(f"{SVG}title").text for c in circles]
    assert titles[0] == "1. Quick <win>: value 10,000, effort 0.5"  # escaped, then read back
    # Log scales: the quick win is left of and above the money pit.
    (x1, y1), (x2, y2) = ((float(c.get("cx")), float(c.get("cy"))) for c in circles)
    assert x1 < x2
    assert y1 < y2
    assert svg.find(f"{SVG}desc").text == "2 items"


def test_the_matrix_without_points_says_so():
    svg = ET.fromstring(value_effort_svg([], labels=LABELS))
    assert svg.find(f"{SVG}desc").text == "Nothing yet"


# --- Columns, sorting, the unowned flag ---------------------------------------------------


@pytest.mark.django_db
def test_the_board_shows_r_i_c_e_sorts_by_them_and_flags_unowned_items(pm_client, now):
    owner = UserFactory(first_name="Camille", last_name="Martin")
    _top, middle, _bottom = three_items(now)
    middle.effort = 4
    middle.owner = owner
    middle.save()
    item_scores_recompute_all(now=now)

    rows = ranking_rows(pm_client.get(BOARD))
    assert [(r["title"], r["reach"], r["effort"]) for r in rows] == [
        ("R3000", "3,000", "1"),
        ("R1000", "1,000", "1"),
        ("R2000", "2,000", "4"),
    ]
    assert [r["owner"] for r in rows] == ["unowned", "unowned", "Camille Martin"]

    by_effort = ranking_rows(pm_client.get(BOARD, {"sort": "-effort"}))
    assert [r["title"] for r in by_effort] == ["R2000", "R3000", "R1000"]
    by_reach = ranking_rows(pm_client.get(BOARD, {"sort": "reach"}))
    assert [r["title"] for r in by_reach] == ["R1000", "R2000", "R3000"]
    # Positions stay those of the ranking whatever the order shown.
    assert [r["position"] for r in by_reach] == ["2", "3", "1"]
    assert pm_client.get(BOARD, {"sort": "'; DROP"}).status_code == 200


@pytest.mark.django_db
def test_the_board_draws_the_matrix_with_a_point_per_ranked_item(pm_client, now):
    items = three_items(now)
    body = pm_client.get(BOARD).content.decode()
    for item in items:
        assert f'href="{reverse("board:item", args=[item.pk])}" class="matrix-point"' in body
    assert "Quick wins" in body


@pytest.mark.django_db
def test_the_board_page_costs_a_fixed_number_of_queries(
    pm_client, now, django_assert_max_num_queries
):
    for reach in range(100, 130):
        RoadmapItemFactory(reach=reach, impact=1, confidence=1, effort=1)
    item_scores_recompute_all(now=now)
    with django_assert_max_num_queries(16):
        assert pm_client.get(BOARD, {"sort": "-reach"}).status_code == 200


# --- CSV exports ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("SSO", "SSO"),
        (None, ""),
        (0.1 + 0.2, "0.30000000000000004"),
        (3, "3"),
    ],
)
def test_csv_cells_escape_formulas_and_keep_numbers_exact(value, cell):
    assert csv_cell(value) == cell


@pytest.mark.django_db
def test_the_live_csv_has_the_numbers_of_the_api(pm_client, product_user, now):
    three_items(now)
    item = RoadmapItemFactory(title="=cmd|' /C calc'!A0", reach=777, impact=2, effort=3)
    ReportLinkFactory(item=item, report=FrictionReportFactory(observed_at=now))
    item_scores_recompute_all(now=now)

    response = pm_client.get(reverse("board:live-export"))
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = rows_of(response.content.decode())
    api = api_client_for(product_user).get("/api/v1/rankings/live/", {"limit": 100}).json()
    entries = api["results"] if isinstance(api, dict) else api

    assert len(rows) == len(entries) == 4
    for row, entry in zip(rows, entries, strict=True):
        data = dict(zip(header, row, strict=True))
        assert int(data["position"]) == entry["position"]
        assert int(data["item"]) == entry["item"]
        assert float(data["score"]) == entry["score"]
        for factor in ("reach", "impact", "confidence", "effort"):
            assert float(data[factor]) == entry[factor]["value"]
    titles = [dict(zip(header, row, strict=True))["title"] for row in rows]
    assert "'=cmd|' /C calc'!A0" in titles


@pytest.mark.django_db
def test_a_published_csv_has_the_numbers_of_the_api(pm_client, product_user, now):
    three_items(now)
    ranking = ranking_publish(note="", published_by=product_user)

    response = pm_client.get(reverse("board:ranking-export", args=[ranking.number]))
    header, *rows = rows_of(response.content.decode())
    api = api_client_for(product_user).get(f"/api/v1/rankings/{ranking.number}/entries/").json()
    entries = api["results"] if isinstance(api, dict) else api

    assert len(rows) == len(entries) == 3
    for row, entry in zip(rows, entries, strict=True):
        data = dict(zip(header, row, strict=True))
        assert (int(data["ranking"]), int(data["position"])) == (1, entry["position"])
        for name in ("score", "reach", "impact", "confidence", "effort"):
            assert math.isclose(float(data[name]), entry[name], rel_tol=0, abs_tol=0)
    assert pm_client.get(reverse("board:ranking-export", args=[99])).status_code == 404


# --- A published ranking's diff ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_ranking_page_says_who_passed_whom_and_names_the_report(pm_client, product_user, now):
    carla = UserFactory(first_name="Carla", last_name="Diaz", role="marketing")
    _top, _middle, bottom = three_items(now)
    ranking_publish(note="", published_by=product_user)
    report = FrictionReportFactory(
        submitted_by=carla, affected_people=20000, severity=1, observed_at=timezone.now()
    )
    ReportLinkFactory(item=bottom, report=report)
    item_scores_recompute_all(now=timezone.now())
    ranking_publish(note="", published_by=product_user)

    response = pm_client.get(reverse("board:ranking", args=[2]))

    text = " ".join(response.content.decode().split())
    assert (
        f"down 1: passed by R1000 (+ friction report #{report.pk} by Carla Diaz, marketing)" in text
    )
    assert pm_client.get(reverse("board:ranking", args=[5])).status_code == 404
