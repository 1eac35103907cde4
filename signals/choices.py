from django.db import models

# Channels live in roadmap.choices: launch plans (roadmap) share them, and roadmap may not
# import signals.


class SignalKind(models.TextChoices):
    CUSTOMER_REQUEST = "customer_request", "Customer request"
    SALES_FEEDBACK = "sales_feedback", "Sales feedback"
    CHURN_REASON = "churn_reason", "Churn reason"
    SUPPORT_TICKET = "support_ticket", "Support ticket"
    COMPETITOR_MOVE = "competitor_move", "Competitor move"
    MARKET_TREND = "market_trend", "Market trend"
    USAGE_INSIGHT = "usage_insight", "Usage insight"


class FunnelStage(models.TextChoices):
    AWARENESS = "awareness", "Awareness"
    ACQUISITION = "acquisition", "Acquisition"
    ACTIVATION = "activation", "Activation"
    CONVERSION = "conversion", "Conversion"
    RETENTION = "retention", "Retention"
    REFERRAL = "referral", "Referral"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    ADDRESSED = "addressed", "Addressed"
    DISMISSED = "dismissed", "Dismissed"


class Kpi(models.TextChoices):
    """What an outcome measures. Rates (activation, conversion, retention, churn) are
    fractions from 0 to 1; NPS runs from -100 to 100; LTV is money, 0 or more; a custom
    KPI is named in `custom_kpi` and may take any value."""

    ACTIVATION_RATE = "activation_rate", "Activation rate"
    CONVERSION_RATE = "conversion_rate", "Conversion rate"
    RETENTION = "retention", "Retention"
    CHURN = "churn", "Churn"
    NPS = "nps", "NPS"
    LTV = "ltv", "LTV"
    CUSTOM = "custom", "Custom"


class Team(models.TextChoices):
    """The team that submitted an outcome, from the submitter's role."""

    PRODUCT = "product", "Product"
    MARKETING = "marketing", "Marketing"
