"""The committee board in a real browser: a product manager signs in through the admin,
re-estimates an item's effort in the admin change form, sees the item climb on the board,
publishes the new ranking through the confirmation page, and sees the published column
and the movement arrows follow. Screenshots of the board and of an item view at 1280 and
390 px wide go to $CI_LOG_DIR (default .ci-logs/)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from config.formatting import format_number
from scoring import selectors
from scoring.models import Ranking
from scoring.services import item_scores_recompute_all, ranking_publish
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SignalLinkFactory,
    ThemeFactory,
    UserFactory,
)
from tests.support.services import migrated_rows_restore

# Transactional: the live server's threads must see the test's data.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

USERNAME = "e2e-pm"
PASSWORD = "e2e-correct-horse-battery"
WIDE, NARROW = 1280, 390


# title, theme, owner, status, reach, impact, confidence, effort (None: not estimated)
ITEMS = (
    ("Guided onboarding checklist", "Onboarding & activation", "maya", "in_progress",
     3400, 1, 1.0, 1),
    ("SSO with SAML", "Enterprise readiness", "jonas", "planned", 2000, 2, 0.8, 3),
    ("HubSpot integration", "Integrations", "maya", "candidate", 5000, 1, 0.5, 2),
    ("Audit log export", "Enterprise readiness", "jonas", "in_progress", 1600, 1, 0.8, 4),
    ("Slack integration", "Integrations", "priya", "candidate", 1200, 1, 0.8, 2),
    ("Custom dashboards", "Reporting & insights", "jonas", "planned", 900, 2, 0.5, 3),
    ("Import from spreadsheets", "Onboarding & activation", "priya", "planned",
     2500, 0.5, 0.8, 2),
    ("Role-based access control", "Enterprise readiness", "maya", "candidate", 700, 2, 0.8, 5),
    ("Export to BI tools", "Reporting & insights", "priya", "candidate", 400, 1, 0.5, 2),
    ("Mobile push notifications", "Onboarding & activation", None, "candidate",
     3000, 0.25, None, 4),
    ("Scheduled PDF reports", "Reporting & insights", "jonas", "candidate", 800, 1, None, None),
    ("Usage benchmarks against peers", "Reporting & insights", "maya", "candidate",
     None, None, None, 2),
)  # fmt: skip
SIGNAL_KINDS = (
    "customer_request",
    "sales_feedback",
    "churn_reason",
    "support_ticket",
    "competitor_move",
    "usage_insight",
)
ACCOUNTS = ("Globex", "Umbrella Health", "Vertex Financial", "Hooli", "Initech")


def build_world(now: datetime) -> None:
    """A dozen items in four themes with owners, market signals of several kinds, open
    friction reports on some, and two items that still need estimates."""
    owners = {
        username: UserFactory(username=username, first_name=first, last_name=last)
        for username, first, last in (
            ("maya", "Maya", "Chen"),
            ("jonas", "Jonas", "Weber"),
            ("priya", "Priya", "Nair"),
        )
    }
    for n, (title, theme, owner, status, reach, impact, confidence, effort) in enumerate(ITEMS):
        item = RoadmapItemFactory(
            title=title,
            theme=ThemeFactory(name=theme),
            owner=owners.get(owner or ""),
            status=status,
            reach=reach,
            impact=impact,
            confidence=confidence,
            effort=effort,
        )
        for k in range(n % 5 + 1):
            account = ACCOUNTS[(n + k) % len(ACCOUNTS)]
            signal = MarketSignalFactory(
                kind=SIGNAL_KINDS[(n * 2 + k) % len(SIGNAL_KINDS)],
                title=f"{account} on {title.lower()}",
                account_name=account,
                observed_at=now - timedelta(days=9 * k + n),
            )
            SignalLinkFactory(item=item, signal=signal)
        if n % 3 == 1:
            report = FrictionReportFactory(
                title=f"Trials stall without {title.lower()}",
                affected_people=400 * (n + 1),
                severity=2 if n % 2 else 1,
                observed_at=now - timedelta(days=20 + n),
            )
            ReportLinkFactory(item=item, report=report)
    item_scores_recompute_all(now=now)


@pytest.fixture
def world(settings) -> dict[str, Any]:
    """Items with evidence, a product manager who can sign in, and Ranking 1."""
    # Scores are recomputed in-process right after each commit, as in the embedded default:
    # CI sets REDIS_URL, but no Celery worker consumes the queue during this test.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # The rows the migrations seed, which an earlier transactional test's flush removed.
    migrated_rows_restore()
    build_world(timezone.now())
    # A superuser, like the product_user persona: the admin permissions the migrations
    # gave the role groups may have gone with an earlier flush too.
    pm = UserFactory(username=USERNAME, role="product", is_staff=True, is_superuser=True)
    pm.set_password(PASSWORD)
    pm.save()
    ranking_publish(note="March committee", published_by=pm)
    return {"pm": pm}


def ranking_row(page: Any, title: str) -> Any:
    return page.locator("table.ranking tbody tr").filter(
        has=page.get_by_role("link", name=title, exact=True)
    )


def cells(row: Any) -> dict[str, str]:
    """The visible text of a ranking row's cells, the way a sighted reader sees them."""
    # By the cells' classes: the R, I, C, E columns moved the published one along.
    return {
        "position": row.locator("td.c-pos").inner_text().strip(),
        "move": row.locator('td.c-move [aria-hidden="true"]').inner_text().strip(),
        "score": row.locator("td.c-score").inner_text().strip(),
        "published": row.locator("td.c-published").inner_text().strip(),
    }


def assert_no_horizontal_page_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def screenshots(page: Any, url: str, name: str, directory: Path) -> None:
    """Full-page PNGs of `url` at both widths, each checked for sideways scrolling."""
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert_no_horizontal_page_scroll(page)
        page.screenshot(path=str(directory / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDE, "height": 900})


def test_a_pm_re_estimates_an_item_and_publishes_the_new_ranking(
    live_server, browser, world, screenshot_dir
):
    from playwright.sync_api import expect

    ranked = list(selectors.live_ranking()[:4])
    top, target = ranked[0], ranked[3]
    title, old_effort = target.item.title, target.effort
    # Half the effort that would tie with the top item: the target doubles past it.
    new_effort = round(old_effort * target.score / top.score / 2, 2)
    assert new_effort >= 0.1, "the demo data no longer suits this test"
    base = live_server.url
    page = browser.new_page(viewport={"width": WIDE, "height": 900})
    # What the Content-Security-Policy refused on the board's pages (it allows nothing
    # inline): Chromium reports each refusal on the console.
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text and "/board/" in page.url
            else None
        ),
    )

    # Sign in through the admin's login page, which sends us on to the board.
    page.goto(f"{base}/admin/login/?next=/board/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/board/")
    expect(page.get_by_role("heading", name="Committee board", level=1)).to_be_visible()
    before = cells(ranking_row(page, title))
    assert before["position"] == "4"
    assert before["move"] == "—"
    assert before["published"].startswith("#4 ·")

    # The keyboard reaches the page: the first Tab lands on a visible skip link.
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.textContent, getComputedStyle(document.activeElement)"
        ".outlineStyle, document.activeElement.getBoundingClientRect().top]"
    )
    assert focused[0] == "Skip to content"
    assert focused[1] != "none"
    assert focused[2] >= 0

    # Re-estimate the effort in the admin change form.
    page.goto(f"{base}/admin/roadmap/roadmapitem/{target.item_id}/change/")
    page.locator("#id_effort").fill(str(new_effort))
    page.locator('input[name="_save"]').click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")

    # The board shows the new score and position, and how far the item moved.
    page.goto(f"{base}/board/")
    after = cells(ranking_row(page, title))
    assert after["position"] == "1"
    assert after["move"] == "▲ 3"
    assert after["score"] != before["score"]
    assert after["published"] == before["published"]
    assert cells(ranking_row(page, top.item.title))["move"] == "▼ 1"
    screenshots(page, f"{base}/board/", "board", screenshot_dir)
    screenshots(page, f"{base}/board/items/{target.item_id}/", "item", screenshot_dir)

    # Publish with a note, through the confirmation page and its diff.
    page.goto(f"{base}/board/")
    page.get_by_label("Note").fill("April committee: effort re-estimated")
    page.get_by_role("button", name="Review changes…").click()
    page.wait_for_url(re.compile(r".*/board/publish/\?note=.*"))
    expect(page.get_by_role("heading", name="Publish Ranking 2", level=1)).to_be_visible()
    moved_up = page.locator("section").filter(
        has=page.get_by_role("heading", name=re.compile(r"^Moved up"))
    )
    up_row = moved_up.locator("tr").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(up_row).to_contain_text("4 → 1")
    # The main cause in people's terms: the estimate, who changed it and when.
    expect(up_row).to_contain_text(
        f"effort {format_number(old_effort)} → {format_number(new_effort)} by e2e-pm on"
    )
    page.screenshot(path=str(screenshot_dir / "publish-1280.png"), full_page=True)
    page.get_by_role("button", name="Publish Ranking 2").click()

    # Back on the board: the published column follows the live ranking, nothing moved.
    page.wait_for_url(f"{base}/board/")
    expect(page.get_by_role("status")).to_contain_text("Published Ranking 2")
    published = cells(ranking_row(page, title))
    assert published["position"] == "1"
    assert published["move"] == "—"
    assert published["published"] == f"#1 · {after['score']}"
    moves = page.locator("table.ranking tbody td.move [aria-hidden='true']").all_inner_texts()
    assert set(moves) == {"—"}
    assert "Published (Ranking 2)" in page.locator("table.ranking thead").inner_text()

    assert refused == []

    ranking = Ranking.objects.get(number=2)
    assert (ranking.note, ranking.published_by) == (
        "April committee: effort re-estimated",
        world["pm"],
    )
    for name in ("board", "item"):
        for width in (WIDE, NARROW):
            assert (screenshot_dir / f"{name}-{width}.png").stat().st_size > 10_000
