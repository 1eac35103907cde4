from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise


class ItemStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    SHIPPED = "shipped", _("Shipped")
    ARCHIVED = "archived", _("Archived")


RICE_SCALE: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 3.0)
# The RICE impact scale, shared by item impact and report severity.
RICE_CHOICES = [
    (0.25, _("0.25 (minimal)")),
    (0.5, _("0.5 (low)")),
    (1.0, _("1 (medium)")),
    (2.0, _("2 (high)")),
    (3.0, _("3 (massive)")),
]

# Ranked statuses, as SCORING.md defines them.
RANKABLE_STATUSES = (ItemStatus.CANDIDATE, ItemStatus.PLANNED, ItemStatus.IN_PROGRESS)

# Upper bounds that keep every product of factors finite in IEEE doubles and reject
# obviously wrong input (the planet has 8e9 people).
MAX_PEOPLE = 10**11
MAX_EFFORT = 10**6


class Channel(models.TextChoices):
    """Go-to-market channels, shared by launch plans (roadmap), friction reports and
    outcomes (signals): defined here because roadmap may not import signals."""

    PAID_SEARCH = "paid_search", _("Paid search")
    SOCIAL = "social", _("Social")
    EMAIL = "email", _("Email")
    CONTENT = "content", _("Content")
    EVENTS = "events", _("Events")
    PARTNERS = "partners", _("Partners")
    SALES = "sales", _("Sales")
    PRODUCT_LED = "product_led", _("Product-led")
    OTHER = "other", _("Other")


class LaunchStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    READY = "ready", _("Ready")
    LAUNCHED = "launched", _("Launched")
    CANCELLED = "cancelled", _("Cancelled")


# The readiness checklist of a launch plan: (field name, label). `readiness` is how many
# of these are done, out of len(LAUNCH_CHECKLIST).
LAUNCH_CHECKLIST: tuple[tuple[str, StrOrPromise], ...] = (
    ("positioning_approved", _("Positioning approved")),
    ("sales_enablement_ready", _("Sales enablement")),
    ("documentation_ready", _("Documentation")),
    ("campaign_assets_ready", _("Campaign assets")),
    ("analytics_ready", _("Analytics in place")),
)
LAUNCH_CHECKLIST_FIELDS: tuple[str, ...] = tuple(name for name, _label in LAUNCH_CHECKLIST)
