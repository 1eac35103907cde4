from django.db import models


class SignalKind(models.TextChoices):
    CUSTOMER_REQUEST = "customer_request", "Customer request"
    SALES_FEEDBACK = "sales_feedback", "Sales feedback"
    CHURN_REASON = "churn_reason", "Churn reason"
    SUPPORT_TICKET = "support_ticket", "Support ticket"
    COMPETITOR_MOVE = "competitor_move", "Competitor move"
    MARKET_TREND = "market_trend", "Market trend"
    USAGE_INSIGHT = "usage_insight", "Usage insight"


class Channel(models.TextChoices):
    PAID_SEARCH = "paid_search", "Paid search"
    SOCIAL = "social", "Social"
    EMAIL = "email", "Email"
    CONTENT = "content", "Content"
    EVENTS = "events", "Events"
    PARTNERS = "partners", "Partners"
    SALES = "sales", "Sales"
    PRODUCT_LED = "product_led", "Product-led"
    OTHER = "other", "Other"


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
