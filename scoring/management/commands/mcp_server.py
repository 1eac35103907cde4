"""Serve the MCP server: `manage.py mcp_server` (streamable HTTP on MCP_HOST:MCP_PORT,
path /mcp) or `manage.py mcp_server --stdio` (a local assistant, key in MCP_API_KEY)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve the MCP server over streamable HTTP (default) or stdio."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--stdio", action="store_true", help="Serve on stdin/stdout.")
        parser.add_argument("--host", default=None, help="Default: MCP_HOST.")
        parser.add_argument("--port", type=int, default=None, help="Default: MCP_PORT.")

    def handle(
        self, *args: Any, stdio: bool, host: str | None, port: int | None, **kw: Any
    ) -> None:
        if stdio:
            if not settings.MCP_API_KEY:
                raise CommandError("Set MCP_API_KEY to the API key the assistant acts with.")
            from scoring.mcp.server import build_server

            build_server().run("stdio")
            return
        import uvicorn

        from scoring.mcp.http import PATH, mcp_http_app

        host = host or settings.MCP_HOST
        port = port or settings.MCP_PORT
        self.stdout.write(f"MCP server on http://{host}:{port}{PATH}")
        uvicorn.run(mcp_http_app(host=host, port=port), host=host, port=port, log_level="info")
