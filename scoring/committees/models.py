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

    date = models.DateField(verbose_name=_("date"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="committee_meetings",
        verbose_name=_("attendees"),
    )
    status = models.CharField(
        max_length=16,
        choices=MeetingStatus.choices,
        default=MeetingStatus.PLANNED,
        verbose_name=_("status"),
    )
    ranking = models.ForeignKey(
        "scoring.Ranking",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="committee_meetings",
        verbose_name=_("ranking"),
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
    agenda_built_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("agenda built at")
    )
    # The data the agenda covers starts here: the previous meeting's close.
    agenda_since = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("agenda since")
    )
    started_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("started at")
    )
    closed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("closed at")
    )
    # Set once by the task that emails the minutes (compare-and-set: sent once).
    minutes_sent_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("minutes sent at")
    )

    class Meta:
        verbose_name = _("committee meeting")
        verbose_name_plural = _("committee meetings")
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
        CommitteeMeeting,
        on_delete=models.CASCADE,
        related_name="agenda_points",
        verbose_name=_("meeting"),
    )
    kind = models.CharField(max_length=16, choices=AgendaKind.choices, verbose_name=_("kind"))
    position = models.PositiveIntegerField(verbose_name=_("position"))
    title = models.CharField(max_length=300, verbose_name=_("title"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    link = models.CharField(max_length=500, blank=True, verbose_name=_("link"))
    item = models.ForeignKey(
        RoadmapItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("item"),
    )
    added_by_hand = models.BooleanField(default=False, verbose_name=_("added by hand"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("added by"),
    )

    class Meta:
        verbose_name = _("agenda point")
        verbose_name_plural = _("agenda points")
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
        CommitteeMeeting,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("meeting"),
    )
    point = models.ForeignKey(
        AgendaPoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
        verbose_name=_("point"),
    )
    item = models.ForeignKey(
        RoadmapItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="committee_decisions",
        verbose_name=_("item"),
    )
    kind = models.CharField(max_length=16, choices=DecisionKind.choices, verbose_name=_("kind"))
    rationale = models.TextField(max_length=4000, verbose_name=_("rationale"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="committee_decisions",
        verbose_name=_("owner"),
    )
    team = models.CharField(max_length=16, choices=Team.choices, verbose_name=_("team"))
    due_date = models.DateField(null=True, blank=True, verbose_name=_("due date"))
    defer_until = models.DateField(null=True, blank=True, verbose_name=_("defer until"))
    item_status = models.CharField(
        max_length=16,
        choices=ItemStatus.choices,
        blank=True,
        help_text=_("The status a commit gave the item (blank: unchanged)."),
        verbose_name=_("item status"),
    )
    status = models.CharField(
        max_length=8,
        choices=DecisionStatus.choices,
        default=DecisionStatus.OPEN,
        verbose_name=_("status"),
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
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done at"))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
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
