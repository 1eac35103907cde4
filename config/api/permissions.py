"""Role permissions (DESIGN.md, "Roles"):

| role        | may                                                                  |
|-------------|----------------------------------------------------------------------|
| product     | everything                                                           |
| marketing   | create signals, reports and outcomes, update its own; create, change |
|             | and delete launch plans (shared with product); read everything else  |
| integration | read                                                                 |
| anonymous   | nothing (401)                                                        |
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from config.roles import Role, user_roles


def is_product(request: Request) -> bool:
    return Role.PRODUCT in user_roles(request.user)


class ReadAnyRoleWriteProduct(permissions.BasePermission):
    """Any role reads; only product writes."""

    message = "Only the product role may change this."

    def has_permission(self, request: Request, view: Any) -> bool:
        roles = user_roles(request.user)
        if request.method in permissions.SAFE_METHODS:
            return bool(roles)
        return Role.PRODUCT in roles


class ProductOnly(permissions.BasePermission):
    message = "Only the product role may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return Role.PRODUCT in user_roles(request.user)


class SharedWithMarketing(permissions.BasePermission):
    """What both teams own together (launch plans): product and marketing write, any
    role reads."""

    message = "Only the product and marketing roles may change this."

    def has_permission(self, request: Request, view: Any) -> bool:
        roles = user_roles(request.user)
        if request.method in permissions.SAFE_METHODS:
            return bool(roles)
        return bool(roles & {Role.PRODUCT, Role.MARKETING})


class EvidencePermission(permissions.BasePermission):
    """Signals, reports and outcomes: product does anything; marketing creates, and changes only
    what it submitted; integration reads."""

    message = "You may change only the evidence you submitted."

    def has_permission(self, request: Request, view: Any) -> bool:
        roles = user_roles(request.user)
        if request.method in permissions.SAFE_METHODS:
            return bool(roles)
        return bool(roles & {Role.PRODUCT, Role.MARKETING})

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        roles = user_roles(request.user)
        if Role.PRODUCT in roles:
            return True
        return Role.MARKETING in roles and obj.submitted_by_id == request.user.pk
