from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from roadmap.choices import MAX_EFFORT, MAX_PEOPLE, RICE_CHOICES, RICE_SCALE, ItemStatus

JIRA_KEY_VALIDATOR = RegexValidator(
    r"^[A-Z][A-Z0-9_]{0,29}-[1-9][0-9]{0,9}$", "Enter a Jira issue key such as PROJ-123."
)


def validate_positive(value: float) -> None:
    if value is not None and not value > 0:
        raise ValidationError("Must be greater than 0.")


class Theme(models.Model):
    """A strategic objective or product area that groups roadmap items."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Segment(models.Model):
    """A customer segment or persona, shared by product and marketing."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoadmapItem(models.Model):
    """Something the team could build, with product's RICE estimates (each optional).

    `version` is bumped on every update for optimistic concurrency (If-Match).
    """

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=ItemStatus.choices, default=ItemStatus.CANDIDATE, db_index=True
    )
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_items",
    )
    segments = models.ManyToManyField(Segment, blank=True, related_name="items")

    reach = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_PEOPLE)],
        help_text="People reached per quarter (product estimate).",
    )
    impact = models.FloatField(
        null=True, blank=True, choices=RICE_CHOICES, help_text="RICE impact scale."
    )
    confidence = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Product confidence, 0 to 1.",
    )
    effort = models.FloatField(
        null=True,
        blank=True,
        validators=[validate_positive, MaxValueValidator(MAX_EFFORT)],
        help_text="Person-months, greater than 0.",
    )

    jira_key = models.CharField(
        max_length=42, blank=True, validators=[JIRA_KEY_VALIDATOR], verbose_name="Jira key"
    )

    # Launch plan, shared by both teams.
    launch_segments = models.ManyToManyField(
        Segment, blank=True, related_name="launch_items", verbose_name="target segments"
    )
    value_proposition = models.TextField(blank=True)
    launch_channels = models.JSONField(default=list, blank=True)
    target_launch_date = models.DateField(null=True, blank=True)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords(excluded_fields=["version"], m2m_fields=[segments])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(impact__isnull=True) | Q(impact__in=RICE_SCALE),
                name="item_impact_on_rice_scale",
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=1),
                name="item_confidence_between_0_and_1",
            ),
            models.CheckConstraint(
                condition=Q(effort__isnull=True) | Q(effort__gt=0), name="item_effort_positive"
            ),
            models.CheckConstraint(
                condition=Q(reach__isnull=True) | Q(reach__gte=0), name="item_reach_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="item_status_valid"
            ),
            models.UniqueConstraint(
                fields=["jira_key"], condition=~Q(jira_key=""), name="item_jira_key_unique"
            ),
        ]
        indexes = [models.Index(fields=["theme", "status"])]

    def __str__(self) -> str:
        return self.title


class DirtyItem(models.Model):
    """An item whose score inputs changed since its score was last computed.

    Writers upsert a row (bumping `rev`) in the transaction that changes an input; the
    scoring recompute deletes the row only if `rev` is still the one it read, so a write
    that lands during a recompute is never lost. This table is the one narrow channel from
    roadmap and signals to scoring.
    """

    item = models.OneToOneField(
        RoadmapItem, primary_key=True, on_delete=models.CASCADE, related_name="dirty_mark"
    )
    rev = models.BigIntegerField(default=1)
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"item {self.item_id} dirty (rev {self.rev})"
