"""The committee's demo: one closed meeting with decisions (one overdue), one planned
meeting with its agenda; a second run writes nothing."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from roadmap.services import items_mark_dirty
from scoring.committees.demo import ATTENDEES, committees_demo_seed
from scoring.committees.models import CommitteeMeeting, Decision
from scoring.services import ranking_publish
from tests.support.factories import RoadmapItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_meetings_are_seeded_once(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the minutes task runs here, not on a worker
    for name in ATTENDEES:
        UserFactory(
            username=name, role="marketing" if name.startswith(("claire", "lucas")) else "product"
        )
    items = [RoadmapItemFactory(status="in_progress"), RoadmapItemFactory(status="candidate")]
    items_mark_dirty(item_ids=[i.pk for i in items])
    ranking = ranking_publish(note="", published_by=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert committees_demo_seed(anchor=timezone.now()) == 2
        assert committees_demo_seed(anchor=timezone.now()) == 0
    closed = CommitteeMeeting.objects.get(status="closed")
    assert closed.ranking == ranking
    assert sorted(closed.decisions.values_list("kind", flat=True)) == [
        "commit",
        "defer",
        "investigate",
    ]
    overdue = Decision.objects.filter(status="open", due_date__lt=timezone.localdate())
    assert overdue.count() == 1
    planned = CommitteeMeeting.objects.get(status="planned")
    assert planned.agenda_points.filter(kind="overdue").count() == 1
    assert mail.outbox == []  # a seed does not mail minutes
