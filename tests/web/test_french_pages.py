"""Every web page in French, for a product and a marketing user, has no English of the
project's own interface left (issue 11, item 5): status and choice names, factor names,
the ranking caption, chart labels, the item page's phrases, the publish confirmation.

The catalogue test (test_translations.py) only sees strings that are wrapped for
translation; this one reads the rendered pages, so a string that was never wrapped (an
f-string in a presenter, a label in a choices class, text typed into a template) fails
here. Data (titles, names, themes) is written in French so it cannot hide a phrase."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from roadmap.models import RoadmapItem
from scoring.services import item_scores_recompute_all, ranking_publish
from tests.support.factories import (
    FrictionReportFactory,
    LaunchPlanFactory,
    MarketSignalFactory,
    OutcomeFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SignalLinkFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Phrases of the project's English interface (templates, presenters, choices, charts),
# each written so that its French never contains it as a whole word or phrase.
ENGLISH = (
    "Candidate",
    "In progress",
    "Planned",
    "Shipped",
    "Live ranking",
    "ranked item",
    "ranked items",
    "person-months",
    "product estimate",
    "marketing measurement",
    "since Ranking",
    "Main driver",
    "Main cause",
    "Computed at",
    "Score history",
    "No history yet",
    "friction report",
    "customer request",
    "customer requests",
    "market signal",
    "Activation rate",
    "Conversion rate",
    "Paid search",
    "people a quarter",
    "sales feedback",
    "Funnel stage",
    "Affected people",
    "People affected",
    "RICE impact scale",
    "No channel",
    "unowned",
    "The next page",
    "Baseline",
    "Measured",
    "All segments",
    "Sales enablement",
    "Positioning approved",
    "Committee board",
    "Sign out",
    "My evidence",
    "Launches",
    "Outcomes",
    "Owner",
    "Status",
    "Reach",
    "Confidence",
    "Evidence",
    "Why",
    "passed by",
    "own score",
    "its own score",
    "did not change",
    "not estimated",
    "Moved up",
    "Moved down",
    "up 1",
    "down 1",
    "Jan",
    "Feb",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Dec",
)
PATTERN = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ENGLISH)) + r")(?![\w-])")


class _Text(HTMLParser):
    """The text a reader meets: text nodes (SVG <title> and <desc> included) and the
    title, aria-label, placeholder and alt attributes; no script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def english_left(html: str) -> list[str]:
    reader = _Text()
    reader.feed(html)
    return sorted({match for part in reader.parts for match in PATTERN.findall(part)})


def test_the_checker_finds_english_and_passes_french():
    page = (
        "<p>Classement en direct</p><svg><title>Score history</title></svg>"
        '<span aria-label="Owner">x</span><td>Candidat</td><td>Planifié</td>'
    )
    assert english_left(page) == ["Owner", "Score history"]
    assert english_left("<p>Responsable : sans responsable, mois-personnes</p>") == []


@pytest.fixture
def world(settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.CELERY_TASK_ALWAYS_EAGER = True
    pm = UserFactory(
        username="paul", first_name="Paul", last_name="Durand", role="product", is_staff=True
    )
    marketer = UserFactory(
        username="camille", first_name="Camille", last_name="Martin", role="marketing"
    )
    theme = ThemeFactory(name="Intégrations")
    top = RoadmapItemFactory(title="Export tableur", theme=theme, owner=pm, reach=3000.0)
    sso = RoadmapItemFactory(
        title="Connexion unique", theme=theme, owner=None, status="in_progress", reach=2000.0
    )
    planned = RoadmapItemFactory(title="Tableaux de bord", theme=theme, status="planned")
    RoadmapItemFactory(title="Sans estimation", theme=theme, effort=None)
    LaunchPlanFactory(item=planned, marketing_owner=marketer)
    OutcomeFactory(item=RoadmapItemFactory(title="Galerie de modèles", status="shipped"))
    item_scores_recompute_all()
    ranking_publish(note="Comité d’octobre", published_by=pm)
    # Marketing's evidence moves "Connexion unique" past "Export tableur".
    report = FrictionReportFactory(
        title="Inscription trop longue",
        campaign="Webinaire",
        submitted_by=marketer,
        affected_people=40000,
        observed_at=timezone.now() - timedelta(days=2),
    )
    ReportLinkFactory(item=sso, report=report)
    for kind in ("customer_request", "churn_reason", "competitor_move"):
        signal = MarketSignalFactory(kind=kind, title="Retour client", submitted_by=marketer)
        SignalLinkFactory(item=sso, signal=signal)
    RoadmapItem.objects.filter(pk=top.pk).update(effort=3.0)
    item_scores_recompute_all()
    ranking_publish(note="Comité de novembre", published_by=pm)
    return {"pm": pm, "marketer": marketer, "items": [top, sso, planned]}


def _pages(world) -> list[str]:
    items = [reverse("board:item", args=[item.pk]) for item in world["items"]]
    return [
        reverse("board:index"),
        *items,
        reverse("board:publish"),
        reverse("board:ranking", args=[2]),
        reverse("board:launches"),
        reverse("board:outcomes"),
        reverse("board:roadmap"),
        reverse("board:notifications"),
        reverse("evidence:submit"),
        reverse("evidence:submit_signal"),
        reverse("evidence:import"),
        reverse("my_evidence:index"),
    ]


@pytest.mark.parametrize("who", ["pm", "marketer"])
def test_every_web_page_in_french_has_no_english_of_the_interface_left(client, world, who):
    client.force_login(world[who])
    left: dict[str, list[str]] = {}
    read = 0
    for url in _pages(world):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
        if response.status_code != 200:
            continue  # a page this role may not see (the roadmap is product's)
        assert response["Content-Language"] == "fr", url
        read += 1
        found = english_left(response.content.decode())
        if found:
            left[url] = found
    assert read >= 12
    assert left == {}, f"English left in French pages: {left}"


def test_the_login_page_and_the_changelog_in_french_have_no_english_left(client, world):
    login = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="fr")
    assert english_left(login.content.decode()) == []
    changelog = client.get(reverse("changelog") + "?lang=fr")
    assert changelog.status_code == 200
    assert english_left(changelog.content.decode()) == []
    # Without ?lang the changelog follows the browser, like every other page.
    browser = client.get(reverse("changelog"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Journal des nouveautés" in browser.content.decode()
    english = client.get(reverse("changelog") + "?lang=en", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Changelog" in english.content.decode()


def test_the_same_pages_in_english_do_show_the_english_phrases(client, world):
    """The list is real: the English pages carry its phrases (so a French page without
    them is translated, not empty)."""
    client.force_login(world["pm"])
    board = client.get(reverse("board:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    found = set(english_left(board))
    assert {"Live ranking", "Candidate", "In progress", "unowned", "Owner"} <= found
