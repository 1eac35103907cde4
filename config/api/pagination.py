"""limit/offset pagination that refuses what it does not understand.

DRF's default quietly replaces a bad `limit` with the default page size; here `limit=abc`,
`limit=0`, `limit=10000`, `offset=-1` or a repeated parameter are a 400, as the schema says.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

MAX_OFFSET = 10**9


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200

    def _read(self, request: Request, name: str, minimum: int, maximum: int) -> int | None:
        values = request.query_params.getlist(name)
        if not values:
            return None
        if len(values) > 1:
            raise ValidationError({name: [f"Give {name} once."]})
        raw = values[0]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
            raise ValidationError({name: [f"{name} must be a whole number."]})
        value = int(raw)
        if not minimum <= value <= maximum:
            raise ValidationError({name: [f"{name} must be between {minimum} and {maximum}."]})
        return value

    def get_limit(self, request: Request) -> int:
        limit = self._read(request, self.limit_query_param, 1, self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request: Request) -> int:
        offset = self._read(request, self.offset_query_param, 0, MAX_OFFSET)
        return 0 if offset is None else offset

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        limit, offset = super().get_schema_operation_parameters(view)
        limit["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_limit}
        offset["schema"] = {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}
        return [limit, offset]
