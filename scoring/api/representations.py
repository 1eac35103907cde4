"""Published rankings rendered once: each representation (the detail, an entries page,
the Jira pull) is stored as bytes with a strong ETag (scoring.models.RankingRepresentation).

- The ETag is derived from the ranking (id, number), the kind, the variant and
  `RENDER_VERSION`, never from the body: a 304 costs the one indexed lookup that finds the
  ranking, and nothing else.
- The body is exactly what the view's serializer and the JSON renderer produce (the tests
  compare both for every kind). Bump `RENDER_VERSION` whenever a serializer of these
  responses changes: every stored body then gets a new ETag and is rendered again.
- The detail is rendered when a ranking is published (in its transaction); the
  kinds whose links depend on the request's host (entries pages, the Jira pull) on their
  first read, idempotently (a concurrent first read inserts nothing twice).
"""

from __future__ import annotations

from typing import Any

from config.api.conditional import etag_digest
from config.api.renderers import dumps
from scoring import selectors
from scoring.models import Ranking, RankingRepresentation

RENDER_VERSION = 1

DETAIL = "detail"
ENTRIES = "entries"
JIRA = "jira"


def representation_etag(*, ranking_id: int, number: int, kind: str, variant: str = "") -> str:
    digest = etag_digest(RENDER_VERSION, ranking_id, number, kind, variant)
    return f'"ranking-{number}-{kind}-{digest}"'


def representation_body(*, ranking_id: int, kind: str, variant: str = "") -> bytes | None:
    """The stored body, or None when it has not been rendered yet (one indexed lookup)."""
    body = (
        RankingRepresentation.objects.filter(ranking_id=ranking_id, kind=kind, variant=variant)
        .values_list("body", flat=True)
        .first()
    )
    return bytes(body) if body is not None else None


def representation_store(
    *, ranking: Ranking | tuple[int, int], kind: str, variant: str, body: bytes
) -> str:
    """Store a rendered body (a no-op when it is already stored); returns its ETag."""
    ranking_id, number = (ranking.pk, ranking.number) if isinstance(ranking, Ranking) else ranking
    etag = representation_etag(ranking_id=ranking_id, number=number, kind=kind, variant=variant)
    RankingRepresentation.objects.bulk_create(
        [
            RankingRepresentation(
                ranking_id=ranking_id, kind=kind, variant=variant, etag=etag, body=body
            )
        ],
        ignore_conflicts=True,
    )
    return etag


def detail_data(ranking: Ranking) -> Any:
    """What `rankings/{n}/` and `rankings/latest/` serialize (RankingDetailSerializer)."""
    from scoring.api.serializers import RankingDetailSerializer

    with_entries = selectors.rankings_with_entries().get(pk=ranking.pk)
    return RankingDetailSerializer(with_entries).data


def ranking_render(ranking: Ranking) -> str:
    """Store a newly published ranking's detail (in the publish transaction); idempotent.
    Returns its ETag."""
    return representation_store(
        ranking=ranking, kind=DETAIL, variant="", body=dumps(detail_data(ranking))
    )
