"""The demo's logins: the superuser "admin", and a product and a marketing persona.

Each password is stable across runs: from an environment variable, else from a file in the
project folder, else generated once and written there (mode 0600). Every `make run`
therefore prints the same, working passwords. A password somebody chose since (through
the admin) is kept: the line then says it is unchanged.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from config.roles import Role

USERNAME = "admin"
PASSWORD_FILE = ".demo-admin-password"
ENV_VAR = "DEMO_ADMIN_PASSWORD"
USER_PASSWORD_FILE = ".demo-user-password"
USER_ENV_VAR = "DEMO_USER_PASSWORD"
# The personas who sign in (scoring.demo.data.USERS): a product manager (staff) and a
# marketing manager (not staff: marketing never needs the admin).
PRODUCT_LOGIN = "camille.martin"
MARKETING_LOGIN = "claire.dubois"


def base_url(port: int = 8000) -> str:
    return f"http://127.0.0.1:{port}"


def password_path(name: str = PASSWORD_FILE) -> Path:
    return Path(settings.BASE_DIR) / name


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


@transaction.atomic
def demo_admin_ensure() -> str:
    """Create the superuser "admin" if missing; return the password to print (or a note
    that it is unchanged)."""
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
    return password or f"(unchanged; set {ENV_VAR} to reset it)"


@dataclass(frozen=True)
class DemoLogin:
    team: str
    username: str
    name: str
    password: str


@transaction.atomic
def demo_logins_ensure() -> list[DemoLogin]:
    """Give the product and the marketing persona the demo password, unless they have one
    of their own; missing personas (no `seed_demo` yet) are skipped."""
    path = password_path(USER_PASSWORD_FILE)
    password = os.environ.get(USER_ENV_VAR, "").strip() or read_password_file(path)
    if password is None:
        password = secrets.token_urlsafe(12)
        write_password_file(path, password)
    logins = []
    users = get_user_model().objects.filter(username__in=[PRODUCT_LOGIN, MARKETING_LOGIN])
    by_name = {user.get_username(): user for user in users}
    for team, username in (("Product", PRODUCT_LOGIN), ("Marketing", MARKETING_LOGIN)):
        user = by_name.get(username)
        if user is None:
            continue
        shown = password
        if not user.has_usable_password():
            user.set_password(password)
            user.save(update_fields=["password"])
        elif not user.check_password(password):
            shown = "(unchanged: chosen since)"
        logins.append(DemoLogin(team, username, user.get_full_name(), shown))
    return logins
