"""`items_inputs` reads the engine's inputs in one raw statement; they must be what the
ORM reads (aware datetimes included, on SQLite as on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadmap.models import Segment
from scoring import engine
from scoring.selectors.evidence import items_inputs
from signals.models import ReportLink, SignalLink
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SignalLinkFactory,
)

pytestmark = pytest.mark.django_db


def _orm_inputs(item_ids):
    reports = {
        (link.item_id, link.report_id): engine.ReportInput(
            id=link.report_id,
            affected_people=float(link.report.affected_people),
            severity=link.report.severity,
            observed_at=link.report.observed_at,
            segment=link.report.segment.slug if link.report.segment else None,
            link_weight=link.weight,
            status=link.report.status,
        )
        for link in ReportLink.objects.filter(item_id__in=item_ids).select_related(
            "report__segment"
        )
    }
    signals = {
        (link.item_id, link.signal_id): engine.SignalInput(
            id=link.signal_id,
            kind=link.signal.kind,
            observed_at=link.signal.observed_at,
            segment=link.signal.segment.slug if link.signal.segment else None,
            link_weight=link.weight,
            dismissed=link.signal.dismissed,
        )
        for link in SignalLink.objects.filter(item_id__in=item_ids).select_related(
            "signal__segment"
        )
    }
    return reports, signals


def test_the_inputs_are_the_orms_in_one_query():
    enterprise = Segment.objects.create(slug="enterprise", name="Enterprise")
    a, b, lone = RoadmapItemFactory.create_batch(3)
    when = datetime(2026, 11, 3, 9, 15, 30, 123456, tzinfo=UTC)
    SignalLinkFactory(item=a, signal=MarketSignalFactory(observed_at=when), weight=0.5)
    SignalLinkFactory(
        item=a,
        signal=MarketSignalFactory(kind="churn_reason", segment=enterprise, dismissed=True),
    )
    SignalLinkFactory(item=b, signal=MarketSignalFactory(kind="competitor_move"))
    ReportLinkFactory(item=a, report=FrictionReportFactory(severity=3.0, segment=enterprise))
    ReportLinkFactory(
        item=b, report=FrictionReportFactory(affected_people=7, status="addressed"), weight=0.25
    )
    ids = [a.pk, b.pk, lone.pk]

    with CaptureQueriesContext(connection) as queries:
        reports, signals = items_inputs(item_ids=ids)
    assert len(queries) == 1

    orm_reports, orm_signals = _orm_inputs(ids)
    got_reports = {(item, r.id): r for item, rows in reports.items() for r in rows}
    got_signals = {(item, s.id): s for item, rows in signals.items() for s in rows}
    assert got_reports == orm_reports
    assert got_signals == orm_signals
    assert len(got_signals) == 3
    assert len(got_reports) == 2
    assert all(s.observed_at.tzinfo is not None for s in got_signals.values())
    assert when in {s.observed_at for s in signals[a.pk]}
    assert lone.pk not in reports
    assert lone.pk not in signals
    assert items_inputs(item_ids=[]) == ({}, {})
