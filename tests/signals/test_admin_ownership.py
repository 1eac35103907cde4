"""Evidence ownership in the admin (issue 18.1): marketing changes only the signals,
reports and outcomes it submitted, as in the API; `submitted_by` is never editable."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from signals.models import FrictionReport, MarketSignal, Outcome
from tests.support.admin import admin_form_data, messages_of, staff_user
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    OutcomeFactory,
    RoadmapItemFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer(db):
    return staff_user("marketer-staff", "marketing", "signals")


@pytest.fixture
def colleague(db):
    return staff_user("marketer-colleague", "marketing", "signals")


@pytest.fixture
def marketer_client(client, marketer):
    client.force_login(marketer)
    return client


def change_url(obj: Any) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def changelist(model: type) -> str:
    return reverse(f"admin:signals_{model._meta.model_name}_changelist")


# --- Change forms ---------------------------------------------------------------------------


def test_marketing_cannot_change_another_users_signal_through_the_change_form(
    marketer_client, colleague
):
    signal = MarketSignalFactory(title="Globex asks for SSO", submitted_by=colleague)
    page = marketer_client.get(change_url(signal))
    assert page.status_code == 200  # read, as in the API
    assert "adminform" not in page.context or not page.context["has_change_permission"]
    data = {
        "kind": signal.kind,
        "title": "Changed by someone else",
        "observed_at_0": signal.observed_at.date().isoformat(),
        "observed_at_1": "09:30:00",
        "source": signal.source,
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
    }

    response = marketer_client.post(change_url(signal), data)

    assert response.status_code == 403
    signal.refresh_from_db()
    assert signal.title == "Globex asks for SSO"
    assert signal.submitted_by == colleague


@pytest.mark.parametrize("factory", [FrictionReportFactory, OutcomeFactory])
def test_marketing_cannot_change_another_users_report_or_outcome(
    marketer_client, colleague, factory
):
    record = factory(submitted_by=colleague)
    before = type(record).objects.filter(pk=record.pk).values().get()

    response = marketer_client.post(change_url(record), {"source": "manual"})

    assert response.status_code == 403
    assert type(record).objects.filter(pk=record.pk).values().get() == before


def test_marketing_changes_its_own_signal_but_cannot_reassign_who_submitted_it(
    marketer_client, marketer, colleague
):
    signal = MarketSignalFactory(title="Initech asks for SCIM", submitted_by=marketer)
    data = admin_form_data(marketer_client.get(change_url(signal)))
    data["title"] = "Initech asks for SCIM provisioning"
    data["submitted_by"] = str(colleague.pk)

    response = marketer_client.post(change_url(signal), data)

    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.title == "Initech asks for SCIM provisioning"
    assert signal.submitted_by == marketer


def test_adding_evidence_in_the_admin_records_the_user_whatever_the_form_says(
    marketer_client, marketer, colleague
):
    response = marketer_client.post(
        reverse("admin:signals_marketsignal_add"),
        {
            "kind": "customer_request",
            "title": "Hooli asks for audit logs",
            "observed_at_0": timezone.now().date().isoformat(),
            "observed_at_1": "09:30:00",
            "source": "manual",
            "submitted_by": str(colleague.pk),
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert MarketSignal.objects.get(title="Hooli asks for audit logs").submitted_by == marketer


def test_outcome_added_in_the_admin_is_the_marketing_teams_and_the_users(marketer_client, marketer):
    item = RoadmapItemFactory(status="shipped")
    today = timezone.localdate()

    response = marketer_client.post(
        reverse("admin:signals_outcome_add"),
        {
            "item": str(item.pk),
            "kpi": "activation_rate",
            "baseline": "0.3",
            "measured": "0.36",
            "period_start": (today - timezone.timedelta(days=30)).isoformat(),
            "period_end": today.isoformat(),
            "source": "manual",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    outcome = Outcome.objects.get(item=item)
    assert (outcome.submitted_by, outcome.team) == (marketer, "marketing")


def test_marketing_cannot_revert_another_users_signal_from_its_history(marketer_client, colleague):
    signal = MarketSignalFactory(title="First title", submitted_by=colleague)
    signal.title = "Second title"
    signal.save()
    first = signal.history.earliest()
    url = reverse("admin:signals_marketsignal_simple_history", args=[signal.pk, first.history_id])

    response = marketer_client.post(url, {"title": "First title"})

    assert response.status_code == 403
    signal.refresh_from_db()
    assert signal.title == "Second title"


# --- Deletion: product only, as in the API -------------------------------------------------


def test_marketing_cannot_delete_evidence_even_its_own(marketer_client, marketer):
    signal = MarketSignalFactory(submitted_by=marketer)
    url = reverse("admin:signals_marketsignal_delete", args=[signal.pk])

    response = marketer_client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert MarketSignal.objects.filter(pk=signal.pk).exists()
    listing = marketer_client.get(changelist(MarketSignal))
    actions = {name for name, _ in listing.context["action_form"].fields["action"].choices}
    assert "delete_selected" not in actions


# --- Bulk actions ----------------------------------------------------------------------------


def test_bulk_dismissing_others_signals_changes_nothing_of_theirs_and_says_so(
    marketer_client, marketer, colleague
):
    mine = MarketSignalFactory(submitted_by=marketer)
    theirs = MarketSignalFactory.create_batch(2, submitted_by=colleague)
    nobodys = MarketSignalFactory(submitted_by=None)

    response = marketer_client.post(
        changelist(MarketSignal),
        {
            "action": "dismiss_signals",
            "_selected_action": [s.pk for s in (mine, *theirs, nobodys)],
        },
    )

    assert response.status_code == 302
    dismissed = set(MarketSignal.objects.filter(dismissed=True).values_list("pk", flat=True))
    assert dismissed == {mine.pk}
    assert messages_of(response) == [
        (
            "warning",
            "Left 3 signals unchanged: you may change only the evidence you submitted.",
        ),
        ("success", "Dismissed 1 signal."),
    ]


def test_bulk_resolving_others_reports_changes_nothing_of_theirs(
    marketer_client, marketer, colleague
):
    mine = FrictionReportFactory(submitted_by=marketer)
    theirs = FrictionReportFactory(submitted_by=colleague)

    response = marketer_client.post(
        changelist(FrictionReport),
        {"action": "mark_addressed", "_selected_action": [mine.pk, theirs.pk]},
    )

    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("addressed", "open")
    assert (
        "warning",
        "Left 1 report unchanged: you may change only the evidence you submitted.",
    ) in messages_of(response)


def test_product_changes_anyones_evidence_in_the_admin(client, product_user, colleague):
    client.force_login(product_user)
    signal = MarketSignalFactory(submitted_by=colleague)

    response = client.post(
        changelist(MarketSignal), {"action": "dismiss_signals", "_selected_action": [signal.pk]}
    )

    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.dismissed
    assert signal.submitted_by == colleague
