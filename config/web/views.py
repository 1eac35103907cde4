"""The login and logout pages of the web side, and `/`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from config.web.access import can_use_web, no_web_access_reason


class WebAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing accounts that may not use the web side: the password
    is right, but an integration account never gets a session."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not can_use_web(user):
            raise ValidationError(no_web_access_reason(), code="no_web_access")


class WebLoginView(LoginView):
    """One login page for product and marketing. The request reaches `authenticate`, so
    django-axes' lockout (config.security.LoginThrottleBackend) applies as in the admin."""

    template_name = "web/login.html"
    authentication_form = WebAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("board:index")


class WebLogoutView(LogoutView):
    """POST only (Django's LogoutView): a link cannot sign someone out."""

    next_page = "web:login"


def home(request: HttpRequest) -> HttpResponse:
    """`/` is the board; the board sends anonymous visitors to the login page."""
    return redirect("board:index")
