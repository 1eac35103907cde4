"""docker-compose.yml is valid Compose, runs commands that exist here, and starts in order.

compose-spec.json beside this file is the Compose Specification's JSON schema (README.md
says where it comes from). Neither a database nor Docker is needed.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from celery import Celery
from celery.app.control import Inspect
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from django.core.management import CommandError, get_commands, load_command_class
from django.urls import Resolver404, resolve
from gunicorn.config import Config as GunicornConfig

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "compose-spec.json").read_text())
VENV_BIN = Path(sys.executable).parent
APP_SERVICES = ("web", "worker", "beat")
# What a check raises for a missing program, module, command, option or URL.
NOT_FOUND = (AssertionError, AttributeError, CommandError, Resolver404, SystemExit)


def load_compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def schema_errors(document: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}"
        for error in jsonschema.Draft7Validator(SCHEMA).iter_errors(document)
    ]


def as_argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def healthcheck_argv(test: str | list[str]) -> list[str]:
    kind, *rest = ["CMD-SHELL", test] if isinstance(test, str) else test
    return shlex.split(rest[0]) if kind == "CMD-SHELL" else rest


def assert_celery_command_exists(args: list[str]) -> None:
    assert args[:2] == ["-A", "config"], f"celery must load the project's app: {args}"
    assert isinstance(find_app("config"), Celery)
    assert find_app("config") is importlib.import_module("config").celery_app
    subcommand, *rest = args[2:]
    assert subcommand in celery_cli.commands, f"celery has no {subcommand!r} command"
    params = celery_cli.commands[subcommand].params
    known = {name for param in params for name in (*param.opts, *param.secondary_opts)}
    unknown = [arg for arg in rest if arg.startswith("-") and arg.split("=")[0] not in known]
    assert not unknown, f"celery {subcommand} has no option {unknown}"
    if subcommand == "inspect":
        assert callable(getattr(Inspect, rest[0], None)), f"celery inspect has no {rest[0]!r}"


def assert_python_command_exists(args: list[str]) -> None:
    if args[0] == "-c":
        compile(args[1], "<healthcheck>", "exec")
        for url in re.findall(r"https?://[^'\"\s]+", args[1]):
            resolve(urlsplit(url).path)  # Resolver404 for a URL the project does not serve
        return
    assert args[0] == "manage.py"
    name, *options = args[1:]
    assert name in get_commands(), f"{name!r} is not a Django management command"
    command = load_command_class(get_commands()[name], name)
    command.create_parser("manage.py", name).parse_args(options)  # CommandError if unknown


def assert_command_exists(command: list[str]) -> None:
    program, *args = command
    assert shutil.which(program, path=str(VENV_BIN)), f"{program} is not installed here"
    assert program in {"gunicorn", "celery", "python"}, f"the image runs no {program!r}"
    if program == "gunicorn":
        target = GunicornConfig().parser().parse_args(args).args[0]  # SystemExit if unknown
        module_name, attribute = target.split(":")
        assert callable(getattr(importlib.import_module(module_name), attribute))
    elif program == "celery":
        assert_celery_command_exists(args)
    else:
        assert_python_command_exists(args)


def test_compose_file_is_valid_against_the_compose_specification():
    assert schema_errors(load_compose()) == []


@pytest.mark.parametrize(
    "broken",
    [
        {"services": {"web": {"image": "x", "healthcheck": {"interval": 5}}}},
        {"services": {"web": {"image": "x"}}, "servces": {}},
        {"services": {"web": {"image": "x", "depends_on": {"db": {"condition": "ready"}}}}},
        {"services": {"web": {"image": "x", "commmand": "gunicorn"}}},
    ],
    ids=["interval-not-a-duration", "unknown-top-level-key", "unknown-condition", "typo-in-key"],
)
def test_the_schema_check_rejects_a_broken_compose_file(broken):
    assert schema_errors(broken) != []


# Importing config.wsgi builds the middleware, and WhiteNoise warns that collectstatic (run
# in the image build) has not run here.
@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")
@pytest.mark.parametrize("service", ["migrate", *APP_SERVICES])
def test_service_command_exists_in_this_environment(service):
    assert_command_exists(as_argv(load_compose()["services"][service]["command"]))


@pytest.mark.parametrize(
    "command",
    [
        "gunicorn config.wsgi:missing_application",
        "gunicorn config.wsgi:application --wrokers 3",
        "celery -A config workr",
        "celery -A config worker --concurency=2",
        "celery -A config inspect pong",
        "python manage.py migrat",
        "python manage.py migrate --no-input-please",
        "python -c \"import urllib.request; urllib.request.urlopen('http://x:8000/hea1th/')\"",
        "uwsgi --http :8000",
        "pip install .",
    ],
)
def test_the_command_check_rejects_a_command_that_does_not_exist(command):
    with pytest.raises(NOT_FOUND):
        assert_command_exists(shlex.split(command))


@pytest.mark.parametrize("service", ["web", "worker"])
def test_healthcheck_uses_only_python_or_celery_and_exists(service):
    command = healthcheck_argv(load_compose()["services"][service]["healthcheck"]["test"])
    assert command[0] in {"python", "celery"}
    assert_command_exists(command)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_service_waits_for_healthy_stores_and_completed_migrations(service):
    services = load_compose()["services"]
    depends_on = services[service]["depends_on"]
    assert {name: rule["condition"] for name, rule in depends_on.items()} == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }
    assert "healthcheck" in services["postgres"]
    assert "healthcheck" in services["redis"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", ["migrate", *APP_SERVICES])
def test_app_service_reaches_the_compose_postgres_and_redis(service):
    environment = load_compose()["services"][service]["environment"]
    assert urlsplit(environment["DATABASE_URL"]).hostname == "postgres"
    assert urlsplit(environment["REDIS_URL"]).hostname == "redis"
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_every_named_volume_used_is_declared():
    compose = load_compose()
    sources = {
        volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
    }
    named = {source for source in sources if not source.startswith((".", "/", "~"))}
    assert named == {"pgdata", "redisdata"}
    assert named <= set(compose.get("volumes") or {})
