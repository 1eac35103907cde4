from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.text import capped_text_field
from roadmap.choices import MAX_PEOPLE, RICE_CHOICES, RICE_SCALE, Channel, ItemStatus
from roadmap.models import RoadmapItem, Segment
from signals.choices import FunnelStage, Kpi, ReportStatus, SignalKind, Team
from signals.kpis.ranges import KPI_RANGES, MAX_ABS_VALUE, RATE_KPIS, kpi_value_error

# A link weight is in (0, 1]; below 0.001 it would carry no information and could push a
# product of weights and decays under the smallest double (see scoring.engine).
MIN_LINK_WEIGHT = 0.001


def _positive_weight(value: float) -> None:
    if not MIN_LINK_WEIGHT <= value <= 1:
        raise ValidationError(
            gettext("Weight must be between %(min)s and 1.") % {"min": MIN_LINK_WEIGHT}
        )


def _evidence_history(*indexed: str) -> HistoricalRecords:
    """The history of a kind of evidence. Its table is written once per record by every
    bulk upsert and read only by record id (its trail) or by date: the indexes Django would
    copy from the tracked fields (foreign keys and `db_index` fields, `indexed` here) would
    cost every write and serve no read. Deleting a user keeps the history rows that name
    them (no constraint on `history_user`)."""
    return HistoricalRecords(
        no_db_index=["segment", "submitted_by", *indexed], user_db_constraint=False
    )


class Submitted(models.Model):
    """Fields shared by signals, friction reports and outcomes: where a record came from
    and who sent it.

    `(source, external_id)` identifies a record in the sender's system, so re-sending the
    same record updates it instead of duplicating it.
    """

    source = models.CharField(max_length=64, default="manual", verbose_name=_("source"))
    external_id = models.CharField(max_length=200, blank=True, verbose_name=_("external id"))
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("segment")
    )
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


class Evidence(Submitted):
    """Signals and friction reports: evidence observed at a moment."""

    observed_at = models.DateTimeField(db_index=True, verbose_name=_("observed at"))

    class Meta:
        abstract = True


class MarketSignal(Evidence):
    """A piece of market evidence: a customer request, sales feedback, a churn reason..."""

    kind = models.CharField(max_length=32, choices=SignalKind.choices, verbose_name=_("kind"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    summary = capped_text_field(blank=True, verbose_name=_("summary"))
    account_name = models.CharField(max_length=200, blank=True, verbose_name=_("account name"))
    account_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Annual value of the account, if known."),
        verbose_name=_("account value"),
    )
    dismissed = models.BooleanField(default=False, db_index=True, verbose_name=_("dismissed"))
    items = models.ManyToManyField(
        RoadmapItem,
        through="SignalLink",
        related_name="signals",
        blank=True,
        verbose_name=_("items"),
    )

    history = _evidence_history("observed_at", "dismissed")

    class Meta:
        verbose_name = _("market signal")
        verbose_name_plural = _("market signals")
        ordering = ["-observed_at", "id"]
        # Plain B-trees for the filters: `db_index` on a CharField adds PostgreSQL a second,
        # `varchar_pattern_ops` index for LIKE, which no read of a choice field uses and
        # every insert pays.
        indexes = [models.Index(fields=["kind"], name="signal_kind")]
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

    campaign = models.CharField(max_length=200, verbose_name=_("campaign"))
    title = models.CharField(max_length=200, blank=True, verbose_name=_("title"))
    summary = capped_text_field(blank=True, verbose_name=_("summary"))
    channel = models.CharField(max_length=16, choices=Channel.choices, verbose_name=_("channel"))
    funnel_stage = models.CharField(
        max_length=16, choices=FunnelStage.choices, verbose_name=_("funnel stage")
    )
    affected_people = models.PositiveBigIntegerField(
        validators=[MaxValueValidator(MAX_PEOPLE)],
        help_text=_("People affected per quarter."),
        verbose_name=_("affected people"),
    )
    severity = models.FloatField(
        choices=RICE_CHOICES, help_text=_("RICE impact scale."), verbose_name=_("severity")
    )
    metric_name = models.CharField(max_length=120, blank=True, verbose_name=_("metric name"))
    metric_before = models.FloatField(null=True, blank=True, verbose_name=_("metric before"))
    metric_after = models.FloatField(null=True, blank=True, verbose_name=_("metric after"))
    status = models.CharField(
        max_length=16,
        choices=ReportStatus.choices,
        default=ReportStatus.OPEN,
        verbose_name=_("status"),
    )
    items = models.ManyToManyField(
        RoadmapItem,
        through="ReportLink",
        related_name="friction_reports",
        blank=True,
        verbose_name=_("items"),
    )

    history = _evidence_history("observed_at")

    class Meta:
        verbose_name = _("friction report")
        verbose_name_plural = _("friction reports")
        ordering = ["-observed_at", "id"]
        # Plain B-trees, as for the signals' kind.
        indexes = [
            models.Index(fields=["channel"], name="report_channel"),
            models.Index(fields=["funnel_stage"], name="report_funnel_stage"),
            models.Index(fields=["status"], name="report_status"),
        ]
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


# An outcome's period may end at most this far in the future (clocks and time zones).
OUTCOME_MAX_FUTURE = timedelta(days=1)


def _between(name: str, low: float, high: float) -> Q:
    return Q(**{f"{name}__gte": low, f"{name}__lte": high})


class Outcome(Submitted):
    """What a shipped item changed, measured afterwards: a KPI before (`baseline`) and
    after (`measured`) over a period, optionally for one segment or channel.

    Outcomes close the loop: the shared KPIs read them, and the calibration (scoring)
    compares them with what the item's score assumed. `people_measured` is how many
    people the measurement covers, over the period. `team` says which team measured it
    (from the submitter's role), so product's and marketing's numbers stay apart.
    """

    item = models.ForeignKey(
        RoadmapItem, on_delete=models.CASCADE, related_name="outcomes", verbose_name=_("item")
    )
    kpi = models.CharField(max_length=32, choices=Kpi.choices, db_index=True, verbose_name=_("kpi"))
    custom_kpi = models.CharField(
        max_length=120,
        blank=True,
        help_text=_("The KPI's name; required for a custom KPI only."),
        verbose_name=_("custom kpi"),
    )
    channel = models.CharField(
        max_length=16, choices=Channel.choices, blank=True, verbose_name=_("channel")
    )
    baseline = models.FloatField(
        help_text=_("The KPI before the release."), verbose_name=_("baseline")
    )
    measured = models.FloatField(
        help_text=_("The KPI measured over the period."), verbose_name=_("measured")
    )
    period_start = models.DateField(verbose_name=_("period start"))
    period_end = models.DateField(db_index=True, verbose_name=_("period end"))
    people_measured = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PEOPLE)],
        help_text=_("People the measurement covers over the period."),
        verbose_name=_("people measured"),
    )
    team = models.CharField(
        max_length=16, choices=Team.choices, editable=False, verbose_name=_("team")
    )

    history = _evidence_history("kpi", "period_end")

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["-period_end", "-id"]
        indexes = [models.Index(fields=["item", "kpi"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="outcome_source_external_id_unique",
            ),
            models.CheckConstraint(condition=Q(kpi__in=Kpi.values), name="outcome_kpi_valid"),
            models.CheckConstraint(condition=Q(team__in=Team.values), name="outcome_team_valid"),
            models.CheckConstraint(
                condition=Q(channel="") | Q(channel__in=Channel.values),
                name="outcome_channel_valid",
            ),
            models.CheckConstraint(
                condition=(Q(kpi=Kpi.CUSTOM) & ~Q(custom_kpi=""))
                | (~Q(kpi=Kpi.CUSTOM) & Q(custom_kpi="")),
                name="outcome_custom_kpi_named_iff_custom",
            ),
            models.CheckConstraint(
                condition=~Q(kpi__in=RATE_KPIS)
                | (_between("baseline", 0, 1) & _between("measured", 0, 1)),
                name="outcome_rates_between_0_and_1",
            ),
            models.CheckConstraint(
                condition=~Q(kpi=Kpi.NPS)
                | (_between("baseline", -100, 100) & _between("measured", -100, 100)),
                name="outcome_nps_between_minus_100_and_100",
            ),
            models.CheckConstraint(
                condition=_between("baseline", -MAX_ABS_VALUE, MAX_ABS_VALUE)
                & _between("measured", -MAX_ABS_VALUE, MAX_ABS_VALUE)
                & (~Q(kpi=Kpi.LTV) | Q(baseline__gte=0, measured__gte=0)),
                name="outcome_values_in_range",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="outcome_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kpi)s of item %(item)s: %(before)s → %(after)s") % {
            "kpi": self.kpi_name,
            "item": self.item_id,
            "before": f"{self.baseline:g}",
            "after": f"{self.measured:g}",
        }

    @property
    def kpi_name(self) -> str:
        return self.custom_kpi if self.kpi == Kpi.CUSTOM else self.get_kpi_display()

    def clean(self) -> None:
        """The rules the database enforces too, each on the field a sender must fix, and
        the two it cannot: the item has shipped, and the period has happened."""
        errors: dict[str, str] = {}
        if self.kpi == Kpi.CUSTOM and not self.custom_kpi.strip():
            errors["custom_kpi"] = gettext("Name the custom KPI.")
        elif self.kpi != Kpi.CUSTOM and self.custom_kpi:
            errors["custom_kpi"] = gettext("Only a custom KPI has a name; leave this empty.")
        if self.kpi in KPI_RANGES:
            for name in ("baseline", "measured"):
                value = getattr(self, name)
                problem = None if value is None else kpi_value_error(self.kpi, value)
                if problem:
                    errors[name] = problem
        if self.period_start and self.period_end:
            if self.period_start > self.period_end:
                errors["period_end"] = gettext("The period must not end before it starts.")
            elif self.period_end > timezone.now().date() + OUTCOME_MAX_FUTURE:
                errors["period_end"] = gettext(
                    "The period must have happened: it may end tomorrow at the latest."
                )
        if self.item_id is not None and self.item.status != ItemStatus.SHIPPED:
            errors["item"] = gettext(
                "Item %(item)s has not shipped (it is %(status)s): outcomes are measured "
                "after a release."
            ) % {"item": self.item_id, "status": self.item.status}
        if errors:
            raise ValidationError(errors)


class Link(models.Model):
    """How strongly a piece of evidence bears on an item: weight in (0, 1]."""

    # indexed by the unique (item, evidence) constraint of each link model
    item = models.ForeignKey(
        RoadmapItem,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("item"),
    )
    weight = models.FloatField(default=1.0, validators=[_positive_weight], verbose_name=_("weight"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        abstract = True


class SignalLink(Link):
    """An item ↔ market signal link."""

    # indexed by Index(signal, item) below
    signal = models.ForeignKey(
        MarketSignal,
        on_delete=models.CASCADE,
        related_name="links",
        db_index=False,
        verbose_name=_("signal"),
    )

    history = HistoricalRecords(no_db_index=["signal"], user_db_constraint=False)

    class Meta:
        verbose_name = _("signal link")
        verbose_name_plural = _("signal links")
        constraints = [
            models.UniqueConstraint(fields=["item", "signal"], name="signal_link_unique"),
            models.CheckConstraint(
                condition=Q(weight__gte=MIN_LINK_WEIGHT, weight__lte=1),
                name="signal_link_weight_range",
            ),
        ]
        indexes = [models.Index(fields=["signal", "item"])]

    def __str__(self) -> str:
        return gettext("signal %(signal)s → item %(item)s (%(weight)s)") % {
            "signal": self.signal_id,
            "item": self.item_id,
            "weight": f"{self.weight:g}",
        }


class ReportLink(Link):
    """An item ↔ friction report link."""

    # indexed by Index(report, item) below
    report = models.ForeignKey(
        FrictionReport,
        on_delete=models.CASCADE,
        related_name="links",
        db_index=False,
        verbose_name=_("report"),
    )

    history = HistoricalRecords(no_db_index=["report"], user_db_constraint=False)

    class Meta:
        verbose_name = _("report link")
        verbose_name_plural = _("report links")
        constraints = [
            models.UniqueConstraint(fields=["item", "report"], name="report_link_unique"),
            models.CheckConstraint(
                condition=Q(weight__gte=MIN_LINK_WEIGHT, weight__lte=1),
                name="report_link_weight_range",
            ),
        ]
        indexes = [models.Index(fields=["report", "item"])]

    def __str__(self) -> str:
        return gettext("report %(report)s → item %(item)s (%(weight)s)") % {
            "report": self.report_id,
            "item": self.item_id,
            "weight": f"{self.weight:g}",
        }


# The loop back (expected results, notifications): models kept in their own module.
# Campaigns and funnels live in their own package; imported here so Django registers them
# as models of this app.
from signals.campaigns.models import (  # noqa: E402
    Campaign,
    FrictionProposal,
    FunnelSnapshot,
)
from signals.loop.models import (  # noqa: E402
    ExpectedResult,
    Notification,
    NotificationEvent,
    NotificationPreference,
)

# The radar (issue 13) keeps its models in its own module; importing them here makes them
# part of this app.
from signals.radar.models import (  # noqa: E402
    RadarDoc,
    RadarDuplicate,
    RadarPosting,
    RadarProfile,
    RadarSuggestion,
    RadarTerm,
    RadarTopic,
)

__all__ = [
    "Campaign",
    "ExpectedResult",
    "FrictionProposal",
    "FrictionReport",
    "FunnelSnapshot",
    "MarketSignal",
    "Notification",
    "NotificationEvent",
    "NotificationPreference",
    "Outcome",
    "RadarDoc",
    "RadarDuplicate",
    "RadarPosting",
    "RadarProfile",
    "RadarSuggestion",
    "RadarTerm",
    "RadarTopic",
    "ReportLink",
    "SignalLink",
]
