"""The committee's refusals speak the active language: these tests read them in English,
whatever language an earlier test's request left active in this thread."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield
