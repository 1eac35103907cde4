"""The demo package (scoring.demo) and its commands: `seed_demo`, `ensure_demo_admin`,
`ensure_demo_logins`."""

from __future__ import annotations

import hashlib
import io
import stat
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Count, Q

from roadmap.models import DirtyItem, LaunchPlan, RoadmapItem, Segment, Theme
from scoring.demo.data import RANKINGS
from scoring.models import ItemScore, Ranking, ScoreHistory
from scoring.selectors import calibration_report
from signals.choices import SignalKind
from signals.kpis.selectors import kpis_shared
from signals.models import FrictionReport, MarketSignal, Outcome, ReportLink, SignalLink
from tests.support.api import API, api_client_for
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

ANCHOR = "2026-03-01"


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def digest() -> str:
    """Everything a rerun must leave exactly as it was."""
    rows = [
        *RoadmapItem.objects.order_by("title").values_list(
            "title", "reach", "impact", "confidence", "effort", "status", "jira_key"
        ),
        *MarketSignal.objects.order_by("external_id").values_list(
            "external_id", "observed_at", "kind", "title", "dismissed", "account_value"
        ),
        *FrictionReport.objects.order_by("external_id").values_list(
            "external_id", "observed_at", "affected_people", "severity", "status"
        ),
        *SignalLink.objects.order_by("signal__external_id", "item__title").values_list(
            "signal__external_id", "item__title", "weight"
        ),
        *ReportLink.objects.order_by("report__external_id", "item__title").values_list(
            "report__external_id", "item__title", "weight"
        ),
        *LaunchPlan.objects.order_by("item__title").values_list(
            "item__title", "status", "channels", "target_launch_date", "documentation_ready"
        ),
        *Outcome.objects.order_by("external_id").values_list(
            "external_id", "item__title", "kpi", "baseline", "measured", "period_end"
        ),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def counts() -> dict[str, int]:
    return {
        "themes": Theme.objects.count(),
        "segments": Segment.objects.count(),
        "users": get_user_model().objects.count(),
        "items": RoadmapItem.objects.count(),
        "signals": MarketSignal.objects.count(),
        "reports": FrictionReport.objects.count(),
        "signal links": SignalLink.objects.count(),
        "report links": ReportLink.objects.count(),
        "item history": RoadmapItem.history.count(),
        "launch plans": LaunchPlan.objects.count(),
        "launch plan history": LaunchPlan.history.count(),
        "outcomes": Outcome.objects.count(),
        "outcome history": Outcome.history.count(),
        "rankings": Ranking.objects.count(),
        "score history": ScoreHistory.objects.count(),
    }


def test_seed_demo_creates_the_documented_data_set():
    output = seed()

    assert "Committee history: three months replayed, 3 rankings published." in output

    assert Theme.objects.count() == 5
    assert set(Segment.objects.values_list("slug", flat=True)) == {
        "smb",
        "mid-market",
        "enterprise",
        "agencies",
        "education",
        "developers",
    }
    assert RoadmapItem.objects.count() == 40
    # 300 linked signals, and 14 nobody has linked yet, for the radar (radar_data).
    assert MarketSignal.objects.count() == 314
    assert MarketSignal.objects.filter(links__isnull=True).count() == 14
    assert FrictionReport.objects.count() == 60
    assert LaunchPlan.objects.count() == 20
    assert Outcome.objects.count() == 16
    assert "40 items, 314 signals, 60 reports, 20 launch plans, 16 outcomes" in output


def test_seed_demo_gives_each_role_its_users():
    seed("--quiet", f"--anchor={ANCHOR}")

    by_role = {
        role: set(
            get_user_model().objects.filter(groups__name=role).values_list("username", flat=True)
        )
        for role in ("product", "marketing", "integration")
    }
    assert len(by_role["product"]) == 3
    assert len(by_role["marketing"]) == 2
    assert by_role["integration"] == {"jira-bot"}
    assert get_user_model().objects.filter(username__in=by_role["product"], is_staff=True).count()
    assert (
        set(RoadmapItem.objects.exclude(owner=None).values_list("owner__username", flat=True))
        <= (by_role["product"])
    )


def test_running_seed_demo_twice_keeps_counts_and_data_identical():
    seed("--quiet", f"--anchor={ANCHOR}")
    first_counts, first_digest = counts(), digest()

    output = seed(f"--anchor={ANCHOR}")

    assert counts() == first_counts  # including history: an idle rerun writes nothing
    assert digest() == first_digest
    assert "(0 rows created; existing rows left as they are)" in output
    assert "Committee history" not in output  # replayed once, on the first run


def test_seed_demo_keeps_what_users_changed_in_demo_rows():
    seed("--quiet", f"--anchor={ANCHOR}")
    RoadmapItem.objects.filter(title="SSO with SAML").update(reach=1, status="archived")
    MarketSignal.objects.filter(external_id="demo-signal-001").update(kind="market_trend")
    SignalLink.objects.filter(signal__external_id="demo-signal-002").delete()

    seed("--quiet", f"--anchor={ANCHOR}")

    sso = RoadmapItem.objects.get(title="SSO with SAML")
    assert (sso.reach, sso.status) == (1, "archived")
    assert MarketSignal.objects.get(external_id="demo-signal-001").kind == "market_trend"
    assert not SignalLink.objects.filter(signal__external_id="demo-signal-002").exists()


def test_seed_demo_creates_again_the_demo_rows_that_are_missing():
    seed("--quiet", f"--anchor={ANCHOR}")
    expected = counts()["signals"], counts()["items"]
    MarketSignal.objects.filter(external_id="demo-signal-010").delete()
    RoadmapItem.objects.filter(title="Activity feed").delete()

    output = seed(f"--anchor={ANCHOR}")

    assert (counts()["signals"], counts()["items"]) == expected
    assert "(0 rows created" not in output


def test_seed_demo_after_api_use_keeps_the_changes_and_succeeds(product_user):
    """Issue 11.7: an item's confidence changed through the API stays, and an item created
    through the API with a Jira key the demo also uses does not make the seed fail."""
    seed("--quiet", f"--anchor={ANCHOR}")
    api = api_client_for(product_user)
    sso = RoadmapItem.objects.get(title="SSO with SAML")
    demo_key = sso.jira_key
    assert demo_key
    response = api.patch(
        f"{API}/items/{sso.pk}/", {"confidence": 0.3, "jira_key": "SEC-1"}, format="json"
    )
    assert response.status_code == 200, response.content
    response = api.post(
        f"{API}/items/", {"title": "SSO for small teams", "jira_key": demo_key}, format="json"
    )
    assert response.status_code == 201, response.content
    before = counts()

    seed("--quiet", f"--anchor={ANCHOR}")

    sso.refresh_from_db()
    assert (sso.confidence, sso.jira_key) == (0.3, "SEC-1")
    assert RoadmapItem.objects.get(title="SSO for small teams").jira_key == demo_key
    after = counts()
    # The seed scores what the API marked dirty: new score points, nothing else.
    assert after.pop("score history") > before.pop("score history")
    assert after == before


def test_seed_demo_leaves_a_jira_key_another_item_took_to_that_item(product_user):
    response = api_client_for(product_user).post(
        f"{API}/items/", {"title": "Imported from Jira", "jira_key": "ROAD-101"}, format="json"
    )
    assert response.status_code == 201, response.content

    output = seed(f"--anchor={ANCHOR}")

    assert RoadmapItem.objects.filter(jira_key="ROAD-101").get().title == "Imported from Jira"
    assert "Jira key ROAD-101 is taken by another item: its demo item has none." in output
    assert RoadmapItem.objects.count() == 41


def test_seed_demo_leaves_some_items_without_estimates_and_gives_about_half_a_jira_key():
    seed("--quiet", f"--anchor={ANCHOR}")

    missing = RoadmapItem.objects.filter(Q(reach=None) | Q(impact=None) | Q(effort=None)).count()
    assert 4 <= missing <= 8
    assert 15 <= RoadmapItem.objects.exclude(jira_key="").count() <= 25
    statuses = dict(RoadmapItem.objects.values_list("status").annotate(n=Count("id")))
    assert statuses["shipped"] == 5
    assert statuses["archived"] == 1
    assert statuses["in_progress"] >= 3
    assert statuses["candidate"] + statuses["planned"] > 25


def test_seed_demo_evidence_covers_every_kind_and_links_each_record_to_one_or_two_items():
    seed("--quiet", f"--anchor={ANCHOR}")

    assert set(MarketSignal.objects.values_list("kind", flat=True)) == set(SignalKind.values)
    assert 10 <= MarketSignal.objects.filter(dismissed=True).count() <= 20
    for model in (MarketSignal, FrictionReport):
        # Every record but the radar's unlinked ones (demo-radar-...): those wait for a
        # person to accept a suggestion or an item made from their topic.
        records = model.objects.exclude(external_id__startswith="demo-radar-")
        link_counts = set(records.annotate(n=Count("links")).values_list("n", flat=True))
        assert link_counts <= {1, 2}
    weights = set(SignalLink.objects.values_list("weight", flat=True))
    weights |= set(ReportLink.objects.values_list("weight", flat=True))
    assert weights <= {1.0, 0.8, 0.5}
    people = FrictionReport.objects.values_list("affected_people", flat=True)
    assert all(100 <= n <= 5000 for n in people)
    assert FrictionReport.objects.filter(status="open").count() > 40
    assert FrictionReport.objects.exclude(metric_before=None).exists()


def test_seed_demo_dates_evidence_within_the_year_before_the_anchor():
    seed("--quiet", f"--anchor={ANCHOR}")

    anchor = date.fromisoformat(ANCHOR)
    for model in (MarketSignal, FrictionReport):
        dates = model.objects.values_list("observed_at", flat=True)
        assert all(0 < (anchor - d.date()).days <= 366 for d in dates)


def test_seed_demo_leaves_every_item_scored_or_waiting_to_be_scored():
    seed("--quiet", f"--anchor={ANCHOR}")

    scored = set(ItemScore.objects.values_list("item_id", flat=True))
    waiting = set(DirtyItem.objects.values_list("item_id", flat=True))
    assert scored | waiting == set(RoadmapItem.objects.values_list("pk", flat=True))


def test_seed_demo_quiet_prints_nothing():
    assert seed("--quiet", f"--anchor={ANCHOR}") == ""


# --- ensure_demo_admin --------------------------------------------------------------------


@pytest.fixture
def project_dir(settings, tmp_path, monkeypatch):
    settings.BASE_DIR = tmp_path
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    return tmp_path


def ensure_admin() -> str:
    out = io.StringIO()
    call_command("ensure_demo_admin", stdout=out)
    line = out.getvalue().strip()
    assert line.startswith("Admin login: http://127.0.0.1:8000/admin/  user: admin  password: ")
    return line.rsplit("password: ", 1)[1]


def test_ensure_demo_admin_names_the_port_it_is_given(project_dir):
    out = io.StringIO()
    call_command("ensure_demo_admin", "--port=8001", stdout=out)

    assert out.getvalue().startswith("Admin login: http://127.0.0.1:8001/admin/  user: admin")


def ensure_logins(*args: str) -> dict[str, tuple[str, str, str]]:
    out = io.StringIO()
    call_command("ensure_demo_logins", *args, stdout=out)
    logins = {}
    for line in out.getvalue().splitlines():
        team, rest = line.split(" login: ", 1)
        url, rest = rest.split("  user: ", 1)
        username, password = rest.split("  password: ", 1)
        logins[team] = (url, username.split(" ", 1)[0], password)
    return logins


def test_ensure_demo_logins_prints_a_product_and_a_marketing_login_that_work(project_dir):
    seed("--quiet", f"--anchor={ANCHOR}")

    logins = ensure_logins("--port=8001")

    assert set(logins) == {"Product", "Marketing"}
    for team, (url, username, password) in logins.items():
        assert url == "http://127.0.0.1:8001/board/"
        user = authenticate(username=username, password=password)
        assert user is not None
        assert user.groups.filter(name=team.lower()).exists()
        assert user.is_staff == (team == "Product")  # marketing never needs the admin
    password_file = project_dir / ".demo-user-password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert ensure_logins("--port=8001") == logins  # the same on every run


def test_ensure_demo_logins_keeps_a_password_the_user_chose(project_dir):
    seed("--quiet", f"--anchor={ANCHOR}")
    _, username, _ = ensure_logins()["Marketing"]
    user = get_user_model().objects.get(username=username)
    user.set_password("chosen-by-claire-7")
    user.save()

    assert "unchanged" in ensure_logins()["Marketing"][2]
    assert authenticate(username=username, password="chosen-by-claire-7") is not None


def test_ensure_demo_admin_creates_a_product_superuser_with_a_private_password_file(project_dir):
    password = ensure_admin()

    admin = authenticate(username="admin", password=password)
    assert admin is not None
    assert admin.is_staff
    assert admin.is_superuser
    assert admin.groups.filter(name="product").exists()
    password_file = project_dir / ".demo-admin-password"
    assert password_file.read_text().strip() == password
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600


def test_ensure_demo_admin_prints_the_same_working_password_on_every_run(project_dir):
    first = ensure_admin()
    second = ensure_admin()

    assert second == first
    assert authenticate(username="admin", password=first) is not None
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_ensure_demo_admin_resets_the_password_to_the_stored_one(project_dir):
    password = ensure_admin()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("something-else-entirely")
    admin.save()

    assert ensure_admin() == password
    assert authenticate(username="admin", password=password) is not None


def test_ensure_demo_admin_takes_the_password_from_the_environment(project_dir, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "from-the-environment-42")

    assert ensure_admin() == "from-the-environment-42"
    assert authenticate(username="admin", password="from-the-environment-42") is not None
    assert not (project_dir / ".demo-admin-password").exists()


def test_ensure_demo_admin_leaves_a_password_it_did_not_choose_alone(project_dir):
    UserFactory(username="admin", password="chosen-by-a-human-1")

    shown = ensure_admin()

    assert "unchanged" in shown
    assert authenticate(username="admin", password="chosen-by-a-human-1") is not None
    assert get_user_model().objects.get(username="admin").is_superuser


# --- Closing the loop ---------------------------------------------------------------------


def test_seed_demo_gives_upcoming_and_shipped_items_launch_plans():
    seed("--quiet", f"--anchor={ANCHOR}")

    plans = LaunchPlan.objects.select_related("item")
    assert {plan.item.status for plan in plans} == {"planned", "in_progress", "shipped"}
    assert all(
        plan.status == "launched" and plan.readiness == 5
        for plan in plans.filter(item__status="shipped")
    )
    upcoming = plans.exclude(item__status="shipped")
    assert all(plan.target_launch_date > date.fromisoformat(ANCHOR) for plan in upcoming)
    assert {plan.readiness for plan in upcoming} != {0}
    assert all(plan.marketing_owner is not None for plan in plans)


def test_seed_demo_follows_shipped_items_from_candidate_to_measured():
    seed("--quiet", f"--anchor={ANCHOR}")

    item = RoadmapItem.objects.get(title="Template gallery")
    path = list(
        item.history.filter(history_change_reason__startswith="demo seed: the item")
        .order_by("history_date")
        .values_list("status", flat=True)
    )
    assert path == ["candidate", "planned", "in_progress", "shipped"]
    before = ScoreHistory.objects.filter(item=item).order_by("computed_at")
    assert before.count() >= 3
    assert {o.kpi for o in Outcome.objects.filter(item__status="shipped")} >= {
        "activation_rate",
        "conversion_rate",
        "nps",
        "ltv",
    }
    # Every outcome was measured over a period that ended before the anchor.
    assert all(o.period_end < date.fromisoformat(ANCHOR) for o in Outcome.objects.all())


def test_seed_demo_gives_the_calibration_and_the_shared_kpis_something_to_show():
    seed("--quiet", f"--anchor={ANCHOR}")

    report = calibration_report()
    owners = [row for row in report["by_owner"] if row["calibrated_items"] >= 2]
    assert len(owners) >= 2
    assert all(row["suggestion"] is not None for row in owners)
    assert all(0.5 <= row["suggestion"]["multiplier"] <= 1 for row in owners)
    assert all(item["assumed"]["source"] == "history" for item in report["items"])
    kpis = kpis_shared()
    assert kpis["activation_rate_by_channel"]
    assert kpis["conversion_rate_by_channel"]
    assert kpis["ltv_by_segment"]
    assert len(kpis["nps_by_release"]) >= 3


# --- Three months of committee history ----------------------------------------------------


def positions(number: int) -> dict[str, int]:
    ranking = Ranking.objects.get(number=number)
    return dict(ranking.entries.values_list("title", "position"))


def test_seed_demo_publishes_three_rankings_a_month_apart_by_demo_users():
    seed("--quiet", f"--anchor={ANCHOR}")

    anchor = datetime.fromisoformat(ANCHOR).replace(tzinfo=UTC)
    rankings = list(Ranking.objects.order_by("number").select_related("published_by"))
    assert [anchor - r.published_at for r in rankings] == [
        timedelta(days=days) for days, _, _ in RANKINGS
    ]
    assert {r.published_by.username for r in rankings} <= {"camille.martin", "julien.moreau"}
    assert all(r.item_count == rankings[0].item_count > 20 for r in rankings)


def test_seed_demo_rankings_move_for_evidence_and_estimates_of_both_teams():
    seed("--quiet", f"--anchor={ANCHOR}")
    first, second, third = positions(1), positions(2), positions(3)
    anchor = datetime.fromisoformat(ANCHOR).replace(tzinfo=UTC)
    published = dict(Ranking.objects.values_list("number", "published_at"))

    # Marketing: Claire's friction report, sent between the first two rankings, lifts
    # the spreadsheet import.
    report = FrictionReport.objects.get(external_id="demo-report-001")
    assert report.submitted_by.username == "claire.dubois"
    assert published[1] < report.observed_at < report.created_at < published[2]
    assert list(report.links.values_list("item__title", flat=True)) == ["Import from spreadsheets"]
    assert second["Import from spreadsheets"] < first["Import from spreadsheets"] - 3
    # Product: Julien's confidence in SSO, then Camille's smaller reach for the tour.
    assert second["SSO with SAML"] < first["SSO with SAML"]
    assert third["Interactive product tour"] > second["Interactive product tour"] + 3
    tour = RoadmapItem.objects.get(title="Interactive product tour")
    change = tour.history.filter(reach=tour.reach).order_by("history_date").first()
    assert change.history_user.username == "camille.martin"
    assert published[2] < change.history_date < published[3]
    assert change.prev_record.reach == 12_000
    # Items passed by others move too: every ranking differs from the one before.
    assert first != second != third
    assert all(published[n] < anchor for n in published)


def test_seed_demo_score_histories_span_weeks_not_minutes():
    seed("--quiet", f"--anchor={ANCHOR}")

    item = RoadmapItem.objects.get(title="SSO with SAML")
    points = sorted(ScoreHistory.objects.filter(item=item).values_list("computed_at", flat=True))
    assert len(points) >= 10
    assert points[-1] - points[0] >= timedelta(days=80)
    gaps = [later - earlier for earlier, later in pairwise(points)]
    assert min(gaps) >= timedelta(days=1)


def test_seed_demo_dates_and_signs_the_evidence_it_sends():
    seed("--quiet", f"--anchor={ANCHOR}")

    for report in FrictionReport.objects.select_related("submitted_by")[:20]:
        assert report.observed_at <= report.created_at <= report.observed_at + timedelta(hours=2)
        created = report.history.get(history_type="+")
        assert created.history_user == report.submitted_by
        assert created.history_date == report.created_at
