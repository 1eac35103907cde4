"""Browser tests: Playwright's sync API driving Debian's headless Chromium against
pytest-django's live server (a real HTTP server in a thread, on a transactional database).

Browsers are never downloaded: the tests use /usr/bin/chromium, and skip when it is missing
(fail instead under REQUIRE_SERVICES=1, as CI sets it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections

from tests.support.services import need_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    # Registered here: pyproject's strict markers list belongs to the whole project.
    config.addinivalue_line(
        "markers", "e2e: drives headless Chromium against a live server (tests/e2e)"
    )


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in the main thread, the one the test and its
    ORM calls run in; Django would then take every query there for one made from async
    code. Set for the e2e tests only: a process-wide setting would also reach the
    subprocesses other tests start (`manage.py check --deploy` rejects it)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def screenshot_dir() -> Path:
    """Where the screenshots go: $CI_LOG_DIR, else .ci-logs/ in the project root."""
    path = Path(os.environ.get("CI_LOG_DIR") or Path(settings.BASE_DIR) / ".ci-logs")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium for one test; Playwright's event loop lives only as long."""
    need_service("Chromium", CHROMIUM.exists(), f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop runs, Django keeps this thread's connections apart
            # (asgiref's Local treats the thread as async), so the ORM calls made meanwhile
            # opened connections of their own: close them before the loop goes, or they
            # outlive the test database and block its teardown.
            connections.close_all()
