"""The bulk validation's lean plan (config/api/lean.py): every record gets exactly what
the serializer itself gives it (the same validated data, or the same errors through the
serializer), whatever it holds; and valid records do take the lean path."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from config.api import lean
from config.api.fields import as_pk
from config.api.lean import NotLean, lean_validator
from roadmap.choices import ItemStatus
from signals import selectors
from signals.api import serializers as api_serializers
from signals.api.serializers import (
    FrictionReportBulkRecordSerializer,
    MarketSignalBulkRecordSerializer,
    OutcomeBulkRecordSerializer,
    bulk_records_validate,
)
from tests.support.factories import RoadmapItemFactory, SegmentFactory

pytestmark = pytest.mark.django_db

# Values a client may send in place of any field: each is tried in every field.
ODD_VALUES: list[Any] = [
    None,
    "",
    "   ",
    " padded ",
    "x" * 65,
    "x" * 201,
    "nul\x00",
    "lone \ud800 surrogate",
    "é",
    0,
    -1,
    1,
    7,
    2**63,
    10**400,
    0.0005,
    0.5,
    1.0,
    2.0,
    float("inf"),
    float("nan"),
    True,
    False,
    [],
    {},
    [1],
    "1",
    "customer_request",
    "email",
    "activation",
    "2025-03-01T09:30:00Z",
    "2025-03-01T09:30:00+02:00",
    "2025-03-01T09:30:00",
    " 2025-03-01T09:30:00Z ",
    "2025-02-30T09:30:00Z",
    "9999-12-31T23:59:59-12:00",
    "2999-01-01T00:00:00Z",
    "2025-03-01",
    "yesterday",
]


def _links(item_ids: list[int]) -> Iterator[Any]:
    first, second = item_ids[0], item_ids[1]
    yield from (
        [],
        [{"item": first}],
        [{"item": first, "weight": 0.3}, {"item": second, "weight": 1}],
        [{"item": first}, {"item": first}],
        [{"item": 10**9}],
        [{"item": str(first)}],
        [{"item": True}],
        [{"item": first, "weight": 0}],
        [{"item": first, "weight": 0.001}],
        [{"item": first, "weight": 2}],
        [{"item": first, "weight": "0.5"}],
        [{"item": first, "weight": None}],
        [{"item": first, "extra": 1}],
        [{"weight": 0.5}],
        ["nope"],
        [None],
        [{"item": first}] * 101,
        {"item": first},
        None,
    )


def _records(base: dict[str, Any], item_ids: list[int]) -> Iterator[Any]:
    """The base record, then each field dropped or replaced by each odd value, then
    unknown fields, other links and records that are no objects."""
    yield dict(base)
    for name in base:
        yield {k: v for k, v in base.items() if k != name}
        for value in ODD_VALUES:
            yield {**base, name: value}
    yield {**base, "nonsense": 1}
    yield {**base, "id": 5}
    yield {**base, "submitted_by": 1}
    for links in _links(item_ids):
        yield {**base, "links": links}
    yield from (None, [], "record", 3)


@pytest.fixture
def rows() -> dict[str, Any]:
    items = [RoadmapItemFactory(), RoadmapItemFactory(), RoadmapItemFactory()]
    shipped = RoadmapItemFactory(status=ItemStatus.SHIPPED)
    return {
        "item_ids": [item.pk for item in items],
        "shipped": shipped.pk,
        "segment": SegmentFactory().pk,
    }


def _bases(rows: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    observed = (timezone.now() - timedelta(days=2)).astimezone(UTC).isoformat()
    links = [{"item": rows["item_ids"][0], "weight": 0.8}]
    today = timezone.now().date()
    return [
        (
            MarketSignalBulkRecordSerializer,
            {
                "source": "crm",
                "external_id": "s-1",
                "kind": "customer_request",
                "title": "A signal",
                "summary": "Why",
                "account_name": "Acme",
                "account_value": "1200.50",
                "segment": rows["segment"],
                "observed_at": observed,
                "links": links,
            },
        ),
        (
            FrictionReportBulkRecordSerializer,
            {
                "source": "ads",
                "external_id": "r-1",
                "campaign": "Spring",
                "title": "Stalls",
                "channel": "email",
                "funnel_stage": "activation",
                "affected_people": 100,
                "severity": 1.0,
                "metric_name": "ctr",
                "metric_before": 0.2,
                "metric_after": 0.1,
                "observed_at": observed,
                "links": links,
            },
        ),
        (
            OutcomeBulkRecordSerializer,
            {
                "source": "bi",
                "external_id": "o-1",
                "item": rows["shipped"],
                "kpi": "activation_rate",
                "baseline": 0.2,
                "measured": 0.25,
                "period_start": (today - timedelta(days=30)).isoformat(),
                "period_end": today.isoformat(),
                "people_measured": 500,
                "segment": rows["segment"],
            },
        ),
    ]


def _same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 is not 1.0; a datetime's zone)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime):
        return a == b and a.tzinfo == b.tzinfo and a.isoformat() == b.isoformat()
    if hasattr(a, "_meta"):  # a model row
        return bool(a.pk == b.pk)
    return bool(a == b)


def _serializer(serializer_class: Any, records: list[Any]) -> Any:
    """The serializer as bulk_records_validate builds it (the named rows preloaded)."""
    item_ids: set[int] = set()
    segment_ids: set[int] = set()
    for record in records:
        if isinstance(record, dict):
            for key, ids in (("item", item_ids), ("segment", segment_ids)):
                if (pk := as_pk(record.get(key))) is not None:
                    ids.add(pk)
            if isinstance(record.get("links"), list):
                for link in record["links"]:
                    if isinstance(link, dict) and (pk := as_pk(link.get("item"))) is not None:
                        item_ids.add(pk)
    preloaded = selectors.rows_named_by(segment_ids=segment_ids, item_ids=item_ids)
    return serializer_class(context={"preloaded": preloaded})


@pytest.mark.parametrize("which", [0, 1, 2], ids=["signal", "report", "outcome"])
def test_the_lean_plan_gives_what_the_serializer_gives_or_steps_aside(rows, which):
    serializer_class, base = _bases(rows)[which]
    records = list(_records(base, rows["item_ids"]))
    serializer = _serializer(serializer_class, records)
    run = lean_validator(serializer)
    assert run is not None, "the record serializer has a lean plan"
    lean_accepted = refused = 0
    for record in records:
        try:
            expected = serializer.run_validation(record)
        except Exception:  # whatever the serializer refuses, the plan must too
            with pytest.raises(NotLean):
                run(record)
            refused += 1
            continue
        try:
            got = run(record)
        except NotLean:
            continue  # stepping aside is always right: the serializer answers
        assert _same(got, expected), (record, got, expected)
        lean_accepted += 1
    assert refused > 100
    assert lean_accepted > 20  # the plan does vouch for plain valid records


@pytest.mark.parametrize("which", [0, 1, 2], ids=["signal", "report", "outcome"])
def test_a_valid_record_takes_the_lean_path(rows, which):
    serializer_class, base = _bases(rows)[which]
    serializer = _serializer(serializer_class, [base])
    run = lean_validator(serializer)
    assert run is not None
    assert _same(run(dict(base)), serializer.run_validation(dict(base)))


@pytest.mark.parametrize("which", [0, 1, 2], ids=["signal", "report", "outcome"])
def test_bulk_records_validate_answers_the_same_with_and_without_the_plan(rows, which, monkeypatch):
    serializer_class, base = _bases(rows)[which]
    records = list(_records(base, rows["item_ids"]))
    with_plan = bulk_records_validate(serializer_class, records, context={})
    monkeypatch.setattr(api_serializers, "lean_validator", lambda serializer: None)
    without = bulk_records_validate(serializer_class, records, context={})
    assert len(with_plan) == len(without) == len(records)
    for a, b in zip(with_plan, without, strict=True):
        assert a.index == b.index
        assert _same(a.errors, b.errors), (records[a.index], a.errors, b.errors)
        assert _same(a.data, b.data), (records[a.index], a.data, b.data)


def test_a_serializer_the_plan_does_not_know_gets_no_plan():
    from rest_framework import serializers

    class Custom(serializers.Serializer):
        name = serializers.CharField()

        def run_validation(self, data: Any = serializers.empty) -> Any:
            return super().run_validation(data)

    assert lean_validator(Custom()) is None

    class WithValidators(serializers.Serializer):
        name = serializers.CharField()

        class Meta:
            validators = [lambda attrs: None]

    serializer = WithValidators()
    serializer.validators = [lambda attrs: None]
    assert lean.lean_validator(serializer) is None


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (
            "MarketSignal",
            {"kind": "churn_reason", "title": "Left for a rival", "account_value": None},
        ),
        ("FrictionReport", {"channel": "paid_search", "affected_people": 3, "severity": 2.0}),
        ("Outcome", {"kpi": "conversion", "measured": 0.4, "team": "marketing"}),
    ],
)
def test_a_new_bulk_row_is_what_the_keyword_constructor_builds(model, values, marketing_user):
    from django.apps import apps

    from signals.services.bulk_prepare import _new_row

    model_class = apps.get_model("signals", model)
    segment = SegmentFactory()
    values = {**values, "submitted_by": marketing_user, "segment": segment}
    if model == "Outcome":
        values["item"] = RoadmapItemFactory()
    built, expected = _new_row(model_class, dict(values)), model_class(**values)
    for field in model_class._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(expected, field.attname), field.name
    assert built.segment is segment  # the related row is cached, as the constructor does
    assert built._state.adding
    # A value that is no field takes the keyword path, which refuses it as it always did.
    with pytest.raises(TypeError):
        _new_row(model_class, {**values, "no_such_field": 1})
