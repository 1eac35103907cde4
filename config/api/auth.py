"""API key authentication: `Authorization: Api-Key <key>` (or `X-Api-Key: <key>`).

The key identifies its owner, so permissions, throttles and history all see a real user.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from config.models import ApiKey
from config.roles import Role

KEYWORD = "Api-Key"


EXPECTED = f"Send the API key as `Authorization: {KEYWORD} <key>` (or `X-Api-Key: <key>`)."


def api_key_from_headers(meta: Mapping[str, Any]) -> str | None:
    """The key of `Authorization: Api-Key <key>` or `X-Api-Key: <key>`, else None."""
    header = meta.get("HTTP_AUTHORIZATION", "")
    if header:
        keyword, _, key = header.partition(" ")
        if keyword == KEYWORD:
            return key.strip()
        return None
    return meta.get("HTTP_X_API_KEY") or None


def _key_from(request: Request) -> str | None:
    return api_key_from_headers(request.META)


def wrong_scheme(meta: Mapping[str, Any]) -> bool:
    """An Authorization header that is not ours (`Bearer x`, a bare key): say what we
    expect instead of "no credentials"."""
    header = meta.get("HTTP_AUTHORIZATION", "")
    return bool(header) and header.partition(" ")[0] != KEYWORD


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        key = _key_from(request)
        if key is None:
            return None
        return self.authenticate_key(key)

    def authenticate_key(self, key: str) -> tuple[Any, ApiKey]:
        try:
            # The library types it as its abstract base; ApiKey's manager returns an ApiKey.
            api_key = cast(ApiKey, ApiKey.objects.get_from_key(key))
        except (ApiKey.DoesNotExist, ValueError):
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        if not api_key.user.is_active:
            raise exceptions.AuthenticationFailed("This API key's user is inactive.")
        # The roles came with the key (ApiKeyManager.get_usable_keys): no query per request.
        names = {role for role in Role.values if getattr(api_key, f"has_role_{role}", False)}
        if api_key.user.is_superuser:
            names.add(Role.PRODUCT)
        api_key.user._roles_cache = frozenset(names)  # type: ignore[attr-defined]  # see config.roles
        # At most one write a minute per key: enough to show "last used" in the admin.
        now = timezone.now()
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return api_key.user, api_key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "config.api.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`; create one with `manage.py create_api_key`.",
        }


class QueryApiKeyAuthentication(ApiKeyAuthentication):
    """The API key as `?key=<key>`, for clients that cannot send headers (calendar apps
    subscribing to a feed). Only the views that list this class accept it, and a key in a
    header wins. A URL with a key ends up in proxy and browser histories: give such
    clients a dedicated integration key with an expiry. The key is never logged here, and
    Django logs only the path of a failed request, not its query string."""

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        if _key_from(request) is not None:
            return None
        key = request.query_params.get("key")
        if key is None:
            return None
        return self.authenticate_key(key)


class QueryApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "config.api.auth.QueryApiKeyAuthentication"
    name = "ApiKeyQuery"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "query",
            "name": "key",
            "description": "The API key in the URL, for calendar apps that cannot send "
            "headers. Use a dedicated integration key with an expiry: URLs end up in logs.",
        }
