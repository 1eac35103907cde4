"""python manage.py create_api_key --user NAME --role ROLE [--name N] [--expires-days D]

Prints the new key once; only its prefix and hash are stored.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from config.models import ApiKey
from config.roles import Role


class Command(BaseCommand):
    help = "Create an API key for a user (created if missing) with a role, and print it once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="")
        parser.add_argument("--expires-days", type=int, default=None)

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        username = options["user"].strip()
        if not username:
            raise CommandError("--user must not be empty")
        if options["expires_days"] is not None and options["expires_days"] <= 0:
            raise CommandError("--expires-days must be positive")
        user, _ = get_user_model().objects.get_or_create(username=username)
        # One role per user: the group decides what the key may do.
        user.groups.remove(*Group.objects.filter(name__in=Role.values))
        user.groups.add(Group.objects.get(name=options["role"]))
        expiry = None
        if options["expires_days"]:
            expiry = timezone.now() + timedelta(days=options["expires_days"])
        _, key = ApiKey.objects.create_key(
            user=user, name=options["name"] or f"{username} ({options['role']})", expiry_date=expiry
        )
        self.stdout.write(key)
