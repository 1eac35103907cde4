"""Writes of the loop back: expected results, and the notifications of a shipped item."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from roadmap.choices import ItemStatus
from roadmap.models import RoadmapItem
from signals.loop.models import (
    ExpectedResult,
    Notification,
    NotificationEvent,
    NotificationPreference,
)
from signals.loop.selectors import evidence_submitter_ids

logger = logging.getLogger(__name__)

EXPECTED_RESULT_FIELDS = (
    "launch_plan",
    "kpi",
    "custom_kpi",
    "segment",
    "channel",
    "expected_value",
    "expected_lift",
    "due_date",
)


@transaction.atomic
def expected_result_create(*, created_by: User | None = None, **fields: Any) -> ExpectedResult:
    row = ExpectedResult(created_by=created_by, **fields)
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def expected_result_update(*, expected: ExpectedResult, data: dict[str, Any]) -> ExpectedResult:
    unknown = set(data) - set(EXPECTED_RESULT_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    locked = ExpectedResult.objects.select_for_update().get(pk=expected.pk)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def expected_result_delete(*, expected: ExpectedResult) -> None:
    expected.delete()


def notifications_item_shipped(*, item_ids: Sequence[int]) -> int:
    """Notify everyone who submitted evidence (signals, friction reports) linked to the
    given items, if the items are still shipped: one notification per item and user (the
    unique constraint makes a second ship of the same item a no-op), then an email to
    those who opted in, once (`emailed_at`). Returns how many notifications were new.

    Safe to run twice: rows are inserted with ignore_conflicts and emails go only where
    `emailed_at` is empty, claimed with a compare-and-set update before sending."""
    shipped = list(
        RoadmapItem.objects.filter(pk__in=list(item_ids), status=ItemStatus.SHIPPED).values_list(
            "pk", flat=True
        )
    )
    if not shipped:
        return 0
    submitters = evidence_submitter_ids(item_ids=shipped)
    rows = [
        Notification(user_id=user_id, item_id=item_id, event=NotificationEvent.ITEM_SHIPPED)
        for item_id, users in submitters.items()
        for user_id in sorted(users)
    ]
    before = Notification.objects.filter(item_id__in=shipped).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    created = Notification.objects.filter(item_id__in=shipped).count() - before
    _notifications_email(item_ids=shipped)
    return created


def _notifications_email(*, item_ids: Sequence[int]) -> None:
    pending = (
        Notification.objects.filter(
            item_id__in=list(item_ids),
            event=NotificationEvent.ITEM_SHIPPED,
            emailed_at__isnull=True,
            user__notification_preference__email_on_ship=True,
        )
        .exclude(user__email="")
        .select_related("user", "item")
    )
    for notification in pending:
        # Claim first: two workers never send the same email.
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        user = notification.user
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Shipped: %(title)s") % {"title": notification.item.title}
            body = _(
                "%(title)s has shipped. You sent evidence for it: thank you. "
                "Tell the customers who asked."
            ) % {"title": notification.item.title}
        try:
            send_mail(subject, body, None, [user.email])
        except Exception:
            # The notification in the service stands; the email is not retried.
            logger.warning("could not email notification %s", notification.pk, exc_info=True)


@transaction.atomic
def notifications_mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the user's notifications read (`ids`, or all unread). Returns how many."""
    rows = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())


@transaction.atomic
def notification_preference_set(*, user: User, email_on_ship: bool) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.update_or_create(
        user_id=user.pk, defaults={"email_on_ship": email_on_ship}
    )
    return preference


def notification_preference_of(*, user: User) -> bool:
    return NotificationPreference.objects.filter(user_id=user.pk, email_on_ship=True).exists()
