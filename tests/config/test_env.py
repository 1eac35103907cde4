"""The typed environment readers fail loudly on values they cannot parse."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int, env_list, env_str


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_booleans_are_read_in_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_a_boolean_that_is_not_one_fails_loudly(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG")


def test_numbers_fail_loudly_on_garbage_and_on_values_below_their_minimum(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="N must be an integer"):
        env_int("N", 1)
    monkeypatch.setenv("N", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("N", 1, minimum=0)
    monkeypatch.setenv("F", "nan")
    with pytest.raises(ImproperlyConfigured, match="finite"):
        env_float("F", 1.0)


def test_unset_variables_take_their_defaults(monkeypatch):
    monkeypatch.delenv("UNSET_VAR", raising=False)
    assert env_int("UNSET_VAR", 7) == 7
    assert env_float("UNSET_VAR", 0.5) == 0.5
    assert env_list("UNSET_VAR", ["a"]) == ["a"]
    assert env_str("UNSET_VAR", "x") == "x"


def test_lists_are_comma_separated_and_trimmed(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example , b.example,, ")
    assert env_list("HOSTS") == ["a.example", "b.example"]


def test_the_web_entry_point_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DEBUG"] = "0"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
            "import config.wsgi",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_deploy_checks_fail_without_a_secret_key_but_other_commands_run():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DEBUG"] = "0"

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args], env=env, capture_output=True, text=True
        )

    deploy = manage("check", "--deploy")
    assert deploy.returncode != 0
    assert "config.E001" in deploy.stderr
    assert manage("makemigrations", "--check", "--dry-run").returncode == 0
