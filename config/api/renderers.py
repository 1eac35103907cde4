"""JSON rendering with orjson: the same JSON as DRF's JSONRenderer (compact, UTF-8), at a
fraction of the cost for large bodies (a published ranking of 1,000 entries)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_FALLBACK = JSONEncoder()
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _default(obj: Any) -> Any:
    # Whatever orjson does not know (lazy translations, Decimal, UUID, dates, querysets)
    # goes through DRF's encoder, so every value renders as JSONRenderer renders it.
    return _FALLBACK.default(obj)


def dumps(data: Any) -> bytes:
    body = orjson.dumps(data, default=_default, option=_OPTIONS)
    # As JSONRenderer does: U+2028/U+2029 are valid JSON but end a line in JavaScript.
    if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
        body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return body


class OrjsonRenderer(JSONRenderer):
    """DRF's JSONRenderer with orjson underneath. Indented output (`; indent=`) and
    non-compact settings fall back to the stdlib path, which orjson does not cover."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        return dumps(data)
