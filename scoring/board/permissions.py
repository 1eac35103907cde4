"""Who may do what on the board: the role checks of config.roles, named."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from config.roles import Role, has_role

NO_PUBLISH_REASON = _(
    "Only members of the product role can publish a ranking. Ask a product manager to "
    "publish, or an administrator to add you to the “product” group."
)


def can_publish(user: Any) -> bool:
    """Whether `user` may publish a ranking: the product role, as in the API (DESIGN.md,
    "Roles")."""
    return has_role(user, Role.PRODUCT)
