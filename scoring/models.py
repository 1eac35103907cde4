import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from roadmap.models import RoadmapItem

# The parameters of a scoring model version, in field order: what a new version takes,
# what the admin edits, what an explanation reads with the score.
MODEL_PARAM_FIELDS = (
    "product_weight",
    "half_life_days",
    "evidence_gain",
    "evidence_saturation",
    "min_effort",
    "default_confidence",
    "kind_weights",
    "friction_evidence_weight",
    "segment_weights",
)


class ScoringModel(models.Model):
    """One version of the parameters of SCORING.md. Versions are immutable once saved:
    a change creates a new version, and exactly one version is active."""

    version = models.PositiveIntegerField(unique=True, editable=False, verbose_name=_("version"))
    is_active = models.BooleanField(default=False, verbose_name=_("is active"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))

    product_weight = models.FloatField(
        default=0.5, help_text=_("α, 0 to 1."), verbose_name=_("product weight")
    )
    half_life_days = models.FloatField(
        default=90.0, help_text=_("H, days, greater than 0."), verbose_name=_("half life days")
    )
    evidence_gain = models.FloatField(
        default=0.5, help_text=_("g, 0 to 1."), verbose_name=_("evidence gain")
    )
    evidence_saturation = models.FloatField(
        default=5.0, help_text=_("κ, greater than 0."), verbose_name=_("evidence saturation")
    )
    min_effort = models.FloatField(
        default=0.1, help_text=_("Person-months, greater than 0."), verbose_name=_("min effort")
    )
    default_confidence = models.FloatField(
        default=0.5, help_text=_("0 to 1."), verbose_name=_("default confidence")
    )
    kind_weights = models.JSONField(
        default=dict,
        help_text=_("Evidence weight per signal kind."),
        verbose_name=_("kind weights"),
    )
    friction_evidence_weight = models.FloatField(
        default=1.0, help_text=_("φ, at least 0."), verbose_name=_("friction evidence weight")
    )
    segment_weights = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Weight per segment slug; missing slugs weigh 1."),
        verbose_name=_("segment weights"),
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

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scoring model")
        verbose_name_plural = _("scoring models")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_scoring_model"
            ),
            models.CheckConstraint(
                condition=Q(product_weight__gte=0, product_weight__lte=1),
                name="model_product_weight_range",
            ),
            models.CheckConstraint(
                condition=Q(half_life_days__gt=0), name="model_half_life_positive"
            ),
            models.CheckConstraint(
                condition=Q(evidence_gain__gte=0, evidence_gain__lte=1),
                name="model_evidence_gain_range",
            ),
            models.CheckConstraint(
                condition=Q(evidence_saturation__gt=0), name="model_saturation_positive"
            ),
            models.CheckConstraint(condition=Q(min_effort__gt=0), name="model_min_effort_positive"),
            models.CheckConstraint(
                condition=Q(default_confidence__gte=0, default_confidence__lte=1),
                name="model_default_confidence_range",
            ),
            models.CheckConstraint(
                condition=Q(friction_evidence_weight__gte=0),
                name="model_friction_weight_not_negative",
            ),
        ]

    def __str__(self) -> str:
        if self.is_active:
            return gettext("v%(version)s (active)") % {"version": self.version}
        return f"v{self.version}"


class ItemScore(models.Model):
    """An item's current score under the active model, with its factors and their parts.

    Rewritten in bulk by recomputation. `rankable` (scored, and candidate, planned or in
    progress) puts the item in the live ranking; its position there is derived on read
    (score desc, then item id), since one item's move shifts every position between its
    old and new place and storing them would make each recompute O(all items).
    """

    item = models.OneToOneField(
        RoadmapItem,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="score",
        verbose_name=_("item"),
    )
    # No index: it would be rewritten on every recompute and nothing filters on it.
    model = models.ForeignKey(
        ScoringModel,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("model"),
    )
    score = models.FloatField(null=True, verbose_name=_("score"))
    rankable = models.BooleanField(default=False, verbose_name=_("rankable"))

    reach = models.FloatField(null=True, verbose_name=_("reach"))
    reach_product = models.FloatField(null=True, verbose_name=_("reach product"))
    reach_marketing = models.FloatField(null=True, verbose_name=_("reach marketing"))
    impact = models.FloatField(null=True, verbose_name=_("impact"))
    impact_product = models.FloatField(null=True, verbose_name=_("impact product"))
    impact_marketing = models.FloatField(null=True, verbose_name=_("impact marketing"))
    confidence = models.FloatField(verbose_name=_("confidence"))
    confidence_product = models.FloatField(verbose_name=_("confidence product"))
    evidence = models.FloatField(verbose_name=_("evidence"))
    effort = models.FloatField(null=True, verbose_name=_("effort"))
    effort_estimate = models.FloatField(null=True, verbose_name=_("effort estimate"))
    missing = models.JSONField(default=list, verbose_name=_("missing"))
    signal_count = models.PositiveIntegerField(default=0, verbose_name=_("signal count"))
    report_count = models.PositiveIntegerField(default=0, verbose_name=_("report count"))
    computed_at = models.DateTimeField(verbose_name=_("computed at"))

    class Meta:
        verbose_name = _("item score")
        verbose_name_plural = _("item scores")
        indexes = [
            # The live ranking: rankable scored items by score desc, then id.
            models.Index(
                fields=["-score", "item"],
                condition=Q(rankable=True),
                name="itemscore_rank_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.score}"


class ScoreHistory(models.Model):
    """A point in an item's score trail, written whenever a recompute changes the item's
    score or takes it into or out of the ranking, with its live position at that moment."""

    # Indexed by (item, -computed_at) below; separate FK indexes would only slow the bulk
    # inserts of every recompute. No constraint in the database either: PostgreSQL would
    # check each of a full recompute's ~100,000 new rows at commit (a tenth of the
    # recompute). Rows still go with their item (Django's cascade), and no row can outlive
    # it: the recompute writes only items that exist in its snapshot, under its lock, and
    # deleting an item takes that lock first (scoring.services.item_delete_wait_recompute),
    # so the cascade runs after any recompute that read the item has committed.
    item = models.ForeignKey(
        RoadmapItem,
        on_delete=models.CASCADE,
        related_name="score_history",
        db_index=False,
        db_constraint=False,
        verbose_name=_("item"),
    )
    # No foreign key constraint in the database: a full recompute appends ~100,000 rows
    # that all name the active version, and PostgreSQL would check each one at commit
    # (a fifth of the recompute's write time; issue 12). The version always exists:
    # versions are never deleted (no service deletes one, the admin refuses, and the
    # ItemScore and Ranking rows naming a version keep their constraints), the
    # writers take the id of the version they read in the same transaction, and Django's
    # PROTECT still refuses the deletion of a version that history names.
    model = models.ForeignKey(
        ScoringModel,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("model"),
    )
    computed_at = models.DateTimeField(verbose_name=_("computed at"))
    score = models.FloatField(null=True, verbose_name=_("score"))
    position = models.PositiveIntegerField(null=True, verbose_name=_("position"))
    reach = models.FloatField(null=True, verbose_name=_("reach"))
    impact = models.FloatField(null=True, verbose_name=_("impact"))
    confidence = models.FloatField(verbose_name=_("confidence"))
    effort = models.FloatField(null=True, verbose_name=_("effort"))
    # The parts of reach and impact (SCORING.md: product's estimate, marketing's
    # measurement), so that the calibration can hold each team's number against what was
    # measured after shipping. Empty in rows written before they were recorded.
    reach_product = models.FloatField(null=True, verbose_name=_("reach product"))
    reach_marketing = models.FloatField(null=True, verbose_name=_("reach marketing"))
    impact_product = models.FloatField(null=True, verbose_name=_("impact product"))
    impact_marketing = models.FloatField(null=True, verbose_name=_("impact marketing"))

    class Meta:
        verbose_name = _("score history")
        ordering = ["item", "-computed_at", "-id"]
        indexes = [models.Index(fields=["item", "-computed_at"], name="scorehistory_item_time")]
        verbose_name_plural = _("score history")

    def __str__(self) -> str:
        return f"{self.item_id} @ {self.computed_at:%Y-%m-%d %H:%M}: {self.score}"


class Ranking(models.Model):
    """A published ranking: an immutable, numbered snapshot of the live ranking.

    Numbers run 1, 2, 3, ... without gaps, so "what changed since the last publication" is
    always the diff against number - 1. Neither a ranking nor its entries change once
    written; a new publication is a new ranking.
    """

    number = models.PositiveIntegerField(unique=True, editable=False, verbose_name=_("number"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(verbose_name=_("published at"))
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    # The version that produced the frozen scores; PROTECT keeps every snapshot explainable.
    model = models.ForeignKey(
        ScoringModel, on_delete=models.PROTECT, related_name="+", verbose_name=_("model")
    )
    item_count = models.PositiveIntegerField(verbose_name=_("item count"))

    class Meta:
        verbose_name = _("ranking")
        verbose_name_plural = _("rankings")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="ranking_number_positive"),
        ]

    def __str__(self) -> str:
        return gettext("Ranking %(number)s") % {"number": self.number}

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A published ranking is immutable.")
        super().save(*args, **kwargs)


class RankingEntry(models.Model):
    """One item's place in a published ranking, with its score and factors as they were.

    The item is referenced without a database constraint and without cascading: a
    snapshot must outlive the item it names, which is why the title and Jira key are
    copied. `explanation` holds the factor parts of SCORING.md at publication time (not
    the contributors: those are read live from the item's score).
    """

    # Indexed by the unique (ranking, position) below; a separate FK index would be redundant.
    ranking = models.ForeignKey(
        Ranking,
        on_delete=models.CASCADE,
        related_name="entries",
        db_index=False,
        verbose_name=_("ranking"),
    )
    item = models.ForeignKey(
        RoadmapItem,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="ranking_entries",
        verbose_name=_("item"),
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))
    jira_key = models.CharField(max_length=42, blank=True, verbose_name=_("jira key"))
    position = models.PositiveIntegerField(verbose_name=_("position"))
    score = models.FloatField(verbose_name=_("score"))
    reach = models.FloatField(verbose_name=_("reach"))
    impact = models.FloatField(verbose_name=_("impact"))
    confidence = models.FloatField(verbose_name=_("confidence"))
    effort = models.FloatField(verbose_name=_("effort"))
    explanation = models.JSONField(verbose_name=_("explanation"))

    class Meta:
        verbose_name = _("ranking entry")
        ordering = ["ranking", "position"]
        verbose_name_plural = _("ranking entries")
        constraints = [
            models.UniqueConstraint(
                fields=["ranking", "position"], name="ranking_entry_position_unique"
            ),
            models.UniqueConstraint(fields=["ranking", "item"], name="ranking_entry_item_unique"),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="ranking_entry_position_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A published ranking entry is immutable.")
        super().save(*args, **kwargs)


class RankingRepresentation(models.Model):
    """A published ranking's response body, rendered once (scoring.api.representations).

    A ranking never changes, so each of its representations is a fixed string of bytes:
    `kind` names the endpoint (the detail, an entries page, the Jira pull) and `variant`
    what else its body depends on (the absolute URL its links are built from, "" when
    nothing). `etag` is strong and derived from the ranking, the kind, the variant and the
    version of the rendering, so a 304 needs the ranking's id and number alone.
    """

    ranking = models.ForeignKey(
        Ranking,
        on_delete=models.CASCADE,
        related_name="representations",
        db_index=False,
        verbose_name=_("ranking"),
    )
    kind = models.CharField(max_length=16, verbose_name=_("kind"))
    variant = models.CharField(max_length=500, blank=True, verbose_name=_("variant"))
    etag = models.CharField(max_length=80, verbose_name=_("etag"))
    body = models.BinaryField(verbose_name=_("body"))
    rendered_at = models.DateTimeField(default=timezone.now, verbose_name=_("rendered at"))

    class Meta:
        verbose_name = _("ranking representation")
        verbose_name_plural = _("ranking representations")
        constraints = [
            models.UniqueConstraint(
                fields=["ranking", "kind", "variant"], name="ranking_representation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"ranking {self.ranking_id} {self.kind} {self.variant}".rstrip()


class ConfidenceCalibration(models.Model):
    """A suggested confidence multiplier applied to an owner's open items
    (scoring.services.calibration_apply), kept as the record of who applied what, on
    which evidence. `based_on` lists the shipped items whose measured outcomes produced
    the suggestion: each item is used by one application only, so the same evidence is
    never applied twice."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    multiplier = models.FloatField(verbose_name=_("multiplier"))
    based_on = models.JSONField(
        help_text=_("Ids of the shipped items the suggestion came from."),
        verbose_name=_("based on"),
    )
    items_changed = models.PositiveIntegerField(
        help_text=_("Open items whose confidence changed."), verbose_name=_("items changed")
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("applied by"),
    )
    applied_at = models.DateTimeField(default=timezone.now, verbose_name=_("applied at"))

    class Meta:
        verbose_name = _("confidence calibration")
        verbose_name_plural = _("confidence calibrations")
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(multiplier__gte=0.5, multiplier__lte=1),
                name="calibration_multiplier_range",
            ),
        ]

    def __str__(self) -> str:
        return f"×{self.multiplier:g} for user {self.owner_id} ({self.applied_at:%Y-%m-%d})"


def share_token() -> str:
    """An unguessable token for a share link (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class RoadmapGroup(models.TextChoices):
    THEME = "theme", _("Theme")
    SEGMENT = "segment", _("Segment")


class RoadmapBy(models.TextChoices):
    HORIZON = "horizon", _("Now / Next / Later")
    QUARTER = "quarter", _("Quarter")


class RoadmapShareLink(models.Model):
    """A read-only link to the roadmap view for people without a login: an unguessable
    token, an expiry, revocable, with the fields chosen for outsiders (titles, themes and
    launch dates always; scores, positions, readiness and evidence counts only if chosen).
    A wrong, revoked or expired token answers 404 and reveals nothing."""

    token = models.CharField(
        max_length=64, unique=True, default=share_token, editable=False, verbose_name=_("token")
    )
    label = models.CharField(
        max_length=120, help_text=_("Who the link is for."), verbose_name=_("label")
    )
    group = models.CharField(
        max_length=16, choices=RoadmapGroup.choices, default="theme", verbose_name=_("group")
    )
    by = models.CharField(
        max_length=16, choices=RoadmapBy.choices, default="horizon", verbose_name=_("by")
    )
    show_scores = models.BooleanField(default=False, verbose_name=_("show scores"))
    show_positions = models.BooleanField(default=False, verbose_name=_("show positions"))
    show_readiness = models.BooleanField(default=True, verbose_name=_("show readiness"))
    show_evidence = models.BooleanField(
        default=False, help_text=_("Evidence counts by kind."), verbose_name=_("show evidence")
    )
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("roadmap share link")
        verbose_name_plural = _("roadmap share links")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group__in=RoadmapGroup.values), name="share_link_group_valid"
            ),
            models.CheckConstraint(
                condition=Q(by__in=RoadmapBy.values), name="share_link_by_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


# The committee's models live in their package (scoring.committees); Django finds them
# through this module.
from scoring.committees.models import AgendaPoint, CommitteeMeeting, Decision  # noqa: E402, F401
