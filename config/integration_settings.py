"""Settings of the integrations, read from the environment (star-imported by
config.settings, kept apart so the settings module stays readable). Each integration is
off until configured: outbound webhooks send nothing until a subscription exists, Slack
needs its signing secret (in) or bot token and channel (out), the MCP server its port or
an API key for stdio.
"""

from __future__ import annotations

from config.env import env_float, env_int, env_list, env_str

# --- Outbound webhooks ------------------------------------------------------------------
# Hosts (names or IP addresses, or CIDR networks) a subscription may target although they
# resolve to loopback, private or link-local addresses. Empty: only public addresses.
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS")
# Seconds an attempt may take in all (connect, send, read the answer).
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 10.0, minimum=0.1)
# Bytes of a receiver's answer read at most (the rest is dropped unread).
WEBHOOK_MAX_RESPONSE_BYTES = env_int("WEBHOOK_MAX_RESPONSE_BYTES", 65536, minimum=256)
# Hours a delivery is retried (exponential backoff with jitter) before it is given up.
WEBHOOK_RETRY_HOURS = env_float("WEBHOOK_RETRY_HOURS", 72.0, minimum=0.01)
# First retry delay in seconds; each further retry waits about twice as long (at most
# WEBHOOK_RETRY_MAX_SECONDS), with jitter.
WEBHOOK_RETRY_BASE_SECONDS = env_float("WEBHOOK_RETRY_BASE_SECONDS", 30.0, minimum=0.0)
WEBHOOK_RETRY_MAX_SECONDS = env_float("WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600.0, minimum=1.0)
# Failed attempts in a row (no success in between) after which a subscription is disabled.
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 30, minimum=1)
# item.score_changed is sent when an item's score changes by at least this fraction of its
# previous score, or its position by at least this many places, or it enters/leaves the
# ranking.
WEBHOOK_SCORE_CHANGE_THRESHOLD = env_float("WEBHOOK_SCORE_CHANGE_THRESHOLD", 0.1, minimum=0.0)
WEBHOOK_POSITION_CHANGE_THRESHOLD = env_int("WEBHOOK_POSITION_CHANGE_THRESHOLD", 3, minimum=1)

# --- Slack ------------------------------------------------------------------------------
# In: the app's signing secret (Basic Information → App Credentials); empty: the Slack
# endpoints refuse everything. SLACK_TEAM_ID: the one workspace accepted (T0123...).
SLACK_SIGNING_SECRET = env_str("SLACK_SIGNING_SECRET")
SLACK_TEAM_ID = env_str("SLACK_TEAM_ID")
# The bot token (xoxb-...) for modals, user look-ups and messages.
SLACK_BOT_TOKEN = env_str("SLACK_BOT_TOKEN")
# Out: the channel (id, C0123...) receiving published rankings and the weekly digest.
SLACK_CHANNEL = env_str("SLACK_CHANNEL")
# Username of the user signals from unknown Slack authors are recorded under (created on
# first use, with the marketing role).
SLACK_INTEGRATION_USERNAME = env_str("SLACK_INTEGRATION_USERNAME", "slack-integration")
# Kind of a signal sent with /roadmap-signal without a kind, when no modal can be opened.
SLACK_DEFAULT_KIND = env_str("SLACK_DEFAULT_KIND", "customer_request")
# Slack's Web API; a test points it at a local stand-in.
SLACK_API_URL = env_str("SLACK_API_URL", "https://slack.com/api/")
# response_url values must start with this (they come from Slack, signed, but we still
# refuse to post anywhere else).
SLACK_RESPONSE_URL_PREFIX = env_str("SLACK_RESPONSE_URL_PREFIX", "https://hooks.slack.com/")
# Attempts per Slack API call (429 after Retry-After, 5xx and connection errors retried).
SLACK_MAX_RETRIES = env_int("SLACK_MAX_RETRIES", 3, minimum=0)
# The board's public address, for links in messages (https://roadmap.example.com).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL").rstrip("/")

# --- MCP server (manage.py mcp_server) --------------------------------------------------
MCP_HOST = env_str("MCP_HOST", "127.0.0.1")
MCP_PORT = env_int("MCP_PORT", 8001, minimum=1)
# Host names the MCP HTTP server answers to (DNS rebinding protection); empty: MCP_HOST.
MCP_ALLOWED_HOSTS = env_list("MCP_ALLOWED_HOSTS")
# stdio transport only: the API key the local assistant acts with.
MCP_API_KEY = env_str("MCP_API_KEY")
