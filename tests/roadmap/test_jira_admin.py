"""The Jira pieces of the admin (roadmap.jira.admin): the item list's "Jira key not found"
filter, and the flag cleared when the key is corrected in the admin (issue 18, item 16)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from roadmap.models import RoadmapItem
from tests.support.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db

ITEMS = reverse("admin:roadmap_roadmapitem_changelist")


@pytest.fixture
def pm_client(client, product_user):
    client.force_login(product_user)
    return client


def test_the_item_list_filters_items_whose_jira_key_was_not_found(pm_client):
    gone = RoadmapItemFactory(title="Gone", jira_key="PM-1", jira_key_missing_since=timezone.now())
    RoadmapItemFactory(title="Fine", jira_key="PM-2")
    RoadmapItemFactory(title="Unkeyed", jira_key="")

    flagged = pm_client.get(ITEMS, {"jira_key_not_found": "yes"})
    others = pm_client.get(ITEMS, {"jira_key_not_found": "no"})

    assert [item.title for item in flagged.context["cl"].result_list] == [gone.title]
    assert {item.title for item in others.context["cl"].result_list} == {"Fine", "Unkeyed"}
    titles = {spec.title for spec in flagged.context["cl"].filter_specs}
    assert "Jira key not found" in titles


def test_correcting_the_key_in_the_admin_clears_the_flag(pm_client):
    item = RoadmapItemFactory(jira_key="PM-1", jira_key_missing_since=timezone.now())
    page = pm_client.get(reverse("admin:roadmap_roadmapitem_change", args=[item.pk]))
    assert "Jira key not found since" in page.content.decode()
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    data.update({"jira_key": "PM-11", "segments": []})
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial) or 0

    response = pm_client.post(
        reverse("admin:roadmap_roadmapitem_change", args=[item.pk]),
        {key: value for key, value in data.items() if value != []},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    item.refresh_from_db()
    assert (item.jira_key, item.jira_key_missing_since) == ("PM-11", None)


def test_the_item_admin_lets_product_try_a_flagged_key_again(pm_client):
    flagged = RoadmapItemFactory(jira_key="PM-1", jira_key_missing_since=timezone.now())
    other = RoadmapItemFactory(jira_key="PM-2", jira_key_missing_since=timezone.now())

    pm_client.post(ITEMS, {"action": "jira_key_retry", "_selected_action": [flagged.pk]})

    flagged.refresh_from_db()
    other.refresh_from_db()
    assert flagged.jira_key_missing_since is None
    assert other.jira_key_missing_since is not None
    assert RoadmapItem.objects.filter(jira_key_missing_since__isnull=False).count() == 1
