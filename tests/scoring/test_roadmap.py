"""The roadmap over time (board page, API), its share links (a page without a login that
shows only the chosen fields; wrong, revoked or expired tokens are the same 404) and the
changelog (page and Atom feed, English and French)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from roadmap.services import items_set_status
from scoring.models import RoadmapShareLink
from scoring.selectors.roadmap import item_horizon, quarter_of, roadmap_view
from scoring.services import item_scores_recompute_all
from scoring.sharing.services import share_link_create, share_link_revoke
from tests.support.api import api_client_for, assert_error
from tests.support.factories import (
    LaunchPlanFactory,
    RoadmapItemFactory,
    SegmentFactory,
    ThemeFactory,
    UserFactory,
)

ATOM = "{http://www.w3.org/2005/Atom}"
TODAY = date(2026, 3, 1)


# --- The rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "days", "horizon"),
    [
        ("in_progress", None, "now"),
        ("in_progress", 400, "now"),
        ("planned", 30, "now"),
        ("candidate", 90, "now"),
        ("candidate", -10, "now"),  # overdue
        ("planned", None, "next"),
        ("planned", 300, "next"),
        ("candidate", 91, "next"),
        ("candidate", 180, "next"),
        ("candidate", 181, "later"),
        ("candidate", None, "later"),
    ],
)
def test_the_horizon_rule(status, days, horizon):
    launch = None if days is None else TODAY + timedelta(days=days)
    assert item_horizon(status=status, launch_date=launch, today=TODAY) == horizon


def test_quarters():
    assert quarter_of(date(2026, 3, 31)) == "2026-Q1"
    assert quarter_of(date(2026, 10, 1)) == "2026-Q4"
    assert quarter_of(None) == "none"


@pytest.fixture
def roadmap_items(db):
    today = timezone.localdate()
    growth, enterprise = ThemeFactory(name="Growth"), ThemeFactory(name="Enterprise")
    smb = SegmentFactory(slug="smb", name="Small business")
    now = RoadmapItemFactory(title="Onboarding checklist", theme=growth, status="in_progress")
    now.segments.add(smb)
    soon = LaunchPlanFactory(
        item=RoadmapItemFactory(title="SSO", theme=enterprise, status="planned"),
        target_launch_date=today + timedelta(days=20),
        positioning_approved=True,
        documentation_ready=True,
    ).item
    later = RoadmapItemFactory(title="Dark mode", theme=growth, status="candidate")
    cancelled = LaunchPlanFactory(
        item=RoadmapItemFactory(title="Old idea", theme=None, status="candidate"),
        target_launch_date=today + timedelta(days=5),
        status="cancelled",
    ).item
    RoadmapItemFactory(title="Shipped thing", status="shipped")
    item_scores_recompute_all()
    return {"now": now, "soon": soon, "later": later, "cancelled": cancelled}


def _columns(view):
    placed = {}
    for row in view.rows:
        for (key, _label), cell in zip(view.columns, row.cells, strict=True):
            for card in cell:
                placed[card.title] = (row.label, key)
    return placed


def test_the_view_places_open_items_by_horizon_and_theme(roadmap_items):
    view = roadmap_view(today=timezone.localdate())
    assert _columns(view) == {
        "Onboarding checklist": ("Growth", "now"),
        "SSO": ("Enterprise", "now"),
        "Dark mode": ("Growth", "later"),
        "Old idea": ("No theme", "later"),  # a cancelled launch gives no date
    }
    sso = next(c for r in view.rows for cell in r.cells for c in cell if c.title == "SSO")
    assert (sso.readiness_done, sso.readiness_total) == (2, 5)
    assert sso.position is not None
    assert sso.score is not None


def test_the_view_by_quarter_and_segment(roadmap_items):
    view = roadmap_view(today=timezone.localdate(), by="quarter", group="segment")
    quarter = quarter_of(timezone.localdate() + timedelta(days=20))
    assert [key for key, _ in view.columns] == [quarter, "none"]
    placed = _columns(view)
    assert placed["Onboarding checklist"] == ("Small business", "none")
    assert placed["SSO"] == ("No segment", quarter)


# --- Board page ------------------------------------------------------------------------------


def test_the_roadmap_page_states_the_rule_and_filters_like_the_board(
    client, roadmap_items, django_assert_max_num_queries
):
    client.force_login(UserFactory(username="staff", role="marketing", is_staff=True))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("board:roadmap"))
    page = response.content.decode()
    assert "Now: in progress, or a launch targeted within the next 90 days" in page
    assert "SSO" in page
    assert "2/5" in page
    theme = roadmap_items["soon"].theme_id
    filtered = client.get(reverse("board:roadmap"), {"theme": theme}).content.decode()
    assert "SSO" in filtered
    assert "Dark mode" not in filtered
    assert client.get(reverse("board:roadmap"), {"by": "bogus", "theme": "x"}).status_code == 200


def test_the_roadmap_page_needs_a_login(client, db):
    response = client.get(reverse("board:roadmap"))
    assert response.status_code == 302


# --- API -------------------------------------------------------------------------------------


def test_the_roadmap_api_answers_any_role(integration_user, roadmap_items):
    body = api_client_for(integration_user).get("/api/v1/roadmap/", {"by": "horizon"}).json()
    assert [c["key"] for c in body["columns"]] == ["now", "next", "later"]
    titles = [i["title"] for row in body["rows"] for cell in row["cells"] for i in cell["items"]]
    assert sorted(titles) == ["Dark mode", "Old idea", "Onboarding checklist", "SSO"]
    assert "Now:" in body["rule"]


@pytest.mark.parametrize("query", [{"by": "year"}, {"group": "owner"}, {"theme": "abc"}])
def test_the_roadmap_api_refuses_bad_parameters(integration_user, db, query):
    assert_error(api_client_for(integration_user).get("/api/v1/roadmap/", query), 400)


def test_the_roadmap_api_has_a_query_budget(
    integration_user, roadmap_items, django_assert_max_num_queries
):
    client = api_client_for(integration_user)
    with django_assert_max_num_queries(10):
        client.get("/api/v1/roadmap/", {"group": "segment"})


def test_product_creates_and_revokes_share_links_through_the_api(
    product_user, marketing_user, client, roadmap_items
):
    body = {
        "label": "Board of Acme",
        "expires_at": (timezone.now() + timedelta(days=30)).isoformat(),
    }
    assert_error(api_client_for(marketing_user).post(
        "/api/v1/roadmap/share-links/", body, format="json"), 403)  # fmt: skip
    api = api_client_for(product_user)
    created = api.post("/api/v1/roadmap/share-links/", body, format="json")
    assert created.status_code == 201, created.json()
    link = created.json()
    assert len(link["token"]) >= 40
    assert link["active"] is True
    assert client.get(link["url"]).status_code == 200
    assert api.delete(f"/api/v1/roadmap/share-links/{link['id']}/").status_code == 204
    assert client.get(link["url"]).status_code == 404
    past = {**body, "expires_at": (timezone.now() - timedelta(days=1)).isoformat()}
    assert_error(api.post("/api/v1/roadmap/share-links/", past, format="json"), 400)


# --- The share page --------------------------------------------------------------------------


def _link(**fields):
    return share_link_create(
        created_by=None,
        label="Partners",
        expires_at=timezone.now() + timedelta(days=7),
        **fields,
    )


def test_a_share_link_shows_the_roadmap_without_a_login_and_without_scores(
    client, roadmap_items, django_assert_max_num_queries
):
    link = _link()
    with django_assert_max_num_queries(8):
        response = client.get(reverse("roadmap-shared", args=[link.token]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "SSO" in page
    assert "2/5" in page
    assert "Score" not in page
    assert "Position" not in page
    assert "/board/items/" not in page
    assert "/admin/" not in page
    assert response["Referrer-Policy"] == "no-referrer"
    chosen = client.get(reverse("roadmap-shared", args=[_link(show_scores=True).token]))
    assert "Score" in chosen.content.decode()


def test_wrong_revoked_and_expired_tokens_are_the_same_404(client, roadmap_items):
    revoked = share_link_revoke(link=_link())
    expired = _link()
    RoadmapShareLink.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    answers = [
        client.get(reverse("roadmap-shared", args=[token]))
        for token in ("x" * 43, revoked.token, expired.token, "a" * 200)
    ]
    assert [a.status_code for a in answers] == [404] * 4
    assert len({a.content for a in answers}) == 1
    assert "SSO" not in answers[0].content.decode()


# --- Changelog -------------------------------------------------------------------------------


@pytest.fixture
def shipped(db):
    plan = LaunchPlanFactory(
        item=RoadmapItemFactory(title="SSO <SAML>", status="planned"),
        value_proposition="Sign in once & for all.",
    )
    items_set_status(item_ids=[plan.item_id], status="shipped")
    RoadmapItemFactory(title="Not yet", status="planned")
    return plan.item


def test_the_changelog_lists_shipped_items_with_their_value_proposition(client, shipped):
    page = client.get(reverse("changelog")).content.decode()
    assert "SSO &lt;SAML&gt;" in page
    assert "Sign in once &amp; for all." in page
    assert "Not yet" not in page
    french = client.get(reverse("changelog"), {"lang": "fr"})
    assert french.status_code == 200
    assert 'hreflang="en"' in french.content.decode()


@pytest.mark.parametrize("lang", ["en", "fr", "xx"])
def test_the_atom_feed_is_valid_and_lists_shipped_items(client, shipped, lang):
    response = client.get(reverse("changelog-feed"), {"lang": lang})
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id") is not None
    assert feed.find(f"{ATOM}updated") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert "SSO <SAML>" in entry.findtext(f"{ATOM}title")
    assert entry.findtext(f"{ATOM}summary") == "Sign in once & for all."
    assert entry.findtext(f"{ATOM}id") == f"tag:roadmap,2026:item-{shipped.pk}"
