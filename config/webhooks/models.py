"""Outbound webhooks (Standard Webhooks): subscriptions, the outbox of events, one
delivery per (event, subscription), and the log of every attempt.

The models live in the config app (config/models.py imports them) because no app may
know the others: roadmap, signals and scoring all write events here through
`config.webhooks.event_emit`.
"""

from __future__ import annotations

import base64
import secrets
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookSubscription(models.Model):
    """Where to send which events: a URL, the event types, the signing secret.

    `consecutive_failures` counts failed attempts since the last success; at
    WEBHOOK_DISABLE_AFTER_FAILURES the subscription is disabled (`is_active` off,
    `disabled_at` and `disabled_reason` set) and its owner sees it flagged in the admin.
    """

    url = models.URLField(max_length=500, verbose_name=_("url"))
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))
    events = models.JSONField(
        help_text=_('Event types to send, e.g. ["ranking.published"].'), verbose_name=_("events")
    )
    secret = models.CharField(
        max_length=100, default=new_secret, editable=False, verbose_name=_("secret")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_subscriptions",
        verbose_name=_("owner"),
    )
    consecutive_failures = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("consecutive failures")
    )
    disabled_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("disabled at")
    )
    disabled_reason = models.CharField(
        max_length=300, blank=True, editable=False, verbose_name=_("disabled reason")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]
        verbose_name = _("webhook subscription")

    def __str__(self) -> str:
        return self.description or self.url


class WebhookEvent(models.Model):
    """One event in the outbox, written in the transaction of the change that caused it.

    `id` is the Standard Webhooks message id (`webhook-id`, as `msg_<hex>`): the same on
    every attempt and every subscription, so receivers can drop duplicates.
    """

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("id")
    )
    type = models.CharField(max_length=64, db_index=True, verbose_name=_("type"))
    payload = models.JSONField(encoder=DjangoJSONEncoder, verbose_name=_("payload"))
    created_at = models.DateTimeField(db_index=True, verbose_name=_("created at"))

    class Meta:
        verbose_name_plural = _("webhook events")
        ordering = ["created_at", "id"]
        verbose_name = _("webhook event")

    def __str__(self) -> str:
        return f"{self.type} {self.message_id}"

    @property
    def message_id(self) -> str:
        return f"msg_{self.id.hex}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed (gave up)")


class WebhookDelivery(models.Model):
    """An event on its way to one subscription: retried with exponential backoff and
    jitter until it succeeds or `retry_until` passes (3 days by default)."""

    event = models.ForeignKey(
        WebhookEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    status = models.CharField(
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        verbose_name=_("status"),
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    # Also the lease: a worker that claims the delivery pushes this forward first, so a
    # second worker (or the sweeper) does not send it at the same time.
    next_attempt_at = models.DateTimeField(verbose_name=_("next attempt at"))
    retry_until = models.DateTimeField(verbose_name=_("retry until"))
    last_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last attempt at"))
    last_status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("last status code")
    )
    last_error = models.CharField(max_length=300, blank=True, verbose_name=_("last error"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscription"], name="webhook_delivery_event_subscription"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: the delivery log."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    attempted_at = models.DateTimeField(verbose_name=_("attempted at"))
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("status code")
    )
    ok = models.BooleanField(default=False, verbose_name=_("ok"))
    error = models.CharField(max_length=300, blank=True, verbose_name=_("error"))
    response_excerpt = models.TextField(blank=True, verbose_name=_("response excerpt"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration ms"))

    class Meta:
        verbose_name_plural = _("webhook attempts")
        ordering = ["-attempted_at", "-id"]
        verbose_name = _("webhook attempt")

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"


class WebhookCursor(models.Model):
    """How far an event source that reads a change log has emitted (the score history for
    `item.score_changed`): the log is the outbox, written in the change's transaction, and
    the cursor moves forward in the transaction that writes the events."""

    name = models.CharField(max_length=64, primary_key=True, verbose_name=_("name"))
    position = models.BigIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        verbose_name_plural = _("webhook cursors")
        verbose_name = _("webhook cursor")

    def __str__(self) -> str:
        return f"{self.name} at {self.position}"
