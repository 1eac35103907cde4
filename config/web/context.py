"""Template context of the web side's navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from config.roles import Role, has_role


def web_nav(request: HttpRequest) -> dict[str, Any]:
    """What the top navigation shows: the admin link is product's (marketing never needs
    the admin). Lazy, so pages without the navigation cost no query."""
    user = getattr(request, "user", None)
    return {"nav_is_product": lambda: has_role(user, Role.PRODUCT) and bool(user and user.is_staff)}
