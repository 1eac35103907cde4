"""Conditional GETs answered before the expensive part of a view runs.

A view computes its ETag from something cheap (a generation counter, an immutable row's
id), answers 304 when the client already has it, and only then builds the body. Django's
ConditionalGetMiddleware still covers every other GET by hashing the rendered body; it
keeps an ETag a view has set.
"""

from __future__ import annotations

import hashlib

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from rest_framework.request import Request


def etag_digest(*parts: object) -> str:
    """A short, stable digest of `parts` (for the part of an ETag that names a variant)."""
    text = "\0".join(str(part) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def client_has(request: Request, etag: str) -> bool:
    """Whether If-None-Match names `etag` (weak comparison, as RFC 9110 asks for it)."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    tags = parse_etags(header)
    if "*" in tags:
        return True
    bare = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == bare for tag in tags)


def not_modified(etag: str) -> HttpResponse:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


def json_bytes_response(body: bytes, etag: str) -> HttpResponse:
    """A 200 with stored JSON bytes, as the JSON renderer would have sent them."""
    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    return response
