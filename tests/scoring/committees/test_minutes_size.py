"""The minutes PDF of a meeting that published a 1,000-item ranking renders within a
stated limit (MINUTES_PDF_SECONDS) and lists every item."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from roadmap.models import RoadmapItem
from roadmap.services import items_mark_dirty
from scoring.committees import minutes, services
from tests.support.committees import decision, meeting_in_session

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# The limit stated in the README: a 1,000-item ranking's minutes within 30 seconds on one
# core (measured 10.1 s on the shared 2-core machine under load; ~40 KiB, 2 columns).
MINUTES_PDF_SECONDS = 30.0


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_minutes_of_a_1000_item_ranking_render_within_the_limit(product_user):
    RoadmapItem.objects.bulk_create(
        RoadmapItem(title=f"Item {n:04d}", reach=1000 + n, impact=1.0, confidence=0.8, effort=2.0)
        for n in range(1000)
    )
    items_mark_dirty(item_ids=RoadmapItem.objects.values_list("pk", flat=True))
    meeting = meeting_in_session(attendees=[product_user])
    decision(meeting, owner=product_user, rationale="Ship the top three this quarter.")
    closed = services.meeting_publish_and_close(meeting=meeting, note="Big", user=product_user)
    assert closed.ranking.item_count == 1000
    started = time.perf_counter()
    pdf = minutes.minutes_pdf(meeting_id=meeting.pk)
    elapsed = time.perf_counter() - started
    print(f"minutes PDF of 1,000 items: {elapsed:.1f} s, {len(pdf) / 1024:.0f} KiB")
    assert elapsed < MINUTES_PDF_SECONDS
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Ship the top three this quarter." in text
    assert "Item 0000" in text
    assert "Item 0999" in text
