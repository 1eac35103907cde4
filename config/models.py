from collections.abc import Callable
from typing import Any, ClassVar, cast

from django.conf import settings
from django.db import connections, models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

_USABLE_KEYS: dict[type[models.Model], models.QuerySet] = {}


class _KeyLookup:
    """The SQL of `ApiKeyManager.key_with_owner` for one model and database, built once
    per process: the usable key of a prefix, its owner's columns and one EXISTS per role,
    with the converters the ORM would apply to each column."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from config.roles import Role

        connection = connections[alias]
        q = connection.ops.quote_name
        user_model = get_user_model()
        membership = user_model.groups.through
        self.roles = list(Role.values)
        self.key_fields = list(model._meta.concrete_fields)
        self.user_fields = list(user_model._meta.concrete_fields)

        def column(owner: Any, name: str) -> str:
            # A concrete field's quoted column (`pk` for the primary key).
            field = owner._meta.pk if name == "pk" else owner._meta.get_field(name)
            return q(str(field.column))

        exists = (
            f"EXISTS (SELECT 1 FROM {q(membership._meta.db_table)} m "  # noqa: S608
            f"JOIN {q(Group._meta.db_table)} g "
            f"ON g.{column(Group, 'pk')} = m.{column(membership, 'group')} "
            f"WHERE m.{column(membership, 'user')} = k.{column(model, 'user')} "
            f"AND g.{column(Group, 'name')} = %s)"
        )
        columns = [f"k.{q(str(f.column))}" for f in self.key_fields]
        columns += [f"u.{q(str(f.column))}" for f in self.user_fields]
        columns += [exists] * len(self.roles)
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {q(model._meta.db_table)} k "  # noqa: S608
            f"JOIN {q(user_model._meta.db_table)} u "
            f"ON u.{column(user_model, 'pk')} = k.{column(model, 'user')} "
            f"WHERE k.{column(model, 'prefix')} = %s AND NOT k.{column(model, 'revoked')}"
        )
        self.converters: list[tuple[int, list[Callable[..., Any]], Any]] = []
        for i, field in enumerate(self.key_fields + self.user_fields):
            col = field.get_col("k")
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self.converters.append((i, found, col))


_KEY_LOOKUPS: dict[tuple[type[models.Model], str], _KeyLookup] = {}


class ApiKeyManager(APIKeyManager):
    def get_usable_keys(self) -> models.QuerySet:
        # Every authenticated request starts here: building the query (three EXISTS,
        # resolved and copied) cost more than running it, so it is built once per process
        # and cloned. The query is lazy and holds no rows or connection.
        base = _USABLE_KEYS.get(self.model)
        if base is None:
            base = _USABLE_KEYS[self.model] = self._usable_keys()
        return base.all()

    def _usable_keys(self) -> models.QuerySet:
        # The owner and its roles come with the key: authentication is one query (the
        # roles as one EXISTS per role, read into the user's role cache by the
        # authentication class).
        from django.contrib.auth import get_user_model

        from config.roles import Role

        memberships = get_user_model().groups.through.objects
        roles = {
            f"has_role_{role}": models.Exists(
                memberships.filter(user_id=models.OuterRef("user_id"), group__name=role)
            )
            for role in Role.values
        }
        return super().get_usable_keys().select_related("user").annotate(**roles)

    def key_with_owner(self, prefix: str) -> Any:
        """The usable (not revoked) key of `prefix`, with its owner and its
        `has_role_<role>` flags, as `get_usable_keys().get(prefix=...)` gives them, in one
        query whose SQL is built once per process: every authenticated request starts
        here, and compiling the ORM query cost more than running it."""
        alias = self.db
        lookup = _KEY_LOOKUPS.get((self.model, alias))
        if lookup is None:
            lookup = _KEY_LOOKUPS[(self.model, alias)] = _KeyLookup(self.model, alias)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(lookup.sql, [*lookup.roles, prefix])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for i, converters, col in lookup.converters:
            for converter in converters:
                values[i] = converter(values[i], col, connection)
        keys = len(lookup.key_fields)
        users = keys + len(lookup.user_fields)
        api_key = self.model.from_db(alias, [f.attname for f in lookup.key_fields], values[:keys])
        user_model = lookup.user_fields[0].model
        user = user_model.from_db(
            alias, [f.attname for f in lookup.user_fields], values[keys:users]
        )
        api_key.user = user  # type: ignore[attr-defined]
        for role, flag in zip(lookup.roles, values[users:], strict=True):
            setattr(api_key, f"has_role_{role}", bool(flag))
        return api_key

    def get_from_key(self, key: str) -> Any:
        """The library's `get_from_key` (the usable key of the key's prefix, whose hash
        must match the key, else DoesNotExist), read with `key_with_owner`."""
        prefix, _, _ = key.partition(".")
        api_key = self.key_with_owner(prefix)
        if api_key is None:
            raise cast(Any, self.model).DoesNotExist("No usable key with this prefix.")
        if not api_key.is_valid(key):
            raise cast(Any, self.model).DoesNotExist("Key is not valid.")
        return api_key


class ApiKey(AbstractAPIKey):
    """An API key of a user: the key is shown once; only its prefix (to find it) and a
    hash (to check it) are stored. The user's group gives the role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("user"),
    )
    last_used_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last used at")
    )

    objects: ClassVar[ApiKeyManager] = ApiKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")  # type: ignore[assignment]
        verbose_name_plural = _("API keys")  # type: ignore[assignment]


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed on retries.

    `scope` identifies the caller (a hash of its credentials), so two clients may use the
    same key. Written in the same transaction as the POST's own writes.
    """

    scope = models.CharField(max_length=64, verbose_name=_("scope"))
    key = models.CharField(max_length=255, verbose_name=_("key"))
    method = models.CharField(max_length=8, verbose_name=_("method"))
    path = models.CharField(max_length=500, verbose_name=_("path"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    status_code = models.PositiveSmallIntegerField(verbose_name=_("status code"))
    content_type = models.CharField(max_length=100, verbose_name=_("content type"))
    body = models.BinaryField(verbose_name=_("body"))
    created_at = models.DateTimeField(
        auto_now_add=True, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class Generation(models.Model):
    """One row per change of what the live reads show (see `config.generations`): the
    largest id is the current generation, and the live reads derive their ETag from it,
    so an unchanged resource answers 304 after one index lookup instead of running its
    queryset. Rows are only inserted (no row lock shared by writers) and pruned as they
    go."""

    id = models.BigAutoField(primary_key=True, verbose_name=_("id"))

    class Meta:
        verbose_name = _("generation")
        verbose_name_plural = _("generations")

    def __str__(self) -> str:
        return f"generation {self.pk}"


# Outbound webhooks: their own module, registered with the app here.
from config.webhooks.models import (  # noqa: E402, F401
    WebhookAttempt,
    WebhookCursor,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
