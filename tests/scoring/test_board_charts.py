"""The SVG chart functions of the board and the number formatter: no database."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from config.formatting import format_number
from scoring.board.charts import line_chart_svg, nice_ticks
from tests.scoring.board_pages import (
    SVG,
)

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
