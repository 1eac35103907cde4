"""The signals admin: list pages and filters, evidence pages, actions, dirty marks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from roadmap.models import DirtyItem
from signals.models import FrictionReport, MarketSignal, SignalLink
from signals.services import report_set_status
from tests.support.admin import admin_form_data, form_errors, messages_of
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SegmentFactory,
    SignalLinkFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST_QUERY_BUDGET = 12
# (age filter value, days ago of the one piece of evidence it should list)
AGE_BANDS = [("30", 10), ("90", 60), ("180", 120), ("365", 200), ("older", 400)]


def changelist(model_name: str) -> str:
    return reverse(f"admin:signals_{model_name}_changelist")


def listed(response: Any) -> set[str]:
    return {str(obj) for obj in response.context["cl"].result_list}


def dirty_item_ids() -> set[int]:
    return set(DirtyItem.objects.values_list("item_id", flat=True))


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def pm_client(client, product_user):
    client.force_login(product_user)
    return client


# --- Market signals -----------------------------------------------------------------------


@pytest.mark.parametrize(("age", "days"), AGE_BANDS)
def test_signal_age_filter_lists_only_signals_observed_in_that_band(pm_client, age, days):
    for other in (10, 60, 120, 200, 400):
        MarketSignalFactory(title=f"{other} days old", observed_at=days_ago(other))

    response = pm_client.get(changelist("marketsignal"), {"age": age})

    assert response.status_code == 200
    assert listed(response) == {f"{days} days old"}


@pytest.mark.parametrize(
    "query",
    [
        {"kind__exact": "churn_reason"},
        {"source__exact": "crm"},
        {"dismissed__exact": "1"},
        {"observed_at__year": str(timezone.now().year)},
        {"q": "Globex"},
    ],
)
def test_signal_list_filters_and_search_narrow_the_list(pm_client, query):
    MarketSignalFactory(
        title="Globex churned over SSO",
        kind="churn_reason",
        source="crm",
        dismissed=True,
        account_name="Globex",
    )
    MarketSignalFactory(title="Initech asks for exports", observed_at=days_ago(800))

    response = pm_client.get(changelist("marketsignal"), query)

    assert response.status_code == 200
    assert listed(response) == {"Globex churned over SSO"}


def test_signal_list_filters_by_segment(pm_client):
    enterprise = SegmentFactory(slug="enterprise")
    MarketSignalFactory(title="From an enterprise", segment=enterprise)
    MarketSignalFactory(title="From nobody in particular")

    response = pm_client.get(changelist("marketsignal"), {"segment__id__exact": enterprise.pk})

    assert listed(response) == {"From an enterprise"}


def test_signal_list_stays_within_its_query_budget_over_30_signals(
    pm_client, django_assert_max_num_queries
):
    for n in range(30):
        MarketSignalFactory(
            segment=SegmentFactory(), submitted_by=UserFactory(), observed_at=days_ago(n * 12)
        )

    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = pm_client.get(changelist("marketsignal"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30


def test_signal_page_shows_the_items_it_is_linked_to(pm_client):
    link = SignalLinkFactory(item=RoadmapItemFactory(title="SSO with SAML", status="planned"))

    response = pm_client.get(reverse("admin:signals_marketsignal_change", args=[link.signal_id]))

    assert response.status_code == 200
    assert "SSO with SAML" in response.content.decode()
    assert "Planned" in response.content.decode()


def test_relinking_a_signal_in_the_admin_marks_the_old_and_the_new_item_dirty(pm_client):
    old_item, new_item, bystander = RoadmapItemFactory.create_batch(3)
    link = SignalLinkFactory(item=old_item)
    SignalLinkFactory(item=bystander)
    url = reverse("admin:signals_marketsignal_change", args=[link.signal_id])
    data = admin_form_data(pm_client.get(url))
    data["links-0-item"] = str(new_item.pk)

    response = pm_client.post(url, data)

    assert response.status_code == 302
    assert list(SignalLink.objects.filter(signal=link.signal).values_list("item", flat=True)) == [
        new_item.pk
    ]
    assert dirty_item_ids() == {old_item.pk, new_item.pk}


def test_adding_a_signal_in_the_admin_records_who_submitted_it(pm_client, product_user):
    item = RoadmapItemFactory()
    now = timezone.now()

    response = pm_client.post(
        reverse("admin:signals_marketsignal_add"),
        {
            "kind": "customer_request",
            "title": "Globex asks for SSO",
            "observed_at_0": now.date().isoformat(),
            "observed_at_1": "09:30:00",
            "source": "manual",
            "links-TOTAL_FORMS": "1",
            "links-INITIAL_FORMS": "0",
            "links-0-item": str(item.pk),
            "links-0-weight": "0.8",
        },
    )

    assert response.status_code == 302
    signal = MarketSignal.objects.get(title="Globex asks for SSO")
    assert signal.submitted_by == product_user
    assert signal.history.latest().history_user == product_user
    assert dirty_item_ids() == {item.pk}


def test_deleting_a_signal_in_the_admin_marks_its_items_dirty(pm_client):
    link = SignalLinkFactory()

    response = pm_client.post(
        reverse("admin:signals_marketsignal_delete", args=[link.signal_id]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not MarketSignal.objects.exists()
    assert dirty_item_ids() == {link.item_id}


def test_deleting_selected_signals_marks_their_items_dirty(pm_client):
    links = SignalLinkFactory.create_batch(2)
    kept = SignalLinkFactory()

    response = pm_client.post(
        changelist("marketsignal"),
        {
            "action": "delete_selected",
            "_selected_action": [link.signal_id for link in links],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert list(MarketSignal.objects.all()) == [kept.signal]
    assert dirty_item_ids() == {link.item_id for link in links}


def test_dismissing_signals_flips_them_records_history_and_marks_items_dirty(
    pm_client, product_user
):
    links = SignalLinkFactory.create_batch(2)
    already = MarketSignalFactory(dismissed=True)
    bystander = SignalLinkFactory()

    response = pm_client.post(
        changelist("marketsignal"),
        {
            "action": "dismiss_signals",
            "_selected_action": [*(link.signal_id for link in links), already.pk],
        },
    )

    assert response.status_code == 302
    for link in links:
        link.signal.refresh_from_db()
        assert link.signal.dismissed
        latest = link.signal.history.latest()
        assert (latest.history_user, latest.dismissed) == (product_user, True)
    assert already.history.count() == 1  # unchanged, so no new history row
    bystander.signal.refresh_from_db()
    assert not bystander.signal.dismissed
    assert dirty_item_ids() == {link.item_id for link in links}
    assert messages_of(response) == [("success", "Dismissed 2 signals.")]


def test_restoring_signals_undismisses_them(pm_client):
    signal = MarketSignalFactory(dismissed=True)

    response = pm_client.post(
        changelist("marketsignal"), {"action": "restore_signals", "_selected_action": [signal.pk]}
    )

    signal.refresh_from_db()
    assert not signal.dismissed
    assert messages_of(response) == [("success", "Restored 1 signal.")]


# --- Friction reports ---------------------------------------------------------------------


@pytest.mark.parametrize(("age", "days"), AGE_BANDS)
def test_report_age_filter_lists_only_reports_observed_in_that_band(pm_client, age, days):
    for other in (10, 60, 120, 200, 400):
        FrictionReportFactory(campaign=f"{other} days old", observed_at=days_ago(other))

    response = pm_client.get(changelist("frictionreport"), {"age": age})

    assert response.status_code == 200
    assert {r.campaign for r in response.context["cl"].result_list} == {f"{days} days old"}


@pytest.mark.parametrize(
    "query",
    [
        {"channel__exact": "events"},
        {"funnel_stage__exact": "retention"},
        {"status__exact": "addressed"},
        {"source__exact": "hubspot"},
        {"q": "webinar"},
    ],
)
def test_report_list_filters_and_search_narrow_the_list(pm_client, query):
    FrictionReportFactory(
        campaign="Enterprise webinar series",
        channel="events",
        funnel_stage="retention",
        status="addressed",
        source="hubspot",
    )
    FrictionReportFactory(campaign="Spring trial push")

    response = pm_client.get(changelist("frictionreport"), query)

    assert response.status_code == 200
    assert {r.campaign for r in response.context["cl"].result_list} == {"Enterprise webinar series"}


def test_report_list_filters_by_segment(pm_client):
    education = SegmentFactory(slug="education")
    FrictionReportFactory(campaign="Back to school", segment=education)
    FrictionReportFactory(campaign="Spring trial push")

    response = pm_client.get(changelist("frictionreport"), {"segment__id__exact": education.pk})

    assert {r.campaign for r in response.context["cl"].result_list} == {"Back to school"}


def test_report_list_stays_within_its_query_budget_over_30_reports(
    pm_client, django_assert_max_num_queries
):
    for n in range(30):
        FrictionReportFactory(
            segment=SegmentFactory(), submitted_by=UserFactory(), observed_at=days_ago(n * 12 + 1)
        )

    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = pm_client.get(changelist("frictionreport"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30


def test_report_page_shows_the_items_it_is_linked_to(pm_client):
    link = ReportLinkFactory(item=RoadmapItemFactory(title="Guided onboarding checklist"))

    response = pm_client.get(reverse("admin:signals_frictionreport_change", args=[link.report_id]))

    assert response.status_code == 200
    assert "Guided onboarding checklist" in response.content.decode()


def test_editing_a_report_in_the_admin_marks_its_items_dirty(pm_client):
    link = ReportLinkFactory(report=FrictionReportFactory(affected_people=1000))
    url = reverse("admin:signals_frictionreport_change", args=[link.report_id])
    data = admin_form_data(pm_client.get(url))
    data["affected_people"] = "2400"

    response = pm_client.post(url, data)

    assert response.status_code == 302
    link.report.refresh_from_db()
    assert link.report.affected_people == 2400
    assert dirty_item_ids() == {link.item_id}


def test_deleting_a_report_in_the_admin_marks_its_items_dirty(pm_client):
    link = ReportLinkFactory()

    pm_client.post(
        reverse("admin:signals_frictionreport_delete", args=[link.report_id]), {"post": "yes"}
    )

    assert not FrictionReport.objects.exists()
    assert dirty_item_ids() == {link.item_id}


def test_marking_open_reports_addressed_resolves_them_and_marks_items_dirty(
    pm_client, product_user
):
    links = ReportLinkFactory.create_batch(2)

    response = pm_client.post(
        changelist("frictionreport"),
        {"action": "mark_addressed", "_selected_action": [link.report_id for link in links]},
    )

    for link in links:
        link.report.refresh_from_db()
        assert link.report.status == "addressed"
        assert link.report.history.latest().history_user == product_user
    assert dirty_item_ids() == {link.item_id for link in links}
    assert messages_of(response) == [("success", "Marked 2 reports as addressed.")]


def test_marking_a_resolved_report_dismissed_is_refused_with_a_warning(pm_client):
    open_report = FrictionReportFactory(campaign="Spring trial push")
    addressed = FrictionReportFactory(campaign="Enterprise webinars", status="addressed")

    response = pm_client.post(
        changelist("frictionreport"),
        {"action": "mark_dismissed", "_selected_action": [open_report.pk, addressed.pk]},
    )

    open_report.refresh_from_db()
    addressed.refresh_from_db()
    assert (open_report.status, addressed.status) == ("dismissed", "addressed")
    (success, warning) = messages_of(response)
    assert success == ("success", "Marked 1 report as dismissed.")
    assert warning[0] == "warning"
    assert "only open reports can be marked dismissed" in warning[1]
    assert "Enterprise webinars" in warning[1]


def test_history_page_of_a_report_shows_who_changed_it(pm_client, product_user):
    report = FrictionReportFactory()
    pm_client.post(
        changelist("frictionreport"), {"action": "mark_addressed", "_selected_action": [report.pk]}
    )

    response = pm_client.get(reverse("admin:signals_frictionreport_history", args=[report.pk]))

    assert response.status_code == 200
    assert product_user.username in response.content.decode()


# --- Writes go through the services --------------------------------------------------------


def test_reopening_a_resolved_report_in_the_admin_form_is_refused_with_a_form_error(pm_client):
    link = ReportLinkFactory(report=FrictionReportFactory(status="addressed", title="Old"))
    url = reverse("admin:signals_frictionreport_change", args=[link.report_id])
    data = admin_form_data(pm_client.get(url))
    data |= {"status": "open", "title": "New"}

    response = pm_client.post(url, data)

    assert response.status_code == 200  # the form again, with the reason
    assert "Invalid status change" in form_errors(response)
    assert response.context["adminform"].form["title"].value() == "New"  # input kept
    link.report.refresh_from_db()
    assert (link.report.status, link.report.title) == ("addressed", "Old")
    assert dirty_item_ids() == set()


def test_resolving_a_report_in_the_admin_form_follows_the_transition_and_marks_items_dirty(
    pm_client,
):
    link = ReportLinkFactory()
    url = reverse("admin:signals_frictionreport_change", args=[link.report_id])
    data = admin_form_data(pm_client.get(url)) | {"status": "dismissed"}

    response = pm_client.post(url, data)

    assert response.status_code == 302
    link.report.refresh_from_db()
    assert link.report.status == "dismissed"
    assert dirty_item_ids() == {link.item_id}


def test_a_taken_external_id_in_the_admin_is_a_form_error_and_writes_nothing(pm_client):
    MarketSignalFactory(source="salesforce", external_id="OPP-1")
    signal = MarketSignalFactory(source="salesforce", external_id="OPP-2", title="Kept")
    item = RoadmapItemFactory()
    url = reverse("admin:signals_marketsignal_change", args=[signal.pk])
    data = admin_form_data(pm_client.get(url))
    data |= {
        "external_id": "OPP-1",
        "title": "Not kept",
        "links-TOTAL_FORMS": "1",
        "links-0-item": str(item.pk),
        "links-0-weight": "1",
    }

    response = pm_client.post(url, data)

    assert response.status_code == 200
    # The form's own constraint check speaks first; the service's would say the same.
    assert "signal_source_external_id_unique" in form_errors(response)
    signal.refresh_from_db()
    assert (signal.external_id, signal.title) == ("OPP-2", "Kept")
    assert not SignalLink.objects.filter(signal=signal).exists()
    assert dirty_item_ids() == set()


def test_linking_an_item_on_the_signal_page_records_the_admin_user_in_the_links_history(
    pm_client, product_user
):
    signal, item = MarketSignalFactory(), RoadmapItemFactory()
    url = reverse("admin:signals_marketsignal_change", args=[signal.pk])
    data = admin_form_data(pm_client.get(url))
    data |= {"links-TOTAL_FORMS": "1", "links-0-item": str(item.pk), "links-0-weight": "0.5"}

    response = pm_client.post(url, data)

    assert response.status_code == 302
    link = SignalLink.objects.get(signal=signal)
    assert (link.item_id, link.weight) == (item.pk, 0.5)
    assert link.history.latest().history_user == product_user
    assert dirty_item_ids() == {item.pk}


def test_reverting_a_resolved_report_to_open_from_its_history_is_refused(pm_client):
    report = FrictionReportFactory(title="Signup drop")
    first = report.history.latest()
    report_set_status(report=report, status="addressed")
    url = reverse("admin:signals_frictionreport_simple_history", args=[report.pk, first.history_id])
    data = admin_form_data(pm_client.get(url))

    response = pm_client.post(url, data)

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "addressed"
    assert any("Invalid status change" in text for _, text in messages_of(response))
