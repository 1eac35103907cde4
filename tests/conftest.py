"""Shared fixtures: personas for each role, and the real-services switch.

Tests marked `services` need the real PostgreSQL and Redis. Outside CI they skip when a
service is unreachable; with REQUIRE_SERVICES=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import os

import pytest

from tests.support.factories import UserFactory
from tests.support.services import need_service, services_required  # noqa: F401

# Shared fakes with their fixtures (`fake`, `sleeps`): test modules never import each other.
pytest_plugins = ["tests.support.jira"]


@pytest.fixture(autouse=True)
def _restore_migrated_rows(django_db_serialized_rollback: None) -> None:
    """Transactional tests empty every table when they end; rows created by migrations
    (the default scoring model, the role groups and their permissions) are reloaded for
    the next transactional test. Plain `db` tests roll back and need nothing."""
    return None


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Persona passwords are hashed with a cheap hasher: the real one costs ~0.3 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Throttle counters and debounce keys must not leak from one test to the next.

    Under pytest-xdist the workers share one Redis database: each keeps its keys under its
    own prefix and empties only those, so one worker's clearing never wipes the throttle
    counters another is in the middle of counting."""
    from django.core.cache import cache

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    default = settings.CACHES["default"]
    if worker and default["BACKEND"].endswith("RedisCache"):
        settings.CACHES = {**settings.CACHES, "default": {**default, "KEY_PREFIX": worker}}

        def clear() -> None:
            client = cache._cache.get_client(None, write=True)
            for key in client.scan_iter(match=f"{worker}:*", count=1000):
                client.delete(key)

    else:
        clear = cache.clear
    clear()
    yield
    clear()


@pytest.fixture
def product_user(db):
    return UserFactory(username="pm", role="product", is_staff=True, is_superuser=True)


@pytest.fixture
def marketing_user(db):
    return UserFactory(username="marketer", role="marketing")


@pytest.fixture
def other_marketing_user(db):
    return UserFactory(username="marketer2", role="marketing")


@pytest.fixture
def integration_user(db):
    return UserFactory(username="jira-bot", role="integration")
