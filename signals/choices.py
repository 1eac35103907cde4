from django.db import models
from django.utils.translation import gettext_lazy as _

# Channels live in roadmap.choices: launch plans (roadmap) share them, and roadmap may not
# import signals.


class SignalKind(models.TextChoices):
    CUSTOMER_REQUEST = "customer_request", _("Customer request")
    SALES_FEEDBACK = "sales_feedback", _("Sales feedback")
    CHURN_REASON = "churn_reason", _("Churn reason")
    SUPPORT_TICKET = "support_ticket", _("Support ticket")
    COMPETITOR_MOVE = "competitor_move", _("Competitor move")
    MARKET_TREND = "market_trend", _("Market trend")
    USAGE_INSIGHT = "usage_insight", _("Usage insight")


class FunnelStage(models.TextChoices):
    AWARENESS = "awareness", _("Awareness")
    ACQUISITION = "acquisition", _("Acquisition")
    ACTIVATION = "activation", _("Activation")
    CONVERSION = "conversion", _("Conversion")
    RETENTION = "retention", _("Retention")
    REFERRAL = "referral", _("Referral")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ADDRESSED = "addressed", _("Addressed")
    DISMISSED = "dismissed", _("Dismissed")


class Kpi(models.TextChoices):
    """What an outcome measures. Rates (activation, conversion, retention, churn) are
    fractions from 0 to 1; NPS runs from -100 to 100; LTV is money, 0 or more; a custom
    KPI is named in `custom_kpi` and may take any value."""

    ACTIVATION_RATE = "activation_rate", _("Activation rate")
    CONVERSION_RATE = "conversion_rate", _("Conversion rate")
    RETENTION = "retention", _("Retention")
    CHURN = "churn", _("Churn")
    NPS = "nps", _("NPS")
    LTV = "ltv", _("LTV")
    CUSTOM = "custom", _("Custom")


class Team(models.TextChoices):
    """The team that submitted an outcome, from the submitter's role."""

    PRODUCT = "product", _("Product")
    MARKETING = "marketing", _("Marketing")
