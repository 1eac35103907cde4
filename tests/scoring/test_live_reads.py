"""The live reads answer from one query without a serializer per row: `rankings/live/`
and `items/{id}/score/` give, byte for byte, the JSON their serializers give for the same
data (LiveRankingEntrySerializer, ItemScoreDetailSerializer), within their query budgets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone, translation

from config.api.renderers import dumps
from roadmap.models import DirtyItem
from roadmap.services import item_update
from scoring import selectors
from scoring.api.serializers import ItemScoreDetailSerializer, LiveRankingEntrySerializer
from scoring.filters import LiveRankingFilterSet
from scoring.models import ItemScore
from scoring.services import item_scores_recompute_all, scoring_model_create_version
from tests.support.api import api_client_for
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SegmentFactory,
    SignalLinkFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(integration_user):
    client = api_client_for(integration_user)
    # A key's first use records it (one write a minute): out of the budgets below.
    assert client.get("/api/v1/themes/").status_code == 200
    return client


@pytest.fixture
def world(product_user):
    """Items covering the nulls: no theme, no owner, no Jira key, no product estimate of
    reach (marketing's only), no marketing part, evidence, equal scores, an unscored
    item, a shipped one; scored twice under two model versions, so histories differ."""
    now = timezone.now()
    onboarding = ThemeFactory(name="Onboarding")
    smb = SegmentFactory(slug="smb")
    items = {
        "plain": RoadmapItemFactory(title="Plain", theme=None, reach=500, effort=1),
        "owned": RoadmapItemFactory(
            title="Owned ✓ « quotes »", theme=onboarding, owner=product_user, jira_key="PM-7"
        ),
        "twin_a": RoadmapItemFactory(title="Twin A", reach=300, impact=1, effort=1),
        "twin_b": RoadmapItemFactory(title="Twin B", reach=300, impact=1, effort=1),
        "evidence": RoadmapItemFactory(title="SSO for small teams", reach=None, effort=3),
        "unscored": RoadmapItemFactory(title="No estimates", reach=None, impact=None),
        "planned": RoadmapItemFactory(title="Planned", status="planned", reach=50),
        "shipped": RoadmapItemFactory(title="Shipped", status="shipped", reach=9000),
    }
    items["evidence"].segments.add(smb)
    for days, people in ((1, 1200), (40, 300)):
        ReportLinkFactory(
            item=items["evidence"],
            report=FrictionReportFactory(
                affected_people=people, severity=3, observed_at=now - timedelta(days=days)
            ),
        )
    for days in (2, 3):
        SignalLinkFactory(
            item=items["evidence"],
            signal=MarketSignalFactory(observed_at=now - timedelta(days=days)),
            weight=0.5,
        )
    item_scores_recompute_all(now=now - timedelta(hours=2))
    scoring_model_create_version(params={"product_weight": 0.4}, note="second")
    item_update(item=items["plain"], data={"effort": 2.0})
    item_scores_recompute_all(now=now - timedelta(minutes=5, microseconds=-123))
    item_update(item=items["owned"], data={"confidence": 0.5})  # dirty, not recomputed
    return {"items": items, "theme": onboarding, "segment": smb, "owner": product_user}


def live_ranking_by_serializer(query: str) -> tuple[int, bytes]:
    """The page as the serializer renders it (the view's former path)."""
    data = QueryDict(query)
    queryset = LiveRankingFilterSet(data, queryset=selectors.live_ranking()).qs
    limit, offset = int(data.get("limit", 50)), int(data.get("offset", 0))
    page = list(queryset[offset : offset + limit])
    positions = selectors.item_positions(item_ids=[score.item_id for score in page])
    rows = LiveRankingEntrySerializer(page, many=True, context={"positions": positions}).data
    return queryset.count(), dumps(rows)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "limit=2",
        "limit=2&offset=3",
        "limit=3&offset=200",
        "theme={theme}",
        "owner={owner}",
        "segment={segment}",
        "status=planned",
        "status=candidate&status=planned&limit=2&offset=1",
        "has_jira_key=false",
        "q=sso",
        "q=",
    ],
)
def test_the_live_ranking_gives_the_serializers_json_byte_for_byte(
    integration, world, query, django_assert_max_num_queries
):
    query = query.format(
        theme=world["theme"].pk, owner=world["owner"].pk, segment=world["segment"].pk
    )
    # The key, the generation, the page (a page past the end: and the count).
    with django_assert_max_num_queries(4):
        response = integration.get(f"/api/v1/rankings/live/?{query}")
    assert response.status_code == 200, response.content

    count, rows = live_ranking_by_serializer(query)
    body = response.json()
    assert body["count"] == count
    expected = b'{"count":%d,"next":%s,"previous":%s,"results":%s}' % (
        count,
        dumps(body["next"]),
        dumps(body["previous"]),
        rows,
    )
    assert response.content == expected


def test_the_live_ranking_of_no_ranked_item_is_an_empty_page(integration):
    RoadmapItemFactory(reach=None)
    item_scores_recompute_all()
    body = integration.get("/api/v1/rankings/live/").json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def item_score_by_serializer(item, since=None) -> bytes:
    with translation.override("en"):
        detail = selectors.item_score_detail(item=item, since=since)
        return dumps(ItemScoreDetailSerializer(detail).data)


@pytest.mark.parametrize(
    "name", ["plain", "owned", "twin_a", "twin_b", "evidence", "unscored", "planned", "shipped"]
)
def test_an_items_score_gives_the_serializers_json_byte_for_byte(
    integration, world, name, django_assert_max_num_queries
):
    item = world["items"][name]
    # The key, the item with its score, model, history and the generation; an item with
    # evidence: its inputs (reports, signals) for the contributors.
    with django_assert_max_num_queries(4 if name == "evidence" else 2):
        response = integration.get(f"/api/v1/items/{item.pk}/score/")
    assert response.status_code == 200, response.content
    assert response.content == item_score_by_serializer(item)


def test_an_item_never_scored_and_one_with_a_since_give_the_serializers_json(integration, world):
    never = RoadmapItemFactory(title="Never scored", theme=None)
    assert ItemScore.objects.filter(item=never).count() == 0
    response = integration.get(f"/api/v1/items/{never.pk}/score/")
    assert response.content == item_score_by_serializer(never)

    item = world["items"]["evidence"]
    since = timezone.now() - timedelta(hours=1)
    response = integration.get(f"/api/v1/items/{item.pk}/score/", {"since": since.isoformat()})
    assert response.status_code == 200, response.content
    assert response.json()["change"] is not None
    # `change` comes last and from the same serializer in both; it weighs evidence at the
    # moment of the request, so only the bytes before it can compare.
    body, _, change = response.content.partition(b',"change":')
    expected, _, expected_change = item_score_by_serializer(item, since=since).partition(
        b',"change":'
    )
    assert body == expected
    assert change.startswith(b'{"since":')
    assert expected_change.startswith(b'{"since":')


def test_a_dirty_items_score_says_so_and_matches_the_serializer(integration, world):
    item = world["items"]["owned"]
    assert DirtyItem.objects.filter(item=item).exists()
    response = integration.get(f"/api/v1/items/{item.pk}/score/")
    assert response.json()["dirty"] is True
    assert response.content == item_score_by_serializer(item)
