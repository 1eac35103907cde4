"""`Idempotency-Key` on every API POST.

The first request with a key runs inside one transaction that also stores its response;
a retry with the same key and body gets that response again (header
`Idempotent-Replayed: true`); the same key with a different body is refused (422). Two
concurrent requests with one key cannot both write: the second blocks on the record's
unique index until the first commits, then replays it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from config.api.auth import ApiKeyAuthentication, api_key_from_headers
from config.api.errors import error_body
from config.api.schema import IDEMPOTENCY_KEY_PATTERN
from config.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
_VALID_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN.strip("^$"))
MAX_KEY_LENGTH = 255
# Outcomes worth replaying: success, and refusals that the same request would get again.
_STORED = frozenset({200, 201, 202, 204, 400, 404, 409, 422})
KEEP_FOR = timedelta(hours=24)


def principal(request: HttpRequest) -> str | None:
    """Who is asking, authenticated here (before any replay): `key:<id>` for a valid API
    key, `user:<id>` for a signed-in session, None otherwise. A revoked, expired or unknown
    key is None, so its request goes to the view, which answers 401, and never replays."""
    key = api_key_from_headers(request.META)
    if key is not None:
        try:
            _user, api_key = ApiKeyAuthentication().authenticate_key(key)
        except AuthenticationFailed:
            return None
        return f"key:{api_key.pk}"
    if request.META.get("HTTP_AUTHORIZATION"):
        return None  # another scheme: the view refuses it
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _scope(caller: str) -> str:
    """A hash of the caller, so keys of different clients never mix."""
    return hashlib.sha256(caller.encode()).hexdigest()


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(status, code, message), status=status)


def _replay(record: IdempotencyRecord, request_hash: str) -> HttpResponse:
    if record.request_hash != request_hash:
        return _error(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request.",
        )
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    """Runs once the URL resolved to a view (process_view) and only for an authenticated
    caller: anonymous requests, invalid keys and unknown routes never write a record (an
    anonymous flood would otherwise fill the table), and a key revoked since the first
    request gets the view's 401 rather than the stored answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        key = request.META.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return None
        caller = principal(request)
        if caller is None:
            return None  # the view answers 401 (or serves a public endpoint) as usual
        if not _VALID_KEY.fullmatch(key):
            return _error(
                400,
                "invalid_idempotency_key",
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters.",
            )
        try:
            body = request.body
        except Exception:  # too large: let the view answer 413 in the usual way
            return None
        scope = _scope(caller)
        request_hash = hashlib.sha256(request.path.encode() + b"\n" + body).hexdigest()
        cutoff = timezone.now() - KEEP_FOR
        existing = IdempotencyRecord.objects.filter(
            scope=scope, key=key, created_at__gte=cutoff
        ).first()
        if existing is not None:
            return _replay(existing, request_hash)
        IdempotencyRecord.objects.filter(scope=scope, key=key, created_at__lt=cutoff).delete()
        try:
            with transaction.atomic():
                # Claim the key first: a concurrent twin now waits here until we commit.
                record = IdempotencyRecord.objects.create(
                    scope=scope,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    request_hash=request_hash,
                    status_code=0,
                    content_type="",
                    body=b"",
                )
                response = view_func(request, *view_args, **view_kwargs)
                render = getattr(response, "render", None)
                if callable(render):
                    # A DRF Response: store its bytes (Django renders it once more: a no-op).
                    render()
                if response.status_code in _STORED and not response.streaming:
                    record.status_code = response.status_code
                    record.content_type = response.get("Content-Type", "application/json")
                    record.body = response.content
                    record.save(update_fields=["status_code", "content_type", "body"])
                else:
                    # Not worth replaying (401, 403, 429, 5xx): roll back the claim and
                    # anything the view wrote, so a retry runs afresh.
                    transaction.set_rollback(True)
                return response
        except IntegrityError:
            # The twin committed first: answer what it answered.
            existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if existing is None:
                return _error(409, "idempotency_conflict", "Retry this request.")
            return _replay(existing, request_hash)
