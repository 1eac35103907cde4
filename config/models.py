from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

_USABLE_KEYS: dict[type[models.Model], models.QuerySet] = {}


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
