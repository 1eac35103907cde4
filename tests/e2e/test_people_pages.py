"""The web side for both teams, in Chromium: a marketer signs in on the login page, and
every page they use fits 1280 px and 390 px without sideways scrolling (screenshots of
each in the CI log folder). The full import/publish story is the e2e helper's (issue 11,
item 8)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from scoring.services import item_scores_recompute_all
from signals import services
from tests.support.factories import LaunchPlanFactory, RoadmapItemFactory, UserFactory
from tests.support.services import migrated_rows_restore

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
PAGES = [
    ("board", "/board/"),
    ("submit-report", "/evidence/submit/"),
    ("submit-signal", "/evidence/submit/signal/"),
    ("import", "/evidence/import/"),
    ("my-evidence", "/evidence/mine/"),
    ("launches", "/board/launches/"),
    ("outcomes", "/board/outcomes/"),
]


@pytest.fixture
def marketer(settings) -> Any:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    migrated_rows_restore()
    user = UserFactory(username="camille", first_name="Camille", role="marketing")
    item = RoadmapItemFactory(title="Single sign-on for small teams with a long title")
    LaunchPlanFactory(item=item)
    services.report_create(
        submitted_by=user,
        campaign="Printemps webinar with a rather long campaign name",
        channel="email",
        funnel_stage="activation",
        affected_people=1200,
        severity=2.0,
        observed_at=timezone.now(),
        links=[(item.pk, 0.5)],
    )
    item_scores_recompute_all()
    return user


def test_marketer_signs_in_and_every_page_fits_both_widths(
    live_server, browser, marketer, screenshot_dir
):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("camille")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"{live_server.url}/board/")
    expect(page.get_by_test_id("nav-my-evidence")).to_be_visible()
    for name, path in PAGES:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server.url}{path}")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(screenshot_dir / f"people-{name}-{width}.png"), full_page=True)
            assert scroll <= width, f"{path} is {scroll}px wide at {width}px"


def test_import_dry_run_fits_390_px(live_server, browser, marketer, screenshot_dir):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(f"{live_server.url}/evidence/import/")
    page.get_by_label("Username").fill("camille")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"{live_server.url}/evidence/import/")
    csv_text = (
        "external_id,campaign,title,channel,funnel_stage,affected_people,severity,observed_at\n"
        "R-1,A very long campaign name that goes on and on,t,email,activation,10,2,2026-11-01\n"
        "R-2,Spring,t,email,activation,lots,2,2026-11-01\n"
    )
    page.get_by_label("CSV or XLSX file").set_input_files(
        files=[{"name": "reports.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}]
    )
    page.get_by_test_id("import-dry-run").click()
    expect(page.get_by_test_id("row-errors-3")).to_contain_text("affected_people")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(screenshot_dir / f"people-dry-run-{width}.png"), full_page=True)
        assert scroll <= width, f"the dry run is {scroll}px wide at {width}px"
