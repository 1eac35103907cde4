"""`manage.py check` reports half-done integration settings; none set is fine."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from signals.slack.checks import check_integration_settings


def ids(settings_messages) -> set[str]:
    return {message.id for message in settings_messages}


def test_nothing_configured_is_fine():
    assert check_integration_settings() == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"SLACK_TEAM_ID": "T1"}, "signals.E201"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_TEAM_ID": "T1"}, "signals.E202"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb"}, "signals.W201"),
        ({"SLACK_CHANNEL": "C1"}, "signals.E203"),
        ({"SLACK_CHANNEL": "C1", "SLACK_BOT_TOKEN": "xoxb"}, "signals.W202"),
        ({"SLACK_DEFAULT_KIND": "gossip"}, "signals.E204"),
        ({"SLACK_API_URL": "ftp://slack"}, "signals.E205"),
        ({"WEBHOOK_ALLOWED_HOSTS": ["not a host/x"]}, "signals.E206"),
        ({"WEBHOOK_RETRY_BASE_SECONDS": 100.0, "WEBHOOK_RETRY_MAX_SECONDS": 10.0}, "signals.E207"),
        ({"MCP_HOST": "0.0.0.0", "MCP_ALLOWED_HOSTS": []}, "signals.W203"),
    ],
)
def test_half_done_configurations_are_reported(settings, values, expected):
    for name, value in values.items():
        setattr(settings, name, value)
    assert expected in ids(check_integration_settings())


def test_a_complete_slack_configuration_passes(settings):
    settings.SLACK_SIGNING_SECRET = "s"
    settings.SLACK_TEAM_ID = "T1"
    settings.SLACK_BOT_TOKEN = "xoxb"
    settings.SLACK_CHANNEL = "C1"
    settings.PUBLIC_BASE_URL = "https://roadmap.example.com"
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1", "10.0.0.0/8", "hooks.internal"]
    assert check_integration_settings() == []


def test_the_stdio_mcp_server_needs_a_key(settings):
    settings.MCP_API_KEY = ""
    with pytest.raises(CommandError, match="MCP_API_KEY"):
        call_command("mcp_server", "--stdio")
