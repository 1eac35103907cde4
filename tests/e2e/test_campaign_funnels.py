"""Campaign funnels in Chromium (issue 16), in English and French, at 1280 px and 390 px: a
marketer enters a campaign in the form, imports its funnel file (dry run, then confirm),
sees the friction the funnel proposes with its figures, confirms it linked to an item,
and sees that item move up the ranking. The campaign pages, the proposals and the
outcomes dashboard are saved as screenshots; none scrolls sideways."""

from __future__ import annotations

import re
from typing import Any

import pytest

from scoring.services import item_scores_recompute_all, ranking_publish
from signals.campaigns.models import Campaign, FrictionProposal, FunnelSnapshot
from signals.models import FrictionReport, ReportLink
from tests.support.campaigns import collapsing_funnel_csv
from tests.support.factories import RoadmapItemFactory, UserFactory
from tests.support.services import migrated_rows_restore

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(settings) -> dict[str, Any]:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    migrated_rows_restore()
    marketer = UserFactory(
        username="claire", first_name="Claire", last_name="Dubois", role="marketing"
    )
    pm = UserFactory(username="paul", role="product", is_staff=True, is_superuser=True)
    # 1,050 people against 1,000: the confirmed friction (548 people a quarter, severity 3,
    # observed eight months ago) is what puts onboarding first.
    top = RoadmapItemFactory(title="CSV export", reach=1050.0)
    onboarding = RoadmapItemFactory(title="Guided onboarding", reach=1000.0)
    item_scores_recompute_all()
    ranking_publish(note="October committee", published_by=pm)
    return {"marketer": marketer, "top": top, "onboarding": onboarding}


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


def position(page: Any, base: str, title: str) -> str:
    page.goto(f"{base}/board/")
    row = page.locator("table.ranking tbody tr").filter(
        has=page.get_by_role("link", name=title, exact=True)
    )
    return row.locator("td.c-pos").inner_text().strip()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_marketing_imports_a_funnel_confirms_the_proposed_friction_and_the_item_moves_up(
    live_server, browser, world, screenshot_dir, lang, width
):
    from playwright.sync_api import expect

    base = live_server.url
    onboarding = world["onboarding"]
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
    page = context.new_page()
    sign_in(page, base, "claire")
    assert position(page, base, onboarding.title) == "2"

    # The campaign, entered in the form.
    page.goto(f"{base}/evidence/campaigns/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.get_by_test_id("campaign-new").click()
    page.locator("#id_name").fill("Spring webinar")
    page.locator("#id_channel").select_option("email")
    page.locator("#id_period_start").fill("2026-01-01")
    page.locator("#id_period_end").fill("2026-06-30")
    page.locator("#id_spend").fill("12000")
    page.locator("#id_currency").fill("EUX")
    page.locator("#id_external_id").fill("SPRING")
    page.get_by_test_id("campaign-save").click()
    expect(page.get_by_test_id("field-error-currency")).to_be_visible()
    assert not Campaign.objects.exists()
    shoot(page, "campaign-form-error", lang, width, screenshot_dir)
    page.locator("#id_currency").fill("EUR")
    page.get_by_test_id("campaign-save").click()
    expect(page.locator(".message-success")).to_be_visible()
    campaign = Campaign.objects.get(external_id="SPRING")
    assert campaign.submitted_by == world["marketer"]

    # Its funnel, imported from a file: dry run first, nothing written until confirmed.
    page.get_by_test_id("campaign-import").click()
    page.locator("#id_kind").select_option("snapshots")
    page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "funnel.csv",
                "mimeType": "text/csv",
                "buffer": collapsing_funnel_csv("SPRING"),
            }
        ]
    )
    page.get_by_test_id("import-dry-run").click()
    expect(page.get_by_test_id("dry-run-ok")).to_be_visible()
    assert not FunnelSnapshot.objects.exists()
    shoot(page, "funnel-dry-run", lang, width, screenshot_dir)
    page.get_by_test_id("import-confirm").click()
    expect(page.locator(".message-success")).to_be_visible()
    assert campaign.snapshots.count() == 4
    expect(page.get_by_test_id(f"campaign-{campaign.pk}")).to_be_visible()
    shoot(page, "campaigns", lang, width, screenshot_dir)

    # The funnel proposes the collapsing activation as friction, with its figures.
    proposal = FrictionProposal.objects.get(campaign=campaign, rate="activation")
    page.get_by_test_id("tab-proposals").click()
    card = page.get_by_test_id(f"proposal-{proposal.pk}")
    expect(card.get_by_test_id("proposal-people")).to_have_text(re.compile(r"548|547|549"))
    shoot(page, "proposals", lang, width, screenshot_dir)
    page.goto(f"{base}/evidence/campaigns/{campaign.pk}/")
    shoot(page, "campaign", lang, width, screenshot_dir)
    page.goto(f"{base}/board/outcomes/")
    expect(page.get_by_test_id(f"dashboard-proposal-{proposal.pk}")).to_be_visible()
    # The charts scale with the page: none is wider than its box, none needs a scroll box.
    charts = page.locator(".chart-box")
    assert charts.count() >= 3
    for index in range(charts.count()):
        box = charts.nth(index)
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth"), f"chart {index} scrolls"
        svg_width = box.locator("svg").evaluate("e => e.getBoundingClientRect().width")
        assert svg_width <= width - 24
    shoot(page, "outcomes", lang, width, screenshot_dir)
    assert not FrictionReport.objects.exists()  # nothing counts before a person confirms

    # Confirmed, linked to the onboarding item.
    page.get_by_test_id(f"dashboard-proposal-{proposal.pk}").click()
    page.get_by_test_id("item-search").fill("onboarding")
    page.get_by_test_id("item-search-submit").click()
    page.get_by_test_id(f"link-item-{onboarding.pk}").check()
    page.get_by_test_id(f"link-weight-{onboarding.pk}").fill("1")
    shoot(page, "proposal", lang, width, screenshot_dir)
    page.get_by_test_id("proposal-confirm").click()
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.get_by_test_id(f"proposal-link-{onboarding.pk}")).to_be_visible()
    shoot(page, "proposal-confirmed", lang, width, screenshot_dir)
    report = FrictionReport.objects.get()
    assert report.campaign == "Spring webinar"
    assert report.proposal.campaign == campaign
    assert ReportLink.objects.filter(report=report, item=onboarding).exists()

    # The item overtakes the other one.
    assert position(page, base, onboarding.title) == "1"
    shoot(page, "board-after", lang, width, screenshot_dir)
    context.close()
