"""Celery is configured for reliability: a killed worker's task is redelivered, one task at
a time per worker process, bounded run time, retries only for transient errors."""

from django.db import InterfaceError, OperationalError

from config.celery import app
from scoring import tasks


def test_tasks_are_acknowledged_late_and_requeued_when_the_worker_is_lost():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_scoring_tasks_retry_transient_database_errors_with_jittered_backoff_only():
    for task in (tasks.item_scores_recompute_dirty, tasks.item_scores_recompute_all):
        assert set(task.autoretry_for) == {OperationalError, InterfaceError}
        assert task.retry_jitter is True
        assert task.retry_backoff
        assert task.max_retries == 5


def test_the_sweeper_runs_every_minute_and_the_full_recompute_daily():
    schedule = app.conf.beat_schedule
    assert schedule["scoring-sweep-dirty"]["task"] == "scoring.item_scores_recompute_dirty"
    assert schedule["scoring-sweep-dirty"]["schedule"].total_seconds() == 60
    assert schedule["scoring-recompute-all-daily"]["task"] == "scoring.item_scores_recompute_all"
