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
from django.utils.translation import gettext_lazy as _

from roadmap.models import RoadmapItem


class DocKind(models.TextChoices):
    SIGNAL = "signal", _("Market signal")
    REPORT = "report", _("Friction report")


class RadarDocManager(models.Manager["RadarDoc"]):
    """Documents without their sentence vector (1.5 KB each): only
    `signals.radar.matching.doc_vectors` reads it, through `values_list`, and a batch of
    documents or a page of them has no use for it."""

    def get_queryset(self) -> models.QuerySet[RadarDoc]:
        return super().get_queryset().defer("vector")


class RadarDoc(models.Model):
    """The analysed text of one signal or friction report.

    `stale` marks a document whose text, links or item profiles changed since its
    suggestions and duplicate flags were computed: set in the writer's transaction, cleared
    by the refresh, swept by beat, so a broker outage delays the radar but loses nothing.

    A document is derived data: its references have no database constraint (a bulk
    ingestion creates a thousand documents, and each constraint would cost a check per row
    at commit). Django's cascade deletes a document with its evidence; one left behind by
    a race with a deletion is deleted by the refresh that finds its evidence gone.
    """

    signal = models.OneToOneField(
        "signals.MarketSignal",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="radar_doc",
        verbose_name=_("signal"),
    )
    report = models.OneToOneField(
        "signals.FrictionReport",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="radar_doc",
        verbose_name=_("report"),
    )
    language = models.CharField(max_length=8, blank=True, verbose_name=_("language"))
    # Space-separated features (signals.radar.text): indexed for full-text search on
    # PostgreSQL (see the migration), read as a bag elsewhere.
    terms = models.TextField(blank=True, verbose_name=_("terms"))
    observed_at = models.DateTimeField(null=True, db_index=True, verbose_name=_("observed at"))
    linked = models.BooleanField(default=False, verbose_name=_("linked"))
    active = models.BooleanField(
        default=True, help_text=_("Not dismissed."), verbose_name=_("active")
    )
    stale = models.BooleanField(default=True, verbose_name=_("stale"))
    # Bumped by every mark: a refresh clears `stale` only if `rev` is still what it read.
    rev = models.PositiveIntegerField(default=0, verbose_name=_("rev"))
    computed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("computed at"))
    # Its sentence vector (signals.radar.semantic, float32), made when the suggestions or
    # the duplicate search first need it, and the key of the text it was made from.
    vector = models.BinaryField(null=True, blank=True, editable=False, verbose_name=_("vector"))
    vector_key = models.CharField(
        max_length=32, blank=True, db_default="", editable=False, verbose_name=_("vector key")
    )
    topic = models.ForeignKey(
        "signals.RadarTopic",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="docs",
        verbose_name=_("topic"),
    )

    objects = RadarDocManager()

    class Meta:
        verbose_name = _("radar doc")
        verbose_name_plural = _("radar docs")
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
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class RadarSuggestion(models.Model):
    """An item a piece of evidence probably belongs to. Open suggestions are rewritten by
    each refresh; accepted and rejected ones stay, so a rejected pair is never suggested
    again."""

    doc = models.ForeignKey(
        RadarDoc, on_delete=models.CASCADE, related_name="suggestions", verbose_name=_("doc")
    )
    item = models.ForeignKey(
        RoadmapItem, on_delete=models.CASCADE, related_name="+", verbose_name=_("item")
    )
    rank = models.PositiveSmallIntegerField(default=1, verbose_name=_("rank"))
    similarity = models.FloatField(verbose_name=_("similarity"))
    # The words' part alone (the lexical cosine): what the duplicate search compares, so
    # that it reads the same figures whether or not meaning was blended in.
    lexical = models.FloatField(db_default=0.0, verbose_name=_("lexical similarity"))
    matched = models.JSONField(
        default=list, blank=True, help_text=_("Words that matched."), verbose_name=_("matched")
    )
    status = models.CharField(
        max_length=16,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.OPEN,
        verbose_name=_("status"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("radar suggestion")
        verbose_name_plural = _("radar suggestions")
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
    FLAGGED = "flagged", _("Flagged")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class RadarDuplicate(models.Model):
    """A probable duplicate: `doc` says what `original` said. Confirmed, the duplicate is
    dismissed (signal) or set dismissed (report) with a reference to its original;
    rejected, the pair is never flagged again."""

    doc = models.ForeignKey(
        RadarDoc, on_delete=models.CASCADE, related_name="duplicates", verbose_name=_("doc")
    )
    original = models.ForeignKey(
        RadarDoc, on_delete=models.CASCADE, related_name="+", verbose_name=_("original")
    )
    # The duplicate model's probability where the sentence model runs, else the lexical
    # similarity (signals.radar.duplicates): shown to people as a confidence.
    similarity = models.FloatField(verbose_name=_("confidence"))
    status = models.CharField(
        max_length=16,
        choices=DuplicateStatus.choices,
        default=DuplicateStatus.FLAGGED,
        verbose_name=_("status"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("radar duplicate")
        verbose_name_plural = _("radar duplicates")
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

    item = models.OneToOneField(
        RoadmapItem, on_delete=models.CASCADE, related_name="+", verbose_name=_("item")
    )
    stale = models.BooleanField(default=True, verbose_name=_("stale"))
    built_at = models.DateTimeField(null=True, blank=True, verbose_name=_("built at"))
    # The item's meaning (signals.radar.semantic): 384 little-endian float32, and what it
    # was computed from, so that a rebuild embeds only items whose text changed.
    vector = models.BinaryField(null=True, blank=True, editable=False, verbose_name=_("vector"))
    vector_key = models.CharField(
        max_length=32, blank=True, db_default="", editable=False, verbose_name=_("vector key")
    )

    class Meta:
        verbose_name = _("radar profile")
        verbose_name_plural = _("radar profiles")
        # The latest build: how a process knows its cached vectors are current.
        indexes = [
            models.Index(fields=["built_at"], name="radar_profile_built"),
            # The few profiles still waiting for their vector (after an upgrade).
            models.Index(
                fields=["item"], condition=Q(vector__isnull=True), name="radar_profile_no_vector"
            ),
        ]

    def __str__(self) -> str:
        return f"radar profile of item {self.item_id}"


class RadarPosting(models.Model):
    """One weighted feature of an item's profile: the inverted index suggestions are read
    from, so that a suggestion touches only the items sharing a word with the evidence."""

    item = models.ForeignKey(
        RoadmapItem, on_delete=models.CASCADE, related_name="+", verbose_name=_("item")
    )
    term = models.CharField(max_length=64, verbose_name=_("term"))
    weight = models.FloatField(verbose_name=_("weight"))

    class Meta:
        verbose_name = _("radar posting")
        verbose_name_plural = _("radar postings")
        indexes = [models.Index(fields=["term", "item"], name="radar_posting_term")]
        constraints = [
            models.UniqueConstraint(fields=["item", "term"], name="radar_posting_unique")
        ]

    def __str__(self) -> str:
        return f"{self.term} of item {self.item_id}: {self.weight:.3f}"


class RadarTerm(models.Model):
    """Inverse document frequency of a feature over the item profiles."""

    term = models.CharField(max_length=64, unique=True, verbose_name=_("term"))
    idf = models.FloatField(verbose_name=_("idf"))

    class Meta:
        verbose_name = _("radar term")
        verbose_name_plural = _("radar terms")

    def __str__(self) -> str:
        return f"{self.term}: {self.idf:.3f}"


class TopicStatus(models.TextChoices):
    EMERGING = "emerging", _("Emerging")
    QUIET = "quiet", _("Not significant")
    DISMISSED = "dismissed", _("Dismissed")
    CONVERTED = "converted", _("Item created")


class RadarTopic(models.Model):
    """A group of unlinked evidence, with the test that says whether it is emerging."""

    status = models.CharField(
        max_length=16,
        choices=TopicStatus.choices,
        default=TopicStatus.QUIET,
        db_index=True,
        verbose_name=_("status"),
    )
    label = models.CharField(max_length=200, verbose_name=_("label"))
    top_terms = models.JSONField(default=list, verbose_name=_("top terms"))
    size = models.PositiveIntegerField(default=0, verbose_name=_("size"))
    recent_count = models.PositiveIntegerField(default=0, verbose_name=_("recent count"))
    baseline_count = models.PositiveIntegerField(default=0, verbose_name=_("baseline count"))
    growth = models.FloatField(default=0, verbose_name=_("growth"))
    p_value = models.FloatField(default=1, verbose_name=_("p value"))
    counts_by_kind = models.JSONField(default=dict, verbose_name=_("counts by kind"))
    counts_by_team = models.JSONField(default=dict, verbose_name=_("counts by team"))
    accounts = models.JSONField(default=list, verbose_name=_("accounts"))
    quotes = models.JSONField(default=list, verbose_name=_("quotes"))
    languages = models.JSONField(default=dict, verbose_name=_("languages"))
    first_seen = models.DateTimeField(null=True, verbose_name=_("first seen"))
    last_seen = models.DateTimeField(null=True, verbose_name=_("last seen"))
    item = models.ForeignKey(
        RoadmapItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("item"),
    )
    refreshed_at = models.DateTimeField(auto_now=True, verbose_name=_("refreshed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("radar topic")
        verbose_name_plural = _("radar topics")
        ordering = ["p_value", "-recent_count", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TopicStatus.values), name="radar_topic_status"
            ),
        ]

    def __str__(self) -> str:
        return self.label
