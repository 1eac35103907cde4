"""`manage.py ensure_demo_logins`: the product and marketing personas' logins
(scoring.demo.logins)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scoring.demo.logins import base_url, demo_logins_ensure


class Command(BaseCommand):
    help = "Give the demo's product and marketing personas a password and print their logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Port the URL names.")

    def handle(self, *args: Any, port: int = 8000, **options: Any) -> None:
        logins = demo_logins_ensure()
        if not logins:
            self.stdout.write("No demo personas to sign in as: run `manage.py seed_demo` first.")
        for login in logins:
            self.stdout.write(
                f"{login.team} login: {base_url(port)}/board/  user: {login.username} "
                f"({login.name})  password: {login.password}"
            )
