"""Admin for market signals, friction reports and outcomes, and the link inlines the item
page reuses (imported by roadmap.admin).

Every write goes through signals.services, as the API's do, so the transitions, the
external-id rule and the dirty marks hold here too; and marketing changes only the
evidence it submitted, as in the API (`base.EvidenceAdmin`).
"""

from signals.admin.evidence import FrictionReportAdmin, MarketSignalAdmin
from signals.admin.inlines import ReportLinkInline, SignalLinkInline
from signals.admin.loop import (
    ExpectedResultAdmin,
    NotificationAdmin,
    NotificationPreferenceAdmin,
)
from signals.admin.outcomes import OutcomeAdmin

__all__ = [
    "ExpectedResultAdmin",
    "FrictionReportAdmin",
    "MarketSignalAdmin",
    "NotificationAdmin",
    "NotificationPreferenceAdmin",
    "OutcomeAdmin",
    "ReportLinkInline",
    "SignalLinkInline",
]
# Campaigns, funnel snapshots and friction proposals register their own admin.
import signals.campaigns.admin  # noqa: F401
