"""Browser-facing security: the Content-Security-Policy of HTML pages, and the admin login
brute-force lockout (django-axes).

Security headers Django sets itself (HSTS, nosniff, X-Frame-Options, Referrer-Policy) are
plain settings; CORS is django-cors-headers. See README, "Security".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP_HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    """Adds settings.CONTENT_SECURITY_POLICY to every HTML response outside /api/.

    The admin and the board load their scripts and styles from static files, so the policy
    allows nothing inline. The API answers JSON; its HTML pages (Swagger UI, Redoc, the
    browsable API) bootstrap with inline scripts and are left out. A view that sets its own
    policy keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if (
            policy
            and CSP_HEADER not in response
            and not request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            response[CSP_HEADER] = policy
        return response


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS.

    Axes refuses `authenticate()` calls without a request. Those come from code (a
    management command, a shell), never from a login form: every HTTP login (the admin's)
    passes its request and is checked. Without a request there is no client to lock out,
    so the call goes on to the next backend instead of failing.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
