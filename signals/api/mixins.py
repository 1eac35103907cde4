"""The plumbing marketing's record endpoints share (signals, reports, outcomes, campaigns,
funnel snapshots): the services' conflicts as 409, the ownership rules, and `bulk/`.

One definition, used by signals/api/views.py and signals/campaigns/api/views.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.errors import Conflict
from config.api.filtering import FILTER_BACKENDS
from config.api.permissions import EvidencePermission, ProductOnly, is_product
from signals import services
from signals.api.serializers import bulk_records_validate, bulk_result_data


@contextmanager
def conflicts_as_409() -> Iterator[None]:
    """The services' conflicts, as the API's 409."""
    try:
        yield
    except services.DuplicateExternalId as exc:
        raise Conflict(exc.text, code="duplicate_external_id") from None
    except services.InvalidTransition as exc:
        raise Conflict(f"Invalid status change: {exc}.", code="invalid_transition") from None
    except services.BulkWriteConflict as exc:
        raise Conflict(str(exc), code="concurrent_write") from None


if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission

    _ViewBase = GenericAPIView
else:
    _ViewBase = object


class OwnedRecordsMixin(_ViewBase):
    """Who may do what with marketing's records (config.api.permissions.EvidencePermission):
    product changes anything, marketing creates and changes its own, integration reads;
    only product deletes."""

    permission_classes = (EvidencePermission,)
    filter_backends = FILTER_BACKENDS
    lookup_value_regex = r"[0-9]+"

    def get_permissions(self) -> Sequence[_SupportsHasPermission]:
        if getattr(self, "action", None) == "destroy":
            return [ProductOnly()]
        return super().get_permissions()


class BulkUpsertMixin(_ViewBase):
    """`POST .../bulk/`: create or update up to 1,000 records by (source, external_id),
    answered record by record (signals.services.evidence_bulk_upsert)."""

    # Declared by each subclass.
    bulk_serializer_class: type[Any]
    bulk_record_serializer_class: type[Any]
    bulk_upsert: Callable[..., services.BulkResult]
    # How records are validated one by one (the rows they name read first, in one query
    # each); campaigns and snapshots name other rows than signals do.
    bulk_validate: Callable[..., list[services.BulkRecord]] = staticmethod(bulk_records_validate)

    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        envelope = self.bulk_serializer_class(data=request.data)
        envelope.is_valid(raise_exception=True)
        records = type(self).bulk_validate(
            self.bulk_record_serializer_class,
            envelope.validated_data["records"],
            context=self.get_serializer_context(),
        )
        with conflicts_as_409():
            result = type(self).bulk_upsert(
                records=records, user=request.user, may_update_any=is_product(request)
            )
        return Response(bulk_result_data(result))
