"""What the scoring API views share: the error answers, the preview permission, the
ETag of a live read."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions
from rest_framework.request import Request

from config.api.conditional import etag_digest
from config.api.openapi import error_responses
from config.generations import generation_value
from config.roles import Role, user_roles

JIRA_NOT_CONFIGURED = "Jira is not configured (set the JIRA_* variables)."


def errors(*codes: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """Error answers from the one table (config.api.openapi); `descriptions`
    (`e409="..."`) override the text where a view means something specific."""
    return error_responses(*codes, **descriptions)


class ProductOrMarketing(permissions.BasePermission):
    """What-if previews: both teams argue about the weights; only product saves them."""

    message = "Only the product and marketing roles may preview scoring parameters."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(user_roles(request.user) & {Role.PRODUCT, Role.MARKETING})


def live_etag(request: Request, kind: str, *parts: object, generation: int | None = None) -> str:
    """The ETag of a live read: the score generation (read here, unless the caller read
    it no later than the body, see `item_score_read`), plus what else the body depends
    on (the full URL with its filters and host, the format)."""
    fmt = getattr(request.accepted_renderer, "format", "")
    digest = etag_digest(kind, fmt, request.build_absolute_uri(), *parts)
    if generation is None:
        generation = generation_value()
    return f'"{kind}-{generation}-{digest}"'
