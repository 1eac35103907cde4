from django.db import models


class ItemStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    SHIPPED = "shipped", "Shipped"
    ARCHIVED = "archived", "Archived"


RICE_SCALE: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 3.0)
# The RICE impact scale, shared by item impact and report severity.
RICE_CHOICES = [
    (0.25, "0.25 (minimal)"),
    (0.5, "0.5 (low)"),
    (1.0, "1 (medium)"),
    (2.0, "2 (high)"),
    (3.0, "3 (massive)"),
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

    PAID_SEARCH = "paid_search", "Paid search"
    SOCIAL = "social", "Social"
    EMAIL = "email", "Email"
    CONTENT = "content", "Content"
    EVENTS = "events", "Events"
    PARTNERS = "partners", "Partners"
    SALES = "sales", "Sales"
    PRODUCT_LED = "product_led", "Product-led"
    OTHER = "other", "Other"


class LaunchStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    READY = "ready", "Ready"
    LAUNCHED = "launched", "Launched"
    CANCELLED = "cancelled", "Cancelled"


# The readiness checklist of a launch plan: (field name, label). `readiness` is how many
# of these are done, out of len(LAUNCH_CHECKLIST).
LAUNCH_CHECKLIST: tuple[tuple[str, str], ...] = (
    ("positioning_approved", "Positioning approved"),
    ("sales_enablement_ready", "Sales enablement"),
    ("documentation_ready", "Documentation"),
    ("campaign_assets_ready", "Campaign assets"),
    ("analytics_ready", "Analytics in place"),
)
LAUNCH_CHECKLIST_FIELDS: tuple[str, ...] = tuple(name for name, _ in LAUNCH_CHECKLIST)
