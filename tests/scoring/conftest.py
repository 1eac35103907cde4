"""Fixtures of the scoring tests: a fixed `now`, and board clients by role."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.support.factories import UserFactory


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def pm_client(client, product_user):
    client.force_login(product_user)
    return client


@pytest.fixture
def marketing_staff(db):
    """Staff (may use the admin and the board) but in the marketing role, not product."""
    return UserFactory(username="mkt-staff", role="marketing", is_staff=True)


@pytest.fixture
def marketing_staff_client(client, marketing_staff):
    client.force_login(marketing_staff)
    return client
