"""The models of the loop back (imported by signals.models, so Django finds them)."""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from roadmap.choices import Channel
from roadmap.models import LaunchPlan, RoadmapItem, Segment
from signals.choices import Kpi
from signals.kpis.ranges import kpi_value_error

# A relative lift above 100× (10,000 %) is a typo, not a plan.
MAX_EXPECTED_LIFT = 100.0


class ExpectedResult(models.Model):
    """A result a launch plan promises: a KPI (the outcomes' KPI codes), optionally for
    a segment or a channel, reaching `expected_value` or improving by `expected_lift`
    (relative, in the KPI's good direction: 0.2 is 20 % better, a fall for churn) by
    `due_date`. Written by product with marketing; judged against the outcomes measured
    after the item ships (signals.loop.verdict)."""

    launch_plan = models.ForeignKey(
        LaunchPlan,
        on_delete=models.CASCADE,
        related_name="expected_results",
        verbose_name=_("launch plan"),
    )
    kpi = models.CharField(max_length=32, choices=Kpi.choices, verbose_name=_("kpi"))
    custom_kpi = models.CharField(max_length=120, blank=True, verbose_name=_("custom kpi"))
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("segment")
    )
    channel = models.CharField(
        max_length=16, choices=Channel.choices, blank=True, verbose_name=_("channel")
    )
    expected_value = models.FloatField(
        null=True,
        blank=True,
        help_text=_("The KPI value aimed for (rates as fractions)."),
        verbose_name=_("expected value"),
    )
    expected_lift = models.FloatField(
        null=True,
        blank=True,
        help_text=_("Relative improvement aimed for, in the KPI's good direction: 0.2 = 20 %."),
        verbose_name=_("expected lift"),
    )
    due_date = models.DateField(
        help_text=_("By when the result is expected."), verbose_name=_("due date")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expected result")
        verbose_name_plural = _("expected results")
        ordering = ["launch_plan", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kpi__in=Kpi.values), name="expected_result_kpi_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel="") | Q(channel__in=Channel.values),
                name="expected_result_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(expected_value__isnull=True) ^ Q(expected_lift__isnull=True),
                name="expected_result_value_xor_lift",
            ),
            models.CheckConstraint(
                condition=Q(expected_lift__isnull=True)
                | Q(expected_lift__gt=0, expected_lift__lte=MAX_EXPECTED_LIFT),
                name="expected_result_lift_in_range",
            ),
            models.CheckConstraint(
                condition=(Q(kpi=Kpi.CUSTOM) & ~Q(custom_kpi=""))
                | (~Q(kpi=Kpi.CUSTOM) & Q(custom_kpi="")),
                name="expected_result_custom_kpi_named_iff_custom",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kpi)s expected by %(date)s") % {
            "kpi": self.kpi_name,
            "date": self.due_date,
        }

    @property
    def kpi_name(self) -> str:
        return self.custom_kpi if self.kpi == Kpi.CUSTOM else self.get_kpi_display()

    def clean(self) -> None:
        """Impossible values for the KPI are refused with the outcomes' ranges."""
        errors: dict[str, str] = {}
        if self.kpi == Kpi.CUSTOM and not self.custom_kpi.strip():
            errors["custom_kpi"] = str(_("Name the custom KPI."))
        elif self.kpi != Kpi.CUSTOM and self.custom_kpi:
            errors["custom_kpi"] = str(_("Only a custom KPI has a name; leave this empty."))
        if (self.expected_value is None) == (self.expected_lift is None):
            errors["expected_value"] = str(_("Give either an expected value or a lift, not both."))
        if self.expected_value is not None:
            problem = kpi_value_error(self.kpi, self.expected_value)
            if problem:
                errors["expected_value"] = problem
        if self.expected_lift is not None and not (
            math.isfinite(self.expected_lift) and 0 < self.expected_lift <= MAX_EXPECTED_LIFT
        ):
            errors["expected_lift"] = str(
                _("A lift is a relative improvement above 0 and at most 100 (10,000 %).")
            )
        if errors:
            raise ValidationError(errors)


class NotificationEvent(models.TextChoices):
    ITEM_SHIPPED = "item.shipped", _("Item shipped")


class Notification(models.Model):
    """Something a user should hear about, in the service (and by email if they opted in).

    One row per item, user and event (a database constraint): an item shipped, unshipped
    and shipped again notifies nobody twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    item = models.ForeignKey(
        RoadmapItem, on_delete=models.CASCADE, related_name="+", verbose_name=_("item")
    )
    event = models.CharField(
        max_length=32, choices=NotificationEvent.choices, verbose_name=_("event")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))
    emailed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("emailed at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "user", "event"], name="notification_once_per_item_user_event"
            ),
            models.CheckConstraint(
                condition=Q(event__in=NotificationEvent.values), name="notification_event_valid"
            ),
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.event} of item {self.item_id} for user {self.user_id}"


class NotificationPreference(models.Model):
    """A user's choice to get notifications by email as well (off unless chosen)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email_on_ship = models.BooleanField(
        default=False,
        help_text=_("Email me when an item I sent evidence for ships."),
        verbose_name=_("email on ship"),
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"Notification preferences of user {self.user_id}"
