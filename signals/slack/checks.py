"""System checks of the integration settings (Slack in and out, webhooks, MCP): nothing
set is fine (each is off); a half-done configuration is an Error, as for Jira."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from signals.choices import SignalKind


def _set(name: str) -> bool:
    return bool(str(getattr(settings, name, "") or "").strip())


@register()
def check_integration_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    slack_in = _set("SLACK_SIGNING_SECRET")
    if _set("SLACK_TEAM_ID") and not slack_in:
        messages.append(
            Error(
                "SLACK_TEAM_ID is set but SLACK_SIGNING_SECRET is not: Slack requests are "
                "all refused.",
                hint="Set SLACK_SIGNING_SECRET (the app's Basic Information → Signing Secret).",
                id="signals.E201",
            )
        )
    if slack_in and not _set("SLACK_BOT_TOKEN"):
        messages.append(
            Error(
                "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not: the shortcut cannot "
                "open its modal and authors cannot be looked up.",
                hint="Set SLACK_BOT_TOKEN (OAuth & Permissions → Bot User OAuth Token).",
                id="signals.E202",
            )
        )
    if slack_in and not _set("SLACK_TEAM_ID"):
        messages.append(
            Warning(
                "SLACK_TEAM_ID is not set: requests from any workspace where the app is "
                "installed are accepted.",
                hint="Set SLACK_TEAM_ID to your workspace id (T0123...).",
                id="signals.W201",
            )
        )
    if _set("SLACK_CHANNEL") and not _set("SLACK_BOT_TOKEN"):
        messages.append(
            Error(
                "SLACK_CHANNEL is set but SLACK_BOT_TOKEN is not: nothing can be posted.",
                hint="Set SLACK_BOT_TOKEN, or unset SLACK_CHANNEL.",
                id="signals.E203",
            )
        )
    if _set("SLACK_CHANNEL") and not _set("PUBLIC_BASE_URL"):
        messages.append(
            Warning(
                "SLACK_CHANNEL is set but PUBLIC_BASE_URL is not: messages carry no board link.",
                hint="Set PUBLIC_BASE_URL, e.g. https://roadmap.example.com.",
                id="signals.W202",
            )
        )
    if settings.SLACK_DEFAULT_KIND not in SignalKind.values:
        messages.append(
            Error(
                f"SLACK_DEFAULT_KIND {settings.SLACK_DEFAULT_KIND!r} is not a signal kind.",
                hint=f"One of {', '.join(SignalKind.values)}.",
                id="signals.E204",
            )
        )
    for name in ("SLACK_API_URL", "SLACK_RESPONSE_URL_PREFIX", "PUBLIC_BASE_URL"):
        value = str(getattr(settings, name, "") or "")
        if value and urlsplit(value).scheme not in ("http", "https"):
            messages.append(Error(f"{name} {value!r} is not an http(s) URL.", id="signals.E205"))
    for entry in settings.WEBHOOK_ALLOWED_HOSTS:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if "/" in entry or not entry.replace("-", "").replace(".", "").isalnum():
                messages.append(
                    Error(
                        f"WEBHOOK_ALLOWED_HOSTS entry {entry!r} is neither a host name nor "
                        "an address or network.",
                        id="signals.E206",
                    )
                )
    if settings.WEBHOOK_RETRY_BASE_SECONDS > settings.WEBHOOK_RETRY_MAX_SECONDS:
        messages.append(
            Error(
                "WEBHOOK_RETRY_BASE_SECONDS is above WEBHOOK_RETRY_MAX_SECONDS.",
                id="signals.E207",
            )
        )
    if settings.MCP_HOST not in ("127.0.0.1", "localhost", "::1") and not getattr(
        settings, "MCP_ALLOWED_HOSTS", None
    ):
        messages.append(
            Warning(
                f"MCP_HOST is {settings.MCP_HOST!r} but MCP_ALLOWED_HOSTS is empty: the MCP "
                "server refuses requests whose Host header it does not know.",
                hint="Set MCP_ALLOWED_HOSTS to the host name clients use (mcp.example.com).",
                id="signals.W203",
            )
        )
    return messages
