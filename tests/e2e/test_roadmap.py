"""The roadmap over time in a real browser: a share link opened without a session (no
login, no cookie) shows the roadmap and nothing else; a revoked one is a 404; a product
manager sees the roadmap and an item's expected results against measured outcomes.
Screenshots (1280 and 390 px) go to $CI_LOG_DIR (default .ci-logs/)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from roadmap.services import items_set_status
from scoring.services import item_scores_recompute_all
from scoring.sharing.services import share_link_create, share_link_revoke
from signals.loop.services import expected_result_create
from tests.support.factories import (
    LaunchPlanFactory,
    MarketSignalFactory,
    OutcomeFactory,
    RoadmapItemFactory,
    SegmentFactory,
    SignalLinkFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

USERNAME = "e2e-roadmap-pm"
PASSWORD = "e2e-correct-horse-battery"
WIDE, NARROW = 1280, 390

# title, theme, status, days to launch (None: no plan), checklist items done
ITEMS = (
    ("Guided onboarding checklist", "Onboarding & activation", "in_progress", 14, 4),
    ("SSO with SAML", "Enterprise readiness", "planned", 45, 2),
    ("Audit log export", "Enterprise readiness", "planned", 130, 1),
    ("HubSpot integration", "Integrations", "candidate", 160, 0),
    ("Slack integration", "Integrations", "candidate", None, 0),
    ("Custom dashboards", "Reporting & insights", "planned", None, 0),
    ("Export to BI tools", "Reporting & insights", "candidate", None, 0),
    ("Import from spreadsheets", "Onboarding & activation", "candidate", 250, 3),
)
CHECKLIST = ("positioning_approved", "sales_enablement_ready", "documentation_ready",
             "campaign_assets_ready", "analytics_ready")  # fmt: skip


@pytest.fixture
def world(db) -> dict[str, Any]:
    today = timezone.localdate()
    themes: dict[str, Any] = {}
    segment = SegmentFactory(slug="mid-market", name="Mid-market")
    for title, theme, status, days, done in ITEMS:
        theme_row = themes.setdefault(theme, ThemeFactory(name=theme))
        item = RoadmapItemFactory(title=title, theme=theme_row, status=status)
        item.segments.add(segment)
        if days is not None:
            LaunchPlanFactory(
                item=item,
                target_launch_date=today + timedelta(days=days),
                **dict.fromkeys(CHECKLIST[:done], True),
            )
    # A shipped item with its expected results and what was measured.
    shipped = RoadmapItemFactory(title="Two-factor sign-in", theme=themes["Enterprise readiness"])
    plan = LaunchPlanFactory(item=shipped, **dict.fromkeys(CHECKLIST, True))
    for name, kind in (("Acme", "customer_request"), ("Globex", "churn_reason"),
                       ("Initech", "sales_feedback")):  # fmt: skip
        SignalLinkFactory(item=shipped, signal=MarketSignalFactory(kind=kind, account_name=name))
    items_set_status(item_ids=[shipped.pk], status="shipped")
    due = today + timedelta(days=30)
    expected_result_create(launch_plan=plan, kpi="activation_rate", expected_lift=0.2, due_date=due)
    expected_result_create(
        launch_plan=plan, kpi="nps", segment=segment, expected_value=40, due_date=due
    )
    expected_result_create(launch_plan=plan, kpi="churn", expected_lift=0.25, due_date=due)
    expected_result_create(launch_plan=plan, kpi="retention", expected_value=0.9, due_date=due)
    OutcomeFactory(item=shipped, kpi="activation_rate", baseline=0.30, measured=0.37)
    OutcomeFactory(item=shipped, kpi="nps", segment=segment, baseline=20, measured=31,
                   people_measured=None)  # fmt: skip
    OutcomeFactory(item=shipped, kpi="churn", baseline=0.05, measured=0.049)
    item_scores_recompute_all()
    UserFactory(username=USERNAME, password=PASSWORD, role="product", is_staff=True)
    link = share_link_create(
        created_by=None, label="Partners", expires_at=timezone.now() + timedelta(days=7)
    )
    revoked = share_link_revoke(
        link=share_link_create(
            created_by=None, label="Old", expires_at=timezone.now() + timedelta(days=7)
        )
    )
    return {"link": link.token, "revoked": revoked.token, "shipped": shipped.pk}


def test_a_share_link_opens_without_a_session_and_staff_see_expected_against_measured(
    live_server, browser, world, screenshot_dir
):
    from playwright.sync_api import expect

    base = live_server.url
    # A fresh context: no cookie, no session.
    outsider = browser.new_context(viewport={"width": WIDE, "height": 900})
    page = outsider.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    response = page.goto(f"{base}/share/roadmap/{world['link']}/")
    assert response is not None
    assert response.status == 200
    assert outsider.cookies() == []
    expect(page.get_by_role("heading", name="Roadmap", level=1)).to_be_visible()
    expect(page.get_by_text("SSO with SAML")).to_be_visible()
    expect(page.get_by_text("Now: in progress")).to_be_visible()
    assert page.get_by_text("Score").count() == 0
    assert page.locator("a[href*='/board/']").count() == 0
    page.screenshot(path=str(screenshot_dir / "roadmap-shared-1280.png"), full_page=True)
    page.set_viewport_size({"width": NARROW, "height": 900})
    # 390 px: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW
    page.screenshot(path=str(screenshot_dir / "roadmap-shared-390.png"), full_page=True)
    gone = page.goto(f"{base}/share/roadmap/{world['revoked']}/")
    assert gone is not None
    assert gone.status == 404
    assert "SSO" not in page.content()
    assert refused == []
    outsider.close()

    # Staff: the roadmap with scores and positions, and expected against measured.
    staff = browser.new_context(viewport={"width": WIDE, "height": 900})
    page = staff.new_page()
    page.goto(f"{base}/admin/login/?next=/board/roadmap/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/board/roadmap/")
    expect(page.get_by_text("Launch readiness").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "roadmap-1280.png"), full_page=True)
    page.set_viewport_size({"width": NARROW, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW
    page.screenshot(path=str(screenshot_dir / "roadmap-390.png"), full_page=True)

    page.set_viewport_size({"width": WIDE, "height": 900})
    page.goto(f"{base}/board/items/{world['shipped']}/")
    section = page.locator(
        "section", has=page.get_by_role("heading", name="Expected against measured")
    )
    verdicts = section.locator(".verdict").all_inner_texts()
    assert sorted(verdicts) == ["met", "missed", "not measured yet", "partly"]
    expect(
        page.get_by_text("3 accounts asked for this, 1 of them churned over it.")
    ).to_be_visible()
    section.screenshot(path=str(screenshot_dir / "expected-vs-measured-1280.png"))
    page.goto(f"{base}/board/outcomes/")
    outcomes = page.locator("#expected-heading").locator("xpath=..")
    outcomes.screenshot(path=str(screenshot_dir / "expected-vs-measured-outcomes-1280.png"))
    page.set_viewport_size({"width": NARROW, "height": 900})
    outcomes.screenshot(path=str(screenshot_dir / "expected-vs-measured-outcomes-390.png"))
    staff.close()
