"""The demo data set as literal data and a pure planner (`build_plan`): no database here.

The whole data set is planned in memory from `random.Random(2026)` and an anchor (today at
00:00 UTC), keyed on natural keys: theme name, segment slug, username, item title (and its
launch plan), and `(source="demo", external_id)` for signals, reports and outcomes. The
writer (`scoring.demo.writer`) creates what is missing through the services.

Five shipped items close the loop (STORIES): each went candidate → planned → in progress
→ shipped on dated steps (item history and score history say so), launched with a plan,
and was measured afterwards (outcomes: activation and conversion by channel, NPS before
and after, LTV by segment), so the shared KPIs and the calibration of estimates have
something to show: two owners get a suggested confidence multiplier.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from config.roles import Role
from roadmap.choices import LAUNCH_CHECKLIST_FIELDS, RICE_SCALE, Channel, ItemStatus, LaunchStatus
from scoring.demo.radar_data import plan_radar_evidence
from signals.choices import FunnelStage, Kpi, ReportStatus, SignalKind, Team

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
    ("camille.martin", "Camille", "Martin", Role.PRODUCT, True),
    ("julien.moreau", "Julien", "Moreau", Role.PRODUCT, True),
    ("sophie.bernard", "Sophie", "Bernard", Role.PRODUCT, True),
    ("claire.dubois", "Claire", "Dubois", Role.MARKETING, False),
    ("lucas.petit", "Lucas", "Petit", Role.MARKETING, False),
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
# tells a story: Camille's estimates were optimistic on impact, Julien's on reach.
STORIES: dict[str, Story] = {
    "Template gallery": Story(
        owner="camille.martin",
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
        owner="camille.martin",
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
        owner="julien.moreau",
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
        owner="julien.moreau",
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
        owner="sophie.bernard",
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
    # The committee's three months: estimate changes (the item starts with `before`)
    # and the publications, dated.
    changes: list[PlannedChange] = field(default_factory=list)
    rankings: list[tuple[datetime, str, str]] = field(default_factory=list)  # when, by, note


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
            reach: float | None = float(round(10 ** rng.uniform(2.3, 4.3) / 50) * 50)
            impact: float | None = rng.choices(RICE_SCALE, weights=(1, 3, 4, 3, 1))[0]
            confidence = rng.choice((0.5, 0.6, 0.7, 0.8, 0.8, 0.9, 1.0))
            effort: float | None = rng.choice((0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0))
            if title in missing_estimates:
                blank = rng.sample(("reach", "impact", "effort"), rng.randint(1, 2))
                reach = None if "reach" in blank else reach
                impact = None if "impact" in blank else impact
                effort = None if "effort" in blank else effort
            owner: str | None = PRODUCT_USERS[theme_index % len(PRODUCT_USERS)]
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
    _plan_committee(plan, anchor)
    # Unlinked evidence for the radar: suggestions and an emerging topic on a first visit.
    plan_radar_evidence(
        plan.signals,
        anchor=anchor,
        accounts={name: (segment, value) for name, segment, value in ACCOUNTS},
    )
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


# --- Three months of committee history ----------------------------------------------------
#
# The committee meets monthly (DESIGN.md): three published rankings a month apart, and
# between them both teams change its inputs: product revises estimates, marketing sends
# reports and signals. The writer replays these dated events in order, recomputing every
# week through the scoring services, so the rankings, their diffs and each item's score
# history say what moved what, and when.

HISTORY_DAYS = 91  # the weekly recomputations start this many days before the anchor
# days before the anchor, who published, the note
RANKINGS: tuple[tuple[int, str, str], ...] = (
    (60, "camille.martin", "Monthly committee: ranking of the quarter's first meeting."),
    (30, "camille.martin", "Monthly committee: after the enterprise webinars and the trial push."),
    (4, "julien.moreau", "Monthly committee: agencies and integrations move up."),
)


@dataclass(frozen=True)
class EstimateChange:
    """Product revises an estimate: the item holds `before` until `days_ago`, then the
    planned value."""

    days_ago: float
    user: str
    title: str
    field: str
    before: float | str
    reason: str


@dataclass(frozen=True)
class PlannedChange:
    when: datetime
    user: str
    title: str
    field: str
    before: float | str
    after: float | str
    reason: str


@dataclass(frozen=True)
class StoryEvidence:
    """A planned report or signal made part of the story: who sent it, when, about what."""

    external_id: str
    days_ago: float
    user: str
    title: str  # the item it is linked to (weight 1), alone
    values: tuple[tuple[str, Any], ...] = ()


ESTIMATE_CHANGES: tuple[EstimateChange, ...] = (
    # Between the first and the second ranking.
    EstimateChange(
        52.4,
        "julien.moreau",
        "SSO with SAML",
        "confidence",
        0.5,
        "Globex and Initech confirmed SSO as a blocker in their security reviews.",
    ),
    EstimateChange(
        41.6,
        "sophie.bernard",
        "Real-time co-editing",
        "effort",
        2.0,
        "The spike showed the editor needs a rewrite for live cursors.",
    ),
    # Between the second and the third ranking.
    EstimateChange(
        19.3,
        "camille.martin",
        "Interactive product tour",
        "reach",
        12_000.0,
        "Usage data: only new admins see the tour, not every new member.",
    ),
    EstimateChange(
        11.7,
        "julien.moreau",
        "Salesforce sync",
        "impact",
        1.0,
        "Sales: the sync saves the reps time but decides no deal on its own.",
    ),
)

STORY_EVIDENCE: tuple[StoryEvidence, ...] = (
    # Between the first and the second ranking: the trial push finds its blocker.
    StoryEvidence(
        "demo-report-001",
        45.2,
        "claire.dubois",
        "Import from spreadsheets",
        (
            ("campaign", "Spring trial push"),
            ("channel", Channel.PAID_SEARCH.value),
            ("funnel_stage", FunnelStage.ACTIVATION.value),
            ("affected_people", 4800),
            ("severity", 3.0),
            ("metric_name", "trial activation rate"),
            ("metric_before", 0.41),
            ("metric_after", 0.29),
            ("segment", "smb"),
            ("status", ReportStatus.OPEN.value),
        ),
    ),
    # Between the second and the third ranking: agencies and HubSpot shops speak up.
    StoryEvidence(
        "demo-report-002",
        22.5,
        "lucas.petit",
        "Guest access for clients",
        (
            ("campaign", "Agency partner program"),
            ("channel", Channel.PARTNERS.value),
            ("funnel_stage", FunnelStage.CONVERSION.value),
            ("affected_people", 3500),
            ("severity", 2.0),
            ("metric_name", "trial-to-paid conversion"),
            ("metric_before", 0.18),
            ("metric_after", 0.12),
            ("segment", "agencies"),
            ("status", ReportStatus.OPEN.value),
        ),
    ),
    StoryEvidence(
        "demo-signal-001",
        24.1,
        "lucas.petit",
        "HubSpot integration",
        (("kind", SignalKind.CUSTOMER_REQUEST.value), ("dismissed", False)),
    ),
    StoryEvidence(
        "demo-signal-002",
        16.8,
        "claire.dubois",
        "HubSpot integration",
        (("kind", SignalKind.SALES_FEEDBACK.value), ("dismissed", False)),
    ),
    StoryEvidence(
        "demo-signal-003",
        9.2,
        "lucas.petit",
        "HubSpot integration",
        (("kind", SignalKind.CHURN_REASON.value), ("dismissed", False)),
    ),
)


def _plan_committee(plan: Plan, anchor: datetime) -> None:
    """Date the committee's rankings, resolve the estimate changes against the planned
    values, and make the story's evidence say what the story says."""
    plan.rankings = [(anchor - timedelta(days=days), user, note) for days, user, note in RANKINGS]
    for change in ESTIMATE_CHANGES:
        after = plan.items[change.title][change.field]
        if after == change.before:
            raise ValueError(f"{change.title}: {change.field} does not change")
        plan.changes.append(
            PlannedChange(
                when=anchor - timedelta(days=change.days_ago),
                user=change.user,
                title=change.title,
                field=change.field,
                before=change.before,
                after=after,
                reason=change.reason,
            )
        )
    for story in STORY_EVIDENCE:
        is_report = story.external_id.startswith("demo-report-")
        rows, links = (
            (plan.reports, plan.report_links) if is_report else (plan.signals, plan.signal_links)
        )
        row = rows[story.external_id]
        row.update(story.values)
        row["observed_at"] = anchor - timedelta(days=story.days_ago)
        row["submitted_by"] = story.user
        if is_report:
            template, _ = STAGES[FunnelStage(row["funnel_stage"])]
            row["title"] = template.format(topic=_topic(story.title))
            row["summary"] = f"Measured during the “{row['campaign']}” campaign."
        else:
            kind = SignalKind(row["kind"])
            account, segment, annual = ACCOUNTS[len(story.external_id + story.title) % 24]
            row["title"] = SIGNAL_KINDS[kind][1][0].format(
                account=account, topic=_topic(story.title), competitor=COMPETITORS[0]
            )
            row["summary"] = SIGNAL_KINDS[kind][2][0]
            row.update(
                account_name=account,
                segment=segment,
                account_value=Decimal(annual).quantize(Decimal("0.01")),
            )
        for key in [key for key in links if key[0] == story.external_id]:
            del links[key]
        links[(story.external_id, story.title)] = 1.0
