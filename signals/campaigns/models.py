"""Campaigns, their funnel snapshots, and the friction reports the funnels propose.

Models of the `signals` app (signals/models.py imports them), kept in their own package
because campaigns and funnels are one concept with their own services, selectors and API.
"""

from __future__ import annotations

from typing import Any

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from roadmap.choices import MAX_PEOPLE, RICE_CHOICES, RICE_SCALE, Channel
from roadmap.models import Segment
from signals.campaigns.funnel import STAGES, funnel_order_errors
from signals.choices import FunnelStage

MAX_SPEND = 10**12


def currency_error(code: str) -> str | None:
    """Why `code` is not an ISO 4217 currency code, or None when it is."""
    if not isinstance(code, str) or len(code) != 3 or not code.isascii() or not code.isupper():
        return f"{code!r} is not an ISO 4217 code: three capital letters, such as EUR or USD."
    if pycountry.currencies.get(alpha_3=code) is None:
        return f"{code!r} is not an ISO 4217 currency."
    return None


def _iso_currency(value: str) -> None:
    problem = currency_error(value)
    if problem:
        raise ValidationError(problem)


class Owned(models.Model):
    """Where a campaign record came from and who sent it: (source, external_id) makes
    re-sending a record update it, as for signals."""

    source = models.CharField(max_length=64, default="manual", verbose_name=_("source"))
    external_id = models.CharField(max_length=200, blank=True, verbose_name=_("external id"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        abstract = True


class Campaign(Owned):
    """A marketing campaign: one channel, a target segment, a period and its spend."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    channel = models.CharField(
        max_length=16, choices=Channel.choices, db_index=True, verbose_name=_("channel")
    )
    segment = models.ForeignKey(
        Segment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The target segment."),
        verbose_name=_("segment"),
    )
    period_start = models.DateField(verbose_name=_("period start"))
    period_end = models.DateField(verbose_name=_("period end"))
    spend = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_SPEND)],
        help_text=_("Spend over the whole period."),
        verbose_name=_("spend"),
    )
    currency = models.CharField(
        max_length=3,
        validators=[_iso_currency],
        help_text=_("ISO 4217 code, such as EUR."),
        verbose_name=_("currency"),
    )
    utm_source = models.CharField(max_length=200, blank=True, verbose_name=_("utm source"))
    utm_medium = models.CharField(max_length=200, blank=True, verbose_name=_("utm medium"))
    utm_campaign = models.CharField(max_length=200, blank=True, verbose_name=_("utm campaign"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-period_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="campaign_source_external_id_unique",
            ),
            models.CheckConstraint(condition=Q(spend__gte=0), name="campaign_spend_not_negative"),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="campaign_period_in_order"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="campaign_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValidationError({"period_end": _("The period must not end before it starts.")})


def _count_field(label: str) -> models.PositiveBigIntegerField:
    return models.PositiveBigIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PEOPLE)],
        help_text=f"{label}; empty when unknown.",
    )


class FunnelSnapshot(Owned):
    """A campaign's funnel over one period. Any stage may be unknown; the known ones never
    grow down the funnel; one campaign's periods never overlap (checked by the services,
    which hold a lock on the campaign)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("campaign")
    )
    period_start = models.DateField(verbose_name=_("period start"))
    period_end = models.DateField(db_index=True, verbose_name=_("period end"))
    impressions = _count_field("Impressions")
    clicks = _count_field("Clicks")
    sign_ups = _count_field("Sign-ups")
    activated = _count_field("Sign-ups who activated")
    paid = _count_field("Converted to paid")
    retained_30 = _count_field("Paying customers retained at 30 days")
    retained_90 = _count_field("Paying customers retained at 90 days")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("funnel snapshot")
        verbose_name_plural = _("funnel snapshots")
        ordering = ["campaign_id", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="snapshot_source_external_id_unique",
            ),
            models.UniqueConstraint(
                fields=["campaign", "period_start"], name="snapshot_campaign_period_unique"
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="snapshot_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.period_start} – {self.period_end}"

    def counts(self) -> dict[str, int | None]:
        return {stage: getattr(self, stage) for stage in STAGES}

    def clean(self) -> None:
        errors: dict[str, Any] = dict(funnel_order_errors(self.counts()))
        if self.period_start and self.period_end and self.period_start > self.period_end:
            errors["period_end"] = _("The period must not end before it starts.")
        if errors:
            raise ValidationError(errors)


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class FrictionProposal(models.Model):
    """A friction report the funnels propose: a stage whose conversion in one period fell
    significantly below its baseline (funnel.stage_drop). It counts in no score: only
    when marketing confirms it does it become an ordinary FrictionReport (`report`)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("campaign")
    )
    snapshot = models.ForeignKey(
        FunnelSnapshot,
        on_delete=models.CASCADE,
        related_name="proposals",
        verbose_name=_("snapshot"),
    )
    rate = models.CharField(
        max_length=16,
        help_text=_("The conversion that fell (funnel.RATES)."),
        verbose_name=_("rate"),
    )
    funnel_stage = models.CharField(
        max_length=16, choices=FunnelStage.choices, verbose_name=_("funnel stage")
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, verbose_name=_("channel"))
    affected_people = models.PositiveBigIntegerField(
        validators=[MaxValueValidator(MAX_PEOPLE)],
        help_text=_("People lost against the baseline rate, per quarter."),
        verbose_name=_("affected people"),
    )
    severity = models.FloatField(
        choices=RICE_CHOICES, help_text=_("RICE impact scale."), verbose_name=_("severity")
    )
    figures = models.JSONField(
        default=dict,
        help_text=_("The test behind it: rates, people, z, baseline source."),
        verbose_name=_("figures"),
    )
    status = models.CharField(
        max_length=16,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PROPOSED,
        db_index=True,
        verbose_name=_("status"),
    )
    report = models.OneToOneField(
        "signals.FrictionReport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposal",
        verbose_name=_("report"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("friction proposal")
        verbose_name_plural = _("friction proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "rate"], name="proposal_snapshot_rate"),
            models.CheckConstraint(
                condition=Q(severity__in=RICE_SCALE), name="proposal_severity_on_rice_scale"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.rate} ({self.status})"
