import io

import pytest
from django.core.management import call_command

from roadmap.models import DirtyItem
from roadmap.services import items_mark_dirty
from scoring.models import ItemScore
from tests.support.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


def test_recompute_scores_sweeps_the_dirty_items_and_all_recomputes_everything():
    items = RoadmapItemFactory.create_batch(3)
    DirtyItem.objects.all().delete()
    items_mark_dirty(item_ids=[items[0].pk])
    out = io.StringIO()
    call_command("recompute_scores", stdout=out)
    assert "recomputed 1 items" in out.getvalue()
    assert not DirtyItem.objects.exists()
    call_command("recompute_scores", "--all", stdout=out)
    assert ItemScore.objects.count() == 3
