"""Shared Jira test support: `FakeJira` (pytest-httpserver standing in for Jira Cloud),
the paths it serves, and the fixtures the Jira tests share (`fake`, `sleeps`,
`jira_settings_for`).

Test modules import from here, never from one another.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import override_settings
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

ISSUE = "/rest/api/3/issue/"
RANK = "/rest/agile/1.0/issue/rank"


@dataclass(frozen=True)
class Seen:
    """A request Jira received, and what it answered."""

    method: str
    path: str
    query: str
    body: Any
    headers: dict[str, str]
    status: int

    def line(self) -> str:
        body = "" if self.body is None else " " + json.dumps(self.body, separators=(",", ":"))
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.path}{query}{body} -> {self.status}"


class FakeJira:
    """Jira Cloud as far as the push needs it, on pytest-httpserver.

    Records every request; keeps a board (the rank order of every issue it has seen, new
    issues at the bottom) and applies rank calls to it the way Jira does; answers 404 for
    `missing` issues. A rank call naming a missing issue is refused the way
    `rank_refusal` says: "207" (the others move, one entry per issue) or "400" (nothing
    moves). One-shot answers (`answer`) come first, in the order given.
    """

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.requests: list[Seen] = []
        self.board: list[str] = []
        self.fields: dict[str, dict[str, Any]] = {}
        self.missing: set[str] = set()
        self.rank_refusal = "207"
        self._scripted: list[tuple[str, str, Response]] = []
        server.expect_request(re.compile(r"^/.*")).respond_with_handler(self._handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def answer(
        self,
        method: str,
        path: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests `method path` with `status` instead."""
        for _ in range(times):
            content = "" if body is None else json.dumps(body)
            response = Response(
                content, status=status, headers=headers, content_type="application/json"
            )
            self._scripted.append((method, path, response))

    def order_of(self, keys: list[str]) -> list[str]:
        """The board's relative order of `keys`."""
        wanted = set(keys)
        return [key for key in self.board if key in wanted]

    def log(self) -> list[str]:
        return [seen.line() for seen in self.requests]

    def _handle(self, request: Request) -> Response:
        response = self._answer(request)
        self.requests.append(
            Seen(
                method=request.method,
                path=request.path,
                query=request.query_string.decode(),
                body=request.get_json(silent=True),
                headers=dict(request.headers),
                status=response.status_code,
            )
        )
        return response

    def _answer(self, request: Request) -> Response:
        for index, (method, path, response) in enumerate(self._scripted):
            if (method, path) == (request.method, request.path):
                del self._scripted[index]
                return response
        if request.path.startswith(ISSUE):
            key = request.path.removeprefix(ISSUE)
            if key in self.missing:
                return _json(404, {"errorMessages": ["Issue does not exist."], "errors": {}})
            self._see(key)
            if request.method == "GET":
                return _json(200, {"key": key, "fields": {"summary": key}})
            self.fields[key] = request.get_json()["fields"]
            return Response(status=204)
        if request.path == RANK and request.method == "PUT":
            return self._rank(request.get_json())
        return _json(404, {"errorMessages": ["No such resource."]})

    def _see(self, key: str) -> None:
        if key not in self.board:
            self.board.append(key)

    def _rank(self, body: dict[str, Any]) -> Response:
        issues: list[str] = body["issues"]
        after, before = body.get("rankAfterIssue"), body.get("rankBeforeIssue")
        anchor = after or before
        if anchor in self.missing:
            return _json(400, {"errorMessages": [f"Issue '{anchor}' does not exist."]})
        gone = [key for key in issues if key in self.missing]
        if gone and self.rank_refusal == "400":
            return _json(400, {"errorMessages": [f"Issue '{gone[0]}' does not exist."]})
        moving = [key for key in issues if key not in self.missing]
        for key in [*moving, anchor]:
            self._see(key)
        for key in moving:
            self.board.remove(key)
        at = self.board.index(anchor) + (1 if after else 0)
        self.board[at:at] = moving
        if not gone:
            return Response(status=204)
        entries = [
            {
                "issueId": 10000 + number,
                "issueKey": key,
                "status": 404 if key in gone else 200,
                "errors": ["Issue does not exist."] if key in gone else [],
            }
            for number, key in enumerate(issues)
        ]
        return _json(207, {"entries": entries})


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


# Custom field ids of the pushed values, as the tests configure them.
SCORE, REACH, IMPACT, CONFIDENCE, EFFORT = (f"customfield_1005{n}" for n in range(5))


@contextmanager
def jira_configured(fake: FakeJira, **overrides: Any) -> Iterator[FakeJira]:
    """Jira configured to talk to `fake` (the score field only, unless `overrides` add
    more settings)."""
    settings: dict[str, Any] = {
        "JIRA_BASE_URL": fake.base_url,
        "JIRA_USER_EMAIL": "bot@example.com",
        "JIRA_API_TOKEN": "t0ken",
        "JIRA_SCORE_FIELD": SCORE,
        **overrides,
    }
    with override_settings(**settings):
        yield fake


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeJira:
    """A fresh stand-in Jira on pytest-httpserver."""
    return FakeJira(httpserver)


@pytest.fixture
def sleeps() -> list[float]:
    """The delays a client was asked to sleep (tests inject `sleeps.append`)."""
    return []
