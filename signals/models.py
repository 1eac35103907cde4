from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from roadmap.choices import MAX_PEOPLE, RICE_CHOICES, RICE_SCALE
from roadmap.models import RoadmapItem, Segment
from signals.choices import Channel, FunnelStage, ReportStatus, SignalKind

# A link weight is in (0, 1]; below 0.001 it would carry no information and could push a
# product of weights and decays under the smallest double (see scoring.engine).
MIN_LINK_WEIGHT = 0.001


def _positive_weight(value: float) -> None:
    if not MIN_LINK_WEIGHT <= value <= 1:
        raise ValidationError(f"Weight must be between {MIN_LINK_WEIGHT} and 1.")


class Evidence(models.Model):
    """Fields shared by signals and friction reports: where it came from and who sent it.

    `(source, external_id)` identifies a record in the sender's system, so re-sending the
    same record updates it instead of duplicating it.
    """

    source = models.CharField(max_length=64, default="manual")
    external_id = models.CharField(max_length=200, blank=True)
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL)
    observed_at = models.DateTimeField(db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class MarketSignal(Evidence):
    """A piece of market evidence: a customer request, sales feedback, a churn reason..."""

    kind = models.CharField(max_length=32, choices=SignalKind.choices, db_index=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    account_name = models.CharField(max_length=200, blank=True)
    account_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Annual value of the account, if known.",
    )
    dismissed = models.BooleanField(default=False, db_index=True)
    items = models.ManyToManyField(
        RoadmapItem, through="SignalLink", related_name="signals", blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-observed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="signal_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SignalKind.values), name="signal_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(account_value__isnull=True) | Q(account_value__gte=0),
                name="signal_account_value_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class FrictionReport(Evidence):
    """Marketing's measurement of where a campaign stalls, and for how many people."""

    campaign = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, db_index=True)
    funnel_stage = models.CharField(max_length=16, choices=FunnelStage.choices, db_index=True)
    affected_people = models.PositiveBigIntegerField(
        validators=[MaxValueValidator(MAX_PEOPLE)], help_text="People affected per quarter."
    )
    severity = models.FloatField(choices=RICE_CHOICES, help_text="RICE impact scale.")
    metric_name = models.CharField(max_length=120, blank=True)
    metric_before = models.FloatField(null=True, blank=True)
    metric_after = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN, db_index=True
    )
    items = models.ManyToManyField(
        RoadmapItem, through="ReportLink", related_name="friction_reports", blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-observed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="report_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=RICE_SCALE), name="report_severity_on_rice_scale"
            ),
            models.CheckConstraint(
                condition=Q(affected_people__gte=0), name="report_affected_people_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="report_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="report_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(funnel_stage__in=FunnelStage.values), name="report_stage_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.campaign} ({self.get_funnel_stage_display()})"


class Link(models.Model):
    """How strongly a piece of evidence bears on an item: weight in (0, 1]."""

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField(default=1.0, validators=[_positive_weight])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class SignalLink(Link):
    """An item ↔ market signal link."""

    signal = models.ForeignKey(MarketSignal, on_delete=models.CASCADE, related_name="links")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "signal"], name="signal_link_unique"),
            models.CheckConstraint(
                condition=Q(weight__gte=MIN_LINK_WEIGHT, weight__lte=1),
                name="signal_link_weight_range",
            ),
        ]
        indexes = [models.Index(fields=["signal", "item"])]

    def __str__(self) -> str:
        return f"signal {self.signal_id} → item {self.item_id} ({self.weight:g})"


class ReportLink(Link):
    """An item ↔ friction report link."""

    report = models.ForeignKey(FrictionReport, on_delete=models.CASCADE, related_name="links")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "report"], name="report_link_unique"),
            models.CheckConstraint(
                condition=Q(weight__gte=MIN_LINK_WEIGHT, weight__lte=1),
                name="report_link_weight_range",
            ),
        ]
        indexes = [models.Index(fields=["report", "item"])]

    def __str__(self) -> str:
        return f"report {self.report_id} → item {self.item_id} ({self.weight:g})"
