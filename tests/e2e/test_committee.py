"""The monthly committee in Chromium (issue 15, item 6), in English and French at 1280 and
390 px: a marketer and a product manager prepare a meeting whose agenda shows a new
friction report and a launch that is not ready; they record a `commit` and a `defer`,
publish and close. The minutes PDF holds the decisions (pdftotext), the email went to the
attendees (locmem), the items' histories and pages show the decisions. The agenda, the
meeting, the minutes and the decisions are saved as screenshots; none scrolls sideways."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from roadmap.models import RoadmapItem
from scoring.committees.models import CommitteeMeeting, Decision
from scoring.services import item_scores_recompute_all, ranking_publish
from tests.support.factories import (
    FrictionReportFactory,
    LaunchPlanFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    UserFactory,
)
from tests.support.services import migrated_rows_restore

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(settings) -> dict[str, Any]:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.COMMITTEE_FRICTION_MIN_AFFECTED = 1000
    migrated_rows_restore()
    marketer = UserFactory(
        username="camille", first_name="Camille", last_name="Martin", role="marketing"
    )
    pm = UserFactory(
        username="paul", first_name="Paul", last_name="Leroy", role="product", is_staff=True,
        is_superuser=True,
    )  # fmt: skip
    invites = RoadmapItemFactory(title="Invite flow", reach=1500.0, status="candidate")
    sso = RoadmapItemFactory(title="SSO for small teams", reach=1000.0, status="planned")
    later = RoadmapItemFactory(title="Dark mode", reach=300.0, status="candidate")
    item_scores_recompute_all()
    ranking_publish(note="October committee", published_by=pm)
    ReportLinkFactory(
        item=invites,
        report=FrictionReportFactory(title="Invite emails land in spam", affected_people=4200),
    )
    LaunchPlanFactory(
        item=sso,
        target_launch_date=timezone.localdate() + timedelta(days=21),
        positioning_approved=True,
    )
    item_scores_recompute_all()
    return {"marketer": marketer, "pm": pm, "invites": invites, "sso": sso, "later": later}


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(r".*/board/$"))


def shoot(page: Any, name: str, lang: str, width: int, screenshot_dir: Any) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(screenshot_dir / f"{lang}-{name}-{width}.png"), full_page=True)
    assert scroll <= width, f"{page.url} is {scroll}px wide at {width}px ({lang})"


def _day(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_two_teams_prepare_hold_and_close_a_committee(
    live_server, browser, world, screenshot_dir, lang, width
):
    from playwright.sync_api import expect

    base = live_server.url
    viewport = {"width": width, "height": 900}
    marketer, pm = world["marketer"], world["pm"]

    # Marketing plans the meeting with product; the agenda is built from the data.
    marketing = browser.new_context(viewport=viewport, locale=lang)
    page = marketing.new_page()
    sign_in(page, base, "camille")
    page.goto(f"{base}/board/committees/")
    page.locator("#id_title").fill("November committee")
    page.locator("#id_date").fill(_day(1))
    page.locator(f"input[name=attendees][value='{pm.pk}']").check()
    page.get_by_test_id("meeting-form").locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/board/committees/\d+/$"))
    meeting = CommitteeMeeting.objects.get()
    agenda = page.get_by_test_id("agenda")
    expect(agenda.locator("[data-kind=friction]")).to_contain_text("Invite emails land in spam")
    expect(agenda.locator("[data-kind=launch]")).to_contain_text("SSO for small teams")
    page.get_by_test_id("point-form").locator("#id_title").fill("Pricing page wording")
    page.get_by_test_id("point-form").locator("button[type=submit]").click()
    expect(agenda.locator("[data-kind=custom]")).to_contain_text("Pricing page wording")
    shoot(page, "committee-agenda", lang, width, screenshot_dir)
    marketing.close()

    # Product starts it and records a commit and a defer.
    product = browser.new_context(viewport=viewport, locale=lang)
    pm_page = product.new_page()
    sign_in(pm_page, base, "paul")
    pm_page.goto(f"{base}/board/committees/{meeting.pk}/")
    pm_page.get_by_test_id("start").click()
    expect(pm_page.get_by_test_id("meeting-status")).to_have_text(
        "In session" if lang == "en" else "En séance"
    )
    form = pm_page.get_by_test_id("decision-form")

    def record(kind: str, item: RoadmapItem, owner: Any, team: str, **dates: str) -> None:
        form.locator("#id_kind").select_option(kind)
        form.locator("#id_item").select_option(str(item.pk))
        form.locator("#id_owner").select_option(str(owner.pk))
        form.locator("#id_team").select_option(team)
        for name, value in dates.items():
            form.locator(f"#id_{name}").fill(value)
        form.locator("#id_rationale").fill(f"{kind}: {item.title}, decided together.")
        if kind == "commit":
            form.locator("#id_item_status").select_option("planned")
        form.locator("button[type=submit]").click()
        expect(pm_page.locator(".message-success")).to_be_visible()

    record("commit", world["invites"], pm, "product", due_date=_day(30))
    form = pm_page.get_by_test_id("decision-form")
    record("defer", world["later"], marketer, "marketing", due_date=_day(80), defer_until=_day(90))
    expect(pm_page.get_by_test_id("meeting-decisions").locator("tbody tr")).to_have_count(2)
    shoot(pm_page, "committee-meeting", lang, width, screenshot_dir)

    # Publishing the ranking from the meeting closes it; the minutes follow.
    pm_page.get_by_test_id("close-form").locator("#id_note").fill("November committee")
    pm_page.get_by_test_id("publish-close").click()
    pm_page.wait_for_url(re.compile(r".*/minutes/$"))
    expect(pm_page.get_by_test_id("minutes-decisions")).to_contain_text("Invite flow")
    shoot(pm_page, "committee-minutes", lang, width, screenshot_dir)
    meeting.refresh_from_db()
    assert meeting.status == "closed"
    assert meeting.ranking is not None

    pdf = pm_page.request.get(f"{base}/board/committees/{meeting.pk}/minutes.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.body(), capture_output=True, check=True
    ).stdout.decode()
    text = " ".join(text.split())  # table cells wrap lines
    assert "commit: Invite flow, decided together." in text
    assert "defer: Dark mode, decided together." in text

    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {marketer.email, pm.email}
    assert mail.outbox[0].attachments[0][0].endswith(".pdf")

    # The items' histories and pages carry the decisions.
    invites = RoadmapItem.objects.get(pk=world["invites"].pk)
    assert invites.status == "planned"
    reasons = list(invites.history.values_list("history_change_reason", flat=True))
    assert any(r and ("Committee" in r or "Comité" in r) for r in reasons), reasons
    later_reasons = list(world["later"].history.values_list("history_change_reason", flat=True))
    assert any(r and _day(90) in r for r in later_reasons), later_reasons
    assert Decision.objects.count() == 2
    pm_page.goto(f"{base}/board/items/{world['later'].pk}/")
    expect(pm_page.get_by_test_id("item-decisions")).to_contain_text("Dark mode, decided together")
    pm_page.goto(f"{base}/board/decisions/")
    shoot(pm_page, "committee-decisions", lang, width, screenshot_dir)
    product.close()
