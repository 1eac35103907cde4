"""The committee's records: a meeting, its agenda points and its decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from roadmap.choices import ItemStatus
from roadmap.models import RoadmapItem


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("meeting status", "Planned")
    IN_SESSION = "in_session", _("In session")
    CLOSED = "closed", _("Closed")


class AgendaKind(models.TextChoices):
    MOVE = "move", _("Ranking move")
    FRICTION = "friction", _("Friction report")
    TOPIC = "topic", _("Emerging topic")
    LAUNCH = "launch", _("Launch not ready")
    KPI = "kpi", _("KPI change")
    ESTIMATES = "estimates", _("Items needing estimates")
    OWNER = "owner", _("Items without an owner")
    CALIBRATION = "calibration", _("Calibration suggestion")
    OVERDUE = "overdue", _("Overdue decision")
    CUSTOM = "custom", _("Added by hand")


class DecisionKind(models.TextChoices):
    COMMIT = "commit", _("Commit")
    DEFER = "defer", _("Defer")
    REJECT = "reject", _("Reject")
    INVESTIGATE = "investigate", _("Investigate")


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Team(models.TextChoices):
    PRODUCT = "product", _("Product")
    MARKETING = "marketing", _("Marketing")


class CommitteeMeeting(models.Model):
    """One monthly committee. `planned` (its agenda is regenerated from the data),
    `in_session` (the agenda is frozen, decisions are recorded; one meeting at a time, a
    database constraint), `closed` (minutes sent; nothing changes any more). `ranking` is
    the ranking published from the meeting, if any."""

    date = models.DateField()
    title = models.CharField(max_length=200)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="committee_meetings"
    )
    status = models.CharField(
        max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    ranking = models.ForeignKey(
        "scoring.Ranking",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="committee_meetings",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    agenda_built_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The data the agenda covers starts here: the previous meeting's close.
    agenda_since = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set once by the task that emails the minutes (compare-and-set: sent once).
    minutes_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MeetingStatus.values), name="committee_status_valid"
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="in_session"),
                name="committee_one_in_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%Y-%m-%d})"


class AgendaPoint(models.Model):
    """A point of a meeting's agenda. Built from the data (`added_by_hand` False, replaced
    at each regeneration while the meeting is planned) or added by an attendee (kept).
    `payload` holds what the point shows (plain JSON); `link` the page it is about."""

    meeting = models.ForeignKey(
        CommitteeMeeting, on_delete=models.CASCADE, related_name="agenda_points"
    )
    kind = models.CharField(max_length=16, choices=AgendaKind.choices)
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    payload = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=500, blank=True)
    item = models.ForeignKey(
        RoadmapItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by_hand = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AgendaKind.values), name="agenda_point_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["meeting", "position"])]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    """What the committee decided, on a point or an item: `commit` (may set the item's
    status, `item_status`), `defer` until `defer_until`, `reject` or `investigate`; with
    a rationale, an owner in either team and a due date. Open until its owner marks it
    done; an open decision past its due date comes back on the next agenda."""

    meeting = models.ForeignKey(
        CommitteeMeeting, on_delete=models.PROTECT, related_name="decisions"
    )
    point = models.ForeignKey(
        AgendaPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    item = models.ForeignKey(
        RoadmapItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="committee_decisions",
    )
    kind = models.CharField(max_length=16, choices=DecisionKind.choices)
    rationale = models.TextField(max_length=4000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="committee_decisions",
    )
    team = models.CharField(max_length=16, choices=Team.choices)
    due_date = models.DateField(null=True, blank=True)
    defer_until = models.DateField(null=True, blank=True)
    item_status = models.CharField(
        max_length=16,
        choices=ItemStatus.choices,
        blank=True,
        help_text="The status a commit gave the item (blank: unchanged).",
    )
    status = models.CharField(
        max_length=8, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DecisionKind.values), name="decision_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DecisionStatus.values), name="decision_status_valid"
            ),
            models.CheckConstraint(condition=Q(team__in=Team.values), name="decision_team_valid"),
            models.CheckConstraint(
                condition=~Q(kind="defer") | Q(defer_until__isnull=False),
                name="decision_defer_has_date",
            ),
            models.CheckConstraint(
                condition=Q(item_status="") | Q(kind="commit"),
                name="decision_item_status_only_on_commit",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.rationale[:60]}"
