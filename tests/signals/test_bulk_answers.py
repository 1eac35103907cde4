"""The answer to a bulk request is built without DRF's per-field serialization; it must
stay what the documented serializer (BulkResultSerializer) gives."""

from __future__ import annotations

from rest_framework.exceptions import ErrorDetail

from signals.api.serializers import BulkResultSerializer, bulk_result_data
from signals.services import BulkOutcome, BulkResult


def test_the_bulk_answer_is_what_its_serializer_gives():
    result = BulkResult(
        results=[
            BulkOutcome(index=0, status="created", id=7),
            BulkOutcome(index=1, status="updated", id=3),
            BulkOutcome(
                index=2,
                status="rejected",
                errors={"kind": [ErrorDetail("Not a valid choice.", code="invalid_choice")]},
            ),
            BulkOutcome(index=3, status="rejected", errors={"links": [{"item": ["Gone."]}]}),
        ]
    )
    built = bulk_result_data(result)
    assert built == BulkResultSerializer(result).data
    assert (built["created"], built["updated"], built["rejected"]) == (1, 1, 2)
    assert [row["id"] for row in built["results"]] == [7, 3, None, None]
