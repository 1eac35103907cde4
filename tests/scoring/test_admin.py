"""The scoring admin: score and position on the item list, the item page's explanation,
the recompute actions, and scoring model versions that never change once saved."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roadmap.models import DirtyItem, RoadmapItem
from roadmap.services import items_mark_dirty
from scoring.admin import ScoredRoadmapItemAdmin
from scoring.models import MODEL_PARAM_FIELDS, ItemScore, ScoringModel
from scoring.services import (
    item_scores_recompute,
    item_scores_recompute_all,
    scoring_model_create_version,
)
from tests.support.admin import staff_user
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SignalLinkFactory,
)

pytestmark = pytest.mark.django_db

ITEM_LIST = reverse("admin:roadmap_roadmapitem_changelist")
MODEL_LIST = reverse("admin:scoring_scoringmodel_changelist")


@pytest.fixture
def pm_client(client, product_user):
    client.force_login(product_user)
    return client


def item_page(item: Any) -> str:
    return reverse("admin:roadmap_roadmapitem_change", args=[item.pk])


def model_page(model: ScoringModel) -> str:
    return reverse("admin:scoring_scoringmodel_change", args=[model.pk])


def rows(response: Any) -> list[dict[str, str]]:
    """The item list as shown: one {title, score, position} per row, top to bottom."""
    page = response.content.decode()
    titles = re.findall(r'<th class="field-title"><a [^>]*>(.*?)</a></th>', page)
    scores = re.findall(r'<td class="field-current_score">(.*?)</td>', page)
    positions = re.findall(r'<td class="field-ranking_position">(.*?)</td>', page)
    assert len(titles) == len(scores) == len(positions)
    return [
        {"title": html.unescape(t), "score": html.unescape(s), "position": html.unescape(p)}
        for t, s, p in zip(titles, scores, positions, strict=True)
    ]


def sorted_by(column: str) -> dict[str, str]:
    return {"o": str(ScoredRoadmapItemAdmin.list_display.index(column) + 1)}


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_data(response: Any) -> dict[str, str]:
    """The POST body a browser sends back for the admin form as rendered."""
    data = {}
    for bound in response.context["adminform"].form:
        value = bound.value()  # already prepared: JSON fields give their JSON text
        data[bound.html_name] = "" if value is None else str(value)
    return data


# --- The item list ------------------------------------------------------------------------


@pytest.fixture
def scored_items():
    """Two ranked items, an unscored one, a shipped one (scored, never ranked), and one
    that was never computed at all."""
    items = {
        "Small win": RoadmapItemFactory(title="Small win", reach=100),
        "Big bet": RoadmapItemFactory(title="Big bet", reach=5000),
        "No effort yet": RoadmapItemFactory(title="No effort yet", effort=None),
        "Already shipped": RoadmapItemFactory(title="Already shipped", status="shipped"),
    }
    item_scores_recompute_all()
    items["Brand new"] = RoadmapItemFactory(title="Brand new")
    return items


def test_item_list_shows_each_items_score_and_live_position(pm_client, scored_items):
    response = pm_client.get(ITEM_LIST)

    assert response.status_code == 200
    by_title = {row["title"]: row for row in rows(response)}
    # Score = reach × impact 1 × confidence 0.8 / effort 2.
    assert by_title["Big bet"] == {"title": "Big bet", "score": "2,000", "position": "1"}
    assert by_title["Small win"] == {"title": "Small win", "score": "40", "position": "2"}
    assert by_title["Already shipped"] == {
        "title": "Already shipped",
        "score": "400",
        "position": "—",
    }
    assert by_title["No effort yet"]["score"] == by_title["No effort yet"]["position"] == "—"
    assert by_title["Brand new"]["score"] == by_title["Brand new"]["position"] == "—"


@pytest.mark.parametrize("column", ["current_score", "ranking_position"])
def test_sorting_by_score_or_position_puts_the_best_first_and_unscored_items_last(
    pm_client, scored_items, column
):
    response = pm_client.get(ITEM_LIST, sorted_by(column))

    titles = [row["title"] for row in rows(response)]
    assert titles[:3] == ["Big bet", "Already shipped", "Small win"]
    assert set(titles[3:]) == {"No effort yet", "Brand new"}


def test_the_position_column_costs_one_query_per_page_whatever_the_number_of_items(pm_client):
    def queries_for_a_list_of(count: int) -> int:
        RoadmapItemFactory.create_batch(count - RoadmapItem.objects.count())
        item_scores_recompute_all()
        with CaptureQueriesContext(connection) as queries:
            response = pm_client.get(ITEM_LIST)
        shown = rows(response)
        assert len(shown) == count
        assert {row["position"] for row in shown} == {str(n) for n in range(1, count + 1)}
        return len(queries)

    five = queries_for_a_list_of(5)
    thirty = queries_for_a_list_of(30)

    assert thirty == five


def test_the_recompute_action_rescores_the_selected_items_only(pm_client):
    chosen, other = RoadmapItemFactory(reach=1000), RoadmapItemFactory(reach=1000)
    item_scores_recompute_all()
    RoadmapItem.objects.filter(pk=chosen.pk).update(
        reach=3000
    )  # behind scoring's back: no dirty mark

    response = pm_client.post(
        ITEM_LIST, {"action": "recompute_scores", "index": "0", "_selected_action": [chosen.pk]}
    )

    assert response.status_code == 302
    assert ItemScore.objects.get(item=chosen).score == pytest.approx(1200)
    assert ItemScore.objects.get(item=other).score == pytest.approx(400)
    assert messages_of(response) == ["Recomputed 1 item (1 scored)."]


# --- The item page ------------------------------------------------------------------------


@pytest.fixture
def explained_item():
    """The worked example of SCORING.md, scored at `now`."""
    now = timezone.now()
    item = RoadmapItemFactory(reach=2000, impact=1, confidence=0.8, effort=2)
    report = FrictionReportFactory(
        campaign="Enterprise webinars",
        title="SSO step stalls trials",
        affected_people=1000,
        severity=2,
        observed_at=now - timedelta(days=90),
    )
    ReportLinkFactory(item=item, report=report)
    signals = [
        MarketSignalFactory(title="Globex asks for SAML", observed_at=now),
        MarketSignalFactory(title="<script>alert('x')</script>", observed_at=now),
    ]
    for signal in signals:
        SignalLinkFactory(item=item, signal=signal)
    item_scores_recompute(item_ids=[item.pk], now=now)
    return {"item": item, "report": report, "signals": signals, "now": now}


def test_item_page_explains_the_score_factor_by_factor(pm_client, explained_item):
    response = pm_client.get(item_page(explained_item["item"]))

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Score explanation" in page
    assert 'title="786.8877506519407">786.9</span>' in page
    assert "#1 in the live ranking" in page
    assert "v1" in page
    for row in (
        ["Reach", "1,250", "product 2,000 · marketing 500"],
        ["Impact", "1.5", "product 1 · marketing 2"],
        ["Confidence", "0.8393", "product C₀ 0.8 · evidence E_v 2.5"],
        ["Effort", "2", "estimate 2"],
    ):
        assert "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" in re.sub(
            r">\s+<", "><", page
        )


def test_item_page_links_each_top_contributor_to_its_admin_page(pm_client, explained_item):
    response = pm_client.get(item_page(explained_item["item"]))

    page = response.content.decode()
    report = explained_item["report"]
    report_url = reverse("admin:signals_frictionreport_change", args=[report.pk])
    assert f'<a href="{report_url}">SSO step stalls trials</a>' in page
    for signal in explained_item["signals"]:
        assert reverse("admin:signals_marketsignal_change", args=[signal.pk]) in page
    assert "Globex asks for SAML" in page
    assert page.count("50.0%") == 2  # the two signals share the signal evidence
    assert "100.0%" in page


def test_item_page_escapes_the_titles_it_shows(pm_client, explained_item):
    page = pm_client.get(item_page(explained_item["item"])).content.decode()

    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(" in page


def test_item_page_shows_the_last_scores_of_the_item(pm_client, explained_item):
    item = explained_item["item"]
    RoadmapItem.objects.filter(pk=item.pk).update(effort=4)
    item_scores_recompute(item_ids=[item.pk], now=explained_item["now"] + timedelta(seconds=1))

    page = pm_client.get(item_page(item)).content.decode()

    history = page.split("History (last 10)")[1]
    assert history.index("<td>393.4</td>") < history.index("<td>786.9</td>")


def test_item_page_lists_what_an_unscored_item_is_missing(pm_client):
    item = RoadmapItemFactory(reach=None, effort=None)
    item_scores_recompute(item_ids=[item.pk])

    page = pm_client.get(item_page(item)).content.decode()

    assert "Unscored: missing reach, effort." in page
    assert "— (not in the live ranking)" in page


def test_item_page_says_when_the_score_is_about_to_change(pm_client):
    item = RoadmapItemFactory()
    item_scores_recompute(item_ids=[item.pk])
    notice = "inputs changed; the score will be recomputed shortly"
    assert notice not in pm_client.get(item_page(item)).content.decode()

    items_mark_dirty(item_ids=[item.pk])

    assert notice in pm_client.get(item_page(item)).content.decode()


def test_item_page_of_an_item_never_scored_says_so(pm_client):
    item = RoadmapItemFactory()

    response = pm_client.get(item_page(item))

    assert response.status_code == 200
    assert "Not scored yet." in response.content.decode()


def test_item_add_page_has_no_score_panel(pm_client):
    response = pm_client.get(reverse("admin:roadmap_roadmapitem_add"))

    assert response.status_code == 200
    assert "Score explanation" not in response.content.decode()


# --- Scoring model versions ---------------------------------------------------------------


def params_of(model: ScoringModel) -> dict[str, Any]:
    return {name: getattr(model, name) for name in (*MODEL_PARAM_FIELDS, "note", "version")}


def test_saving_a_version_in_the_admin_creates_the_next_one_and_leaves_it_unchanged(
    pm_client, product_user
):
    items = RoadmapItemFactory.create_batch(2)
    v1 = ScoringModel.objects.get(is_active=True)
    before = params_of(v1)
    data = form_data(pm_client.get(model_page(v1)))
    data |= {"product_weight": "0.7", "note": "Marketing measures better than we guess"}

    response = pm_client.post(model_page(v1), data)

    v2 = ScoringModel.objects.get(version=v1.version + 1)
    assert response.status_code == 302
    assert response["Location"] == model_page(v2)
    assert (v2.product_weight, v2.is_active, v2.created_by) == (0.7, True, product_user)
    assert v2.note == "Marketing measures better than we guess"
    assert v2.kind_weights == v1.kind_weights
    v1.refresh_from_db()
    assert params_of(v1) == before
    assert not v1.is_active
    assert set(DirtyItem.objects.values_list("item_id", flat=True)) == {i.pk for i in items}
    logged = LogEntry.objects.get()
    assert (logged.object_id, logged.action_flag) == (str(v2.pk), ADDITION)
    assert messages_of(response) == [
        f"Created version {v2.version} and made it active; every item will be rescored shortly."
    ]


def test_the_add_page_starts_from_the_active_version_and_creates_a_new_one(pm_client):
    active = scoring_model_create_version(params={"half_life_days": 30.0})
    add_page = reverse("admin:scoring_scoringmodel_add")
    data = form_data(pm_client.get(add_page))
    assert data["half_life_days"] == "30.0"
    data["evidence_gain"] = "0.25"

    response = pm_client.post(add_page, data)

    created = ScoringModel.objects.get(version=active.version + 1)
    assert response["Location"] == model_page(created)
    assert (created.half_life_days, created.evidence_gain, created.is_active) == (30, 0.25, True)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("product_weight", "1.5", "must be between 0 and 1"),
        ("kind_weights", '{"rumour": 1}', "unknown signal kind 'rumour'"),
        ("segment_weights", '["not", "a", "mapping"]', "Must be an object"),
    ],
)
def test_invalid_parameters_rerender_the_form_with_errors_and_create_nothing(
    pm_client, field, value, error
):
    RoadmapItemFactory()
    v1 = ScoringModel.objects.get(is_active=True)
    data = form_data(pm_client.get(model_page(v1))) | {field: value}

    response = pm_client.post(model_page(v1), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert error in " ".join(form.errors[field])
    assert ScoringModel.objects.count() == 1
    assert not DirtyItem.objects.exists()


def test_the_activate_action_switches_the_active_version_and_marks_items_dirty(pm_client):
    item = RoadmapItemFactory()
    v1 = ScoringModel.objects.get(is_active=True)
    v2 = scoring_model_create_version(params={"product_weight": 0.9})
    DirtyItem.objects.all().delete()

    response = pm_client.post(
        MODEL_LIST, {"action": "activate_version", "index": "0", "_selected_action": [v1.pk]}
    )

    assert response.status_code == 302
    assert ScoringModel.objects.get(is_active=True) == v1
    v2.refresh_from_db()
    assert not v2.is_active
    assert DirtyItem.objects.filter(item=item).exists()
    assert messages_of(response) == [
        f"Activated version {v1.version}; every item will be rescored shortly."
    ]


def test_the_activate_action_refuses_more_than_one_version(pm_client):
    v1 = ScoringModel.objects.get(is_active=True)
    v2 = scoring_model_create_version(params={"product_weight": 0.9})

    response = pm_client.post(
        MODEL_LIST,
        {"action": "activate_version", "index": "0", "_selected_action": [v1.pk, v2.pk]},
    )

    assert ScoringModel.objects.get(is_active=True) == v2
    assert messages_of(response) == ["Select exactly one version to activate."]


def test_recompute_all_scores_runs_without_selecting_a_version(pm_client):
    items = RoadmapItemFactory.create_batch(3)

    response = pm_client.post(MODEL_LIST, {"action": "recompute_all_scores", "index": "0"})

    assert response.status_code == 302
    assert set(ItemScore.objects.values_list("item_id", flat=True)) == {i.pk for i in items}
    assert messages_of(response)[0].startswith("Recomputed 3 items (3 scored)")


def test_the_version_list_shows_every_version_with_its_parameters(pm_client, product_user):
    scoring_model_create_version(
        params={"segment_weights": {"enterprise": 2.0}},
        note="Enterprise first",
        created_by=product_user,
    )

    response = pm_client.get(MODEL_LIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Enterprise first" in page
    assert "&quot;enterprise&quot;: 2.0" in page
    assert product_user.username in page
    assert [str(m) for m in response.context["cl"].result_list] == ["v2 (active)", "v1"]


def test_versions_cannot_be_deleted(pm_client):
    v1 = ScoringModel.objects.get(is_active=True)

    response = pm_client.get(reverse("admin:scoring_scoringmodel_delete", args=[v1.pk]))

    assert response.status_code == 403
    assert ScoringModel.objects.filter(pk=v1.pk).exists()


def test_marketing_may_not_create_a_scoring_version_in_the_admin(client):
    client.force_login(staff_user("marketer-staff", "marketing", "scoring"))
    active = ScoringModel.objects.get(is_active=True)

    added = client.post(reverse("admin:scoring_scoringmodel_add"), {"note": "x"})
    changed = client.post(model_page(active), {"note": "x"})

    assert (added.status_code, changed.status_code) == (403, 403)
    assert ScoringModel.objects.count() == 1
