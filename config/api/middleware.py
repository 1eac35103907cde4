"""Middleware that keeps the API's contract outside the views.

- `ApiJsonErrorsMiddleware`: every `/api/` answer is JSON in the one error shape, also the
  pages Django writes itself (an unmatched route, and in debug mode its HTML 404 and 500
  pages, which bypass `handler404`/`handler500`).
- `WebMessageMiddleware`: Django's messages for the web pages only; no API view shows
  one, and building the storage (a signed cookie's reader) cost every API request.
- `AddressThrottleMiddleware`: anonymous requests, and requests whose credentials fail
  (401), spend a budget per client address, so that neither a flood of anonymous calls
  nor key guessing runs unthrottled. DRF's per-key throttle runs only after a successful
  authentication and only in views, so it cannot see either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.contrib.messages.middleware import MessageMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import is_valid_path
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from config.api.errors import error_body
from config.api.idempotency import principal

logger = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            _is_api(request)
            and request.method not in {"GET", "HEAD"}
            and not request.path_info.endswith("/")
            and not is_valid_path(request.path_info, getattr(request, "urlconf", None))
        ):
            # APPEND_SLASH cannot redirect a POST (in debug mode Django raises instead):
            # say where the route is.
            return JsonResponse(
                error_body(404, "not_found", f"Not found. Did you mean {request.path}/ ?"),
                status=404,
            )
        response = self.get_response(request)
        if (
            not _is_api(request)
            or response.status_code < 400
            or isinstance(response, Response)  # DRF's own answer, already in the shape
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        try:
            message = HTTPStatus(status).phrase + "."
        except ValueError:
            message = "Error."
        if status >= 500:
            message = "Something went wrong on our side."
        replacement = JsonResponse(
            error_body(status, _CODES.get(status, "error"), message), status=status
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate", "Vary"):
            if header in response:
                replacement[header] = response[header]
        return replacement


class AddressRateThrottle(SimpleRateThrottle):
    """A budget per client address (REMOTE_ADDR, or X-Forwarded-For behind NUM_PROXIES)."""

    scope = "anonymous"
    # Set by SimpleRateThrottle.__init__ from the rate (not in its stubs).
    num_requests: int
    duration: int

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def spent(self, request: HttpRequest) -> bool:
        """Whether the address has no budget left, without spending any."""
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        return len(self.history) >= self.num_requests


def _throttled(throttle: AddressRateThrottle) -> JsonResponse:
    response = JsonResponse(
        error_body(
            429,
            "throttled",
            "Too many unauthenticated requests from this address; retry later.",
        ),
        status=429,
    )
    wait = throttle.wait()
    response["Retry-After"] = str(max(1, int(wait or 1)))
    return response


def _has_credentials(request: HttpRequest) -> bool:
    if request.META.get("HTTP_AUTHORIZATION") or request.META.get("HTTP_X_API_KEY"):
        return True
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class AddressThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _is_api(request):
            return self.get_response(request)
        try:
            throttle = AddressRateThrottle()
            if not _has_credentials(request):
                if not throttle.allow_request(request, None):  # type: ignore[arg-type]
                    return _throttled(throttle)
            elif throttle.spent(request) and principal(request) is None:
                # This address spent its budget on failed credentials: only a valid key
                # (looked up here only in that case) still gets through.
                return _throttled(throttle)
        except Exception:
            # The cache (Redis) is down: serve rather than refuse everyone, as the per-key
            # throttle does.
            logger.warning("throttle cache unavailable; allowing the request", exc_info=True)
            return self.get_response(request)
        response = self.get_response(request)
        if response.status_code == 401 and _has_credentials(request):
            try:
                throttle.allow_request(request, None)  # type: ignore[arg-type]
            except Exception:
                logger.warning("throttle cache unavailable", exc_info=True)
        return response


class WebMessageMiddleware(MessageMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if _is_api(request):
            # No storage: a message added here would raise (MessageFailure), not vanish.
            return
        super().process_request(request)
