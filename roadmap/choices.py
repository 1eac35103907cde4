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
