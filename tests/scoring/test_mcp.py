"""The MCP server, driven by the MCP SDK's own client over streamable HTTP: the same API
keys, roles and throttle as the REST API; wrong input refused, nothing written."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta
from typing import Any

import anyio
import httpx
import httpx2
import pytest
import uvicorn
from asgiref.sync import SyncToAsync
from django.core.cache.backends.locmem import LocMemCache
from django.db import connections
from django.utils import timezone
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from config.api.throttling import ApiKeyRateThrottle
from config.models import ApiKey
from scoring.mcp.http import PATH, mcp_http_app
from scoring.services import item_scores_recompute_all, ranking_publish
from signals.models import MarketSignal
from tests.support.factories import MarketSignalFactory, RoadmapItemFactory

# Committed data (the server runs in another thread); the rows migrations made (roles,
# the scoring model) are restored after each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def mcp_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        mcp_http_app(host="127.0.0.1", port=port),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}{PATH}"
    server.should_exit = True
    thread.join(timeout=10)
    # The server's database work ran in asgiref's one thread for sync code: close its
    # connection, or the test database cannot be dropped at the end.
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


def key_of(user: Any) -> str:
    _, key = ApiKey.objects.create_key(user=user, name="mcp test")
    return key


async def _call(url: str, key: str, tool: str, arguments: dict[str, Any]) -> Any:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Api-Key {key}"}, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        return await client.call_tool(tool, arguments)


def call(url: str, key: str, tool: str, **arguments: Any) -> Any:
    return anyio.run(_call, url, key, tool, arguments)


def data(result: Any) -> Any:
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


def error_text(result: Any) -> str:
    assert result.is_error
    return result.content[0].text


@pytest.fixture
def world(product_user):
    items = [RoadmapItemFactory(title=f"Item {n}", reach=1000 * (n + 1)) for n in range(5)]
    MarketSignalFactory(title="Globex wants SAML single sign-on", summary="Okta, before renewal")
    item_scores_recompute_all()
    ranking_publish(note="March", published_by=product_user)
    return items


def test_the_tools_are_listed_for_an_integration_key(mcp_url, integration_user):
    key = key_of(integration_user)

    async def tools() -> set[str]:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Api-Key {key}"}) as http,
            Client(streamable_http_client(mcp_url, http_client=http)) as client,
        ):
            return {tool.name for tool in (await client.list_tools()).tools}

    assert anyio.run(tools) == {
        "list_ranking",
        "explain_item",
        "search_evidence",
        "list_emerging_topics",
        "submit_signal",
    }


def test_list_ranking_live_and_published(mcp_url, integration_user, world):
    key = key_of(integration_user)
    live = data(call(mcp_url, key, "list_ranking", limit=3))
    assert live["source"] == "live"
    assert [row["title"] for row in live["entries"]] == ["Item 4", "Item 3", "Item 2"]
    assert [row["position"] for row in live["entries"]] == [1, 2, 3]
    found = data(call(mcp_url, key, "list_ranking", text="Item 3", status="candidate"))
    assert [(row["title"], row["position"]) for row in found["entries"]] == [("Item 3", 2)]
    published = data(call(mcp_url, key, "list_ranking", source="published", number=1))
    assert published["number"] == 1
    assert published["note"] == "March"
    assert len(published["entries"]) == 5
    missing = call(mcp_url, key, "list_ranking", source="published", number=7)
    assert "No such published ranking" in error_text(missing)


def test_explain_item_gives_the_factors_and_history(mcp_url, integration_user, world):
    key = key_of(integration_user)
    explained = data(call(mcp_url, key, "explain_item", item_id=world[0].pk))
    assert explained["item"] == world[0].pk
    assert explained["position"] == 5
    assert {"reach", "impact", "confidence", "effort"} <= set(explained["explanation"])
    assert "no item" in error_text(call(mcp_url, key, "explain_item", item_id=999999))


def test_search_evidence_and_emerging_topics(mcp_url, integration_user, world):
    key = key_of(integration_user)
    found = data(call(mcp_url, key, "search_evidence", query="saml"))
    assert [s["title"] for s in found["signals"]] == ["Globex wants SAML single sign-on"]
    assert found["reports"] == []
    topics = data(call(mcp_url, key, "list_emerging_topics"))
    assert topics["available"] is True
    assert topics["topics"] == []  # no evidence groups into a topic in this world


def test_marketing_submits_a_signal(mcp_url, marketing_user):
    result = data(
        call(
            mcp_url,
            key_of(marketing_user),
            "submit_signal",
            kind="competitor_move",
            title="Initech ships SSO on its free plan",
            observed_at=(timezone.now() - timedelta(days=1)).isoformat(),
            external_id="chat-42",
        )
    )
    signal = MarketSignal.objects.get(pk=result["id"])
    assert signal.submitted_by == marketing_user
    assert (signal.source, signal.external_id) == ("mcp", "chat-42")
    again = call(
        mcp_url,
        key_of(marketing_user),
        "submit_signal",
        kind="competitor_move",
        title="Initech ships SSO on its free plan",
        external_id="chat-42",
    )
    assert "already exists" in error_text(again)
    assert MarketSignal.objects.count() == 1


def test_integration_is_read_only(mcp_url, integration_user):
    result = call(
        mcp_url, key_of(integration_user), "submit_signal", kind="market_trend", title="No"
    )
    assert "marketing and product" in error_text(result)
    assert not MarketSignal.objects.exists()


@pytest.mark.parametrize(
    "arguments",
    [
        {"kind": "gossip", "title": "Bad kind"},
        {"kind": "market_trend", "title": 123},
        {"kind": "market_trend"},
        {"kind": "market_trend", "title": "x" * 201},
        {"kind": "market_trend", "title": "Bad date", "observed_at": "yesterday"},
    ],
)
def test_wrong_types_are_refused_and_write_nothing(mcp_url, marketing_user, arguments):
    result = call(mcp_url, key_of(marketing_user), "submit_signal", **arguments)
    assert result.is_error
    assert not MarketSignal.objects.exists()


def test_a_revoked_or_missing_key_is_a_401(mcp_url, integration_user):
    _, key = ApiKey.objects.create_key(user=integration_user, name="soon revoked")
    ApiKey.objects.filter(prefix=key.partition(".")[0]).update(revoked=True)
    response = httpx.post(
        mcp_url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": f"Api-Key {key}", "Accept": "application/json"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert httpx.post(mcp_url, json={}).status_code == 401
    with pytest.raises(Exception):  # noqa: B017, PT011 (the SDK's own error for a 401)
        call(mcp_url, key, "list_ranking")


def test_the_api_throttle_applies(mcp_url, integration_user, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "2/min"})
    # Counters in this process only: parallel test workers share (and clear) the Redis cache.
    monkeypatch.setattr(ApiKeyRateThrottle, "cache", LocMemCache("mcp-throttle", {}))
    key = key_of(integration_user)
    outcomes = [call(mcp_url, key, "list_emerging_topics") for _ in range(2)]
    assert all(not outcome.is_error for outcome in outcomes)
    # One tool call, one request of the key's budget: the third is refused.
    assert "Too many requests" in error_text(call(mcp_url, key, "list_emerging_topics"))
