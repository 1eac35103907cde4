"""The bulk upserts' set-based write on PostgreSQL (signals/services/bulk_pg.py): the same
rows, history rows, links, dirty marks, events and answers as the portable write, which
the same requests run through on the same data for comparison."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from config.webhooks import services as webhooks
from config.webhooks.models import WebhookEvent
from roadmap.models import DirtyItem
from signals.models import FrictionReport, MarketSignal, ReportLink, SignalLink
from signals.services import (
    OUTCOMES,
    REPORTS,
    SIGNALS,
    BulkRecord,
    EvidenceKind,
    reports_bulk_upsert,
    signals_bulk_upsert,
)
from signals.services.bulk import _bulk_write
from signals.services.bulk_pg import bulk_write_pg
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    OutcomeFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SegmentFactory,
    SignalLinkFactory,
)
from tests.support.services import need_service

pytestmark = pytest.mark.django_db

Write = Callable[..., dict[int, Any]]


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")


def signal_data(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "source": "crm",
        "external_id": key,
        "kind": "customer_request",
        "title": f"Signal {key}",
        "observed_at": timezone.now() - timedelta(days=2),
        **fields,
    }


def report_data(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "source": "ads",
        "external_id": key,
        "campaign": "Spring",
        "channel": "email",
        "funnel_stage": "activation",
        "affected_people": 100,
        "severity": 1.0,
        "observed_at": timezone.now() - timedelta(days=2),
        **fields,
    }


def accepted(records: list[dict[str, Any]]) -> list[tuple[BulkRecord, tuple[str, str]]]:
    return [
        (BulkRecord(index=i, data=data), (data["source"], data["external_id"]))
        for i, data in enumerate(records)
    ]


def key_of(model: type, pk: int) -> tuple[str, str]:
    return tuple(model.objects.filter(pk=pk).values_list("source", "external_id").get())


def state(kind: EvidenceKind) -> dict[str, Any]:
    """What a bulk write leaves behind, with ids replaced by (source, external_id): the
    two writes run one after the other, so new rows get different ids."""
    model = kind.model
    keys = {
        pk: (source, external_id)
        for pk, source, external_id in model.objects.values_list("pk", "source", "external_id")
    }
    volatile = {"id", "created_at", "updated_at", "history_id", "history_date"}

    def plain(row: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in row.items() if name not in volatile}

    rows = {keys[row["id"]]: plain(row) for row in model.objects.values()}
    history = sorted(
        ((keys.get(row["id"]), sorted(plain(row).items())) for row in model.history.values()),
        key=repr,
    )
    found: dict[str, Any] = {"rows": rows, "history": history}
    if kind.link_model is not None:
        fk = f"{kind.fk}_id"
        found["links"] = sorted(
            (keys[row[fk]], row["item_id"], row["weight"])
            for row in kind.link_model.objects.values()
        )
        found["link_history"] = sorted(
            (
                (
                    keys.get(row[fk]),
                    row["item_id"],
                    row["weight"],
                    row["history_type"],
                    row["history_user_id"],
                )
                for row in kind.link_model.history.values()
            ),
            key=repr,
        )
    found["dirty"] = dict(DirtyItem.objects.values_list("item_id", "rev"))
    found["events"] = sorted(
        json.dumps([event.type, _with_keys(event.payload, keys)], sort_keys=True, default=str)
        for event in WebhookEvent.objects.all()
    )
    return found


def _with_keys(payload: dict[str, Any], keys: dict[int, tuple[str, str]]) -> dict[str, Any]:
    """An event's payload with the report it names by key rather than by id."""
    report = payload.get("report")
    if isinstance(report, dict):
        return {**payload, "report": {**report, "id": keys.get(report["id"])}}
    if isinstance(report, int):
        return {**payload, "report": keys.get(report)}
    return payload


def both_writes(
    kind: EvidenceKind, records: list[dict[str, Any]], *, user: Any, may_update_any: bool
) -> list[tuple[list[tuple[int, str, Any]], dict[str, Any]]]:
    """Run the portable write, then the set-based one, on the same data (the first is
    rolled back); return the answers and the state each left."""
    results = []
    for write in (_bulk_write, bulk_write_pg):
        with transaction.atomic():
            outcomes = write(kind, accepted(records), user=user, may_update_any=may_update_any)
            answers = sorted(
                (
                    index,
                    outcome.status,
                    key_of(kind.model, outcome.id) if outcome.id else outcome.errors,
                )
                for index, outcome in outcomes.items()
            )
            results.append((answers, state(kind)))
            transaction.set_rollback(True)
    return results


def test_signals_written_set_based_leave_what_the_portable_write_leaves(
    marketing_user, other_marketing_user
):
    items = RoadmapItemFactory.create_batch(5)
    mine = MarketSignalFactory(source="crm", external_id="a", submitted_by=marketing_user)
    SignalLinkFactory(signal=mine, item=items[0], weight=1.0)
    SignalLinkFactory(signal=mine, item=items[1], weight=0.5)
    kept = MarketSignalFactory(source="crm", external_id="b", submitted_by=marketing_user)
    SignalLinkFactory(signal=kept, item=items[2])
    reweighted = MarketSignalFactory(source="crm", external_id="d", submitted_by=marketing_user)
    SignalLinkFactory(signal=reweighted, item=items[4], weight=1.0)
    MarketSignalFactory(source="crm", external_id="c", submitted_by=other_marketing_user)
    records = [
        signal_data("new-1", links=[(items[0].pk, 0.7), (items[3].pk, 1.0)]),
        # One link dropped, one kept as it was, one new.
        signal_data("a", title="Renamed", links=[(items[1].pk, 0.5), (items[2].pk, 0.2)]),
        signal_data("b", summary="no links sent: they stay"),
        signal_data("rumour", kind="rumour"),  # fails the model's checks
        signal_data("c", title="not mine"),  # someone else's
        signal_data("new-2"),
        signal_data("d", links=[(items[4].pk, 0.3)]),
    ]
    portable, set_based = both_writes(SIGNALS, records, user=marketing_user, may_update_any=False)
    assert set_based == portable
    answers, after = set_based
    assert [status for _, status, _ in answers] == [
        "created",
        "updated",
        "updated",
        "rejected",
        "rejected",
        "created",
        "updated",
    ]
    assert after["dirty"] == {item.pk: 1 for item in items}
    # The rows this write added (the factories' own have no user).
    link_history = {
        (key, item, kind)
        for key, item, _, kind, user in after["link_history"]
        if user == marketing_user.pk
    }
    assert link_history == {
        (("crm", "new-1"), items[0].pk, "+"),
        (("crm", "new-1"), items[3].pk, "+"),
        (("crm", "a"), items[0].pk, "-"),
        (("crm", "a"), items[2].pk, "+"),
        (("crm", "d"), items[4].pk, "~"),
    }
    history = {
        (key, dict(fields)["history_type"])
        for key, fields in after["history"]
        if dict(fields)["history_user_id"] == marketing_user.pk
    }
    assert history == {
        (("crm", "new-1"), "+"),
        (("crm", "new-2"), "+"),
        (("crm", "a"), "~"),
        (("crm", "b"), "~"),
        (("crm", "d"), "~"),
    }


def test_reports_written_set_based_send_the_same_events(product_user, marketing_user):
    for event in ("report.created", "report.linked"):
        webhooks.subscription_create(url="https://93.184.216.34/hook", events=[event], owner=None)
    items = RoadmapItemFactory.create_batch(3)
    old = FrictionReportFactory(source="ads", external_id="old", submitted_by=marketing_user)
    ReportLinkFactory(report=old, item=items[0], weight=1.0)
    ReportLinkFactory(report=old, item=items[1], weight=1.0)
    records = [
        report_data("old", severity=3.0, links=[(items[1].pk, 0.5), (items[2].pk, 1.0)]),
        report_data("new", links=[(items[0].pk, 1.0)]),
    ]
    portable, set_based = both_writes(REPORTS, records, user=product_user, may_update_any=True)
    assert set_based == portable
    answers, after = set_based
    assert [status for _, status, _ in answers] == ["updated", "created"]
    assert after["rows"][("ads", "old")]["submitted_by_id"] == marketing_user.pk
    assert after["rows"][("ads", "old")]["severity"] == 3.0
    assert sorted(json.loads(event)[0] for event in after["events"]) == [
        "report.created",
        "report.linked",
        "report.linked",
        "report.linked",
    ]


def test_outcomes_written_set_based_keep_their_team_and_refuse_what_clean_refuses(
    product_user, marketing_user
):
    measured = OutcomeFactory(source="bi", external_id="m", submitted_by=marketing_user)
    planned = RoadmapItemFactory(status="planned")
    fields = {
        "kpi": "activation_rate",
        "baseline": 0.2,
        "measured": 0.25,
        "period_start": timezone.localdate() - timedelta(days=40),
        "period_end": timezone.localdate() - timedelta(days=5),
    }
    records = [
        {"source": "bi", "external_id": "m", "item": measured.item, **fields},
        {"source": "bi", "external_id": "n", "item": measured.item, **fields},
        {"source": "bi", "external_id": "p", "item": planned, **fields},  # not shipped
    ]
    portable, set_based = both_writes(OUTCOMES, records, user=product_user, may_update_any=True)
    assert set_based == portable
    answers, after = set_based
    assert [status for _, status, _ in answers] == ["updated", "created", "rejected"]
    assert "item" in answers[2][2]
    assert after["rows"][("bi", "m")]["team"] == "marketing"  # the submitter's, kept
    assert after["rows"][("bi", "n")]["team"] == "product"
    assert after["dirty"] == {}  # outcomes are no score input


# Text that an array literal would have to quote: the set-based write binds its arrays in
# binary (bulk_pg._binding_cursor), and each value must still arrive as it was sent.
AWKWARD_TEXT = ["NULL", "null", "a,b", "{x}", '"q"', "back\\slash", "é ü 中", "  ", "'", "x" * 200]


def test_set_based_writes_store_awkward_text_decimals_and_nulls_as_sent(
    marketing_user, product_user
):
    items = RoadmapItemFactory.create_batch(2)
    segment = SegmentFactory()
    stored = MarketSignalFactory(source="crm", external_id="NULL", submitted_by=marketing_user)
    records = [
        signal_data(
            text or "blank",
            title=text or "blank",
            summary=text,
            account_name=text,
            # Some with a value, some null, in one array.
            account_value=Decimal("1234.50") if k % 2 else None,
            segment=segment if k % 3 == 0 else None,
            links=[(items[k % 2].pk, 0.001 + k / 20)],
        )
        for k, text in enumerate(AWKWARD_TEXT)
    ]
    portable, set_based = both_writes(SIGNALS, records, user=marketing_user, may_update_any=False)
    assert set_based == portable
    answers, after = set_based
    assert answers[0][1] == "updated"
    assert key_of(MarketSignal, stored.pk) == ("crm", "NULL")
    assert {status for _, status, _ in answers[1:]} == {"created"}
    for text in AWKWARD_TEXT:
        row = after["rows"][("crm", text or "blank")]
        assert (row["summary"], row["account_name"]) == (text, text)
    reports = [
        report_data(text, title=text, metric_name=text[:120], metric_before=None if k % 2 else 0.5)
        for k, text in enumerate(AWKWARD_TEXT)
    ]
    portable, set_based = both_writes(REPORTS, reports, user=product_user, may_update_any=True)
    assert set_based == portable
    assert {status for _, status, _ in set_based[0]} == {"created"}


def test_a_set_based_bulk_answers_created_then_updated_with_the_same_ids(marketing_user):
    item = RoadmapItemFactory()
    records = [
        BulkRecord(index=i, data=signal_data(f"k{i}", links=[(item.pk, 1.0)])) for i in range(3)
    ]
    first = signals_bulk_upsert(records=records, user=marketing_user)
    again = signals_bulk_upsert(records=records, user=marketing_user)
    assert [o.status for o in first.results] == ["created"] * 3
    assert [o.status for o in again.results] == ["updated"] * 3
    assert [o.id for o in again.results] == [o.id for o in first.results]
    assert MarketSignal.objects.count() == 3
    assert SignalLink.objects.count() == 3
    # Links sent again unchanged write no link history; the records get a "~" row each.
    assert SignalLink.history.count() == 3
    assert MarketSignal.history.filter(history_type="~").count() == 3
    assert DirtyItem.objects.get(item=item).rev == 2  # one mark per request


def test_a_set_based_bulk_rejects_the_later_of_two_records_with_one_key(marketing_user):
    records = [
        BulkRecord(index=0, data=report_data("twin", affected_people=1)),
        BulkRecord(index=1, data=report_data("twin", affected_people=2)),
    ]
    result = reports_bulk_upsert(records=records, user=marketing_user)
    assert [o.status for o in result.results] == ["created", "rejected"]
    assert FrictionReport.objects.get().affected_people == 1
    assert FrictionReport.history.count() == 1
    assert not ReportLink.objects.exists()


def test_a_set_based_bulk_writes_in_a_constant_number_of_statements(
    marketing_user, django_assert_max_num_queries
):
    items = RoadmapItemFactory.create_batch(3)

    def batch(prefix: str, size: int) -> list[BulkRecord]:
        return [
            BulkRecord(
                index=i,
                data=signal_data(f"{prefix}{i}", links=[(items[i % 3].pk, 0.5)]),
            )
            for i in range(size)
        ]

    signals_bulk_upsert(records=batch("warm", 1), user=marketing_user)
    with django_assert_max_num_queries(12) as small:
        signals_bulk_upsert(records=batch("s", 20), user=marketing_user)
    with django_assert_max_num_queries(12) as large:
        signals_bulk_upsert(records=batch("l", 300), user=marketing_user)
    assert len(small.captured_queries) == len(large.captured_queries)


def test_the_stored_records_are_found_by_index_not_by_scanning_the_table(marketing_user):
    # A request that names a good share of the table is where a planner prefers to scan
    # it whole (a hash join over every row); the lookup is written so that it looks each
    # key up on the unique index instead, at a cost that follows the keys sent.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO signals_marketsignal (source, external_id, created_at, updated_at, "
            "observed_at, kind, title, summary, account_name, dismissed) "
            "SELECT 'crm', 'k' || n, now(), now(), now(), 'customer_request', 'Signal', '', "
            "'', false FROM generate_series(1, 5000) AS n"
        )
        cursor.execute("ANALYZE signals_marketsignal")
    records = [BulkRecord(index=i, data=signal_data(f"k{i + 1}")) for i in range(500)]
    plans: list[str] = []

    def explain(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if "FOR NO KEY UPDATE" in sql:
            raw = context["cursor"].cursor
            raw.execute("EXPLAIN " + sql, params)
            plans.append("\n".join(row[0] for row in raw.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        result = signals_bulk_upsert(records=records, user=marketing_user, may_update_any=True)
    assert [o.status for o in result.results] == ["updated"] * 500
    assert len(plans) == 1
    assert "Index Scan using signal_source_external_id_unique" in plans[0]
    assert "Seq Scan on signals_marketsignal" not in plans[0]
