"""The records of a bulk request and the answers to them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class BulkRecord:
    """One record of a bulk request: its validated fields (with `source`, `external_id`
    and optionally `links` as (item id, weight) pairs), or why it was refused already."""

    index: int
    data: Mapping[str, Any] | None = None
    errors: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BulkOutcome:
    index: int
    status: Literal["created", "updated", "rejected"]
    id: int | None = None
    errors: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BulkResult:
    results: list[BulkOutcome] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for outcome in self.results if outcome.status == status)

    @property
    def created(self) -> int:
        return self._count("created")

    @property
    def updated(self) -> int:
        return self._count("updated")

    @property
    def rejected(self) -> int:
        return self._count("rejected")
