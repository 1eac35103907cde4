"""One HTTP attempt of a webhook: POST the signed body to the checked address, follow no
redirect, stop after WEBHOOK_TIMEOUT_SECONDS in all, read at most
WEBHOOK_MAX_RESPONSE_BYTES of the answer. No database access here."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

from config.webhooks.urlguard import UrlRefused, check_url

EXCERPT_CHARS = 1000


@dataclass(frozen=True)
class AttemptResult:
    ok: bool
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int


def _pinned_url(url: str, address: str, port: int) -> str:
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    return urlunsplit((parts.scheme, f"{host}:{port}", parts.path or "/", parts.query, ""))


def post(*, url: str, body: bytes, headers: dict[str, str]) -> AttemptResult:
    started = time.monotonic()

    def done(ok: bool, status: int | None, error: str, excerpt: str = "") -> AttemptResult:
        elapsed = int((time.monotonic() - started) * 1000)
        return AttemptResult(ok, status, error[:300], excerpt[:EXCERPT_CHARS], elapsed)

    try:
        target = check_url(url)
    except UrlRefused as exc:
        return done(False, None, str(exc))
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    limit = settings.WEBHOOK_MAX_RESPONSE_BYTES
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    request_headers = {
        **headers,
        "content-type": "application/json",
        "user-agent": "roadmap-webhooks/1",
        "host": netloc,
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    received = bytearray()
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "POST",
                _pinned_url(url, target.address, target.port),
                content=body,
                headers=request_headers,
                extensions=extensions,
            ) as response,
        ):
            for chunk in response.iter_raw():
                received.extend(chunk)
                if len(received) >= limit:
                    break
                if time.monotonic() - started > timeout:
                    return done(False, response.status_code, f"answer slower than {timeout:g} s")
            status = response.status_code
    except httpx.TimeoutException:
        return done(False, None, f"no answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        return done(False, None, f"{type(exc).__name__}: {exc}")
    excerpt = bytes(received[:limit]).decode("utf-8", errors="replace")
    if 200 <= status < 300:
        return done(True, status, "", excerpt)
    if 300 <= status < 400:
        return done(False, status, "redirects are not followed", excerpt)
    return done(False, status, f"HTTP {status}", excerpt)
