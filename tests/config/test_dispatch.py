"""Writers queue work after commit; a broker that is down costs a log line, never the write."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from config.celery import app as celery_app
from roadmap.models import DirtyItem
from roadmap.services import item_update
from tests.support.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    """A broker URL whose port nothing listens on."""
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    celery_app.pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
            yield
    finally:
        celery_app.conf.broker_url = saved
        celery_app.pool.force_close_all()
        # A closed pool stays closed: let the app build fresh connection and producer
        # pools for later tests.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def test_a_write_commits_quickly_and_stays_dirty_when_the_broker_is_down(
    broker_down, django_capture_on_commit_callbacks, caplog
):
    item = RoadmapItemFactory()
    DirtyItem.objects.all().delete()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        item_update(item=item, data={"effort": 7.0})
    assert time.monotonic() - started < 2.0
    assert DirtyItem.objects.filter(item=item).exists()
    assert "the sweeper will catch up" in caplog.text


def test_without_a_broker_the_recompute_runs_in_process_after_commit(
    django_capture_on_commit_callbacks,
):
    item = RoadmapItemFactory()
    with (
        override_settings(CELERY_TASK_ALWAYS_EAGER=True),
        django_capture_on_commit_callbacks(execute=True),
    ):
        item_update(item=item, data={"effort": 4.0})
    assert not DirtyItem.objects.filter(item=item).exists()
    assert item.score.effort == 4.0


def test_a_provider_answers_by_name_and_cannot_be_replaced_by_another():
    from config.dispatch import provider, provider_register
    from roadmap.jira.tasks import PUSH_ITEMS_PROVIDER
    from scoring.jira import ranking_jira_push_items

    # Scoring registers the Jira push's ranking reader at start (ScoringConfig.ready).
    assert provider(PUSH_ITEMS_PROVIDER) is ranking_jira_push_items
    provider_register(PUSH_ITEMS_PROVIDER, ranking_jira_push_items)  # the same again: fine
    with pytest.raises(RuntimeError, match="already provided"):
        provider_register(PUSH_ITEMS_PROVIDER, lambda **kwargs: None)
    with pytest.raises(LookupError, match="nothing provides"):
        provider("no.such.provider")
