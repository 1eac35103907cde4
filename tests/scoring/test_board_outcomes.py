"""The board's launch calendar (/board/launches/) and outcomes (/board/outcomes/): who may
see them, what they show (from roadmap.selectors.launch_calendar, scoring.selectors.
kpis_shared and calibration_report), the Content-Security-Policy rules of the markup, and
a query count that does not grow with the data."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from config.formatting import format_number
from roadmap import selectors as roadmap_selectors
from scoring import selectors
from scoring.board.charts import grouped_bar_chart_svg
from signals.kpis.selectors import kpis_shared
from tests.support.factories import UserFactory

LAUNCHES = reverse("board:launches")
OUTCOMES = reverse("board:outcomes")
PAGES = (LAUNCHES, OUTCOMES)
SVG = "{http://www.w3.org/2000/svg}"


def text_of(response: Any) -> str:
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(page).split())


@pytest.fixture
def seeded(db):
    call_command("seed_demo", "--quiet")


@pytest.fixture
def staff_client(client, seeded):
    client.force_login(UserFactory(username="board-staff", role="marketing", is_staff=True))
    return client


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_non_staff_product_and_marketing_users_see_the_page(client, url):
    for name, role in (("not-staff-pm", "product"), ("not-staff-mk", "marketing")):
        client.force_login(UserFactory(username=name, role=role, is_staff=False))
        assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_integration_users_are_refused(client, url):
    client.force_login(UserFactory(username="bot", role="integration", is_staff=True))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_staff_sees_the_page_linked_from_the_navigation(staff_client, url):
    response = staff_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{LAUNCHES}"' in page
    assert f'href="{OUTCOMES}"' in page
    assert f'<a href="{url}" aria-current="page">' in page
    board = staff_client.get(reverse("board:index")).content.decode()
    assert f'href="{LAUNCHES}"' in board
    assert f'href="{OUTCOMES}"' in board


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_no_inline_style_or_script(staff_client, url):
    page = staff_client.get(url).content.decode()
    assert not re.search(r"\sstyle\s*=", page, re.I)
    assert not re.search(r"<style", page, re.I)
    for tag in re.findall(r"<script\b[^>]*>", page, re.I):
        assert "src=" in tag
    assert not re.search(r"\son[a-z]+\s*=", page, re.I)


@pytest.mark.parametrize("url", PAGES)
def test_tables_are_captioned_scoped_and_scroll_in_their_box(staff_client, url):
    page = staff_client.get(url).content.decode()
    assert "<h1>" in page
    tables = re.findall(r"<table\b.*?</table>", page, re.S)
    assert tables
    for table in tables:
        assert "<caption" in table
        assert all('scope="' in th for th in re.findall(r"<th\b[^>]*>", table))
    # Every table sits in the scrolling, focusable container.
    assert page.count('class="table-scroll" role="region"') == len(tables)
    assert page.count('tabindex="0"') >= len(tables)


# --- Launch calendar ------------------------------------------------------------------------


def test_launch_calendar_lists_the_upcoming_launches(staff_client):
    days = roadmap_selectors.launch_calendar(today=timezone.localdate())
    plans = [plan for day in days for plan in day["launches"]]
    assert plans, "seed_demo plans upcoming launches"
    response = staff_client.get(LAUNCHES)
    page, text = response.content.decode(), text_of(response)
    positions = []
    for plan in plans:
        assert reverse("board:item", args=[plan.item_id]) in page
        positions.append(text.index(plan.item.title))
        assert f"{plan.readiness}/5" in text
        for label in plan.readiness_missing:
            assert label in text
    assert positions == sorted(positions), "earliest launch first"
    first = plans[0]
    assert first.target_launch_date.strftime("%Y-%m-%d") in page
    assert first.get_status_display() in text
    for owner in (first.product_owner, first.marketing_owner):
        if owner is not None:
            assert (owner.get_full_name() or owner.get_username()) in text


# --- Outcomes -------------------------------------------------------------------------------


def test_outcomes_show_the_shared_kpis_with_their_movers(staff_client):
    kpis = kpis_shared()
    response = staff_client.get(OUTCOMES)
    page, text = response.content.decode(), text_of(response)
    for heading in (
        "Activation rate by channel",
        "Conversion rate by channel",
        "LTV by segment",
        "NPS before and after each release",
    ):
        assert f">{heading}</h3>" in page
    activation = kpis["activation_rate_by_channel"]
    assert activation, "seed_demo measures activation"
    for group in activation:
        assert f"{format_number(group['measured'] * 100)} %" in text
        for mover in group["moved_by"]:
            assert mover["title"] in text
    for group in kpis["ltv_by_segment"]:
        assert format_number(group["measured"]) in text
    for release in kpis["nps_by_release"]:
        assert reverse("board:item", args=[release["item"]]) in page
        assert format_number(release["measured"]) in text


def test_outcomes_charts_are_accessible_svg(staff_client):
    page = staff_client.get(OUTCOMES).content.decode()
    charts = re.findall(r"<svg xmlns=.*?</svg>", page, re.S)
    assert len(charts) >= 3
    for chart in charts:
        root = ET.fromstring(chart)  # well-formed
        assert root.get("role") == "img"
        assert root.find(f"{SVG}title") is not None
        assert root.find(f"{SVG}desc") is not None


def test_outcomes_show_the_calibration_and_how_to_apply_it(staff_client):
    report = selectors.calibration_report()
    response = staff_client.get(OUTCOMES)
    text = text_of(response)
    assert report["by_owner"], "seed_demo has shipped items with outcomes"
    for row in report["by_owner"]:
        assert row["owner_name"] in text
        if row["score_ratio"] is not None:
            assert f"×{format_number(row['score_ratio'])}" in text
        suggestion = selectors.calibration_suggestion(owner_id=row["owner"])
        if suggestion is not None:
            assert f"×{format_number(suggestion.multiplier)}" in text
    for row in report["by_theme"]:
        assert (row["theme_name"] or "No theme") in text
    assert "POST /api/v1/calibration/apply/" in text
    # Read only: no form writes from this page (the navigation's sign-out form aside).
    main = response.content.decode().lower().split("<main", 1)[1]
    assert 'method="post"' not in main


# --- Queries --------------------------------------------------------------------------------


# Outcomes: the KPIs (14) and the campaign dashboard (4).
@pytest.mark.parametrize(("url", "budget"), [(LAUNCHES, 6), (OUTCOMES, 14 + 4)])
def test_query_count_is_fixed(staff_client, django_assert_max_num_queries, url, budget):
    with django_assert_max_num_queries(budget):
        assert staff_client.get(url).status_code == 200


# --- Chart function -------------------------------------------------------------------------


def test_grouped_bar_chart_escapes_and_describes():
    svg = grouped_bar_chart_svg(
        [("<Email>", 10.0, 12.5), ("A very long segment name indeed", -1.0, 3.0)],
        title="T & co",
        chart_id="x y",
    )
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "T & co"
    desc = root.find(f"{SVG}desc").text
    assert "<Email>: baseline 10, measured 12.5." in desc
    assert len(root.findall(f"{SVG}rect")) == 2 + 4  # legend + bars
    assert 'aria-labelledby="x-y-title x-y-desc"' in svg


def test_grouped_bar_chart_without_data():
    root = ET.fromstring(grouped_bar_chart_svg([], title="Empty"))
    assert root.find(f"{SVG}desc").text == "No data yet."
