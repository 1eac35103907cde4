"""Jira: push published rankings into Jira, let Jira tell us about status changes.

Where things live (one module per concern):

- `__init__`: the JIRA_* settings as one value (this module);
- `checks`: the system check of those settings;
- `client`: the polite HTTP client (retries, backoff, Retry-After);
- `planner`: the pure rank planner, `jira_rank_plan`;
- `queue`: queueing a push (`jira_push_queue`), called by scoring;
- `push`: the push run itself (`jira_ranking_push`);
- `runs`: a run's start and abandon, and what earlier runs left for the next to compare;
- `tasks`: its Celery task, fed by scoring through a provider (config.dispatch);
- `webhook`: verifying and applying Jira's deliveries;
- `api`: the webhook's endpoint and the runs' (`GET /api/v1/jira/runs/{id}/`);
- `admin`: the run, record and delivery admins, and the "Jira key not found" filter.

Roadmap knows neither scoring nor signals, so everything here takes plain data: scoring
provides a published ranking's entries as `push.JiraPushItem` rows.

This module holds the configuration pieces (read from Django settings, which read them
from the environment). It is imported by the settings module itself (the status map is
parsed there, so a typo stops the process at start), so it imports nothing that needs
configured settings or loaded apps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from roadmap.choices import ItemStatus

# Jira Cloud custom field ids, as the REST API names them.
CUSTOM_FIELD_RE = re.compile(r"^customfield_[0-9]{1,10}$")
# The rank field for `rankCustomFieldId`: its number, or its full id.
RANK_FIELD_RE = re.compile(r"^(customfield_)?[0-9]{1,10}$")

# The settings holding the custom field ids of the pushed values, and the value each holds.
VALUE_FIELD_SETTINGS = {
    "score": "JIRA_SCORE_FIELD",
    "reach": "JIRA_REACH_FIELD",
    "impact": "JIRA_IMPACT_FIELD",
    "confidence": "JIRA_CONFIDENCE_FIELD",
    "effort": "JIRA_EFFORT_FIELD",
}


def parse_status_map(raw: str, *, name: str = "JIRA_STATUS_MAP") -> dict[str, str]:
    """`"Done=shipped,In Progress=in_progress"` as {Jira status name: item status}.

    Strict: an entry without `=`, an empty side, a status named twice (names compare
    case-insensitively, as Jira's do) or a target that is not an item status raises
    ImproperlyConfigured naming the entry. Empty: no mapping (the webhook ignores every
    status).
    """
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for entry in raw.split(","):
        if not entry.strip():
            continue
        jira_status, sep, target = entry.partition("=")
        jira_status, target = jira_status.strip(), target.strip()
        if not sep or not jira_status or not target:
            raise ImproperlyConfigured(
                f"{name}: {entry.strip()!r} is not 'Jira status=item status' "
                "(e.g. 'Done=shipped,In Progress=in_progress')"
            )
        if target not in ItemStatus.values:
            raise ImproperlyConfigured(
                f"{name}: {entry.strip()!r} maps to {target!r}, which is not an item status "
                f"({', '.join(ItemStatus.values)})"
            )
        folded = jira_status.casefold()
        if folded in seen:
            raise ImproperlyConfigured(
                f"{name}: the Jira status {jira_status!r} is mapped twice "
                f"(also as {seen[folded]!r})"
            )
        seen[folded] = jira_status
        mapping[jira_status] = target
    return mapping


def rank_field_number(value: str) -> int | None:
    """`"10019"` or `"customfield_10019"` as 10019 (what `rankCustomFieldId` takes)."""
    value = value.strip()
    if not value:
        return None
    return int(value.removeprefix("customfield_"))


@dataclass(frozen=True)
class JiraSettings:
    """The JIRA_* settings as one value, read when needed (tests override settings)."""

    base_url: str
    user_email: str
    api_token: str
    # {"score": "customfield_10050", "reach": ...}: only the configured ones.
    value_fields: dict[str, str]
    # As configured: "10019", "customfield_10019" or "".
    rank_field: str
    max_tries: int
    timeout_seconds: float

    @property
    def rank_field_id(self) -> int | None:
        return rank_field_number(self.rank_field) if RANK_FIELD_RE.match(self.rank_field) else None

    @property
    def push_enabled(self) -> bool:
        """Everything the push needs is there and well-formed. A half-done or malformed
        configuration is reported by the system check (roadmap.jira.checks) and leaves the
        push off rather than half-working."""
        url = urlsplit(self.base_url)
        fields = list(self.value_fields.values())
        return bool(
            url.scheme in ("http", "https")
            and url.netloc
            and self.user_email
            and self.api_token
            and "score" in self.value_fields
            and all(CUSTOM_FIELD_RE.match(field) for field in fields)
            and len(set(fields)) == len(fields)
            and (not self.rank_field or RANK_FIELD_RE.match(self.rank_field))
        )


def jira_settings(settings: Any | None = None) -> JiraSettings:
    """The Jira settings from Django's settings (or any object with the same names)."""
    if settings is None:
        from django.conf import settings
    value_fields = {
        value: getattr(settings, setting, "").strip()
        for value, setting in VALUE_FIELD_SETTINGS.items()
        if getattr(settings, setting, "").strip()
    }
    rank_field = getattr(settings, "JIRA_RANK_FIELD_ID", "").strip()
    return JiraSettings(
        base_url=getattr(settings, "JIRA_BASE_URL", "").strip().rstrip("/"),
        user_email=getattr(settings, "JIRA_USER_EMAIL", "").strip(),
        api_token=getattr(settings, "JIRA_API_TOKEN", "").strip(),
        value_fields=value_fields,
        rank_field=rank_field,
        max_tries=int(getattr(settings, "JIRA_MAX_TRIES", 5)),
        timeout_seconds=float(getattr(settings, "JIRA_TIMEOUT_SECONDS", 10.0)),
    )


def jira_push_enabled() -> bool:
    """Whether publishing a ranking pushes it to Jira."""
    return jira_settings().push_enabled
