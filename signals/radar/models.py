"""What the radar stores: per piece of evidence its analysed text, its link suggestions and
duplicate flags; per item its profile (an inverted index of weighted features); the
emerging topics. Everything here is derived from signals, reports, items and links, and
can be rebuilt from them (`manage.py radar_refresh --all`).

Imported by `signals.models`, so these models belong to the `signals` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from roadmap.models import RoadmapItem


class DocKind(models.TextChoices):
    SIGNAL = "signal", "Market signal"
    REPORT = "report", "Friction report"


class RadarDoc(models.Model):
    """The analysed text of one signal or friction report.

    `stale` marks a document whose text, links or item profiles changed since its
    suggestions and duplicate flags were computed: set in the writer's transaction, cleared
    by the refresh, swept by beat, so a broker outage delays the radar but loses nothing.
    """

    signal = models.OneToOneField(
        "signals.MarketSignal",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="radar_doc",
    )
    report = models.OneToOneField(
        "signals.FrictionReport",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="radar_doc",
    )
    language = models.CharField(max_length=8, blank=True)
    # Space-separated features (signals.radar.text): indexed for full-text search on
    # PostgreSQL (see the migration), read as a bag elsewhere.
    terms = models.TextField(blank=True)
    observed_at = models.DateTimeField(null=True, db_index=True)
    linked = models.BooleanField(default=False)
    active = models.BooleanField(default=True, help_text="Not dismissed.")
    stale = models.BooleanField(default=True)
    # Bumped by every mark: a refresh clears `stale` only if `rev` is still what it read.
    rev = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    topic = models.ForeignKey(
        "signals.RadarTopic",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="docs",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(signal__isnull=True) ^ Q(report__isnull=True),
                name="radar_doc_one_evidence",
            ),
        ]
        indexes = [
            models.Index(fields=["stale"], condition=Q(stale=True), name="radar_doc_stale"),
            models.Index(fields=["linked", "active", "observed_at"], name="radar_doc_unlinked"),
        ]

    def __str__(self) -> str:
        return f"radar doc of {self.kind} {self.evidence_id}"

    @property
    def kind(self) -> str:
        return DocKind.SIGNAL if self.signal_id else DocKind.REPORT

    @property
    def evidence_id(self) -> int:
        return self.signal_id or self.report_id  # type: ignore[return-value]


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class RadarSuggestion(models.Model):
    """An item a piece of evidence probably belongs to. Open suggestions are rewritten by
    each refresh; accepted and rejected ones stay, so a rejected pair is never suggested
    again."""

    doc = models.ForeignKey(RadarDoc, on_delete=models.CASCADE, related_name="suggestions")
    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(default=1)
    similarity = models.FloatField()
    matched = models.JSONField(default=list, blank=True, help_text="Words that matched.")
    status = models.CharField(
        max_length=16, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["doc", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["doc", "item"], name="radar_suggestion_unique"),
            models.CheckConstraint(
                condition=Q(status__in=SuggestionStatus.values), name="radar_suggestion_status"
            ),
        ]
        indexes = [models.Index(fields=["item", "status"], name="radar_suggestion_item")]

    def __str__(self) -> str:
        return f"{self.doc} → item {self.item_id} ({self.similarity:.2f}, {self.status})"


class DuplicateStatus(models.TextChoices):
    FLAGGED = "flagged", "Flagged"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"


class RadarDuplicate(models.Model):
    """A probable duplicate: `doc` says what `original` said. Confirmed, the duplicate is
    dismissed (signal) or set dismissed (report) with a reference to its original;
    rejected, the pair is never flagged again."""

    doc = models.ForeignKey(RadarDoc, on_delete=models.CASCADE, related_name="duplicates")
    original = models.ForeignKey(RadarDoc, on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField()
    status = models.CharField(
        max_length=16, choices=DuplicateStatus.choices, default=DuplicateStatus.FLAGGED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["doc", "original"], name="radar_duplicate_unique"),
            models.CheckConstraint(
                condition=~Q(doc=models.F("original")), name="radar_duplicate_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DuplicateStatus.values), name="radar_duplicate_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doc} duplicates {self.original} ({self.similarity:.2f}, {self.status})"


class RadarProfile(models.Model):
    """What describes an item to the radar: its title, description and linked evidence,
    as weighted features in `RadarPosting` rows. Rebuilt when the item or its links
    change (`stale`, or an item updated after `built_at`)."""

    item = models.OneToOneField(RoadmapItem, on_delete=models.CASCADE, related_name="+")
    stale = models.BooleanField(default=True)
    built_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"radar profile of item {self.item_id}"


class RadarPosting(models.Model):
    """One weighted feature of an item's profile: the inverted index suggestions are read
    from, so that a suggestion touches only the items sharing a word with the evidence."""

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=64)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["term", "item"], name="radar_posting_term")]
        constraints = [
            models.UniqueConstraint(fields=["item", "term"], name="radar_posting_unique")
        ]

    def __str__(self) -> str:
        return f"{self.term} of item {self.item_id}: {self.weight:.3f}"


class RadarTerm(models.Model):
    """Inverse document frequency of a feature over the item profiles."""

    term = models.CharField(max_length=64, unique=True)
    idf = models.FloatField()

    def __str__(self) -> str:
        return f"{self.term}: {self.idf:.3f}"


class TopicStatus(models.TextChoices):
    EMERGING = "emerging", "Emerging"
    QUIET = "quiet", "Not significant"
    DISMISSED = "dismissed", "Dismissed"
    CONVERTED = "converted", "Item created"


class RadarTopic(models.Model):
    """A group of unlinked evidence, with the test that says whether it is emerging."""

    status = models.CharField(
        max_length=16, choices=TopicStatus.choices, default=TopicStatus.QUIET, db_index=True
    )
    label = models.CharField(max_length=200)
    top_terms = models.JSONField(default=list)
    size = models.PositiveIntegerField(default=0)
    recent_count = models.PositiveIntegerField(default=0)
    baseline_count = models.PositiveIntegerField(default=0)
    growth = models.FloatField(default=0)
    p_value = models.FloatField(default=1)
    counts_by_kind = models.JSONField(default=dict)
    counts_by_team = models.JSONField(default=dict)
    accounts = models.JSONField(default=list)
    quotes = models.JSONField(default=list)
    languages = models.JSONField(default=dict)
    first_seen = models.DateTimeField(null=True)
    last_seen = models.DateTimeField(null=True)
    item = models.ForeignKey(
        RoadmapItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refreshed_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["p_value", "-recent_count", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TopicStatus.values), name="radar_topic_status"
            ),
        ]

    def __str__(self) -> str:
        return self.label
