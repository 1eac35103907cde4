"""The MCP server: five tools over the service's data, each call authenticated with an
API key (HTTP: the request's `Authorization: Api-Key <key>` header; stdio: MCP_API_KEY)
and held to the REST API's roles and throttle.

Served as its own process (`manage.py mcp_server`), not mounted in the web app: the web
tier is WSGI (gunicorn sync workers), and MCP's streamable HTTP transport is an ASGI
application with long-lived streams. Its own process (uvicorn, stateless, JSON answers)
shares the code, database and keys, scales like the web tier, and a proxy routes `/mcp`
to it (README, "MCP server").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from scoring.mcp import access, tools

T = TypeVar("T")

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
Limit = Annotated[int, Field(ge=1, le=tools.MAX_LIMIT, description="At most this many rows.")]
SignalKindName = Literal[
    "customer_request",
    "sales_feedback",
    "churn_reason",
    "support_ticket",
    "competitor_move",
    "market_trend",
    "usage_insight",
]


def _key(ctx: Context | None) -> str | None:
    headers = ctx.headers if ctx is not None else None
    if headers is None:
        return settings.MCP_API_KEY or None  # stdio: the local assistant's key
    return access.key_from_headers(headers)


def _call(key: str | None, work: Callable[[access.Caller], T]) -> T:
    close_old_connections()
    try:
        caller = access.authenticate(key)
        return work(caller)
    except (access.AccessDenied, tools.ToolInputError) as exc:
        raise ToolError(str(exc)) from None
    finally:
        close_old_connections()


async def _run(ctx: Context | None, work: Callable[[access.Caller], T]) -> T:
    # The ORM is synchronous: run in Django's one worker thread for sync code.
    return await sync_to_async(_call, thread_sensitive=True)(_key(ctx), work)


def build_server() -> MCPServer:
    server: MCPServer = MCPServer(
        name="roadmap",
        instructions=(
            "The roadmap prioritization service: the ranked roadmap (live or published), why "
            "an item scores what it does, the market signals and friction reports behind it, "
            "and, for marketing, a way to submit a signal."
        ),
    )

    @server.tool(annotations=READ_ONLY)
    async def list_ranking(
        ctx: Context,
        source: Literal["live", "published"] = "live",
        number: Annotated[int | None, Field(ge=1)] = None,
        theme: int | None = None,
        status: Literal["candidate", "planned", "in_progress", "shipped", "archived"] | None = None,
        text: Annotated[str | None, Field(max_length=200)] = None,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """The ranking in order: `live` (scores as of now) or `published` (the latest
        publication, or the one `number` names). Filter by theme id, item status, text."""
        return await _run(
            ctx,
            lambda caller: tools.list_ranking(
                caller,
                source=source,
                number=number,
                theme=theme,
                status=status,
                text=text,
                limit=limit,
            ),
        )

    @server.tool(annotations=READ_ONLY)
    async def explain_item(ctx: Context, item_id: Annotated[int, Field(ge=1)]) -> dict[str, Any]:
        """Why an item scores what it does: reach, impact, confidence and effort with their
        product and market parts, the evidence that contributes most, its recent history."""
        return await _run(ctx, lambda caller: tools.explain_item(caller, item_id=item_id))

    @server.tool(annotations=READ_ONLY)
    async def search_evidence(
        ctx: Context,
        query: Annotated[str, Field(min_length=2, max_length=200)],
        kind: Literal["all", "signal", "report"] = "all",
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """Market signals and friction reports whose text mentions `query`, newest first,
        with the items each is linked to."""
        return await _run(
            ctx, lambda caller: tools.search_evidence(caller, query=query, kind=kind, limit=limit)
        )

    @server.tool(annotations=READ_ONLY)
    async def list_emerging_topics(ctx: Context, limit: Limit = 10) -> dict[str, Any]:
        """Topics the radar sees rising in recent signals (`available: false` until the
        radar is installed)."""
        return await _run(ctx, lambda caller: tools.list_emerging_topics(caller, limit=limit))

    @server.tool(
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True
        )
    )
    async def submit_signal(
        ctx: Context,
        kind: SignalKindName,
        title: Annotated[str, Field(min_length=1, max_length=200)],
        summary: Annotated[str, Field(max_length=10000)] = "",
        observed_at: str | None = None,
        account_name: Annotated[str, Field(max_length=200)] = "",
        external_id: Annotated[str, Field(max_length=200)] = "",
    ) -> dict[str, Any]:
        """Submit a market signal (marketing and product roles). `external_id` makes a
        resend harmless: the same id is refused instead of duplicated."""
        return await _run(
            ctx,
            lambda caller: tools.submit_signal(
                caller,
                kind=kind,
                title=title,
                summary=summary,
                observed_at=observed_at,
                account_name=account_name,
                external_id=external_id,
            ),
        )

    return server
