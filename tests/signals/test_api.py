"""The signals API: market signals and friction reports, their links, their bulk upserts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from roadmap.models import DirtyItem
from signals import services
from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink
from tests.support.api import (
    API,
    api_client_for,
    assert_error,
    count_queries,
    error_fields,
    sqlite_real_variable_limit,
)
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SegmentFactory,
    SignalLinkFactory,
)

pytestmark = pytest.mark.django_db

SIGNALS = f"{API}/signals/"
REPORTS = f"{API}/friction-reports/"
LIST_QUERY_BUDGET = 6


def iso(when) -> str:
    return when.isoformat()


def an_hour_ago() -> str:
    return iso(timezone.now() - timedelta(hours=1))


def signal_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "customer_request",
        "title": "Wants SSO",
        "observed_at": an_hour_ago(),
        **overrides,
    }


def report_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "campaign": "Spring trial push",
        "channel": "paid_search",
        "funnel_stage": "activation",
        "affected_people": 2400,
        "severity": 2,
        "observed_at": an_hour_ago(),
        **overrides,
    }


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def dirty_item_ids() -> set[int]:
    return set(DirtyItem.objects.values_list("item_id", flat=True))


def post_raw(client, url: str, body: str, **extra: Any):
    return client.generic("POST", url, body.encode(), content_type="application/json", **extra)


@pytest.fixture
def pm(product_user):
    return api_client_for(product_user)


@pytest.fixture
def marketer(marketing_user):
    return api_client_for(marketing_user)


@pytest.fixture
def other_marketer(other_marketing_user):
    return api_client_for(other_marketing_user)


@pytest.fixture
def bot(integration_user):
    return api_client_for(integration_user)


# --- Create and read -----------------------------------------------------------------------


def test_marketing_submits_a_signal_linked_to_items(marketer, marketing_user):
    items = RoadmapItemFactory.create_batch(2)
    segment = SegmentFactory()
    response = marketer.post(
        SIGNALS,
        signal_payload(
            source="hubspot",
            external_id="deal-7",
            segment=segment.pk,
            account_name="Acme",
            account_value="12000.50",
            links=[{"item": items[0].pk, "weight": 0.5}, {"item": items[1].pk}],
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["submitted_by"] == marketing_user.pk
    assert body["dismissed"] is False
    assert sorted((link["item"], link["weight"]) for link in body["links"]) == sorted(
        [(items[0].pk, 0.5), (items[1].pk, 1.0)]
    )
    signal = MarketSignal.objects.get(pk=body["id"])
    assert signal.submitted_by == marketing_user
    assert signal.segment == segment
    assert dirty_item_ids() == {item.pk for item in items}
    assert signal.history.first().history_user == marketing_user
    assert SignalLink.history.filter(signal_id=signal.pk).count() == 2


def test_marketing_submits_a_friction_report(marketer, marketing_user):
    response = marketer.post(REPORTS, report_payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "open"
    assert body["severity"] == 2.0
    assert body["submitted_by"] == marketing_user.pk
    assert body["source"] == "manual"
    assert body["external_id"] == ""


def test_submitted_by_cannot_be_chosen_by_the_client(marketer, other_marketing_user):
    response = marketer.post(
        SIGNALS, signal_payload(submitted_by=other_marketing_user.pk), format="json"
    )
    assert error_fields(response) == {"submitted_by": ["Unknown field."]}


def test_integration_reads_evidence_but_cannot_write_it(bot):
    signal = MarketSignalFactory()
    report = FrictionReportFactory()
    assert bot.get(f"{SIGNALS}{signal.pk}/").status_code == 200
    assert bot.get(f"{REPORTS}{report.pk}/").status_code == 200
    assert_error(bot.post(SIGNALS, signal_payload(), format="json"), 403)
    assert_error(bot.post(REPORTS, report_payload(), format="json"), 403)
    assert_error(bot.patch(f"{SIGNALS}{signal.pk}/", {"title": "x"}, format="json"), 403)
    assert_error(bot.post(f"{SIGNALS}bulk/", {"records": [{}]}, format="json"), 403)


def test_an_anonymous_caller_gets_401_in_the_error_shape(client):
    assert_error(client.get(SIGNALS), 401)
    assert_error(client.post(REPORTS, report_payload(), content_type="application/json"), 401)


def test_a_second_record_with_the_same_source_and_external_id_answers_409_naming_it(marketer):
    first = marketer.post(SIGNALS, signal_payload(source="crm", external_id="x1"), format="json")
    again = marketer.post(SIGNALS, signal_payload(source="crm", external_id="x1"), format="json")
    error = assert_error(again, 409, "duplicate_external_id")
    assert f"id {first.json()['id']}" in error["message"]
    assert MarketSignal.objects.count() == 1


def test_changing_a_report_to_another_records_source_and_external_id_answers_409(pm):
    taken = FrictionReportFactory(source="ads", external_id="a")
    report = FrictionReportFactory(source="ads", external_id="b")
    response = pm.patch(f"{REPORTS}{report.pk}/", {"external_id": "a"}, format="json")
    assert f"id {taken.pk}" in assert_error(response, 409)["message"]


def test_records_without_an_external_id_may_share_a_source(marketer):
    for _ in range(2):
        assert (
            marketer.post(REPORTS, report_payload(source="sheet"), format="json").status_code == 201
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("observed_at", "2025-03-01T09:30:00"),  # no offset
        ("observed_at", "yesterday"),
        ("kind", "rumour"),
        ("title", "NUL\x00byte"),
        ("title", 12.5),
        ("segment", 999999),
        ("segment", True),
        ("account_value", -1),
        ("account_value", "1e400"),
        ("links", [{"item": 999999}]),
        ("links", [{"item": 1, "weight": 0}]),
        ("links", "all"),
        ("dismissed", True),
    ],
)
def test_an_invalid_signal_is_refused_with_400_naming_the_field(marketer, field, value):
    RoadmapItemFactory(pk=1)
    response = marketer.post(SIGNALS, signal_payload(**{field: value}), format="json")
    assert field in error_fields(response)
    assert not MarketSignal.objects.exists()


def test_an_observation_up_to_a_day_ahead_is_accepted_and_further_ahead_refused(marketer):
    now = timezone.now()
    ahead = signal_payload(observed_at=iso(now + timedelta(hours=23)))
    assert marketer.post(SIGNALS, ahead, format="json").status_code == 201
    too_far = signal_payload(observed_at=iso(now + timedelta(days=2)))
    assert "observed_at" in error_fields(marketer.post(SIGNALS, too_far, format="json"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("affected_people", 10**30),
        ("affected_people", -1),
        ("affected_people", "2400"),
        ("affected_people", 12.5),
        ("severity", 1.5),
        ("severity", None),
        ("channel", "tv"),
        ("funnel_stage", "delight"),
        ("metric_before", "high"),
        ("status", "addressed"),
    ],
)
def test_an_invalid_report_is_refused_with_400_naming_the_field(marketer, field, value):
    response = marketer.post(REPORTS, report_payload(**{field: value}), format="json")
    assert field in error_fields(response)
    assert not FrictionReport.objects.exists()


def test_numbers_too_large_for_a_double_are_refused_with_400(marketer):
    body = json.dumps(report_payload())[:-1] + ', "metric_before": 1e400, "metric_after": 1e400}'
    response = post_raw(marketer, REPORTS, body)
    assert set(error_fields(response)) == {"metric_before", "metric_after"}


def test_a_nul_byte_escaped_in_json_is_refused_with_400(marketer):
    body = json.dumps(report_payload(campaign="a\u0000b"))
    assert "campaign" in error_fields(post_raw(marketer, REPORTS, body))


def test_unknown_fields_are_refused_with_400(marketer):
    response = marketer.post(REPORTS, report_payload(priority="high"), format="json")
    assert error_fields(response) == {"priority": ["Unknown field."]}


def test_a_link_to_the_same_item_twice_is_refused(marketer):
    item = RoadmapItemFactory()
    links = [{"item": item.pk, "weight": 0.5}, {"item": item.pk, "weight": 1}]
    response = marketer.post(SIGNALS, signal_payload(links=links), format="json")
    assert "links" in error_fields(response)


# --- Who changes what -----------------------------------------------------------------------


def test_marketing_edits_its_own_report(marketer, marketing_user):
    report = FrictionReportFactory(submitted_by=marketing_user)
    response = marketer.patch(f"{REPORTS}{report.pk}/", {"affected_people": 3000}, format="json")
    assert response.status_code == 200, response.json()
    report.refresh_from_db()
    assert report.affected_people == 3000


def test_marketing_cannot_edit_a_report_someone_else_submitted(marketer, other_marketing_user):
    report = FrictionReportFactory(submitted_by=other_marketing_user, affected_people=10)
    response = marketer.patch(f"{REPORTS}{report.pk}/", {"affected_people": 3000}, format="json")
    assert_error(response, 403, "permission_denied")
    report.refresh_from_db()
    assert report.affected_people == 10


def test_product_edits_anyones_signal(pm, marketing_user):
    signal = MarketSignalFactory(submitted_by=marketing_user)
    response = pm.patch(f"{SIGNALS}{signal.pk}/", {"title": "Clarified"}, format="json")
    assert response.status_code == 200


def test_updating_a_signal_rescores_its_linked_items(marketer, marketing_user):
    link = SignalLinkFactory(signal=MarketSignalFactory(submitted_by=marketing_user))
    marketer.patch(f"{SIGNALS}{link.signal_id}/", {"kind": "churn_reason"}, format="json")
    assert dirty_item_ids() == {link.item_id}


def test_links_sent_on_update_replace_the_old_ones_and_rescore_both(marketer, marketing_user):
    report = FrictionReportFactory(submitted_by=marketing_user)
    old = ReportLinkFactory(report=report)
    kept = ReportLinkFactory(report=report, weight=1.0)
    new = RoadmapItemFactory()
    links = [{"item": kept.item_id, "weight": 0.25}, {"item": new.pk, "weight": 0.5}]
    response = marketer.patch(f"{REPORTS}{report.pk}/", {"links": links}, format="json")
    assert response.status_code == 200, response.json()
    assert dict(report.links.values_list("item_id", "weight")) == {
        kept.item_id: 0.25,
        new.pk: 0.5,
    }
    assert dirty_item_ids() == {old.item_id, kept.item_id, new.pk}
    assert ReportLink.history.filter(item_id=old.item_id, history_type="-").exists()


def test_marketing_cannot_delete_even_its_own_evidence(marketer, marketing_user):
    signal = MarketSignalFactory(submitted_by=marketing_user)
    assert_error(marketer.delete(f"{SIGNALS}{signal.pk}/"), 403)
    assert MarketSignal.objects.filter(pk=signal.pk).exists()


def test_product_deletes_a_report_and_its_items_are_rescored(pm):
    link = ReportLinkFactory()
    assert pm.delete(f"{REPORTS}{link.report_id}/").status_code == 204
    assert not FrictionReport.objects.exists()
    assert dirty_item_ids() == {link.item_id}


# --- Report status, dismiss and restore ------------------------------------------------------


def test_a_report_is_addressed_once_and_asking_again_changes_nothing(marketer, marketing_user):
    link = ReportLinkFactory(report=FrictionReportFactory(submitted_by=marketing_user))
    url = f"{REPORTS}{link.report_id}/status/"
    first = marketer.post(url, {"status": "addressed"}, format="json")
    assert first.status_code == 200
    assert first.json()["status"] == "addressed"
    assert dirty_item_ids() == {link.item_id}
    again = marketer.post(url, {"status": "addressed"}, format="json")
    assert again.status_code == 200
    assert again.json() == first.json() | {"updated_at": again.json()["updated_at"]}


def test_a_resolved_report_cannot_change_status_again(pm):
    report = FrictionReportFactory(status="addressed")
    response = pm.post(f"{REPORTS}{report.pk}/status/", {"status": "dismissed"}, format="json")
    assert "addressed to dismissed" in assert_error(response, 409, "invalid_transition")["message"]
    reopen = pm.post(f"{REPORTS}{report.pk}/status/", {"status": "open"}, format="json")
    assert_error(reopen, 409)
    report.refresh_from_db()
    assert report.status == "addressed"


def test_an_unknown_report_status_is_refused_with_400(pm):
    report = FrictionReportFactory()
    response = pm.post(f"{REPORTS}{report.pk}/status/", {"status": "done"}, format="json")
    assert "status" in error_fields(response)


def test_marketing_cannot_resolve_a_report_someone_else_submitted(marketer, other_marketing_user):
    report = FrictionReportFactory(submitted_by=other_marketing_user)
    response = marketer.post(
        f"{REPORTS}{report.pk}/status/", {"status": "dismissed"}, format="json"
    )
    assert_error(response, 403)


def test_dismissing_and_restoring_a_signal_rescores_its_items(pm, product_user):
    link = SignalLinkFactory()
    dismissed = pm.post(f"{SIGNALS}{link.signal_id}/dismiss/")
    assert dismissed.status_code == 200
    assert dismissed.json()["dismissed"] is True
    assert dirty_item_ids() == {link.item_id}
    DirtyItem.objects.all().delete()
    restored = pm.post(f"{SIGNALS}{link.signal_id}/restore/")
    assert restored.status_code == 200
    assert restored.json()["dismissed"] is False
    assert dirty_item_ids() == {link.item_id}
    assert link.signal.history.first().history_user == product_user


# --- Links ----------------------------------------------------------------------------------


def test_linking_a_signal_creates_then_reweights_the_link(marketer, marketing_user):
    signal = MarketSignalFactory(submitted_by=marketing_user)
    item = RoadmapItemFactory()
    url = f"{SIGNALS}{signal.pk}/links/"
    created = marketer.post(url, {"item": item.pk, "weight": 0.5}, format="json")
    assert created.status_code == 201
    assert created.json() == {"item": item.pk, "weight": 0.5}
    updated = marketer.post(url, {"item": item.pk, "weight": 0.75}, format="json")
    assert updated.status_code == 200
    assert updated.json()["weight"] == 0.75
    assert SignalLink.objects.get().weight == 0.75
    assert dirty_item_ids() == {item.pk}


@pytest.mark.parametrize(
    "body",
    [{"weight": 0.5}, {"item": 999999}, {"item": "x"}, {"item": None}],
)
def test_a_link_to_a_missing_item_is_refused_with_400(pm, body):
    report = FrictionReportFactory()
    assert "item" in error_fields(pm.post(f"{REPORTS}{report.pk}/links/", body, format="json"))


@pytest.mark.parametrize("weight", [0, -0.5, 1.01, "0.5", True])
def test_a_link_weight_outside_zero_to_one_is_refused_with_400(pm, weight):
    report = FrictionReportFactory()
    item = RoadmapItemFactory()
    body = {"item": item.pk, "weight": weight}
    assert "weight" in error_fields(pm.post(f"{REPORTS}{report.pk}/links/", body, format="json"))


def test_unlinking_removes_the_link_and_a_second_unlink_answers_404(pm):
    link = ReportLinkFactory()
    url = f"{REPORTS}{link.report_id}/links/{link.item_id}/"
    assert pm.delete(url).status_code == 204
    assert not ReportLink.objects.exists()
    assert dirty_item_ids() == {link.item_id}
    assert_error(pm.delete(url), 404)
    assert_error(pm.delete(f"{REPORTS}{link.report_id}/links/999999/"), 404)


def test_marketing_cannot_link_evidence_someone_else_submitted(marketer, other_marketing_user):
    signal = MarketSignalFactory(submitted_by=other_marketing_user)
    item = RoadmapItemFactory()
    response = marketer.post(f"{SIGNALS}{signal.pk}/links/", {"item": item.pk}, format="json")
    assert_error(response, 403)
    assert not SignalLink.objects.exists()


# --- Lists and filters ------------------------------------------------------------------------


def test_signals_filter_by_kind_dismissed_segment_source_and_submitter(pm, marketing_user):
    segment = SegmentFactory()
    match = MarketSignalFactory(
        kind="churn_reason", segment=segment, source="crm", submitted_by=marketing_user
    )
    MarketSignalFactory(kind="churn_reason", segment=segment, source="crm", dismissed=True)
    MarketSignalFactory(kind="market_trend", segment=segment, source="crm")
    params = {
        "kind": ["churn_reason", "sales_feedback"],
        "dismissed": "false",
        "segment": segment.pk,
        "source": "crm",
        "submitted_by": marketing_user.pk,
    }
    assert ids(pm.get(SIGNALS, params)) == [match.pk]


def test_evidence_filters_by_linked_item_and_observation_window(pm):
    now = timezone.now()
    link = ReportLinkFactory(report=FrictionReportFactory(observed_at=now - timedelta(days=3)))
    ReportLinkFactory(report=FrictionReportFactory(observed_at=now - timedelta(days=3)))
    FrictionReportFactory(observed_at=now - timedelta(days=30))
    assert ids(pm.get(REPORTS, {"item": link.item_id})) == [link.report_id]
    window = {"observed_after": iso(now - timedelta(days=7)), "observed_before": iso(now)}
    assert len(ids(pm.get(REPORTS, window))) == 2


def test_reports_filter_by_channel_stage_status_and_text(pm):
    match = FrictionReportFactory(
        channel="email", funnel_stage="conversion", campaign="Black Friday"
    )
    FrictionReportFactory(channel="email", funnel_stage="conversion", status="dismissed")
    FrictionReportFactory(channel="social", funnel_stage="conversion", campaign="Black Friday")
    params = {"channel": "email", "funnel_stage": "conversion", "status": "open", "q": "friday"}
    assert ids(pm.get(REPORTS, params)) == [match.pk]


def test_evidence_lists_order_newest_observation_first_by_default(pm):
    now = timezone.now()
    old = MarketSignalFactory(observed_at=now - timedelta(days=9))
    new = MarketSignalFactory(observed_at=now - timedelta(days=1))
    assert ids(pm.get(SIGNALS)) == [new.pk, old.pk]
    assert ids(pm.get(SIGNALS, {"ordering": "observed_at"})) == [old.pk, new.pk]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("kind", "rumour"),
        ("observed_after", "last week"),
        ("item", "x"),
        ("source", "a\x00"),
        ("ordering", "title"),
        ("dismissed", "perhaps"),
    ],
)
def test_an_invalid_evidence_filter_is_refused_with_400(pm, param, value):
    assert param in error_fields(pm.get(SIGNALS, {param: value}))


@pytest.mark.parametrize(
    ("url", "factory", "link_factory"),
    [
        (SIGNALS, MarketSignalFactory, SignalLinkFactory),
        (REPORTS, FrictionReportFactory, ReportLinkFactory),
    ],
)
def test_listing_fifty_records_stays_within_the_query_budget(
    pm, django_assert_max_num_queries, url, factory, link_factory
):
    item = RoadmapItemFactory()
    for record in factory.create_batch(50, segment=SegmentFactory()):
        link_factory(item=item, **{"signal" if url == SIGNALS else "report": record})
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = pm.get(url, {"limit": 50})
    assert len(response.json()["results"]) == 50
    assert all(
        row["links"] == [{"item": item.pk, "weight": 1.0}] for row in response.json()["results"]
    )


# --- Bulk -------------------------------------------------------------------------------------


def bulk_signal(n: int, **overrides: Any) -> dict[str, Any]:
    return signal_payload(source="crm", external_id=f"ext-{n}", title=f"Signal {n}", **overrides)


def bulk_report(n: int, **overrides: Any) -> dict[str, Any]:
    return report_payload(source="ads", external_id=f"rep-{n}", **overrides)


def outcomes(response: Any) -> list[tuple[str, bool]]:
    """(status, has an id) per record."""
    assert response.status_code == 200, response.content[:2000]
    return [(row["status"], row["id"] is not None) for row in response.json()["results"]]


def test_a_bulk_answers_each_record_and_a_bad_one_spares_its_neighbours(marketer, marketing_user):
    item = RoadmapItemFactory()
    records = [
        bulk_signal(1, links=[{"item": item.pk, "weight": 0.5}]),
        bulk_signal(2, kind="rumour"),
        "not a record",
        bulk_signal(3, observed_at="2025-01-01T00:00:00"),
        {**bulk_signal(4), "external_id": ""},
        bulk_signal(5, colour="red"),
        bulk_signal(6),
    ]
    response = marketer.post(f"{SIGNALS}bulk/", {"records": records}, format="json")
    body = response.json()
    assert outcomes(response) == [
        ("created", True),
        ("rejected", False),
        ("rejected", False),
        ("rejected", False),
        ("rejected", False),
        ("rejected", False),
        ("created", True),
    ]
    assert (body["created"], body["updated"], body["rejected"]) == (2, 0, 5)
    errors = [row["errors"] for row in body["results"]]
    assert "kind" in errors[1]
    assert "non_field_errors" in errors[2]
    assert "observed_at" in errors[3]
    assert "external_id" in errors[4]
    assert errors[5] == {"colour": ["Unknown field."]}
    assert errors[0] is None
    assert errors[6] is None
    created = MarketSignal.objects.get(pk=body["results"][0]["id"])
    assert created.submitted_by == marketing_user
    assert list(created.links.values_list("item_id", "weight")) == [(item.pk, 0.5)]
    assert dirty_item_ids() == {item.pk}
    assert MarketSignal.history.filter(history_type="+").count() == 2
    assert MarketSignal.history.first().history_user == marketing_user


def test_resending_the_same_batch_updates_the_records_instead_of_duplicating(marketer):
    item = RoadmapItemFactory()
    records = [bulk_signal(n, links=[{"item": item.pk, "weight": 1}]) for n in range(3)]
    first = marketer.post(f"{SIGNALS}bulk/", {"records": records}, format="json")
    records[0]["title"] = "Renamed"
    again = marketer.post(f"{SIGNALS}bulk/", {"records": records}, format="json")
    assert outcomes(again) == [("updated", True)] * 3
    assert [r["id"] for r in again.json()["results"]] == [r["id"] for r in first.json()["results"]]
    assert MarketSignal.objects.count() == 3
    assert SignalLink.objects.count() == 3
    assert MarketSignal.objects.get(external_id="ext-0").title == "Renamed"
    assert MarketSignal.history.filter(history_type="~").count() == 3


def test_a_bulk_record_with_links_gets_exactly_those_links(pm):
    signal = MarketSignalFactory(source="crm", external_id="ext-1")
    dropped = SignalLinkFactory(signal=signal)
    kept = SignalLinkFactory(signal=signal)
    untouched = SignalLinkFactory(signal=MarketSignalFactory(source="crm", external_id="ext-2"))
    records = [
        bulk_signal(1, links=[{"item": kept.item_id, "weight": 0.3}]),
        bulk_signal(2),  # no `links`: its links stay as they are
    ]
    assert outcomes(pm.post(f"{SIGNALS}bulk/", {"records": records}, format="json")) == [
        ("updated", True),
        ("updated", True),
    ]
    assert dict(signal.links.values_list("item_id", "weight")) == {kept.item_id: 0.3}
    assert SignalLink.objects.filter(pk=untouched.pk).exists()
    assert dirty_item_ids() == {dropped.item_id, kept.item_id, untouched.item_id}
    assert SignalLink.history.filter(history_type="-", item_id=dropped.item_id).exists()


def test_the_later_of_two_records_with_the_same_external_id_is_rejected(pm):
    records = [bulk_report(1), bulk_report(1, affected_people=5)]
    response = pm.post(f"{REPORTS}bulk/", {"records": records}, format="json")
    assert outcomes(response) == [("created", True), ("rejected", False)]
    assert "Record 0" in response.json()["results"][1]["errors"]["external_id"][0]
    assert FrictionReport.objects.get().affected_people == 2400


def test_marketing_bulk_updates_only_the_records_it_submitted(
    marketer, marketing_user, other_marketing_user
):
    FrictionReportFactory(source="ads", external_id="rep-1", submitted_by=marketing_user)
    theirs = FrictionReportFactory(
        source="ads", external_id="rep-2", submitted_by=other_marketing_user, affected_people=7
    )
    records = [bulk_report(1, affected_people=11), bulk_report(2, affected_people=22)]
    response = marketer.post(f"{REPORTS}bulk/", {"records": records}, format="json")
    assert outcomes(response) == [("updated", True), ("rejected", False)]
    message = response.json()["results"][1]["errors"]["non_field_errors"][0]
    assert "submitted by someone else" in message
    theirs.refresh_from_db()
    assert theirs.affected_people == 7
    assert theirs.submitted_by == other_marketing_user


def test_product_bulk_updates_anyones_records_and_keeps_their_submitter(pm, marketing_user):
    report = FrictionReportFactory(source="ads", external_id="rep-1", submitted_by=marketing_user)
    response = pm.post(f"{REPORTS}bulk/", {"records": [bulk_report(1, severity=3)]}, format="json")
    assert outcomes(response) == [("updated", True)]
    report.refresh_from_db()
    assert report.severity == 3.0
    assert report.submitted_by == marketing_user


def test_a_failure_while_writing_a_bulk_writes_nothing(pm, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "items_mark_dirty", broken)
    item = RoadmapItemFactory()
    records = [bulk_signal(n, links=[{"item": item.pk}]) for n in range(3)]
    with pytest.raises(RuntimeError):
        pm.post(f"{SIGNALS}bulk/", {"records": records}, format="json")
    assert not MarketSignal.objects.exists()
    assert not SignalLink.objects.exists()
    assert not MarketSignal.history.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"records": []},
        {"records": "all"},
        {"records": None},
        {},
        {"records": [{}], "dry_run": True},
    ],
)
def test_a_bulk_that_is_not_a_list_of_records_is_refused_whole(pm, body):
    assert error_fields(pm.post(f"{SIGNALS}bulk/", body, format="json"))
    assert not MarketSignal.objects.exists()


def test_a_bulk_of_more_than_a_thousand_records_is_refused_whole(pm):
    records = [bulk_report(n) for n in range(1001)]
    response = pm.post(f"{REPORTS}bulk/", {"records": records}, format="json")
    assert "records" in error_fields(response)
    assert not FrictionReport.objects.exists()


def test_a_bulk_of_a_thousand_records_is_accepted(pm):
    records = [bulk_report(n) for n in range(1000)]
    response = pm.post(f"{REPORTS}bulk/", {"records": records}, format="json")
    assert response.json()["created"] == 1000
    assert FrictionReport.objects.count() == 1000


def test_hostile_values_in_a_bulk_reject_only_their_record(pm):
    body = (
        '{"records": ['
        + json.dumps(bulk_report(1))
        + ", "
        + json.dumps(bulk_report(2))[:-1]
        + ', "metric_before": 1e400}, '
        + json.dumps(bulk_report(3, affected_people=10**30))
        + ", "
        + json.dumps(bulk_report(4, campaign="nul\u0000"))
        + "]}"
    )
    response = post_raw(pm, f"{REPORTS}bulk/", body)
    assert outcomes(response) == [("created", True)] + [("rejected", False)] * 3
    errors = [row["errors"] for row in response.json()["results"][1:]]
    assert "metric_before" in errors[0]
    assert "affected_people" in errors[1]
    assert "campaign" in errors[2]


def test_a_retried_bulk_with_the_same_idempotency_key_is_replayed_not_rerun(pm):
    records = {"records": [bulk_signal(1)]}
    first = pm.post(f"{SIGNALS}bulk/", records, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    again = pm.post(f"{SIGNALS}bulk/", records, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert MarketSignal.history.count() == 1  # ran once: no "updated" second pass
    other = pm.post(
        f"{SIGNALS}bulk/", {"records": [bulk_signal(2)]}, format="json", HTTP_IDEMPOTENCY_KEY="b-1"
    )
    assert_error(other, 422)


def test_a_retried_create_with_the_same_idempotency_key_creates_one_report(marketer):
    payload = report_payload()
    first = marketer.post(REPORTS, payload, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = marketer.post(REPORTS, payload, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert FrictionReport.objects.count() == 1


def _bulk_queries(client, url: str, records: list[dict[str, Any]]) -> int:
    with count_queries() as captured:
        response = client.post(url, {"records": records}, format="json")
    assert response.status_code == 200
    assert response.json()["rejected"] == 0, response.json()["results"][:3]
    return len(captured)


@pytest.mark.parametrize(("url", "make"), [(SIGNALS, bulk_signal), (REPORTS, bulk_report)])
def test_a_bulk_runs_the_same_number_of_queries_for_20_and_200_records(pm, url, make):
    items = RoadmapItemFactory.create_batch(3)
    segment = SegmentFactory()

    def batch(start: int, size: int) -> list[dict[str, Any]]:
        return [
            make(
                n,
                segment=segment.pk,
                links=[{"item": items[n % 3].pk, "weight": 0.5}, {"item": items[(n + 1) % 3].pk}],
            )
            for n in range(start, start + size)
        ]

    small, large = batch(0, 20), batch(1000, 200)
    # Warm up (the API key's "last used" write) so both measurements start alike.
    pm.get(url)
    with sqlite_real_variable_limit():
        creating = (
            _bulk_queries(pm, f"{url}bulk/", small),
            _bulk_queries(pm, f"{url}bulk/", large),
        )
        for record in (*small, *large):
            record["links"] = [{"item": items[0].pk, "weight": 0.9}]
        updating = (
            _bulk_queries(pm, f"{url}bulk/", small),
            _bulk_queries(pm, f"{url}bulk/", large),
        )
    assert creating[0] == creating[1]
    assert updating[0] == updating[1]
