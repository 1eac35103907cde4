"""A small, polite Jira Cloud REST client on httpx.

Polite means: a 429 is retried after the `Retry-After` the server asked for; a 5xx, a
timeout or a refused connection is retried with exponential backoff and jitter; and after
`max_tries` attempts (JIRA_MAX_TRIES) the client gives up with `JiraUnavailable` instead of
hammering a struggling server. Any other answer (2xx, 207, 4xx) is returned as it is: what
a 404 or a 400 means depends on the call, so the caller decides.

`sleep` and `jitter` are injected so that tests assert the delays without waiting.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from roadmap.jira import JiraSettings

logger = logging.getLogger(__name__)

# Jira Cloud's rank operation takes at most this many issues per call.
RANK_BATCH_SIZE = 50
# First backoff delay and its ceiling, in seconds: 1, 2, 4, 8, ... up to 60.
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0
# A Retry-After longer than this is not waited for: the client gives up, and the next push
# sends what this one could not. A worker asleep for an hour helps nobody.
MAX_RETRY_AFTER_SECONDS = 300.0
_RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
# How much of Jira's last answer a give-up message quotes (it ends up in the run's error).
ANSWER_EXCERPT_CHARS = 500


class JiraError(Exception):
    """Base of the errors the client raises."""


class JiraUnavailable(JiraError):
    """Jira did not answer usefully within the allowed tries (5xx, 429, network)."""

    def __init__(self, message: str, *, status: int | None, tries: int) -> None:
        super().__init__(message)
        self.status = status
        self.tries = tries


@dataclass(frozen=True)
class JiraResponse:
    """What Jira answered, once retries are over."""

    status: int
    body: Any = None
    tries: int = 1

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error_message(self) -> str:
        """Jira's own words (`errorMessages`, `errors`), or the status."""
        body = self.body
        parts: list[str] = []
        if isinstance(body, dict):
            parts.extend(str(m) for m in body.get("errorMessages") or [])
            errors = body.get("errors")
            if isinstance(errors, dict):
                parts.extend(f"{name}: {message}" for name, message in errors.items())
        elif isinstance(body, str) and body.strip():
            parts.append(body.strip()[:300])
        return "; ".join(parts) or f"HTTP {self.status}"


@dataclass
class JiraClient:
    """Calls Jira Cloud with basic auth (account e-mail and API token)."""

    base_url: str
    user_email: str
    api_token: str
    timeout_seconds: float = 10.0
    max_tries: int = 5
    sleep: Callable[[float], None] = time.sleep
    # Returns a number in [0, 1): the share of each backoff delay that is randomized.
    jitter: Callable[[], float] = random.random
    transport: httpx.BaseTransport | None = None
    # Every attempt, for the caller's counts: (method, path, status or None on a network
    # error).
    attempts: list[tuple[str, str, int | None]] = field(default_factory=list)
    _http: httpx.Client | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_settings(cls, config: JiraSettings, **kwargs: Any) -> JiraClient:
        """A client for the configured site, account, JIRA_MAX_TRIES and
        JIRA_TIMEOUT_SECONDS; `kwargs` (sleep, jitter, transport) are for tests."""
        return cls(
            base_url=config.base_url,
            user_email=config.user_email,
            api_token=config.api_token,
            timeout_seconds=config.timeout_seconds,
            max_tries=config.max_tries,
            **kwargs,
        )

    # --- The operations the push uses ----------------------------------------------------

    def issue_update_fields(self, key: str, fields: dict[str, Any]) -> JiraResponse:
        """`PUT /rest/api/3/issue/{key}` with `{"fields": fields}` (204 when done)."""
        return self.request("PUT", f"/rest/api/3/issue/{key}", {"fields": fields})

    def issues_rank(
        self,
        issues: list[str],
        *,
        after: str | None = None,
        before: str | None = None,
        rank_field_id: int | None = None,
    ) -> JiraResponse:
        """`PUT /rest/agile/1.0/issue/rank`: put `issues`, in this order, right after
        `after` (or right before `before`). 204 when every issue moved; 207 with one entry
        per issue when some did not."""
        if (after is None) == (before is None):
            raise ValueError("give exactly one of after and before")
        if not 1 <= len(issues) <= RANK_BATCH_SIZE:
            raise ValueError(f"rank 1 to {RANK_BATCH_SIZE} issues at once, not {len(issues)}")
        body: dict[str, Any] = {"issues": list(issues)}
        if after is not None:
            body["rankAfterIssue"] = after
        else:
            body["rankBeforeIssue"] = before
        if rank_field_id is not None:
            body["rankCustomFieldId"] = rank_field_id
        return self.request("PUT", "/rest/agile/1.0/issue/rank", body)

    def issue_exists(self, key: str) -> JiraResponse:
        """`GET /rest/api/3/issue/{key}` (one field only): 404 when Jira has no such issue
        (or the user may not see it). Used to tell which side of a refused rank call is
        missing."""
        return self.request("GET", f"/rest/api/3/issue/{key}?fields=summary")

    # --- Plumbing ------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None) -> JiraResponse:
        """Send one request, retrying politely; raise JiraUnavailable after `max_tries`."""
        last = ""
        answer = ""
        status: int | None = None
        for attempt in range(1, self.max_tries + 1):
            try:
                response = self._client().request(
                    method, path, content=None if body is None else json.dumps(body)
                )
            except httpx.TransportError as exc:
                status, last = None, f"{type(exc).__name__}: {exc}"
                self.attempts.append((method, path, None))
                delay = self._backoff(attempt)
            else:
                status = response.status_code
                self.attempts.append((method, path, status))
                if status not in _RETRIED_STATUSES:
                    return JiraResponse(status=status, body=_body(response), tries=attempt)
                last = f"HTTP {status}"
                answer = _excerpt(response)
                delay = self._backoff(attempt)
                if status == 429:
                    asked = _retry_after(response.headers.get("Retry-After"))
                    if asked is not None:
                        if asked > MAX_RETRY_AFTER_SECONDS:
                            raise JiraUnavailable(
                                f"{method} {path}: Jira asked to wait {asked:g} s "
                                f"(more than {MAX_RETRY_AFTER_SECONDS:g} s); giving up"
                                + (f"; Jira answered: {answer}" if answer else ""),
                                status=status,
                                tries=attempt,
                            )
                        delay = asked
            if attempt == self.max_tries:
                break
            logger.info(
                "jira %s %s: %s, try %d of %d; retrying in %.1f s",
                method,
                path,
                last,
                attempt,
                self.max_tries,
                delay,
            )
            self.sleep(delay)
        raise JiraUnavailable(
            f"{method} {path}: {last} after {self.max_tries} tries; giving up"
            + (f"; Jira answered: {answer}" if answer else ""),
            status=status,
            tries=self.max_tries,
        )

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half the delay is fixed, half random,
        so retries of many workers spread out but never come back immediately."""
        ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        return ceiling / 2 + ceiling / 2 * self.jitter()

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.base_url,
                auth=(self.user_email, self.api_token),
                timeout=self.timeout_seconds,
                headers={
                    "Accept": "application/json",
                    "Content-Type": "application/json",
                    "User-Agent": "roadmap-prioritization (Jira push)",
                },
                transport=self.transport,
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> JiraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _excerpt(response: httpx.Response) -> str:
    """The start of Jira's answer, on one line: what an admin needs to see why it gave up
    (a maintenance page, a proxy's error), never the whole of a large page."""
    text = " ".join(response.text.split())
    if len(text) > ANSWER_EXCERPT_CHARS:
        return text[:ANSWER_EXCERPT_CHARS] + "…"
    return text


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds (what Jira sends) or an
    HTTP date; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)
