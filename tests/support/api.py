"""Helpers the API tests share: clients signed in with a real API key, and assertions on
the one error shape."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from config.models import ApiKey

API = "/api/v1"


def api_client_for(user: Any) -> APIClient:
    """A client that signs in as `user` with a fresh API key, the way integrations do."""
    _, key = ApiKey.objects.create_key(user=user, name=f"test key of {user.username}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert the answer is `status` in the one error shape; return the error body."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["status"] == status
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


def error_fields(response: Any) -> dict[str, Any]:
    """The invalid fields of a 400 answer."""
    return assert_error(response, 400, "invalid")["fields"]


@contextmanager
def count_queries() -> Iterator[CaptureQueriesContext]:
    with CaptureQueriesContext(connection) as captured:
        yield captured


@contextmanager
def sqlite_real_variable_limit() -> Iterator[None]:
    """Let Django batch bulk writes by the linked SQLite's real variable limit.

    Django 5.2 assumes SQLite's historical 999 variables per statement and splits a bulk
    insert of 200 rows into several statements; SQLite since 3.32 allows 32,766 (and
    Django 6 asks the library). Batching is not a query per record, but it would make a
    "same number of queries for 20 and 200 records" check depend on that assumption.
    """
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    features = connection.features
    before = features.max_query_params
    features.max_query_params = limit
    try:
        yield
    finally:
        features.max_query_params = before
