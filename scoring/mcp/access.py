"""Who calls the MCP server: the API key (same keys, roles and throttle as the REST
API), checked on every tool call. Synchronous (Django ORM); the server calls it through
asgiref's sync_to_async."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rest_framework import exceptions

from config.api.auth import ApiKeyAuthentication
from config.api.throttling import ApiKeyRateThrottle
from config.models import ApiKey
from config.roles import user_roles


class AccessDenied(Exception):
    """The call is refused; the message says why (shown to the assistant)."""


def key_from_headers(headers: Mapping[str, str] | None) -> str | None:
    if not headers:
        return None
    lowered = {name.lower(): value for name, value in headers.items()}
    keyword, _, key = lowered.get("authorization", "").partition(" ")
    if keyword == "Api-Key" and key.strip():
        return key.strip()
    return lowered.get("x-api-key") or None


@dataclass
class _ThrottleRequest:
    """What DRF's throttle reads of a request."""

    user: Any
    auth: ApiKey
    META: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Caller:
    user: Any
    roles: frozenset[str]


def authenticate(key: str | None, *, throttle: bool = True) -> Caller:
    """The caller behind `key`, throttled like the REST API (one tool call, one request);
    AccessDenied otherwise."""
    if not key:
        raise AccessDenied("An API key is required (header `Authorization: Api-Key <key>`).")
    try:
        user, api_key = ApiKeyAuthentication().authenticate_key(key)
    except exceptions.AuthenticationFailed as exc:
        raise AccessDenied(str(exc.detail)) from None
    roles = user_roles(user)
    if not roles:
        raise AccessDenied("This API key's user has no role.")
    if not throttle:
        return Caller(user=user, roles=roles)
    limiter = ApiKeyRateThrottle()
    if not limiter.allow_request(_ThrottleRequest(user=user, auth=api_key), None):  # type: ignore[arg-type]
        wait = limiter.wait() or 1
        raise AccessDenied(f"Too many requests for this key; try again in {wait:.0f} s.")
    return Caller(user=user, roles=roles)
