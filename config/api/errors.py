"""One error body for every 4xx and 5xx the API answers:

    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {...}}}

`fields` maps a field (or a record index in bulk) to its messages and appears only for
validation errors.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.api.auth import EXPECTED, wrong_scheme

logger = logging.getLogger(__name__)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource changed since you read it."
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def error_body(
    status_code: int, code: str, message: str, fields: Any | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def _first_code(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _first_code(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_code(next(iter(detail.values())))
    return str(getattr(detail, "code", "invalid"))


def _all_codes(detail: Any) -> set[str]:
    if isinstance(detail, dict):
        return set().union(*(_all_codes(value) for value in detail.values())) if detail else set()
    if isinstance(detail, list):
        return set().union(*(_all_codes(value) for value in detail)) if detail else set()
    return {str(getattr(detail, "code", "invalid"))}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(fields)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    request = context.get("request")
    if (
        isinstance(exc, exceptions.NotAuthenticated)
        and request is not None
        and wrong_scheme(request.META)
    ):
        # A key was sent, but not the way we read keys: "no credentials" would mislead.
        replacement = exceptions.NotAuthenticated(EXPECTED, code="wrong_auth_scheme")
        # DRF put the WWW-Authenticate value on the original exception: keep it.
        replacement.auth_header = getattr(exc, "auth_header", None)  # type: ignore[attr-defined]
        exc = replacement

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's handler500 answers in the same shape
    if isinstance(exc, exceptions.ValidationError):
        detail: Any = exc.detail  # a dict, a list or one ErrorDetail
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        if _all_codes(detail) == {"unique"}:
            # The input is well-formed but names something that already exists.
            response.status_code = status.HTTP_409_CONFLICT
            response.data = error_body(
                409, "conflict", "A record with these values already exists.", fields
            )
            return response
        response.data = error_body(
            response.status_code, "invalid", "The request has invalid fields.", fields
        )
    else:
        detail = getattr(exc, "detail", str(exc))
        response.data = error_body(response.status_code, _first_code(detail), str(detail))
    return response


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(status_code, code, message), status=status_code)


def handler404(request: HttpRequest, exception: Exception | None = None) -> Any:
    if request.path.startswith("/api/"):
        return _json_error(404, "not_found", "Not found.")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> Any:
    if request.path.startswith("/api/"):
        return _json_error(500, "server_error", "Something went wrong on our side.")
    from django.views.defaults import server_error

    return server_error(request)


def handler400(request: HttpRequest, exception: Exception | None = None) -> Any:
    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            return _json_error(413, "payload_too_large", "The request body is too large.")
        return _json_error(400, "bad_request", "Bad request.")
    from django.views.defaults import bad_request

    return bad_request(request, exception)  # type: ignore[arg-type]
