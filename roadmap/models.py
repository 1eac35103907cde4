from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.roles import Role
from config.text import capped_text_field
from roadmap.choices import (
    LAUNCH_CHECKLIST,
    LAUNCH_CHECKLIST_FIELDS,
    MAX_EFFORT,
    MAX_PEOPLE,
    RICE_CHOICES,
    RICE_SCALE,
    Channel,
    ItemStatus,
    LaunchStatus,
)

# The Jira sync's models live with the Jira code; imported here so that Django registers
# them with the app's other models.
from roadmap.jira.models import JiraSyncRecord, JiraSyncRun, JiraWebhookDelivery  # noqa: F401

JIRA_KEY_VALIDATOR = RegexValidator(
    r"^[A-Z][A-Z0-9_]{0,29}-[1-9][0-9]{0,9}$", _("Enter a Jira issue key such as PROJ-123.")
)


def validate_positive(value: float) -> None:
    if value is not None and not value > 0:
        raise ValidationError(gettext("Must be greater than 0."))


class Theme(models.Model):
    """A strategic objective or product area that groups roadmap items."""

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    description = capped_text_field(blank=True, verbose_name=_("description"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Segment(models.Model):
    """A customer segment or persona, shared by product and marketing."""

    slug = models.SlugField(max_length=64, unique=True, verbose_name=_("slug"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    description = capped_text_field(blank=True, verbose_name=_("description"))

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoadmapItem(models.Model):
    """Something the team could build, with product's RICE estimates (each optional).

    `version` is bumped on every update for optimistic concurrency (If-Match).
    """

    title = models.CharField(max_length=200, verbose_name=_("title"))
    description = capped_text_field(blank=True, verbose_name=_("description"))
    status = models.CharField(
        max_length=16,
        choices=ItemStatus.choices,
        default=ItemStatus.CANDIDATE,
        db_index=True,
        verbose_name=_("status"),
    )
    theme = models.ForeignKey(
        Theme,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
        verbose_name=_("theme"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_items",
        verbose_name=_("owner"),
    )
    segments = models.ManyToManyField(
        Segment, blank=True, related_name="items", verbose_name=_("segments")
    )

    reach = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_PEOPLE)],
        help_text=_("People reached per quarter (product estimate)."),
        verbose_name=_("reach"),
    )
    impact = models.FloatField(
        null=True,
        blank=True,
        choices=RICE_CHOICES,
        help_text=_("RICE impact scale."),
        verbose_name=_("impact"),
    )
    confidence = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Product confidence, 0 to 1."),
        verbose_name=_("confidence"),
    )
    effort = models.FloatField(
        null=True,
        blank=True,
        validators=[validate_positive, MaxValueValidator(MAX_EFFORT)],
        help_text=_("Person-months, greater than 0."),
        verbose_name=_("effort"),
    )

    jira_key = models.CharField(
        max_length=42, blank=True, validators=[JIRA_KEY_VALIDATOR], verbose_name=_("Jira key")
    )
    # Set by the Jira push when Jira answers 404 for the key (wrong or deleted issue); the
    # push stops sending the key until it changes, and changing it clears this.
    jira_key_missing_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("Jira key not found since"),
        help_text=_("When Jira first answered 404 for this key; not pushed until it changes."),
    )

    # The launch plan, shared by both teams, is a LaunchPlan (one-to-one, `launch_plan`).

    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=_("updated at"))

    # The Jira flag is the push's bookkeeping, not an edit: it gets no history row.
    history = HistoricalRecords(
        excluded_fields=["version", "jira_key_missing_since"], m2m_fields=[segments]
    )

    class Meta:
        verbose_name = _("roadmap item")
        verbose_name_plural = _("roadmap items")
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


# The roles whose users may own each side of a launch plan (superusers count as product,
# as in config.roles.user_roles).
PRODUCT_OWNER_CHOICES = Q(groups__name=Role.PRODUCT) | Q(is_superuser=True)
MARKETING_OWNER_CHOICES = Q(groups__name=Role.MARKETING)
MAX_KEY_MESSAGES = 10
MAX_KEY_MESSAGE_LENGTH = 300


def validate_channels(value: object) -> None:
    """A list of distinct channel codes (roadmap.choices.Channel)."""
    if not isinstance(value, list):
        raise ValidationError(gettext("Give a list of channel codes."))
    unknown = [code for code in value if code not in Channel.values]
    if unknown:
        raise ValidationError(
            gettext("Unknown channel %(code)r; use one of %(codes)s.")
            % {"code": unknown[0], "codes": ", ".join(Channel.values)}
        )
    if len(set(value)) != len(value):
        raise ValidationError(gettext("Name each channel once."))


def validate_key_messages(value: object) -> None:
    """Up to MAX_KEY_MESSAGES non-empty lines of text."""
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise ValidationError(gettext("Give a list of messages."))
    if len(value) > MAX_KEY_MESSAGES:
        raise ValidationError(
            gettext("At most %(count)d key messages.") % {"count": MAX_KEY_MESSAGES}
        )
    for message in value:
        if not message.strip():
            raise ValidationError(gettext("A key message must not be empty."))
        if len(message) > MAX_KEY_MESSAGE_LENGTH:
            raise ValidationError(
                gettext("A key message has at most %(count)d characters.")
                % {"count": MAX_KEY_MESSAGE_LENGTH}
            )


class LaunchPlan(models.Model):
    """How a roadmap item goes to market, shared by product and marketing: who it is for,
    what we say, where, when, who owns each side, and how ready the launch is.

    `readiness` is the number of checklist items done (LAUNCH_CHECKLIST), out of five; a
    plan is `ready` only with all five done (a database constraint), while a `launched`
    plan keeps whatever its checklist says, so a launch with gaps stays visible.
    """

    item = models.OneToOneField(
        RoadmapItem, on_delete=models.CASCADE, related_name="launch_plan", verbose_name=_("item")
    )
    status = models.CharField(
        max_length=16,
        choices=LaunchStatus.choices,
        default=LaunchStatus.PLANNED,
        db_index=True,
        verbose_name=_("status"),
    )
    target_segments = models.ManyToManyField(
        Segment, blank=True, related_name="launch_plans", verbose_name=_("target segments")
    )
    value_proposition = capped_text_field(blank=True, verbose_name=_("value proposition"))
    key_messages = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_key_messages],
        help_text=format_lazy(_("Up to {count} messages."), count=MAX_KEY_MESSAGES),
        verbose_name=_("key messages"),
    )
    channels = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_channels],
        help_text=format_lazy(_("Channel codes: {codes}."), codes=", ".join(Channel.values)),
        verbose_name=_("channels"),
    )
    product_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="product_launch_plans",
        limit_choices_to=PRODUCT_OWNER_CHOICES,
        help_text=_("A user with the product role."),
        verbose_name=_("product owner"),
    )
    marketing_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="marketing_launch_plans",
        limit_choices_to=MARKETING_OWNER_CHOICES,
        help_text=_("A user with the marketing role."),
        verbose_name=_("marketing owner"),
    )
    target_launch_date = models.DateField(
        null=True, blank=True, db_index=True, verbose_name=_("target launch date")
    )

    positioning_approved = models.BooleanField(
        default=False, verbose_name=_("positioning approved")
    )
    sales_enablement_ready = models.BooleanField(default=False, verbose_name=_("sales enablement"))
    documentation_ready = models.BooleanField(default=False, verbose_name=_("documentation"))
    campaign_assets_ready = models.BooleanField(default=False, verbose_name=_("campaign assets"))
    analytics_ready = models.BooleanField(default=False, verbose_name=_("analytics in place"))

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    history = HistoricalRecords(m2m_fields=[target_segments])

    class Meta:
        verbose_name = _("launch plan")
        verbose_name_plural = _("launch plans")
        ordering = [models.F("target_launch_date").asc(nulls_last=True), "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=LaunchStatus.values), name="launch_plan_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=LaunchStatus.READY)
                | Q(**dict.fromkeys(LAUNCH_CHECKLIST_FIELDS, True)),
                name="launch_plan_ready_means_checklist_done",
                violation_error_message=_("A plan is ready only when its whole checklist is done."),
            ),
        ]

    def __str__(self) -> str:
        if not self.item_id:
            return gettext("Launch plan")
        return gettext("Launch of %(item)s") % {"item": self.item}

    @property
    def readiness(self) -> int:
        """How many checklist items are done, 0 to 5."""
        return sum(1 for name in LAUNCH_CHECKLIST_FIELDS if getattr(self, name))

    @property
    def readiness_missing(self) -> list[str]:
        """The checklist items not done yet, as their labels."""
        return [str(label) for name, label in LAUNCH_CHECKLIST if not getattr(self, name)]

    @property
    def readiness_missing_codes(self) -> list[str]:
        """The checklist items not done yet, as their field names (LAUNCH_CHECKLIST): what
        is stored, to be shown later in the reader's language."""
        return [name for name, _label in LAUNCH_CHECKLIST if not getattr(self, name)]

    def clean(self) -> None:
        if self.status == LaunchStatus.READY and self.readiness < len(LAUNCH_CHECKLIST):
            raise ValidationError(
                {
                    "status": gettext(
                        "A plan is ready only when its whole checklist is done; still "
                        "missing: %(missing)s."
                    )
                    % {"missing": ", ".join(self.readiness_missing).lower()}
                }
            )


class DirtyItem(models.Model):
    """An item whose score inputs changed since its score was last computed.

    Writers upsert a row (bumping `rev`) in the transaction that changes an input; the
    scoring recompute deletes the row only if `rev` is still the one it read, so a write
    that lands during a recompute is never lost. This table is the one narrow channel from
    roadmap and signals to scoring.
    """

    item = models.OneToOneField(
        RoadmapItem,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="dirty_mark",
        verbose_name=_("item"),
    )
    rev = models.BigIntegerField(default=1, verbose_name=_("rev"))
    marked_at = models.DateTimeField(verbose_name=_("marked at"))

    class Meta:
        verbose_name = _("dirty item")
        verbose_name_plural = _("dirty items")

    def __str__(self) -> str:
        return f"item {self.item_id} dirty (rev {self.rev})"
