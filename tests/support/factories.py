"""factory_boy factories for every model."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from roadmap.models import LaunchPlan, RoadmapItem, Segment, Theme
from scoring.engine import DEFAULT_KIND_WEIGHTS
from scoring.models import ScoringModel
from signals.models import (
    Campaign,
    FrictionReport,
    FunnelSnapshot,
    MarketSignal,
    Outcome,
    ReportLink,
    SignalLink,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Theme {n}")


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"segment-{n}")
    name = factory.LazyAttribute(lambda s: s.slug.replace("-", " ").title())


class RoadmapItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoadmapItem

    title = factory.Sequence(lambda n: f"Item {n}")
    theme = factory.SubFactory(ThemeFactory)
    reach = 1000.0
    impact = 1.0
    confidence = 0.8
    effort = 2.0


class LaunchPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LaunchPlan

    item = factory.SubFactory(RoadmapItemFactory, status="planned")
    value_proposition = "Sign in once, with the identity provider you already run."
    channels = factory.LazyFunction(lambda: ["email"])
    target_launch_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))


class OutcomeFactory(factory.django.DjangoModelFactory):
    """An activation rate measured over the 91 days that ended ten days ago."""

    class Meta:
        model = Outcome

    item = factory.SubFactory(RoadmapItemFactory, status="shipped")
    kpi = "activation_rate"
    baseline = 0.30
    measured = 0.36
    period_start = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=100))
    period_end = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    people_measured = 1000
    source = "test"
    external_id = factory.Sequence(lambda n: f"out-{n}")
    team = "marketing"


class MarketSignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketSignal

    kind = "customer_request"
    source = "test"
    external_id = factory.Sequence(lambda n: f"sig-{n}")
    title = factory.Sequence(lambda n: f"Signal {n}")
    observed_at = factory.LazyFunction(timezone.now)


class FrictionReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrictionReport

    campaign = "Spring trial push"
    channel = "paid_search"
    funnel_stage = "activation"
    affected_people = 1000
    severity = 2.0
    source = "test"
    external_id = factory.Sequence(lambda n: f"rep-{n}")
    observed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


class SignalLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignalLink

    item = factory.SubFactory(RoadmapItemFactory)
    signal = factory.SubFactory(MarketSignalFactory)
    weight = 1.0


class ReportLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportLink

    item = factory.SubFactory(RoadmapItemFactory)
    report = factory.SubFactory(FrictionReportFactory)
    weight = 1.0


class ScoringModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoringModel

    version = factory.Sequence(lambda n: n + 100)
    is_active = False
    kind_weights = factory.LazyFunction(lambda: dict(DEFAULT_KIND_WEIGHTS))


class CampaignFactory(factory.django.DjangoModelFactory):
    """A paid-search campaign over 2026's first half, 12,000 EUR."""

    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    channel = "paid_search"
    period_start = date(2026, 1, 1)
    period_end = date(2026, 6, 30)
    spend = Decimal("12000.00")
    currency = "EUR"
    source = "test"
    external_id = factory.Sequence(lambda n: f"cmp-{n}")


class FunnelSnapshotFactory(factory.django.DjangoModelFactory):
    """January 2026: 10,000 impressions down to 10 retained at 90 days."""

    class Meta:
        model = FunnelSnapshot

    campaign = factory.SubFactory(CampaignFactory)
    period_start = date(2026, 1, 1)
    period_end = date(2026, 1, 31)
    impressions = 10_000
    clicks = 1_000
    sign_ups = 200
    activated = 80
    paid = 20
    retained_30 = 18
    retained_90 = 10
    source = "test"
    external_id = factory.Sequence(lambda n: f"snap-{n}")
