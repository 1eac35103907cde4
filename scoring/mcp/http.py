"""The MCP server as an ASGI app for streamable HTTP: stateless (any replica answers any
request), JSON answers, and a key check in front so a request without a valid API key is
a 401 before it reaches MCP."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from mcp.server.transport_security import TransportSecuritySettings

from scoring.mcp import access
from scoring.mcp.server import build_server

PATH = "/mcp"


def _check(key: str | None) -> str | None:
    try:
        # Who, not how often: an MCP client sends several HTTP requests per tool call;
        # the throttle counts tool calls (scoring.mcp.server).
        access.authenticate(key, throttle=False)
    except access.AccessDenied as exc:
        return str(exc)
    return None


class ApiKeyGate:
    """ASGI middleware: refuse HTTP requests without a valid API key (401, the API's
    error shape). Tools check the key again, with the caller's role."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = await sync_to_async(_check, thread_sensitive=True)(
            access.key_from_headers(headers)
        )
        if refusal is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {"error": {"status": 401, "code": "not_authenticated", "message": refusal}}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b"Api-Key"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def mcp_http_app(*, host: str | None = None, port: int | None = None) -> Any:
    host = host or settings.MCP_HOST
    port = port or settings.MCP_PORT
    allowed = list(settings.MCP_ALLOWED_HOSTS) or [host, f"{host}:{port}"]
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[*allowed, *(f"{h}:{port}" for h in allowed if ":" not in h)],
        allowed_origins=[],
    )
    app = build_server().streamable_http_app(
        streamable_http_path=PATH,
        stateless_http=True,
        json_response=True,
        transport_security=security,
        host=host,
    )
    return ApiKeyGate(app)
