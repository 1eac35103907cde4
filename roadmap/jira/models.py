"""The Jira sync's records: each push of a published ranking (JiraSyncRun), what it did to
each issue (JiraSyncRecord), and the webhook deliveries Jira sent (JiraWebhookDelivery).
Part of the roadmap app (registered through roadmap.models)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JiraSyncRun(models.Model):
    """One push of a published ranking to Jira (roadmap.jira.push.jira_ranking_push):
    when it ran, how it went, and what it counted. Its JiraSyncRecords say what happened
    to each issue.

    The ranking is named by its number, not by a foreign key: roadmap knows nothing of
    scoring. At most one run is `running` at a time (a partial unique constraint), so two
    pushes never interleave their rank calls. `rank_synced` says whether Jira's order of
    this run's issues is known to equal the ranking's once the run ended (None: the run
    never reached the rank step, so it did not touch the order); the next push re-ranks
    only what moved against the last run that says True.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIAL = "partial", _("Partial")
        FAILED = "failed", _("Failed")

    ranking_number = models.PositiveIntegerField(db_index=True, verbose_name=_("ranking number"))
    force = models.BooleanField(
        default=False,
        help_text=_("Sent every value and the whole order, changed or not."),
        verbose_name=_("force"),
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.QUEUED,
        db_index=True,
        verbose_name=_("status"),
    )
    queued_at = models.DateTimeField(default=timezone.now, verbose_name=_("queued at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    item_count = models.PositiveIntegerField(
        default=0, help_text=_("Entries with a Jira key."), verbose_name=_("item count")
    )
    updated_count = models.PositiveIntegerField(
        default=0, help_text=_("Issues whose fields were written."), verbose_name=_("updated count")
    )
    unchanged_count = models.PositiveIntegerField(
        default=0,
        help_text=_("Issues whose values had not changed since the last push."),
        verbose_name=_("unchanged count"),
    )
    failed_count = models.PositiveIntegerField(
        default=0, help_text=_("Issues with a failure."), verbose_name=_("failed count")
    )
    not_attempted_count = models.PositiveIntegerField(
        default=0,
        help_text=_("Issues the run never reached (it stopped before them)."),
        verbose_name=_("not attempted count"),
    )
    key_missing_count = models.PositiveIntegerField(
        default=0,
        help_text=_(
            "Issues not sent: Jira answered 404 for their key before, and it has not changed since."
        ),
        verbose_name=_("key missing count"),
    )
    rank_calls = models.PositiveIntegerField(default=0, verbose_name=_("rank calls"))
    request_count = models.PositiveIntegerField(
        default=0, help_text=_("HTTP requests, retries included."), verbose_name=_("request count")
    )
    rank_synced = models.BooleanField(null=True, blank=True, verbose_name=_("rank synced"))
    error = models.TextField(blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name_plural = _("Jira sync runs")
        ordering = ["-id"]
        verbose_name = _("Jira sync run")
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="running"), name="jira_sync_one_running"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "partial", "failed"]),
                name="jira_sync_run_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Jira push #{self.pk} of ranking {self.ranking_number} ({self.status})"


class JiraSyncRecord(models.Model):
    """What one push did to one issue: its field values (`fields`) or its place in the
    order (`rank`), with Jira's answer.

    `values` holds what was sent (or, when skipped, what Jira already had from an earlier
    push): {custom field id: value} for `fields`, {"position", "after" | "before"} for
    `rank`. The last `ok` fields record of a key is what the next push compares with.
    The item is named by its id, without a foreign key: the record outlives the item.
    """

    class Action(models.TextChoices):
        FIELDS = "fields", _("Fields")
        RANK = "rank", _("Rank")

    class Status(models.TextChoices):
        OK = "ok", _("OK")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        NOT_ATTEMPTED = "not_attempted", _("Not attempted")
        KEY_MISSING = "key_missing", _("Jira key not found")

    run = models.ForeignKey(
        JiraSyncRun, on_delete=models.CASCADE, related_name="records", verbose_name=_("run")
    )
    item_id = models.BigIntegerField(verbose_name=_("item id"))
    jira_key = models.CharField(max_length=42, verbose_name=_("Jira key"))
    position = models.PositiveIntegerField(
        help_text=_("The item's position in the ranking."), verbose_name=_("position")
    )
    action = models.CharField(max_length=8, choices=Action.choices, verbose_name=_("action"))
    status = models.CharField(max_length=16, choices=Status.choices, verbose_name=_("status"))
    http_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("http status")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    values = models.JSONField(default=dict, blank=True, verbose_name=_("values"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name_plural = _("Jira sync records")
        ordering = ["run", "action", "position"]
        verbose_name = _("Jira sync record")
        indexes = [
            # "The last successful field values of these keys".
            models.Index(fields=["jira_key", "action", "status"], name="jira_record_key_lookup"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["fields", "rank"]), name="jira_record_action_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["ok", "failed", "skipped", "not_attempted", "key_missing"]),
                name="jira_record_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jira_key} {self.action}: {self.status}"


class JiraWebhookDelivery(models.Model):
    """A webhook delivery from Jira, kept so that a redelivery is recognised and does
    nothing. `delivery_id` is Jira's X-Atlassian-Webhook-Identifier (the same across its
    retries) or, without it, a hash of event, issue and timestamp; `body_sha256` is the
    hash of the verified body, so a captured delivery re-sent under another identifier
    (the header is not signed) is recognised too. Empty on rows from before it existed."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        IGNORED = "ignored", _("Ignored")

    delivery_id = models.CharField(max_length=128, unique=True, verbose_name=_("delivery id"))
    body_sha256 = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("body sha256")
    )
    event = models.CharField(max_length=64, blank=True, verbose_name=_("event"))
    jira_key = models.CharField(max_length=42, blank=True, verbose_name=_("Jira key"))
    jira_status = models.CharField(max_length=120, blank=True, verbose_name=_("jira status"))
    outcome = models.CharField(max_length=8, choices=Outcome.choices, verbose_name=_("outcome"))
    detail = models.CharField(max_length=300, blank=True, verbose_name=_("detail"))
    received_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("received at")
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("Jira webhook delivery")
        verbose_name_plural = _("Jira webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["body_sha256"],
                condition=~Q(body_sha256=""),
                name="jira_delivery_body_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.jira_key}: {self.outcome}"
