"""Queueing a push: record a queued run, send its task once the caller's transaction
commits. Called by scoring (the publish, the Ranking admin action, the API's
`push-to-jira`); the task (roadmap.jira.tasks) asks scoring for the ranking's entries
through the registry of config.dispatch, so roadmap never imports scoring.
"""

from __future__ import annotations

from django.utils import timezone

from config.dispatch import send_after_commit
from roadmap.jira import jira_settings
from roadmap.jira.models import JiraSyncRun

PUSH_TASK = "roadmap.jira_ranking_push"


class JiraNotConfigured(Exception):
    """The push is off: JIRA_BASE_URL, JIRA_USER_EMAIL, JIRA_API_TOKEN and JIRA_SCORE_FIELD
    are not all set (or one is malformed; `manage.py check` says which)."""


def jira_push_queue(*, ranking_id: int, ranking_number: int, force: bool = False) -> JiraSyncRun:
    """Record a queued push of a ranking and send its task once the caller's transaction
    commits (the publish, the admin action, the API). Raises JiraNotConfigured when the
    push is off."""
    if not jira_settings().push_enabled:
        raise JiraNotConfigured("Jira is not configured; set the JIRA_* variables.")
    run = JiraSyncRun.objects.create(ranking_number=ranking_number, force=force)
    send_after_commit(
        PUSH_TASK, kwargs={"ranking_id": ranking_id, "force": force, "run_id": run.pk}
    )
    return run


def jira_sync_run_fail(*, run_id: int, error: str) -> None:
    """Give up a queued run that cannot start (its ranking is gone)."""
    JiraSyncRun.objects.filter(pk=run_id, status=JiraSyncRun.Status.QUEUED).update(
        status=JiraSyncRun.Status.FAILED, finished_at=timezone.now(), error=error[:2000]
    )
