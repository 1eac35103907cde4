"""The Django admin in French has no English of the project's own interface left (issue
11): model and field names, help texts, fieldset and inline titles, list filters, action
descriptions, the item page's score panel. Django's own words come from Django's French
catalogue; this test checks the project's.

Two checks: a list of English phrases the project's admin shows, and, for each page's
model admin, every name and help text it declares, read in English: none may appear on
the French page unless its French is the same word. Data is written in French."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.urls import reverse
from django.utils import timezone, translation

from roadmap.models import LaunchPlan, RoadmapItem
from scoring.services import item_scores_recompute_all
from signals.models import FrictionReport, MarketSignal
from tests.support.factories import (
    FrictionReportFactory,
    LaunchPlanFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SignalLinkFactory,
    ThemeFactory,
    UserFactory,
)
from tests.web.test_french_pages import _Text

pytestmark = pytest.mark.django_db

FRENCH = "fr-FR,fr;q=0.9"

# Phrases of the project's English admin, each written so that its French never holds it.
ENGLISH = (
    "Roadmap items",
    "Roadmap item",
    "roadmap item",
    "Market signals",
    "Market signal",
    "market signal",
    "Friction reports",
    "Friction report",
    "friction report",
    "Launch plans",
    "Launch plan",
    "launch plan",
    "Market evidence",
    "API access",
    "Scoring models",
    "Mark selected as",
    "Marked",
    "Basics",
    "Product estimates",
    "RICE inputs",
    "Record",
    "Readiness checklist",
    "Sales enablement",
    "Positioning approved",
    "Score explanation",
    "Top contributors",
    "Counted inputs",
    "People reached per quarter",
    "Product confidence",
    "Person-months",
    "Has a Jira key",
    "No Jira key",
    "Missing an estimate",
    "Fully estimated",
    "Jira key not found",
    "Try the Jira key again",
    "Recompute scores now",
    "linked market signals",
    "linked friction reports",
    "linked roadmap items",
    "Linked market signals",
    "Linked friction reports",
    "Linked roadmap items",
    "Dismiss selected signals",
    "Restore selected signals",
    "Mark addressed",
    "Mark dismissed",
    "Last 30 days",
    "Older than a year",
    "Today or later",
    "Next 30 days",
    "No date",
    "target launch date",
    "readiness",
    "Account",
    "Origin",
    "Metric",
    "observed",
    "item status",
    "One message per line",
    "Launch of",
    "Candidate",
    "Planned",
    "In progress",
)
PATTERN = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ENGLISH)) + r")(?![\w-])")


def _texts(html: str) -> list[str]:
    reader = _Text()
    reader.feed(html)
    return reader.parts


def _declared(model_admin: Any, request: Any) -> Iterable[Any]:
    """What `model_admin` (and its inlines) names on its pages: its model's names, its
    fields' names and help texts, fieldset titles, filter titles, action descriptions."""
    opts = model_admin.model._meta
    yield opts.verbose_name
    yield opts.verbose_name_plural
    for field in opts.get_fields():
        if hasattr(field, "verbose_name"):
            yield field.verbose_name
            yield getattr(field, "help_text", "")
    for name, options in model_admin.get_fieldsets(request, model_admin.model.objects.first()):
        yield name
        yield options.get("description", "")
    for entry in model_admin.list_filter:
        if isinstance(entry, type) and issubclass(entry, admin.SimpleListFilter):
            yield entry.title
    for _func, _name, description in model_admin.get_actions(request).values():
        if _name != "delete_selected":
            yield description
    for name in (*model_admin.list_display, *model_admin.readonly_fields):
        method = getattr(model_admin, name, None)
        yield getattr(method, "short_description", "")
    for inline in getattr(model_admin, "inlines", ()):
        if issubclass(inline, InlineModelAdmin):
            yield inline.verbose_name or ""
            yield inline.verbose_name_plural or ""
            for name in inline.readonly_fields:
                yield getattr(getattr(inline, name, None), "short_description", "")


def english_names_left(html: str, model_admin: Any, request: Any) -> list[str]:
    """The names `model_admin` declares, in English, that the French page still shows."""
    texts = _texts(html)
    left = set()
    for declared in _declared(model_admin, request):
        if not declared:
            continue
        with translation.override("en"):
            english = str(declared)
        with translation.override("fr"):
            french = str(declared)
        if english.lower() == french.lower() or len(english) < 3:
            continue  # the same word in both languages ("Impact", "Source")
        pattern = re.compile(r"(?<![\w-])" + re.escape(english) + r"(?![\w-])", re.IGNORECASE)
        if any(pattern.search(text) for text in texts):
            left.add(english)
    return sorted(left)


@pytest.fixture
def world(settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.CELERY_TASK_ALWAYS_EAGER = True
    pm = UserFactory(
        username="paul",
        first_name="Paul",
        last_name="Durand",
        role="product",
        is_staff=True,
        is_superuser=True,
    )
    marketer = UserFactory(username="camille", first_name="Camille", role="marketing")
    theme = ThemeFactory(name="Intégrations")
    item = RoadmapItemFactory(title="Connexion unique", theme=theme, owner=pm, reach=2000.0)
    RoadmapItemFactory(title="Sans estimation", theme=theme, effort=None)
    plan = LaunchPlanFactory(
        item=item,
        marketing_owner=marketer,
        target_launch_date=timezone.localdate() + timedelta(days=20),
        key_messages=["Plus simple"],
    )
    report = FrictionReportFactory(
        title="Inscription trop longue", campaign="Webinaire", submitted_by=marketer
    )
    ReportLinkFactory(item=item, report=report)
    signal = MarketSignalFactory(title="Retour client", submitted_by=marketer)
    SignalLinkFactory(item=item, signal=signal)
    item_scores_recompute_all()
    return {"pm": pm, "item": item, "plan": plan, "report": report, "signal": signal}


def _pages(world: dict[str, Any]) -> list[tuple[str, type | None]]:
    pages: list[tuple[str, type | None]] = [(reverse("admin:index"), None)]
    for model, obj in (
        (RoadmapItem, world["item"]),
        (MarketSignal, world["signal"]),
        (FrictionReport, world["report"]),
        (LaunchPlan, world["plan"]),
    ):
        info = (model._meta.app_label, model._meta.model_name)
        pages.append((reverse("admin:{}_{}_changelist".format(*info)), model))
        pages.append((reverse("admin:{}_{}_change".format(*info), args=[obj.pk]), model))
        pages.append((reverse("admin:{}_{}_add".format(*info)), model))
    return pages


def test_the_checks_find_english_and_pass_french(rf, world):
    model_admin = admin.site._registry[RoadmapItem]
    request = rf.get("/")
    request.user = world["pm"]
    english = "<h2>Product estimates</h2><p>People reached per quarter (product estimate).</p>"
    assert PATTERN.findall(" ".join(_texts(english))) == [
        "Product estimates",
        "People reached per quarter",
    ]
    assert english_names_left(english, model_admin, request) == [
        "People reached per quarter (product estimate).",
        "Product estimates",
        "estimates",  # the "estimates" filter's title, inside the fieldset's
    ]
    with translation.override("fr"):
        french = f"<h2>{_fieldset_title(model_admin, request)}</h2>"
    assert english_names_left(french, model_admin, request) == []


def _fieldset_title(model_admin: Any, request: Any) -> str:
    return str(model_admin.get_fieldsets(request, None)[1][0])


def test_every_admin_page_in_french_has_no_english_of_the_project_left(client, rf, world):
    client.force_login(world["pm"])
    request = rf.get("/")
    request.user = world["pm"]
    left: dict[str, list[str]] = {}
    for url, model in _pages(world):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=FRENCH)
        assert response.status_code == 200, url
        assert response["Content-Language"] == "fr", url
        html = response.content.decode()
        found = set(PATTERN.findall(" ".join(_texts(html))))
        if model is not None:
            found |= set(english_names_left(html, admin.site._registry[model], request))
        if found:
            left[url] = sorted(found)
    assert left == {}, f"English left in the French admin: {left}"


def test_the_same_admin_pages_in_english_show_the_english_phrases(client, world):
    """The list is real: the English item pages carry its phrases."""
    client.force_login(world["pm"])
    changelist = client.get(reverse("admin:roadmap_roadmapitem_changelist"))
    change = client.get(reverse("admin:roadmap_roadmapitem_change", args=[world["item"].pk]))
    found = set(PATTERN.findall(" ".join(_texts(changelist.content.decode()))))
    found |= set(PATTERN.findall(" ".join(_texts(change.content.decode()))))
    assert {"Roadmap items", "Mark selected as", "Product estimates", "Score explanation"} <= found
    assert {"People reached per quarter", "Linked market signals", "Launch plan"} <= found
