"""Share links: create, revoke, and find an active one by its token."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring.models import RoadmapShareLink

# A share link lives a year at most: an outsider's link should not outlive its purpose.
MAX_SHARE_DAYS = 366


@transaction.atomic
def share_link_create(
    *, created_by: User | None, expires_at: datetime, **fields: Any
) -> RoadmapShareLink:
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    if (expires_at - now).days >= MAX_SHARE_DAYS:
        raise ValidationError({"expires_at": _("A share link expires within a year at most.")})
    link = RoadmapShareLink(created_by=created_by, expires_at=expires_at, **fields)
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def share_link_revoke(*, link: RoadmapShareLink) -> RoadmapShareLink:
    """Revoke a link (idempotent: a revoked link keeps its first revocation time)."""
    RoadmapShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    link.refresh_from_db()
    return link


def share_link_active(*, token: str) -> RoadmapShareLink | None:
    """The active (not revoked, not expired) link with this token, else None: the caller
    answers 404 alike for a wrong, revoked or expired token."""
    if not token or len(token) > 64:
        return None
    link = RoadmapShareLink.objects.filter(token=token).first()
    # The lookup is by a unique index; the constant-time compare guards the equality.
    if link is None or not hmac.compare_digest(link.token, token) or not link.is_active:
        return None
    return link
