"""The one cap on free text (descriptions, summaries, value propositions).

A megabyte of text in a summary is a client bug or an attack, and history copies it on
every change. The model field carries the cap (so the admin and `full_clean` refuse it),
and DRF's model serializers read it from there (so the API refuses it and the schema says
`maxLength`)."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxLengthValidator
from django.db import models

MAX_TEXT_LENGTH = 10_000


def capped_text_field(**kwargs: Any) -> models.TextField:
    """A TextField of at most MAX_TEXT_LENGTH characters, enforced by model validation
    (a TextField's max_length alone only sizes the admin's widget)."""
    return models.TextField(
        max_length=MAX_TEXT_LENGTH, validators=[MaxLengthValidator(MAX_TEXT_LENGTH)], **kwargs
    )
