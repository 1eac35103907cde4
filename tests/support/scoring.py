"""Shared scoring fixtures: a random world of items, reports, signals and links."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from roadmap.models import RoadmapItem
from scoring import engine
from tests.support.factories import (
    FrictionReportFactory,
    MarketSignalFactory,
    ReportLinkFactory,
    RoadmapItemFactory,
    SegmentFactory,
    SignalLinkFactory,
)


def random_world(rng: random.Random, now: datetime, items: int = 25) -> list[RoadmapItem]:
    """`items` items with random estimates and statuses, each with 0-4 friction reports
    and 0-5 signals (random kinds, statuses, segments seg-0..2, ages, link weights)."""
    segments = [SegmentFactory(slug=f"seg-{i}") for i in range(3)]
    kinds = list(engine.SIGNAL_KINDS)
    made = []
    for _ in range(items):
        item = RoadmapItemFactory(
            reach=rng.choice([None, 0, rng.uniform(1, 50_000)]),
            impact=rng.choice([None, 0.25, 0.5, 1, 2, 3]),
            confidence=rng.choice([None, rng.random()]),
            effort=rng.choice([None, 0.05, rng.uniform(0.1, 20)]),
            status=rng.choice(["candidate", "planned", "in_progress", "shipped", "archived"]),
        )
        made.append(item)
        for _ in range(rng.randint(0, 4)):
            report = FrictionReportFactory(
                affected_people=rng.randint(0, 10_000),
                severity=rng.choice([0.25, 0.5, 1, 2, 3]),
                status=rng.choice(["open", "open", "addressed", "dismissed"]),
                segment=rng.choice([None, *segments]),
                observed_at=now - timedelta(seconds=rng.uniform(-3600, 400 * 86400)),
            )
            ReportLinkFactory(item=item, report=report, weight=rng.choice([1, 0.5, 0.3]))
        for _ in range(rng.randint(0, 5)):
            signal = MarketSignalFactory(
                kind=rng.choice(kinds),
                dismissed=rng.random() < 0.2,
                segment=rng.choice([None, *segments]),
                observed_at=now - timedelta(seconds=rng.uniform(0, 400 * 86400)),
            )
            SignalLinkFactory(item=item, signal=signal, weight=rng.choice([1, 0.8, 0.5]))
    return made
