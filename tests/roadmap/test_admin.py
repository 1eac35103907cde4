"""The roadmap admin: list pages and their filters, the item page, actions, history."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from roadmap.models import DirtyItem, LaunchPlan, RoadmapItem
from roadmap.services import item_update
from scoring.models import ItemScore
from scoring.services import item_scores_recompute, item_scores_recompute_dirty
from tests.support.admin import admin_form_data, form_errors, staff_user
from tests.support.factories import (
    FrictionReportFactory,
    LaunchPlanFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SegmentFactory,
    SignalLinkFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST_QUERY_BUDGET = 12


def changelist(model_name: str) -> str:
    return reverse(f"admin:roadmap_{model_name}_changelist")


def listed(response: Any) -> set[str]:
    return {str(obj) for obj in response.context["cl"].result_list}


@pytest.fixture
def pm_client(client, product_user):
    client.force_login(product_user)
    return client


def test_theme_list_shows_how_many_items_each_theme_has(pm_client):
    busy, quiet = ThemeFactory(name="Collaboration"), ThemeFactory(name="Reporting")
    RoadmapItemFactory.create_batch(3, theme=busy)

    response = pm_client.get(changelist("theme"))

    assert response.status_code == 200
    counts = {theme.name: theme.item_count for theme in response.context["cl"].result_list}
    assert counts == {busy.name: 3, quiet.name: 0}


def test_theme_list_counts_items_in_one_query_whatever_the_number_of_themes(
    pm_client, django_assert_max_num_queries
):
    for theme in ThemeFactory.create_batch(30):
        RoadmapItemFactory(theme=theme)

    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = pm_client.get(changelist("theme"))

    assert response.status_code == 200


def test_segment_list_and_add_page_render_with_the_slug_prepopulated_from_the_name(pm_client):
    SegmentFactory(slug="enterprise")

    assert pm_client.get(changelist("segment")).status_code == 200
    add_page = pm_client.get(reverse("admin:roadmap_segment_add"))
    assert add_page.status_code == 200
    prepopulated = add_page.context["prepopulated_fields_json"]
    assert '"#id_slug"' in prepopulated
    assert '"dependency_list": ["name"]' in prepopulated


@pytest.fixture
def catalogue(product_user):
    """Four items that each custom filter tells apart."""
    theme = ThemeFactory(name="Enterprise readiness")
    segment = SegmentFactory(slug="enterprise")
    sso = RoadmapItemFactory(
        title="SSO with SAML", status="planned", theme=theme, owner=product_user, jira_key="ROAD-1"
    )
    sso.segments.add(segment)
    RoadmapItemFactory(title="Audit log export", jira_key="ROAD-2", reach=None)
    RoadmapItemFactory(title="Slack integration", impact=None, effort=None)
    RoadmapItemFactory(title="Template gallery", status="shipped")
    return {"theme": theme, "segment": segment, "owner": product_user}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"has_jira_key": "yes"}, {"SSO with SAML", "Audit log export"}),
        ({"has_jira_key": "no"}, {"Slack integration", "Template gallery"}),
        ({"missing_estimates": "yes"}, {"Audit log export", "Slack integration"}),
        ({"missing_estimates": "no"}, {"SSO with SAML", "Template gallery"}),
        ({"status__exact": "shipped"}, {"Template gallery"}),
    ],
)
def test_item_list_filters_narrow_the_list(pm_client, catalogue, query, expected):
    response = pm_client.get(changelist("roadmapitem"), query)

    assert response.status_code == 200
    assert listed(response) == expected


@pytest.mark.parametrize(
    ("param", "key"),
    [
        ("theme__id__exact", "theme"),
        ("owner__id__exact", "owner"),
        ("segments__id__exact", "segment"),
    ],
)
def test_item_list_filters_by_theme_owner_and_segment(pm_client, catalogue, param, key):
    response = pm_client.get(changelist("roadmapitem"), {param: catalogue[key].pk})

    assert response.status_code == 200
    assert listed(response) == {"SSO with SAML"}


def test_item_list_search_finds_items_by_jira_key(pm_client, catalogue):
    response = pm_client.get(changelist("roadmapitem"), {"q": "ROAD-2"})

    assert listed(response) == {"Audit log export"}


def test_item_list_stays_within_its_query_budget_over_30_items(
    pm_client, django_assert_max_num_queries
):
    segments = SegmentFactory.create_batch(3)
    themes = ThemeFactory.create_batch(3)
    owners = UserFactory.create_batch(3)
    for n in range(30):
        item = RoadmapItemFactory(theme=themes[n % 3], owner=owners[n % 3])
        item.segments.set(segments[: n % 3 + 1])

    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = pm_client.get(changelist("roadmapitem"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30


def test_item_page_shows_the_linked_signals_and_reports(pm_client):
    item = RoadmapItemFactory(title="SSO with SAML")
    SignalLinkFactory(
        item=item,
        signal=MarketSignalFactory(title="Globex asks for SAML", kind="churn_reason"),
        weight=0.8,
    )
    ReportLinkFactory(item=item, report=FrictionReportFactory(campaign="Enterprise webinars"))

    response = pm_client.get(reverse("admin:roadmap_roadmapitem_change", args=[item.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Globex asks for SAML" in page
    assert "Churn reason" in page
    assert "Enterprise webinars" in page
    assert "Open" in page


def test_saving_an_item_in_the_admin_bumps_its_version_and_marks_it_dirty(pm_client):
    item = RoadmapItemFactory(reach=1000.0)
    SignalLinkFactory(item=item)
    url = reverse("admin:roadmap_roadmapitem_change", args=[item.pk])
    data = admin_form_data(pm_client.get(url))
    data["reach"] = "2500"

    response = pm_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    item.refresh_from_db()
    assert item.reach == 2500
    assert item.version == 2
    assert DirtyItem.objects.filter(item=item).exists()


def test_adding_an_item_in_the_admin_marks_it_dirty(pm_client):
    data = {
        "title": "Guided onboarding checklist",
        "status": "candidate",
        "confidence": "0.8",
    }
    # The launch plan inline, and the two link inlines (their FK has no related name).
    for prefix in ("launch_plan", "-1", "-2"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}

    response = pm_client.post(reverse("admin:roadmap_roadmapitem_add"), data)

    assert response.status_code == 302
    item = RoadmapItem.objects.get(title="Guided onboarding checklist")
    assert item.version == 1
    assert DirtyItem.objects.filter(item=item).exists()


def test_the_item_list_offers_one_status_action_per_status(pm_client):
    response = pm_client.get(changelist("roadmapitem"))

    labels = {label for _, label in response.context["action_form"].fields["action"].choices}
    for status in ("candidate", "planned", "in progress", "shipped", "archived"):
        assert f"Mark selected as {status}" in labels


def test_bulk_status_action_changes_status_and_records_the_user_in_history(pm_client, product_user):
    chosen = RoadmapItemFactory.create_batch(2, status="candidate")
    already = RoadmapItemFactory(status="planned")
    untouched = RoadmapItemFactory(status="candidate")

    response = pm_client.post(
        changelist("roadmapitem"),
        {"action": "mark_planned", "_selected_action": [i.pk for i in [*chosen, already]]},
    )

    assert response.status_code == 302
    for item in chosen:
        item.refresh_from_db()
        assert item.status == "planned"
        assert item.version == 2
        latest = item.history.latest()
        assert latest.history_user == product_user
        assert latest.history_type == "~"
    untouched.refresh_from_db()
    assert untouched.status == "candidate"
    assert set(DirtyItem.objects.values_list("item_id", flat=True)) == {i.pk for i in chosen}
    message = str(next(iter(get_messages(response.wsgi_request))))
    assert message == "Marked 2 items as planned (1 already were)."


def test_history_page_of_an_item_shows_who_changed_it_and_what(pm_client, product_user):
    item = RoadmapItemFactory(status="candidate")
    pm_client.post(
        changelist("roadmapitem"), {"action": "mark_in_progress", "_selected_action": [item.pk]}
    )

    response = pm_client.get(reverse("admin:roadmap_roadmapitem_history", args=[item.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert product_user.username in page
    assert "status set to in_progress" in page


# --- Writes go through the services --------------------------------------------------------


def test_saving_an_item_in_the_admin_marks_it_dirty_and_its_score_recomputes(pm_client):
    item = RoadmapItemFactory(reach=1000.0)
    item_scores_recompute(item_ids=[item.pk])
    before = ItemScore.objects.get(item=item).score
    url = reverse("admin:roadmap_roadmapitem_change", args=[item.pk])
    data = admin_form_data(pm_client.get(url)) | {"reach": "4000"}

    response = pm_client.post(url, data)

    assert response.status_code == 302
    assert DirtyItem.objects.filter(item=item).exists()
    item_scores_recompute_dirty()
    assert ItemScore.objects.get(item=item).score == pytest.approx(4 * before)
    assert not DirtyItem.objects.filter(item=item).exists()


def test_an_item_saved_in_the_admin_records_the_admin_user_in_its_history(pm_client, product_user):
    item = RoadmapItemFactory(title="Old title")
    url = reverse("admin:roadmap_roadmapitem_change", args=[item.pk])
    data = admin_form_data(pm_client.get(url)) | {"title": "New title"}

    pm_client.post(url, data)

    latest = item.history.latest()
    assert (latest.title, latest.history_user, latest.history_type) == (
        "New title",
        product_user,
        "~",
    )


def test_saving_an_item_changed_since_the_form_was_read_is_refused_as_a_conflict(pm_client):
    item = RoadmapItemFactory(reach=1000.0)
    url = reverse("admin:roadmap_roadmapitem_change", args=[item.pk])
    data = admin_form_data(pm_client.get(url)) | {"reach": "2000"}
    # Meanwhile, an API client changes the item (version 1 → 2).
    item_update(item=item, data={"reach": 3000.0}, expected_version=1)

    response = pm_client.post(url, data)

    assert response.status_code == 200
    assert "Someone changed this item" in form_errors(response)
    item.refresh_from_db()
    assert (item.reach, item.version) == (3000.0, 2)


def test_a_launch_plan_added_on_the_item_page_goes_through_the_service(pm_client, product_user):
    item = RoadmapItemFactory(status="planned")
    url = reverse("admin:roadmap_roadmapitem_change", args=[item.pk])
    data = admin_form_data(pm_client.get(url))
    data |= {
        "launch_plan-TOTAL_FORMS": "1",
        "launch_plan-0-status": "planned",
        "launch_plan-0-value_proposition": "Sign in once.",
        "launch_plan-0-channels": ["email"],
    }

    response = pm_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    plan = LaunchPlan.objects.get(item=item)
    assert plan.channels == ["email"]
    assert plan.history.latest().history_user == product_user


def test_renaming_a_segment_slug_in_the_admin_rescores_every_item(pm_client):
    segment = SegmentFactory(slug="smb", name="SMB")
    items = RoadmapItemFactory.create_batch(2)
    url = reverse("admin:roadmap_segment_change", args=[segment.pk])

    response = pm_client.post(url, {"slug": "small-business", "name": "SMB"})

    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.slug == "small-business"
    assert set(DirtyItem.objects.values_list("item_id", flat=True)) == {i.pk for i in items}


def test_deleting_an_item_in_the_admin_deletes_it(pm_client):
    item = RoadmapItemFactory()

    response = pm_client.post(
        reverse("admin:roadmap_roadmapitem_delete", args=[item.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not RoadmapItem.objects.filter(pk=item.pk).exists()


def test_marketing_may_not_change_items_in_the_admin_but_may_change_launch_plans(client):
    marketer = staff_user("marketer-staff", "marketing", "roadmap")
    client.force_login(marketer)
    item = RoadmapItemFactory(title="Kept", status="planned")
    plan = LaunchPlanFactory(item=item)
    item_url = reverse("admin:roadmap_roadmapitem_change", args=[item.pk])

    refused = client.post(item_url, {"title": "Changed"})
    page = client.get(reverse("admin:roadmap_launchplan_change", args=[plan.pk]))
    data = admin_form_data(page) | {"value_proposition": "Changed by marketing."}
    accepted = client.post(reverse("admin:roadmap_launchplan_change", args=[plan.pk]), data)

    assert refused.status_code == 403
    item.refresh_from_db()
    assert item.title == "Kept"
    assert accepted.status_code == 302, accepted.context["adminform"].form.errors
    plan.refresh_from_db()
    assert plan.value_proposition == "Changed by marketing."
