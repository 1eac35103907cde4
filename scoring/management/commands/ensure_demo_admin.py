"""`manage.py ensure_demo_admin`: the demo superuser "admin" (scoring.demo.logins)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scoring.demo.logins import USERNAME, base_url, demo_admin_ensure


class Command(BaseCommand):
    help = 'Create the demo superuser "admin" if missing and print how to sign in.'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Port the URL names.")

    def handle(self, *args: Any, port: int = 8000, **options: Any) -> None:
        password = demo_admin_ensure()
        url = f"{base_url(port)}/admin/"
        self.stdout.write(f"Admin login: {url}  user: {USERNAME}  password: {password}")
