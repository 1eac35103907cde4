"""`manage.py seed_demo`: a realistic, deterministic demo data set, safe to run again.

The whole data set is first planned in memory from `random.Random(2026)` and an anchor
(today at 00:00 UTC), then written against natural keys: theme name, segment slug,
username, item title (and its launch plan), and `(source="demo", external_id)` for
signals, reports and outcomes. Two runs on the same day therefore write the same data,
and a second run changes nothing (rows that already match are left alone, so it adds no
history noise either).

Five shipped items close the loop (STORIES): each went candidate → planned → in progress
→ shipped on dated steps (item history and score history say so), launched with a plan,
and was measured afterwards (outcomes: activation and conversion by channel, NPS before
and after, LTV by segment), so the shared KPIs and the calibration of estimates have
something to show: two owners get a suggested confidence multiplier.
"""

from __future__ import annotations

import random
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from config.roles import Role
from roadmap.choices import LAUNCH_CHECKLIST_FIELDS, RICE_SCALE, Channel, ItemStatus, LaunchStatus
from roadmap.models import LaunchPlan, RoadmapItem, Segment, Theme
from roadmap.services import items_mark_dirty
from scoring.models import ScoreHistory, ScoringModel
from signals.choices import FunnelStage, Kpi, ReportStatus, SignalKind, Team
from signals.models import FrictionReport, MarketSignal, Outcome, ReportLink, SignalLink

SEED = 2026
SOURCE = "demo"
CHANGE_REASON = "demo seed"
SIGNAL_COUNT = 300
REPORT_COUNT = 60

SEGMENTS = (
    ("smb", "SMB", "Small businesses, 1–50 seats, self-serve."),
    ("mid-market", "Mid-market", "51–1,000 seats, sales-assisted."),
    ("enterprise", "Enterprise", "1,000+ seats, security review and procurement."),
    ("agencies", "Agencies", "Agencies working for many clients at once."),
    ("education", "Education", "Schools and universities."),
    ("developers", "Developers", "Technical teams building on the API."),
)

# username, first name, last name, role, is_staff
USERS = (
    ("maya.chen", "Maya", "Chen", Role.PRODUCT, True),
    ("jonas.weber", "Jonas", "Weber", Role.PRODUCT, True),
    ("priya.nair", "Priya", "Nair", Role.PRODUCT, True),
    ("carla.diaz", "Carla", "Diaz", Role.MARKETING, False),
    ("tom.okafor", "Tom", "Okafor", Role.MARKETING, False),
    ("jira-bot", "Jira", "Bot", Role.INTEGRATION, False),
)
PRODUCT_USERS = tuple(u[0] for u in USERS if u[3] == Role.PRODUCT)
MARKETING_USERS = tuple(u[0] for u in USERS if u[3] == Role.MARKETING)

C, P, IP, S, A = (
    ItemStatus.CANDIDATE,
    ItemStatus.PLANNED,
    ItemStatus.IN_PROGRESS,
    ItemStatus.SHIPPED,
    ItemStatus.ARCHIVED,
)

# theme -> (description, segments its items usually serve, items as (title, status, description))
THEMES: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, ItemStatus, str], ...]]] = {
    "Onboarding & activation": (
        "Get new workspaces to their first success in the first week.",
        ("smb", "mid-market", "education", "agencies"),
        (
            ("Guided onboarding checklist", IP, "A checklist that walks new admins to value."),
            ("Interactive product tour", P, "Contextual tour of the five core screens."),
            ("Sample workspace with demo data", C, "Start from a realistic project, not blank."),
            ("Import from spreadsheets", P, "Bring existing plans in from CSV and Excel."),
            ("Invite teammates during sign-up", C, "Ask for teammates while motivation is high."),
            ("In-app onboarding tips", C, "Short hints triggered by what the user has not tried."),
            ("Template gallery", S, "Ready-made templates for common team workflows."),
            ("Progressive profiling on sign-up", A, "Ask fewer questions up front."),
        ),
    ),
    "Enterprise readiness": (
        "Pass security reviews and procurement without custom deals.",
        ("enterprise", "mid-market", "education"),
        (
            ("SSO with SAML", IP, "Sign in through Okta, Azure AD and other SAML providers."),
            ("SCIM user provisioning", P, "Create and remove users from the identity provider."),
            ("Audit log export", S, "Every admin action, exportable to the customer's SIEM."),
            ("Custom data retention policies", C, "Let admins choose how long content is kept."),
            ("Role-based access control", P, "Custom roles beyond admin, member and guest."),
            ("EU data residency", C, "Host a workspace's data in the EU region only."),
            ("IP allowlisting", C, "Restrict access to the company network."),
            ("Two-factor authentication enforcement", S, "Admins can require 2FA for everyone."),
            ("Admin usage dashboard", C, "Seats, activity and adoption for workspace admins."),
        ),
    ),
    "Collaboration": (
        "Make the product the place where teams decide together.",
        ("smb", "mid-market", "agencies", "education"),
        (
            ("Real-time co-editing", P, "See each other's cursors and edits live."),
            ("Comments and @mentions", S, "Discuss in context and pull people in."),
            ("Guest access for clients", IP, "Invite clients to selected projects for free."),
            ("Shared team workspaces", C, "Spaces owned by a team rather than a person."),
            ("Approval workflows", P, "Route work to an approver before it goes out."),
            ("Activity feed", C, "What changed since you last looked."),
            ("Version history and restore", P, "Browse and restore earlier versions."),
            ("Mobile push notifications", C, "Mentions and approvals on the phone."),
        ),
    ),
    "Integrations": (
        "Fit into the tools customers already run their day on.",
        ("developers", "mid-market", "enterprise", "smb"),
        (
            ("Slack integration", S, "Notifications, unfurls and actions from Slack."),
            ("Microsoft Teams integration", C, "The Slack integration's twin for Teams shops."),
            ("Salesforce sync", P, "Two-way sync of accounts and opportunities."),
            ("HubSpot integration", C, "Sync contacts and deals with HubSpot."),
            ("Public REST API v2", P, "A documented, versioned API with API keys."),
            ("Webhooks for all events", C, "Push every change to the customer's endpoint."),
            ("Zapier connector", C, "No-code automations with thousands of apps."),
            ("Google Drive attachments", P, "Attach and preview Drive files."),
        ),
    ),
    "Reporting & insights": (
        "Show teams and their managers the value they get.",
        ("mid-market", "enterprise", "agencies"),
        (
            ("Custom dashboards", P, "Build dashboards from saved views and charts."),
            ("Scheduled PDF reports", C, "Send a weekly report to stakeholders."),
            ("Cohort retention charts", C, "Retention by sign-up cohort and segment."),
            ("Export to BI tools", P, "Nightly export to Snowflake and BigQuery."),
            ("Goal tracking and OKRs", C, "Tie work to objectives and key results."),
            ("Time-in-stage analytics", C, "Where work waits, and for how long."),
            ("Usage benchmarks against peers", C, "Compare adoption with similar companies."),
        ),
    ),
}

# name, segment slug, annual account value
ACCOUNTS = (
    ("Northwind Traders", "mid-market", 48_000),
    ("Globex", "enterprise", 310_000),
    ("Initech", "enterprise", 185_000),
    ("Hooli", "enterprise", 420_000),
    ("Umbrella Health", "enterprise", 260_000),
    ("Vertex Financial", "enterprise", 510_000),
    ("Blue Harbor Logistics", "mid-market", 72_000),
    ("Lumen Analytics", "mid-market", 54_000),
    ("Tandem Robotics", "mid-market", 96_000),
    ("Zenith Retail", "mid-market", 66_000),
    ("Acme Design Studio", "agencies", 9_600),
    ("Brightside Agency", "agencies", 14_400),
    ("Orbit Media Group", "agencies", 21_600),
    ("Willow Creative", "agencies", 7_200),
    ("Riverdale University", "education", 36_000),
    ("Oakwood School District", "education", 12_000),
    ("Summit State College", "education", 48_000),
    ("Pixel & Co", "smb", 2_400),
    ("Corner Bakery Co", "smb", 1_200),
    ("Fernwood Legal", "smb", 4_800),
    ("Maple Street Dental", "smb", 1_800),
    ("Stackwise", "developers", 6_000),
    ("Kestrel Labs", "developers", 18_000),
    ("Nimbus Cloudworks", "developers", 24_000),
)
COMPETITORS = ("Trellis", "Plannery", "Roadwise", "Cadence")

# How often each kind of signal arrives, and how it reads.
SIGNAL_KINDS: dict[SignalKind, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    SignalKind.CUSTOMER_REQUEST: (
        30,
        ("{account} asks for {topic}", "Feature request from {account}: {topic}"),
        ("Raised by the account's admin in the quarterly business review.",),
    ),
    SignalKind.SALES_FEEDBACK: (
        20,
        ("Deal with {account} blocked on {topic}", "{account} shortlisted us, wants {topic}"),
        ("From the opportunity notes; the deal desk flagged it as a blocker.",),
    ),
    SignalKind.SUPPORT_TICKET: (
        15,
        ("{account} needs a workaround for missing {topic}",),
        ("Support built a manual workaround; the customer asked for a real fix.",),
    ),
    SignalKind.CHURN_REASON: (
        10,
        ("{account} churned, citing {topic}", "{account} downgraded: no {topic}"),
        ("Stated in the cancellation survey and confirmed on the exit call.",),
    ),
    SignalKind.USAGE_INSIGHT: (
        10,
        ("Usage data points to {topic}", "Workspaces that stall would benefit from {topic}"),
        ("From the product analytics weekly review.",),
    ),
    SignalKind.COMPETITOR_MOVE: (
        8,
        ("{competitor} launches {topic}", "{competitor} now markets {topic} on its pricing page"),
        ("Spotted by the competitive intelligence team.",),
    ),
    SignalKind.MARKET_TREND: (
        7,
        ("Analysts expect {topic} as standard", "Buyer surveys rank {topic} in the top five"),
        ("From an industry report shared in the product-marketing committee.",),
    ),
}
KINDS_WITHOUT_ACCOUNT = {
    SignalKind.USAGE_INSIGHT,
    SignalKind.COMPETITOR_MOVE,
    SignalKind.MARKET_TREND,
}

# campaign, channel, the segment it targets
CAMPAIGNS = (
    ("Spring trial push", Channel.PAID_SEARCH, "smb"),
    ("Enterprise webinar series", Channel.EVENTS, "enterprise"),
    ("Agency partner program", Channel.PARTNERS, "agencies"),
    ("Back-to-school education offer", Channel.EMAIL, "education"),
    ("Developer docs relaunch", Channel.CONTENT, "developers"),
    ("LinkedIn ABM: IT leaders", Channel.SOCIAL, "enterprise"),
    ("Product Hunt launch", Channel.PRODUCT_LED, "developers"),
    ("Customer referral program", Channel.PRODUCT_LED, "smb"),
    ("Annual plan upgrade emails", Channel.EMAIL, "mid-market"),
    ("SaaStr booth", Channel.EVENTS, "mid-market"),
    ("Outbound to mid-market ops", Channel.SALES, "mid-market"),
    ("SEO content hub", Channel.CONTENT, "smb"),
)
# funnel stage -> (title template, metric name)
STAGES: dict[FunnelStage, tuple[str, str]] = {
    FunnelStage.AWARENESS: ("Ads mentioning {topic} outperform, the product lacks it", "ad CTR"),
    FunnelStage.ACQUISITION: ("Sign-ups abandon on learning there is no {topic}", "sign-up rate"),
    FunnelStage.ACTIVATION: ("Trial workspaces stall without {topic}", "trial activation rate"),
    FunnelStage.CONVERSION: ("Trials do not convert without {topic}", "trial-to-paid conversion"),
    FunnelStage.RETENTION: ("Customers downgrade, citing {topic}", "90-day logo retention"),
    FunnelStage.REFERRAL: ("Referrals stall: invitees ask for {topic}", "invite acceptance rate"),
}
REPORT_STATUSES = (
    [ReportStatus.OPEN] * 48 + [ReportStatus.ADDRESSED] * 8 + [ReportStatus.DISMISSED] * 4
)

# Words that keep their capital in the middle of a sentence.
PROPER = {"SSO", "SCIM", "EU", "IP", "Slack", "Microsoft", "Salesforce", "HubSpot", "Public"}
PROPER |= {"Zapier", "Google"}


# --- Closing the loop: five shipped items, from candidate to measured --------------------


@dataclass(frozen=True)
class Step:
    """A dated step of an item's path, with product's estimates and marketing's measured
    reach (R_m, None: none yet) as the score saw them then."""

    status: ItemStatus
    days_ago: int
    reach: float
    reach_marketing: float | None
    impact: float


@dataclass(frozen=True)
class Story:
    owner: str
    confidence: float
    effort: float
    steps: tuple[Step, ...]  # candidate, planned, in progress, shipped (the last)
    channels: tuple[str, ...]
    segments: tuple[str, ...]
    value_proposition: str
    # (KPI, channel, segment slug, baseline, measured, people measured over the period)
    outcomes: tuple[tuple[str, str, str | None, float, float, int | None], ...]


def _path(days: tuple[int, int, int, int], *estimates: tuple[float, float | None, float]):
    statuses = (C, P, IP, S)
    final = estimates[-1]
    return tuple(
        Step(status, days_ago, *(estimates[n] if n < len(estimates) else final))
        for n, (status, days_ago) in enumerate(zip(statuses, days, strict=True))
    )


# People are counted on the outcomes that reach users through a channel (activation,
# conversion, churn); NPS and LTV leave `people_measured` empty, so that calibration does
# not count the same customers twice. The numbers are chosen so that the calibration
# tells a story: Maya's estimates were optimistic on impact, Jonas's on reach.
STORIES: dict[str, Story] = {
    "Template gallery": Story(
        owner="maya.chen",
        confidence=0.8,
        effort=2.0,
        steps=_path((330, 270, 210, 150), (3500, None, 2), (3000, 2000, 2)),
        channels=(Channel.PRODUCT_LED, Channel.PAID_SEARCH),
        segments=("smb", "agencies"),
        value_proposition="Start from a template built for your team, not a blank page.",
        outcomes=(
            (Kpi.ACTIVATION_RATE, Channel.PRODUCT_LED, "smb", 0.32, 0.37, 1400),
            (Kpi.CONVERSION_RATE, Channel.PAID_SEARCH, None, 0.040, 0.046, 600),
            (Kpi.NPS, "", None, 28, 34, None),
            (Kpi.LTV, "", "smb", 2400, 2650, None),
        ),
    ),
    "Slack integration": Story(
        owner="maya.chen",
        confidence=0.7,
        effort=3.0,
        steps=_path((300, 240, 180, 120), (1200, None, 1), (1500, None, 1)),
        channels=(Channel.PRODUCT_LED, Channel.SALES),
        segments=("mid-market", "developers"),
        value_proposition="Decisions and approvals where the team already talks.",
        outcomes=(
            (Kpi.ACTIVATION_RATE, Channel.PRODUCT_LED, "mid-market", 0.35, 0.45, 1200),
            (Kpi.CONVERSION_RATE, Channel.SALES, "mid-market", 0.11, 0.125, 300),
            (Kpi.NPS, "", None, 30, 33, None),
        ),
    ),
    "Two-factor authentication enforcement": Story(
        owner="jonas.weber",
        confidence=0.9,
        effort=1.5,
        steps=_path((360, 300, 240, 180), (800, None, 2), (800, 1200, 2)),
        channels=(Channel.EVENTS, Channel.EMAIL),
        segments=("enterprise",),
        value_proposition="Pass the security review: admins require 2FA for everyone.",
        outcomes=(
            (Kpi.CONVERSION_RATE, Channel.EVENTS, "enterprise", 0.08, 0.085, 400),
            (Kpi.LTV, "", "enterprise", 180_000, 192_000, None),
            (Kpi.NPS, "", None, 22, 25, None),
            (Kpi.CHURN, Channel.SALES, "enterprise", 0.06, 0.05, 300),
        ),
    ),
    "Audit log export": Story(
        owner="jonas.weber",
        confidence=0.8,
        effort=2.0,
        steps=_path((310, 250, 190, 130), (900, None, 1), (600, None, 1)),
        channels=(Channel.SALES,),
        segments=("enterprise", "mid-market"),
        value_proposition="Every admin action in your SIEM, without a ticket.",
        outcomes=(
            (Kpi.CONVERSION_RATE, Channel.SALES, "enterprise", 0.15, 0.19, 250),
            (Kpi.LTV, "", "enterprise", 175_000, 186_000, None),
        ),
    ),
    "Comments and @mentions": Story(
        owner="priya.nair",
        confidence=0.8,
        effort=1.0,
        steps=_path((260, 200, 150, 110), (2500, None, 1), (2200, 1800, 1)),
        channels=(Channel.EMAIL, Channel.PRODUCT_LED),
        segments=("smb", "agencies"),
        value_proposition="Discuss the work where it is, and pull the right people in.",
        outcomes=(
            (Kpi.ACTIVATION_RATE, Channel.EMAIL, "smb", 0.28, 0.30, 2100),
            (Kpi.NPS, "", None, 35, 41, None),
            (Kpi.LTV, "", "agencies", 9600, 10_100, None),
        ),
    ),
}
# An outcome's period starts two weeks after the launch and lasts a quarter (91 days).
OUTCOME_DELAY_DAYS = 14
OUTCOME_PERIOD_DAYS = 91
PATH_REASON = "demo seed: the item's path"
MODEL_ALPHA = 0.5  # the default scoring model's product weight, for the past scores


@dataclass
class Plan:
    """Everything the command writes, keyed on natural keys, built before any write."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    item_segments: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    signals: dict[str, dict[str, Any]] = field(default_factory=dict)
    signal_links: dict[tuple[str, str], float] = field(default_factory=dict)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    report_links: dict[tuple[str, str], float] = field(default_factory=dict)
    launch_plans: dict[str, dict[str, Any]] = field(default_factory=dict)  # by item title
    launch_segments: dict[str, list[str]] = field(default_factory=dict)
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)  # by external id
    paths: dict[str, list[tuple[Step, datetime]]] = field(default_factory=dict)  # by title


def build_plan(*, anchor: datetime, seed: int = SEED) -> Plan:
    """Plan the demo data set. Pure: the same anchor and seed give the same plan.

    Foreign keys are natural keys here (theme name, username, segment slug, item title);
    the writer resolves them to ids.
    """
    rng = random.Random(seed)  # noqa: S311 (demo data, not security: determinism is the point)
    # Launch plans draw from their own generator, so the rest of the data set is drawn
    # exactly as before they existed.
    launch_rng = random.Random(seed + 1)  # noqa: S311
    plan = Plan()
    all_slugs = [slug for slug, _, _ in SEGMENTS]
    candidates = [t for _, (_, _, items) in THEMES.items() for t, status, _ in items if status == C]
    planned = [t for _, (_, _, items) in THEMES.items() for t, status, _ in items if status == P]
    missing_estimates = set(rng.sample(candidates, 6))
    planned_with_jira = set(rng.sample(planned, 10))
    jira_number = 100

    for theme_index, (theme, (_, home_segments, items)) in enumerate(THEMES.items()):
        for title, status, description in items:
            reach = float(round(10 ** rng.uniform(2.3, 4.3) / 50) * 50)
            impact = rng.choices(RICE_SCALE, weights=(1, 3, 4, 3, 1))[0]
            confidence = rng.choice((0.5, 0.6, 0.7, 0.8, 0.8, 0.9, 1.0))
            effort = rng.choice((0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0))
            if title in missing_estimates:
                blank = rng.sample(("reach", "impact", "effort"), rng.randint(1, 2))
                reach = None if "reach" in blank else reach
                impact = None if "impact" in blank else impact
                effort = None if "effort" in blank else effort
            owner = PRODUCT_USERS[theme_index % len(PRODUCT_USERS)]
            if rng.random() < 0.2:
                owner = rng.choice(PRODUCT_USERS)
            if status == C and rng.random() < 0.25:
                owner = None
            jira_key = ""
            if status in (IP, S, A) or title in planned_with_jira:
                jira_number += 1
                jira_key = f"ROAD-{jira_number}"
            segments = sorted(rng.sample(home_segments, rng.randint(1, len(home_segments))))
            story = STORIES.get(title)
            launching = status in (P, IP) or story is not None
            channels = sorted(rng.sample(Channel.values, rng.randint(1, 3))) if launching else []
            launch_date = (
                anchor.date() + timedelta(days=rng.randrange(30, 271, 7)) if launching else None
            )
            if story is not None:
                # Its path ends with these estimates (what the score assumed at launch).
                final = story.steps[-1]
                owner, reach, impact = story.owner, final.reach, final.impact
                confidence, effort = story.confidence, story.effort
            plan.items[title] = {
                "description": description,
                "status": status.value,
                "theme": theme,
                "owner": owner,
                "reach": reach,
                "impact": impact,
                "confidence": confidence,
                "effort": effort,
                "jira_key": jira_key,
            }
            plan.item_segments[title] = (segments, [])
            if story is not None:
                _plan_story_launch(plan, title, story, anchor)
            elif launching:
                assert launch_date is not None
                _plan_launch(
                    plan, launch_rng, title, owner, description, segments, channels, launch_date
                )

    titles = list(plan.items)
    # Demand is uneven on purpose, so the ranking has a clear head and a long tail.
    demand = [
        0.05 if plan.items[t]["status"] == A.value else rng.paretovariate(1.3) for t in titles
    ]

    def pick_items() -> list[str]:
        first = rng.choices(titles, weights=demand)[0]
        if rng.random() < 0.35:
            second = rng.choices(titles, weights=demand)[0]
            if second != first:
                return [first, second]
        return [first]

    def observed() -> datetime:
        return anchor - timedelta(minutes=rng.randrange(1, 365 * 24 * 60))

    kinds = list(SIGNAL_KINDS)
    kind_weights = [SIGNAL_KINDS[k][0] for k in kinds]
    dismissed = set(rng.sample(range(SIGNAL_COUNT), SIGNAL_COUNT // 20))
    for n in range(SIGNAL_COUNT):
        # The first few cycle through every kind, so each kind is always present.
        kind = kinds[n] if n < len(kinds) else rng.choices(kinds, weights=kind_weights)[0]
        linked = pick_items()
        account, segment, value = "", rng.choice([None, *all_slugs]), None
        if kind not in KINDS_WITHOUT_ACCOUNT:
            account, segment, annual = rng.choice(ACCOUNTS)
            value = Decimal(annual).quantize(Decimal("0.01"))
        _, titles_for_kind, summaries = SIGNAL_KINDS[kind]
        title = rng.choice(titles_for_kind).format(
            account=account, topic=_topic(linked[0]), competitor=rng.choice(COMPETITORS)
        )
        external_id = f"demo-signal-{n + 1:03d}"
        plan.signals[external_id] = {
            "kind": kind.value,
            "title": title,
            "summary": rng.choice(summaries),
            "segment": segment,
            "account_name": account,
            "account_value": value,
            "observed_at": observed(),
            "dismissed": n in dismissed,
            "submitted_by": rng.choice(MARKETING_USERS + PRODUCT_USERS[:1]),
        }
        for position, item_title in enumerate(linked):
            weight = rng.choice((1.0, 1.0, 0.8)) if position == 0 else rng.choice((0.8, 0.5))
            plan.signal_links[(external_id, item_title)] = weight

    statuses = list(REPORT_STATUSES)
    rng.shuffle(statuses)
    for n in range(REPORT_COUNT):
        campaign, channel, segment = rng.choice(CAMPAIGNS)
        stage = rng.choice(list(FunnelStage))
        template, metric_name = STAGES[stage]
        linked = pick_items()
        before = after = None
        if rng.random() < 0.5:
            before = round(rng.uniform(0.08, 0.6), 3)
            after = round(before * rng.uniform(0.55, 0.95), 3)
        external_id = f"demo-report-{n + 1:03d}"
        plan.reports[external_id] = {
            "campaign": campaign,
            "title": template.format(topic=_topic(linked[0])),
            "summary": f"Measured during the “{campaign}” campaign.",
            "channel": channel.value,
            "funnel_stage": stage.value,
            "affected_people": rng.randrange(100, 5001, 50),
            "severity": rng.choices(RICE_SCALE, weights=(1, 3, 4, 3, 1))[0],
            "metric_name": metric_name if before is not None else "",
            "metric_before": before,
            "metric_after": after,
            "segment": segment,
            "status": statuses[n].value,
            "observed_at": observed(),
            "submitted_by": rng.choice(MARKETING_USERS),
        }
        for position, item_title in enumerate(linked):
            weight = rng.choice((1.0, 0.8)) if position == 0 else rng.choice((0.8, 0.5))
            plan.report_links[(external_id, item_title)] = weight
    return plan


def _plan_launch(
    plan: Plan,
    rng: random.Random,
    title: str,
    owner: str | None,
    description: str,
    segments: list[str],
    channels: list[str],
    launch_date: date,
) -> None:
    """The launch plan of an upcoming item: some of its checklist done."""
    checklist = {name: rng.random() < 0.5 for name in LAUNCH_CHECKLIST_FIELDS}
    plan.launch_plans[title] = {
        "status": (LaunchStatus.READY if all(checklist.values()) else LaunchStatus.PLANNED).value,
        "value_proposition": f"For {', '.join(segments)} teams: {description}",
        "key_messages": [description, f"Available to {', '.join(segments[:2])} first."],
        "channels": channels,
        "target_launch_date": launch_date,
        "product_owner": owner,
        "marketing_owner": rng.choice(MARKETING_USERS),
        **checklist,
    }
    plan.launch_segments[title] = segments[:2]


def _plan_story_launch(plan: Plan, title: str, story: Story, anchor: datetime) -> None:
    """A shipped story item: its launched plan and the outcomes measured after it."""
    shipped = anchor.date() - timedelta(days=story.steps[-1].days_ago)
    plan.launch_plans[title] = {
        "status": LaunchStatus.LAUNCHED.value,
        "value_proposition": story.value_proposition,
        "key_messages": [story.value_proposition],
        "channels": list(story.channels),
        "target_launch_date": shipped,
        "product_owner": story.owner,
        "marketing_owner": MARKETING_USERS[len(plan.outcomes) % len(MARKETING_USERS)],
        **dict.fromkeys(LAUNCH_CHECKLIST_FIELDS, True),
    }
    plan.launch_segments[title] = list(story.segments)
    plan.paths[title] = [(step, anchor - timedelta(days=step.days_ago)) for step in story.steps]
    start = shipped + timedelta(days=OUTCOME_DELAY_DAYS)
    end = start + timedelta(days=OUTCOME_PERIOD_DAYS - 1)
    assert end < anchor.date(), f"{title}: its outcomes would be measured in the future"
    for kpi, channel, segment, baseline, measured, people in story.outcomes:
        external_id = f"demo-outcome-{len(plan.outcomes) + 1:03d}"
        submitter = MARKETING_USERS[len(plan.outcomes) % len(MARKETING_USERS)]
        if kpi == Kpi.NPS:
            submitter = story.owner  # product runs the NPS survey
        plan.outcomes[external_id] = {
            "item": title,
            "kpi": str(kpi),
            "custom_kpi": "",
            "channel": str(channel),
            "segment": segment,
            "baseline": float(baseline),
            "measured": float(measured),
            "period_start": start,
            "period_end": end,
            "people_measured": people,
            "submitted_by": submitter,
            "team": (Team.PRODUCT if submitter in PRODUCT_USERS else Team.MARKETING).value,
        }


def _topic(title: str) -> str:
    """An item title as it reads mid-sentence: "SSO with SAML", "guided onboarding"."""
    first, _, rest = title.partition(" ")
    if first not in PROPER:
        first = first[0].lower() + first[1:]
    return f"{first} {rest}".strip()


def today_anchor() -> datetime:
    """Today at 00:00 UTC: every run on the same day dates the evidence identically."""
    now = datetime.now(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC)


class Command(BaseCommand):
    help = "Load a realistic, deterministic demo data set (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print nothing on success.")
        parser.add_argument(
            "--anchor",
            type=date.fromisoformat,
            help="Date the evidence is dated back from (YYYY-MM-DD, default today, UTC).",
        )

    def handle(self, *args: Any, quiet: bool = False, anchor: date | None = None, **opts: Any):
        when = (
            datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
            if anchor
            else today_anchor()
        )
        plan = build_plan(anchor=when)
        with transaction.atomic():
            counts = _write(plan)
        recomputed = _recompute_scores()
        if not quiet:
            self.stdout.write(
                "Demo data: {themes} themes, {segments} segments, {users} users, "
                "{items} items, {signals} signals, {reports} reports, "
                "{launch_plans} launch plans, {outcomes} outcomes, "
                "{signal_links} signal links, {report_links} report links "
                "({created} rows created, {updated} updated, {deleted} links removed); "
                "scores {scores}.".format(
                    **counts,
                    scores="recomputed" if recomputed else "left to the scoring sweeper",
                )
            )


def _recompute_scores() -> bool:
    try:
        # Optional: the demo data is useful before scoring's services exist.
        from scoring.services import item_scores_recompute_all
    except ImportError:
        return False
    item_scores_recompute_all()
    return True


def _write(plan: Plan) -> dict[str, int]:
    created = updated = 0

    themes = {}
    for name, (description, _, _) in THEMES.items():
        theme, made = _upsert(Theme, {"name": name}, {"description": description})
        themes[name] = theme.pk
        created += made

    segments = {}
    for slug, name, description in SEGMENTS:
        segment, made = _upsert(Segment, {"slug": slug}, {"name": name, "description": description})
        segments[slug] = segment.pk
        created += made

    users = _write_users()

    items: dict[str, int] = {}
    for title, wanted in plan.items.items():
        values = dict(wanted)
        values["theme_id"] = themes[values.pop("theme")]
        owner = values.pop("owner")
        values["owner_id"] = users[owner] if owner else None
        item, made = _upsert(RoadmapItem, {"title": title}, values, bump_version=True)
        created += made
        items[title] = item.pk
        item_segments, _ = plan.item_segments[title]
        item.segments.set([segments[s] for s in item_segments])

    for title, wanted in plan.launch_plans.items():
        values = dict(wanted)
        for role in ("product_owner", "marketing_owner"):
            username = values.pop(role)
            values[f"{role}_id"] = users[username] if username else None
        launch_plan, made = _upsert(LaunchPlan, {"item_id": items[title]}, values)
        created += made
        launch_plan.target_segments.set([segments[s] for s in plan.launch_segments[title]])

    existing_outcomes = {o.external_id: o for o in Outcome.objects.filter(source=SOURCE)}
    wanted_outcomes = {}
    for external_id, row in plan.outcomes.items():
        values = dict(row, source=SOURCE, external_id=external_id)
        values["item_id"] = items[values.pop("item")]
        segment = values.pop("segment")
        values["segment_id"] = segments[segment] if segment else None
        values["submitted_by_id"] = users[values.pop("submitted_by")]
        wanted_outcomes[external_id] = values
    made, changed = _sync(Outcome, existing_outcomes, wanted_outcomes)
    created += made
    updated += changed
    created += _write_paths(plan, items)

    evidence_ids: dict[type[models.Model], dict[str, int]] = {}
    for model, rows in ((MarketSignal, plan.signals), (FrictionReport, plan.reports)):
        existing = {o.external_id: o for o in model.objects.filter(source=SOURCE)}
        wanted = {}
        for external_id, row in rows.items():
            values = dict(row, source=SOURCE, external_id=external_id)
            segment = values.pop("segment")
            values["segment_id"] = segments[segment] if segment else None
            values["submitted_by_id"] = users[values.pop("submitted_by")]
            wanted[external_id] = values
        made, changed = _sync(model, existing, wanted)
        created += made
        updated += changed
        evidence_ids[model] = dict(
            model.objects.filter(source=SOURCE).values_list("external_id", "pk")
        )

    deleted = 0
    for link_model, fk, evidence_model, links in (
        (SignalLink, "signal", MarketSignal, plan.signal_links),
        (ReportLink, "report", FrictionReport, plan.report_links),
    ):
        ids = evidence_ids[evidence_model]
        wanted_links = {
            (ids[external_id], items[title]): {
                f"{fk}_id": ids[external_id],
                "item_id": items[title],
                "weight": weight,
            }
            for (external_id, title), weight in links.items()
        }
        demo_links = link_model.objects.filter(**{f"{fk}__source": SOURCE})
        existing_links = {(getattr(o, f"{fk}_id"), o.item_id): o for o in demo_links}
        made, changed = _sync(link_model, existing_links, wanted_links)
        created += made
        updated += changed
        # The demo evidence's links belong to the seed: drop the ones it no longer plans.
        stale = [o.pk for key, o in existing_links.items() if key not in wanted_links]
        if stale:
            deleted += link_model.objects.filter(pk__in=stale).delete()[0]

    items_mark_dirty(item_ids=items.values())
    return {
        "themes": len(themes),
        "segments": len(segments),
        "users": len(users),
        "items": len(items),
        "signals": len(plan.signals),
        "reports": len(plan.reports),
        "launch_plans": len(plan.launch_plans),
        "outcomes": len(plan.outcomes),
        "signal_links": len(plan.signal_links),
        "report_links": len(plan.report_links),
        "created": created,
        "updated": updated,
        "deleted": deleted,
    }


def _write_paths(plan: Plan, items: dict[str, int]) -> int:
    """The dated path of each story item, candidate to shipped: a history row per step,
    and before shipping the score the ranking saw (what calibration reads as the score's
    assumptions). Written once per item, the first time: an item that has its path keeps
    it. Returns the number of rows written."""
    history = RoadmapItem.history.model  # type: ignore[attr-defined]
    story_ids = {items[title]: title for title in plan.paths}
    done = set(
        history.objects.filter(
            id__in=list(story_ids), history_change_reason=PATH_REASON
        ).values_list("id", flat=True)
    )
    model = ScoringModel.objects.filter(is_active=True).first()
    rows, points = [], []
    for item in RoadmapItem.objects.filter(pk__in=set(story_ids) - done).order_by("pk"):
        story = STORIES[story_ids[item.pk]]
        for step, when in plan.paths[story_ids[item.pk]]:
            row = history(
                history_date=when,
                history_type="~",
                history_change_reason=PATH_REASON,
                **{f.attname: getattr(item, f.attname) for f in history.tracked_fields},
            )
            row.status = step.status.value
            row.reach, row.impact = step.reach, step.impact
            rows.append(row)
            if step.status != S and model is not None:
                points.append(_score_point(item, story, step, model, when + timedelta(hours=1)))
    history.objects.bulk_create(rows)
    ScoreHistory.objects.bulk_create(points)
    return len(rows) + len(points)


def _score_point(
    item: RoadmapItem, story: Story, step: Step, model: ScoringModel, when: datetime
) -> ScoreHistory:
    """The score an item had at a step of its path, as the default model (α 0.5) gives it
    from the estimates then (evidence left out: confidence is product's)."""
    reach = step.reach
    if step.reach_marketing is not None:
        reach = MODEL_ALPHA * step.reach + (1 - MODEL_ALPHA) * step.reach_marketing
    score = reach * step.impact * story.confidence / story.effort
    return ScoreHistory(
        item=item,
        model=model,
        computed_at=when,
        score=score,
        reach=reach,
        impact=step.impact,
        confidence=story.confidence,
        effort=story.effort,
        reach_product=step.reach,
        reach_marketing=step.reach_marketing,
        impact_product=step.impact,
        impact_marketing=step.impact if step.reach_marketing is not None else None,
    )


def _write_users() -> dict[str, int]:
    user_model = get_user_model()
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    ids = {}
    for username, first, last, role, is_staff in USERS:
        user, made = user_model.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.example",
                "is_staff": is_staff,
            },
        )
        if made:
            # Demo personas own data; people sign in as the demo admin (ensure_demo_admin).
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(groups[role])
        ids[username] = user.pk
    return ids


def _upsert(
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    *,
    bump_version: bool = False,
) -> tuple[Any, bool]:
    """update_or_create that saves only when something differs (no history noise)."""
    obj = model._default_manager.filter(**lookup).order_by("pk").first()
    if obj is None:
        return model._default_manager.create(**lookup, **values), True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        if bump_version:
            obj.version += 1
        obj._change_reason = CHANGE_REASON
        obj.save()
    return obj, False


def _sync(
    model: type[models.Model],
    existing: dict[Hashable, Any],
    wanted: dict[Hashable, dict[str, Any]],
) -> tuple[int, int]:
    """Bring `existing` rows in line with `wanted` in bulk, with history; (created, updated)."""
    new, changed, fields = [], [], set()
    for key, values in wanted.items():
        obj = existing.get(key)
        if obj is None:
            new.append(model(**values))
            continue
        diff = {name for name, value in values.items() if getattr(obj, name) != value}
        if diff:
            for name in diff:
                setattr(obj, name, values[name])
            changed.append(obj)
            fields |= diff
    if new:
        bulk_create_with_history(new, model, batch_size=500, default_change_reason=CHANGE_REASON)
    if changed:
        if _has_field(model, "updated_at"):
            # bulk_update skips auto_now, so stamp it here.
            now = datetime.now(UTC)
            for obj in changed:
                obj.updated_at = now
            fields.add("updated_at")
        bulk_update_with_history(
            changed, model, sorted(fields), batch_size=500, default_change_reason=CHANGE_REASON
        )
    return len(new), len(changed)


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)
