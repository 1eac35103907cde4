"""`manage.py ensure_demo_admin`: a superuser "admin" for the demo, with a stable password.

The password comes from DEMO_ADMIN_PASSWORD, else from `.demo-admin-password` in the
project folder, else it is generated once and written there (mode 0600). Every `make run`
therefore prints the same, working password.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from config.roles import Role

USERNAME = "admin"
PASSWORD_FILE = ".demo-admin-password"
ENV_VAR = "DEMO_ADMIN_PASSWORD"
ADMIN_URL = "http://127.0.0.1:8000/admin/"


def password_path() -> Path:
    return Path(settings.BASE_DIR) / PASSWORD_FILE


def read_password_file(path: Path) -> str | None:
    try:
        password = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # somebody loosened it; a password file is for its owner only
    return password or None


def write_password_file(path: Path, password: str) -> None:
    # Created with 0600 from the start, so the password is never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    path.chmod(0o600)


class Command(BaseCommand):
    help = 'Create the demo superuser "admin" if missing and print how to sign in.'

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        path = password_path()
        from_env = os.environ.get(ENV_VAR, "").strip() or None
        from_file = read_password_file(path)
        user_model = get_user_model()
        user = user_model.objects.filter(username=USERNAME).first()

        password = from_env or from_file
        if password is None and user is None:
            password = secrets.token_urlsafe(12)
            write_password_file(path, password)

        if user is None:
            user = user_model(username=USERNAME, email=f"{USERNAME}@demo.example")
        user.is_staff = True
        user.is_superuser = True
        user.is_active = True
        if password is not None:
            # Keep the account in step with the password this command prints.
            user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=Role.PRODUCT)[0])

        # An existing admin whose password this command never chose keeps it.
        shown = password or f"(unchanged; set {ENV_VAR} to reset it)"
        self.stdout.write(f"Admin login: {ADMIN_URL}  user: {USERNAME}  password: {shown}")
