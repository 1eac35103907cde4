"""Who may use the web pages, and the decorator that checks it on every page view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.roles import Role, has_role

# The people who work on the web side; integration accounts talk to the API with a key.
WEB_ROLES = (Role.PRODUCT, Role.MARKETING)


def can_use_web(user: Any) -> bool:
    """Whether `user` may hold a web session: the product or marketing role (superusers
    are product). Integration accounts, and accounts without a role, may not."""
    return has_role(user, *WEB_ROLES)


def no_web_access_reason() -> str:
    return _(
        "This account is not allowed to use the web pages: only members of the product "
        "or marketing teams can sign in here. Integration accounts use the API with an API "
        "key. Ask an administrator to add you to the “product” or “marketing” group."
    )


View = Callable[..., HttpResponse]


def web_user_required(view: View) -> View:
    """Anonymous visitors go to the login page (and come back after it); a signed-in
    account that may not use the web side (an integration account whose session was
    opened elsewhere, e.g. in the admin) is signed out and refused with a 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_use_web(user):
            logout(request)
            return render(
                request,
                "web/refused.html",
                {"reason": no_web_access_reason()},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper
