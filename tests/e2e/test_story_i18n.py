"""The shared-ground story in Chromium (issue 11, item 8), in English and French, at 1280 px
and 390 px: a marketer imports a CSV of three friction reports with one bad row (sees the
row's error, nothing written), fixes the file and confirms, finds the reports under "My
evidence" linked to an item that moved up; a product manager publishes; the marketer sees
the ranking's diff naming the report as the cause of the move. Every page of the web side
is saved as a screenshot in the CI log folder, and none scrolls sideways."""

from __future__ import annotations

import re
from typing import Any

import pytest

from scoring.services import item_scores_recompute_all, ranking_publish
from signals.models import FrictionReport
from tests.support.factories import LaunchPlanFactory, RoadmapItemFactory, UserFactory
from tests.support.services import migrated_rows_restore

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
HEADER = (
    "external_id,campaign,title,channel,funnel_stage,affected_people,severity,observed_at,items\n"
)


def csv_file(item_id: int, bad: bool) -> dict[str, Any]:
    people = "lots" if bad else "4000"
    text = HEADER + "".join(
        f"SPRING-{n},Spring webinar,Sign-up form too long {n},email,activation,"
        f"{people if n == 2 else 4000},3,2026-11-0{n},{item_id}\n"
        for n in (1, 2, 3)
    )
    return {"name": "reports.csv", "mimeType": "text/csv", "buffer": text.encode()}


@pytest.fixture
def world(settings) -> dict[str, Any]:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    migrated_rows_restore()
    marketer = UserFactory(
        username="camille", first_name="Camille", last_name="Martin", role="marketing"
    )
    pm = UserFactory(username="paul", role="product", is_staff=True, is_superuser=True)
    top = RoadmapItemFactory(title="CSV export", reach=1500.0)
    sso = RoadmapItemFactory(title="SSO for small teams", reach=1000.0)
    LaunchPlanFactory(item=sso)
    item_scores_recompute_all()
    ranking_publish(note="October committee", published_by=pm)
    return {"marketer": marketer, "pm": pm, "top": top, "sso": sso}


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(r".*/board/$"))


def shoot(page: Any, name: str, lang: str, width: int, screenshot_dir: Any) -> None:
    """A full-page screenshot, after checking the page does not scroll sideways."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(screenshot_dir / f"{lang}-{name}-{width}.png"), full_page=True)
    assert scroll <= width, f"{page.url} is {scroll}px wide at {width}px ({lang})"


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_marketing_imports_product_publishes_and_the_diff_names_the_report(
    live_server, browser, world, screenshot_dir, lang, width
):
    from playwright.sync_api import expect

    base = live_server.url
    sso = world["sso"]
    viewport = {"width": width, "height": 900}
    marketing = browser.new_context(viewport=viewport, locale=lang)
    page = marketing.new_page()
    page.goto(f"{base}/login/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    shoot(page, "login", lang, width, screenshot_dir)
    sign_in(page, base, "camille")
    shoot(page, "board", lang, width, screenshot_dir)

    # A file with one bad row: the row's error, and nothing written.
    page.goto(f"{base}/evidence/import/")
    shoot(page, "import", lang, width, screenshot_dir)
    page.locator("input[type=file]").set_input_files(files=[csv_file(sso.pk, bad=True)])
    page.get_by_test_id("import-dry-run").click()
    expect(page.get_by_test_id("row-errors-3")).to_contain_text("affected_people")
    expect(page.get_by_test_id("import-confirm")).to_have_count(0)
    assert FrictionReport.objects.count() == 0
    shoot(page, "import-dry-run-errors", lang, width, screenshot_dir)

    # Fixed: the dry run is clean, the confirmation writes the three reports.
    page.locator("input[type=file]").set_input_files(files=[csv_file(sso.pk, bad=False)])
    page.get_by_test_id("import-dry-run").click()
    expect(page.get_by_test_id("dry-run-ok")).to_be_visible()
    assert FrictionReport.objects.count() == 0
    shoot(page, "import-dry-run-ok", lang, width, screenshot_dir)
    page.get_by_test_id("import-confirm").click()
    expect(page.locator(".message-success")).to_be_visible()
    reports = list(FrictionReport.objects.order_by("pk"))
    assert len(reports) == 3

    # My evidence: each report linked to the item, which is now first (it was second).
    page.goto(f"{base}/evidence/mine/")
    card = page.get_by_test_id(f"evidence-report-{reports[0].pk}")
    expect(card.get_by_test_id(f"evidence-link-{sso.pk}")).to_be_visible()
    expect(
        card.get_by_test_id(f"evidence-link-{sso.pk}").get_by_test_id("link-position")
    ).to_have_text("1")
    shoot(page, "my-evidence", lang, width, screenshot_dir)

    # The product manager reviews and publishes Ranking 2.
    product = browser.new_context(viewport=viewport, locale=lang)
    pm_page = product.new_page()
    sign_in(pm_page, base, "paul")
    pm_page.locator("#id_note").fill("November committee")
    pm_page.locator("form[action$='/board/publish/'] button[type=submit]").click()
    pm_page.wait_for_url(re.compile(r".*/board/publish/\?note=.*"))
    shoot(pm_page, "publish", lang, width, screenshot_dir)
    pm_page.locator("button[data-submit-once]").click()
    pm_page.wait_for_url(re.compile(r".*/board/$"))
    expect(pm_page.locator(".message-success")).to_contain_text("2")
    shoot(pm_page, "board-after-publish", lang, width, screenshot_dir)
    product.close()

    # The marketer reads the diff: the item moved up, and the cause names the report.
    page.goto(f"{base}/board/rankings/2/")
    row = (
        page.locator("#up-caption")
        .locator("xpath=ancestor::table")
        .locator("tr")
        .filter(has=page.get_by_role("link", name=sso.title, exact=True))
    )
    expect(row).to_contain_text("2 → 1")
    expect(row).to_contain_text("Camille")
    expect(row).to_contain_text(re.compile(rf"(#|n° ){reports[0].pk}\b|(#|n° ){reports[-1].pk}\b"))
    shoot(page, "ranking-diff", lang, width, screenshot_dir)

    # The remaining pages, for the screenshots and the sideways-scroll check.
    for name, path in (
        ("item", f"/board/items/{sso.pk}/"),
        ("launches", "/board/launches/"),
        ("outcomes", "/board/outcomes/"),
        ("submit-report", "/evidence/submit/"),
        ("submit-signal", "/evidence/submit/signal/"),
    ):
        page.goto(f"{base}{path}")
        shoot(page, name, lang, width, screenshot_dir)
    marketing.close()
