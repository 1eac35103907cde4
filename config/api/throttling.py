from __future__ import annotations

import logging
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class ApiKeyRateThrottle(SimpleRateThrottle):
    """A budget per API key (per user for session logins, per address for anonymous)."""

    scope = "api_key"

    def get_cache_key(self, request: Request, view: Any) -> str:
        auth = request.auth
        prefix = getattr(auth, "prefix", None)
        if prefix:
            ident = f"key:{prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:
            # The cache (Redis) is down: serve rather than refuse everyone. Throttling is a
            # courtesy to the server, not a security boundary.
            logger.warning("throttle cache unavailable; allowing the request", exc_info=True)
            return True
