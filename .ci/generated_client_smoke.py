"""An integrator's first hour, with a client generated from the served schema
(openapi-python-client): typed models in, typed models out. Run by .ci/generated-client,
which type-checks this file with mypy --strict first, then runs it against the live
service: create an item, post and link a friction report, bulk-upsert typed signals,
poll the live ranking with its ETag through a 304, read the item's explanation.

Usage: python generated_client_smoke.py <base-url> <api-key>
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from roadmap_client import AuthenticatedClient
from roadmap_client.api.v1 import (
    v1_friction_reports_create,
    v1_friction_reports_links_create,
    v1_items_create,
    v1_items_score_retrieve,
    v1_rankings_live_list,
    v1_signals_bulk_create,
)
from roadmap_client.models import (
    BulkResult,
    ChannelEnum,
    EvidenceLink,
    EvidenceLinkRequest,
    FrictionReport,
    FrictionReportRequest,
    FunnelStageEnum,
    ItemScoreDetail,
    KindEnum,
    MarketSignalBulkRecordRequest,
    MarketSignalBulkRequest,
    PaginatedLiveRankingEntryList,
    RoadmapItem,
    RoadmapItemRequest,
)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"generated client: {message}")


def main(base_url: str, key: str) -> None:
    client = AuthenticatedClient(base_url=base_url, token=key, prefix="Api-Key")
    run = uuid.uuid4().hex[:8]
    now = datetime.now(UTC)

    created = v1_items_create.sync_detailed(
        client=client,
        body=RoadmapItemRequest(
            title=f"Generated client {run}", reach=1000.0, impact=2.0, confidence=0.8, effort=2.0
        ),
        idempotency_key=f"client-item-{run}",
    )
    check(created.status_code == HTTPStatus.CREATED, f"create item: {created.content!r}")
    item = created.parsed
    check(isinstance(item, RoadmapItem), "create item: not a RoadmapItem")
    assert isinstance(item, RoadmapItem)

    reported = v1_friction_reports_create.sync_detailed(
        client=client,
        body=FrictionReportRequest(
            title="Checkout drops on mobile",
            campaign=f"spring-{run}",
            channel=ChannelEnum.PAID_SEARCH,
            funnel_stage=FunnelStageEnum.CONVERSION,
            affected_people=1200,
            severity=2.0,
            observed_at=now - timedelta(days=2),
        ),
    )
    check(reported.status_code == HTTPStatus.CREATED, f"post report: {reported.content!r}")
    report = reported.parsed
    assert isinstance(report, FrictionReport)

    linked = v1_friction_reports_links_create.sync_detailed(
        str(report.id), client=client, body=EvidenceLinkRequest(item=item.id, weight=0.5)
    )
    check(linked.status_code in {HTTPStatus.OK, HTTPStatus.CREATED}, f"link: {linked.content!r}")
    check(isinstance(linked.parsed, EvidenceLink), "link: not an EvidenceLink")

    records = [
        MarketSignalBulkRecordRequest(
            kind=KindEnum.CUSTOMER_REQUEST,
            title=f"Request {n}",
            source="generated-client",
            external_id=f"{run}-{n}",
            observed_at=now - timedelta(days=n),
            links=[EvidenceLinkRequest(item=item.id)],
        )
        for n in range(3)
    ]
    bulk = v1_signals_bulk_create.sync_detailed(
        client=client, body=MarketSignalBulkRequest(records=records)
    )
    check(bulk.status_code == HTTPStatus.OK, f"bulk: {bulk.status_code} {bulk.content!r}")
    result = bulk.parsed
    assert isinstance(result, BulkResult)
    check(result.created == 3 and result.rejected == 0, f"bulk: {result.to_dict()}")

    # Poll the live ranking until it holds the item, then once more with its ETag: 304.
    etag = ""
    for _ in range(50):
        page = v1_rankings_live_list.sync_detailed(client=client, limit=200)
        check(page.status_code == HTTPStatus.OK, f"ranking: {page.content!r}")
        ranking = page.parsed
        assert isinstance(ranking, PaginatedLiveRankingEntryList)
        if any(entry.item == item.id for entry in ranking.results):
            etag = page.headers.get("ETag", "")
            break
        time.sleep(0.2)
    check(bool(etag), "ranking: the item never appeared, or no ETag")
    unchanged = v1_rankings_live_list.sync_detailed(client=client, limit=200, if_none_match=etag)
    check(
        unchanged.status_code == HTTPStatus.NOT_MODIFIED,
        f"ranking with If-None-Match: {unchanged.status_code}",
    )
    check(unchanged.parsed is None, "a 304 has no body")

    detail = v1_items_score_retrieve.sync_detailed(str(item.id), client=client)
    check(detail.status_code == HTTPStatus.OK, f"score: {detail.content!r}")
    score = detail.parsed
    assert isinstance(score, ItemScoreDetail)
    check(score.explanation is not None, "score: no explanation")
    assert score.explanation is not None
    check(score.explanation.counts.reports >= 1, "explanation: the report is not counted")
    print(
        f"generated client: item {item.id} at position {score.position}, "
        f"score {score.score}, {score.explanation.counts.signals} signals"
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
