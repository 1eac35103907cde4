"""The three roles of DESIGN.md, carried by Django groups so that permissions, throttles and
audit all see a real user."""

from django.db import models


class Role(models.TextChoices):
    PRODUCT = "product", "Product"
    MARKETING = "marketing", "Marketing"
    INTEGRATION = "integration", "Integration"
