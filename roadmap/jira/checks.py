"""System check of the Jira settings (registered in RoadmapConfig.ready).

No JIRA_* at all is fine: Jira is off. A configuration that is half there, or malformed,
is an Error, so `manage.py check` (and `migrate`, `runserver`) stop before a push fails
at 3 a.m.; an `http://` Jira while DEBUG is off is a Warning (the API token would travel
in clear).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from roadmap.jira import CUSTOM_FIELD_RE, RANK_FIELD_RE, VALUE_FIELD_SETTINGS

_PUSH_REQUIRED = ("JIRA_BASE_URL", "JIRA_USER_EMAIL", "JIRA_API_TOKEN", "JIRA_SCORE_FIELD")
_PUSH_OPTIONAL = tuple(s for s in VALUE_FIELD_SETTINGS.values() if s != "JIRA_SCORE_FIELD")


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "").strip()


def check_jira_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report a half-done or malformed Jira configuration."""
    messages: list[CheckMessage] = []
    configured = [name for name in (*_PUSH_REQUIRED, *_PUSH_OPTIONAL) if _setting(name)]
    if _setting("JIRA_RANK_FIELD_ID"):
        configured.append("JIRA_RANK_FIELD_ID")

    if configured:
        missing = [name for name in _PUSH_REQUIRED if not _setting(name)]
        if missing:
            messages.append(
                Error(
                    f"The Jira push is half configured: {', '.join(configured)} "
                    f"{'is' if len(configured) == 1 else 'are'} set but "
                    f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not.",
                    hint="Set all of JIRA_BASE_URL, JIRA_USER_EMAIL, JIRA_API_TOKEN and "
                    "JIRA_SCORE_FIELD to push rankings to Jira, or none of the JIRA_* "
                    "push settings to leave it off.",
                    id="roadmap.E101",
                )
            )

    base_url = _setting("JIRA_BASE_URL")
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            messages.append(
                Error(
                    f"JIRA_BASE_URL {base_url!r} is not an http(s) URL.",
                    hint="e.g. https://your-company.atlassian.net",
                    id="roadmap.E102",
                )
            )
        elif parts.scheme == "http" and not settings.DEBUG:
            messages.append(
                Warning(
                    f"JIRA_BASE_URL {base_url!r} is plain http: the API token would be "
                    "sent unencrypted.",
                    hint="Use the https:// address of your Jira site.",
                    id="roadmap.W101",
                )
            )

    for name in VALUE_FIELD_SETTINGS.values():
        value = _setting(name)
        if value and not CUSTOM_FIELD_RE.match(value):
            messages.append(
                Error(
                    f"{name} {value!r} does not look like a Jira custom field id.",
                    hint="Custom field ids look like customfield_10050 (Jira settings → "
                    "Issues → Custom fields → the field's ⋯ → its id is in the URL).",
                    id="roadmap.E103",
                )
            )
    rank_field = _setting("JIRA_RANK_FIELD_ID")
    if rank_field and not RANK_FIELD_RE.match(rank_field):
        messages.append(
            Error(
                f"JIRA_RANK_FIELD_ID {rank_field!r} is not a custom field number.",
                hint="e.g. 10019 or customfield_10019 (the board's Rank field); leave it "
                "empty to use Jira's default rank field.",
                id="roadmap.E104",
            )
        )
    fields = [_setting(name) for name in VALUE_FIELD_SETTINGS.values() if _setting(name)]
    repeated = sorted({f for f in fields if fields.count(f) > 1})
    if repeated:
        messages.append(
            Error(
                f"The Jira field {', '.join(repeated)} is used for two values.",
                hint="Give JIRA_SCORE_FIELD, JIRA_REACH_FIELD, JIRA_IMPACT_FIELD, "
                "JIRA_CONFIDENCE_FIELD and JIRA_EFFORT_FIELD a field each.",
                id="roadmap.E105",
            )
        )

    if getattr(settings, "JIRA_STATUS_MAP", None) and not _setting("JIRA_WEBHOOK_SECRET"):
        messages.append(
            Warning(
                "JIRA_STATUS_MAP is set but JIRA_WEBHOOK_SECRET is not: the Jira webhook "
                "refuses every delivery, so no status is ever mapped.",
                hint="Set JIRA_WEBHOOK_SECRET to the secret of the Jira webhook.",
                id="roadmap.W102",
            )
        )
    return messages
