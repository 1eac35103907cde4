"""Write use-cases of the API plumbing."""

from __future__ import annotations

from django.utils import timezone

from config.api.idempotency import KEEP_FOR
from config.models import IdempotencyRecord


def idempotency_records_prune() -> int:
    """Delete the records no retry can replay any more (older than KEEP_FOR); return how
    many. The middleware ignores them already; this keeps the table small."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted
