"""The radar's tasks, schedule and command: what keeps it fresh without anyone asking."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from config.celery import app
from signals import services as evidence
from signals.radar.models import RadarDoc, RadarSuggestion


def test_the_tasks_are_registered_and_scheduled():
    assert {"signals.radar_refresh", "signals.radar_topics_refresh"} <= set(app.tasks)
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"signals.radar_refresh", "signals.radar_topics_refresh"} <= scheduled


def test_the_refresh_task_clears_stale_docs(catalogue):
    signal = evidence.signal_create(
        kind="customer_request", title="PDF invoices with logo", observed_at=timezone.now()
    )
    result = app.tasks["signals.radar_refresh"].apply().get()
    assert result["docs"] >= 1
    assert not RadarDoc.objects.get(signal=signal).stale


def test_the_command_refreshes_everything_in_the_embedded_default(catalogue):
    signal = evidence.signal_create(
        kind="customer_request",
        title="thème sombre",
        observed_at=timezone.now() - timedelta(days=2),
    )
    out = StringIO()
    call_command("radar_refresh", "--all", stdout=out)
    assert "topics:" in out.getvalue()
    assert RadarSuggestion.objects.filter(doc__signal=signal).exists()
