"""The runs of the Jira push: starting one (at most one `running`), giving up the ones
whose worker died, and what earlier runs left (the values last pushed, the order last
set), which the next push compares with."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from roadmap.jira.models import JiraSyncRecord, JiraSyncRun

Run = JiraSyncRun
Record = JiraSyncRecord

# A queued run that never started within this time is given up.
_QUEUED_TOO_LONG = timedelta(days=1)


class JiraPushBusy(Exception):
    """Another push is running; this one should be retried later."""


def run_start(*, run_id: int | None, ranking_number: int, force: bool) -> JiraSyncRun:
    """Move the run to `running` (creating it without `run_id`), committed before any
    HTTP call. Compare-and-set: a run that is not queued any more is returned as it is."""
    now = timezone.now()
    runs_abandon(now=now)
    try:
        with transaction.atomic():
            if run_id is None:
                return JiraSyncRun.objects.create(
                    ranking_number=ranking_number,
                    force=force,
                    status=Run.Status.RUNNING,
                    started_at=now,
                )
            JiraSyncRun.objects.filter(pk=run_id, status=Run.Status.QUEUED).update(
                status=Run.Status.RUNNING, started_at=now
            )
    except IntegrityError:
        raise JiraPushBusy("another Jira push is running") from None
    return JiraSyncRun.objects.get(pk=run_id)


def runs_abandon(*, now: datetime) -> None:
    """Fail runs whose worker died: running for longer than a task may live, or queued
    for a day. Their issues are pushed again by the next run (it compares with the last
    *successful* records)."""
    running_limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    JiraSyncRun.objects.filter(
        status=Run.Status.RUNNING, started_at__lt=now - running_limit
    ).update(status=Run.Status.FAILED, finished_at=now, error="abandoned: its worker stopped")
    JiraSyncRun.objects.filter(
        status=Run.Status.QUEUED, queued_at__lt=now - _QUEUED_TOO_LONG
    ).update(status=Run.Status.FAILED, finished_at=now, error="abandoned: it never started")


def run_finish(run: JiraSyncRun, *, error: str) -> JiraSyncRun:
    run.status = Run.Status.FAILED
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run


def last_pushed_values(keys: list[str]) -> dict[str, dict[str, Any]]:
    """The field values of each key's last successful push, in one query."""
    if not keys:
        return {}
    ok_fields = JiraSyncRecord.objects.filter(action=Record.Action.FIELDS, status=Record.Status.OK)
    latest = (
        ok_fields.filter(jira_key__in=keys)
        .values("jira_key")
        .annotate(last=Max("id"))
        .values("last")
    )
    return dict(ok_fields.filter(pk__in=latest).values_list("jira_key", "values"))


def last_rank_order(*, exclude_run: int) -> list[str]:
    """Jira's relative order of our issues as the last run that reached the rank step
    left it; empty (unknown: re-rank everything) when that run did not complete it."""
    last = (
        JiraSyncRun.objects.exclude(pk=exclude_run)
        .filter(rank_synced__isnull=False)
        .order_by("-id")
        .first()
    )
    if last is None or not last.rank_synced:
        return []
    return list(
        JiraSyncRecord.objects.filter(
            run=last,
            action=Record.Action.RANK,
            status__in=[Record.Status.OK, Record.Status.SKIPPED],
        )
        .order_by("position")
        .values_list("jira_key", flat=True)
    )
