"""The Jira configuration: no JIRA_* at all is fine (Jira off); a half-done or malformed one
is reported by the system check; the status map is parsed strictly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from roadmap.jira import jira_push_enabled, jira_settings, parse_status_map
from roadmap.jira.checks import check_jira_settings

ROOT = Path(__file__).resolve().parents[2]

NOTHING = {
    "JIRA_BASE_URL": "",
    "JIRA_USER_EMAIL": "",
    "JIRA_API_TOKEN": "",
    "JIRA_SCORE_FIELD": "",
    "JIRA_REACH_FIELD": "",
    "JIRA_IMPACT_FIELD": "",
    "JIRA_CONFIDENCE_FIELD": "",
    "JIRA_EFFORT_FIELD": "",
    "JIRA_RANK_FIELD_ID": "",
    "JIRA_WEBHOOK_SECRET": "",
    "JIRA_STATUS_MAP": {},
}
COMPLETE = {
    **NOTHING,
    "JIRA_BASE_URL": "https://acme.atlassian.net",
    "JIRA_USER_EMAIL": "bot@acme.com",
    "JIRA_API_TOKEN": "t0ken",
    "JIRA_SCORE_FIELD": "customfield_10050",
}


def ids(**overrides: object) -> list[str]:
    with override_settings(**overrides):
        return [message.id for message in check_jira_settings()]


def test_no_jira_configuration_at_all_is_fine_and_leaves_the_push_off():
    assert ids(**NOTHING) == []
    with override_settings(**NOTHING):
        assert jira_push_enabled() is False


def test_a_complete_configuration_is_fine_and_turns_the_push_on():
    full = {
        **COMPLETE,
        "JIRA_REACH_FIELD": "customfield_10051",
        "JIRA_EFFORT_FIELD": "customfield_10054",
        "JIRA_RANK_FIELD_ID": "customfield_10019",
        "JIRA_WEBHOOK_SECRET": "s",
        "JIRA_STATUS_MAP": {"Done": "shipped"},
    }
    assert ids(**full) == []
    with override_settings(**full):
        assert jira_push_enabled() is True
        config = jira_settings()
    assert config.value_fields == {
        "score": "customfield_10050",
        "reach": "customfield_10051",
        "effort": "customfield_10054",
    }
    assert config.rank_field_id == 10019


@pytest.mark.parametrize(
    "half",
    [
        {"JIRA_BASE_URL": "https://acme.atlassian.net"},
        {**COMPLETE, "JIRA_API_TOKEN": ""},
        {**COMPLETE, "JIRA_SCORE_FIELD": ""},
        {**COMPLETE, "JIRA_BASE_URL": ""},
        {"JIRA_REACH_FIELD": "customfield_10051"},
        {"JIRA_RANK_FIELD_ID": "10019"},
    ],
)
def test_a_half_done_push_configuration_is_an_error_and_leaves_the_push_off(half):
    settings = {**NOTHING, **half}
    assert "roadmap.E101" in ids(**settings)
    with override_settings(**settings):
        assert jira_push_enabled() is False


def test_the_error_names_what_is_set_and_what_is_missing():
    with override_settings(**{**NOTHING, "JIRA_BASE_URL": "https://acme.atlassian.net"}):
        [message] = check_jira_settings()
    assert message.level >= 40  # Error
    assert "JIRA_BASE_URL is set" in message.msg
    assert "JIRA_USER_EMAIL, JIRA_API_TOKEN, JIRA_SCORE_FIELD are not" in message.msg


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("JIRA_SCORE_FIELD", "Roadmap score", "roadmap.E103"),
        ("JIRA_REACH_FIELD", "10051", "roadmap.E103"),
        ("JIRA_EFFORT_FIELD", "customfield_", "roadmap.E103"),
        ("JIRA_RANK_FIELD_ID", "Rank", "roadmap.E104"),
        ("JIRA_BASE_URL", "acme.atlassian.net", "roadmap.E102"),
        ("JIRA_REACH_FIELD", "customfield_10050", "roadmap.E105"),  # the score's field
    ],
)
def test_a_malformed_setting_is_an_error_and_leaves_the_push_off(setting, value, check_id):
    settings = {**COMPLETE, setting: value}
    assert check_id in ids(**settings)
    with override_settings(**settings):
        assert jira_push_enabled() is False


def test_plain_http_is_a_warning_in_production_only():
    http = {**COMPLETE, "JIRA_BASE_URL": "http://jira.internal"}
    assert ids(DEBUG=False, **http) == ["roadmap.W101"]
    assert ids(DEBUG=True, **http) == []


def test_a_status_map_without_a_webhook_secret_is_a_warning():
    assert ids(**{**NOTHING, "JIRA_STATUS_MAP": {"Done": "shipped"}}) == ["roadmap.W102"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", {}),
        ("Done=shipped", {"Done": "shipped"}),
        (
            " Done = shipped , In Progress=in_progress,Won't Do=archived, ",
            {"Done": "shipped", "In Progress": "in_progress", "Won't Do": "archived"},
        ),
    ],
)
def test_the_status_map_is_parsed(raw, expected):
    assert parse_status_map(raw) == expected


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ("Done", "is not 'Jira status=item status'"),
        ("Done=", "is not 'Jira status=item status'"),
        ("=shipped", "is not 'Jira status=item status'"),
        ("Done=finished", "'finished', which is not an item status"),
        ("Done=Shipped", "not an item status"),
        ("Done=shipped,done=archived", "mapped twice"),
    ],
)
def test_a_malformed_status_map_fails_loudly(raw, complaint):
    with pytest.raises(ImproperlyConfigured, match="JIRA_STATUS_MAP") as failed:
        parse_status_map(raw)
    assert complaint in str(failed.value)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JIRA_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_the_process_refuses_to_start_on_a_bad_status_map_and_check_reports_a_half_config():
    bad_map = _manage("check", JIRA_STATUS_MAP="Done=finished")
    assert bad_map.returncode != 0
    assert "JIRA_STATUS_MAP" in bad_map.stderr

    half = _manage("check", JIRA_BASE_URL="https://acme.atlassian.net")
    assert half.returncode != 0
    assert "roadmap.E101" in half.stderr

    assert _manage("check").returncode == 0
