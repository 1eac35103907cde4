"""The real-services switch: tests marked `services` need the real PostgreSQL and Redis.
Outside CI they skip when a service is unreachable; with REQUIRE_SERVICES=1 (set by
.ci/run) they fail instead."""

from __future__ import annotations

import os

import pytest


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") == "1"


def need_service(name: str, reachable: bool, why: str = "") -> None:
    """Skip, or fail under REQUIRE_SERVICES=1, when a real service is unreachable."""
    if reachable:
        return
    message = f"{name} is unreachable{': ' + why if why else ''}"
    if services_required():
        pytest.fail(message + " (REQUIRE_SERVICES=1: the real service must be up)")
    pytest.skip(message)


def migrated_rows_restore() -> None:
    """Put back the rows the migrations seed (the role groups and their permissions, the
    default scoring model): a transactional test's flush removes them, and a test that
    commits (browser, other processes) cannot rely on serialized rollback to reload them."""
    import importlib

    from django.apps import apps as django_apps

    for module, function in (
        ("roadmap.migrations.0002_role_groups", "create_groups"),
        ("scoring.migrations.0002_default_scoring_model", "create_default_model"),
    ):
        getattr(importlib.import_module(module), function)(django_apps, None)
