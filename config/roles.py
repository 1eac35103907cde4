"""The three roles of DESIGN.md, carried by Django groups so that permissions, throttles and
audit all see a real user."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PRODUCT = "product", _("Product")
    MARKETING = "marketing", _("Marketing")
    INTEGRATION = "integration", _("Integration")


def user_roles(user: User | AnonymousUser | None) -> frozenset[str]:
    """The roles of a user, read once per request object. Superusers are product."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        names = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        if user.is_superuser:
            names.add(Role.PRODUCT)
        cached = frozenset(names)
        user._roles_cache = cached  # type: ignore[attr-defined]  # per-request cache
    return cached


def has_role(user: User | AnonymousUser | None, *roles: str) -> bool:
    """Whether `user` holds any of `roles`: the one role check of the API permissions, the
    web pages and the admin."""
    return not user_roles(user).isdisjoint(roles)


def acting_user(user: AbstractBaseUser | AnonymousUser | None) -> User:
    """The signed-in user a request acts as, for the services that record who did what.

    The views' permissions already refuse anonymous requests; should one get through, it is
    a 403 (PermissionDenied), never a 500 from saving an anonymous user in a foreign key.
    """
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
