"""API key authentication: `Authorization: Api-Key <key>` (or `X-Api-Key: <key>`).

The key identifies its owner, so permissions, throttles and history all see a real user.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from config.models import ApiKey

KEYWORD = "Api-Key"


def _key_from(request: Request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        keyword, _, key = header.partition(" ")
        if keyword == KEYWORD:
            return key.strip()
        return None
    return request.META.get("HTTP_X_API_KEY") or None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        key = _key_from(request)
        if key is None:
            return None
        try:
            api_key = ApiKey.objects.get_from_key(key)
        except (ApiKey.DoesNotExist, ValueError):
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        if not api_key.user.is_active:
            raise exceptions.AuthenticationFailed("This API key's user is inactive.")
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
