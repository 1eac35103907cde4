"""Shaping shared by the board's pages: people, channels, evidence kinds and the bars
that split a factor into its product and marketing parts."""

from __future__ import annotations

from typing import Any

from config.formatting import format_number
from roadmap.choices import Channel
from scoring import selectors
from scoring.engine import blend_parts
from signals.choices import SignalKind

# Evidence kinds as the board names them: (kind, short label, long label), each label as
# (singular, plural).
EVIDENCE_KINDS: tuple[tuple[str, tuple[str, str], tuple[str, str]], ...] = (
    (
        selectors.FRICTION_REPORT_KIND,
        ("friction", "friction"),
        ("open friction report", "open friction reports"),
    ),
    (
        SignalKind.CUSTOMER_REQUEST,
        ("request", "requests"),
        ("customer request", "customer requests"),
    ),
    (SignalKind.SALES_FEEDBACK, ("sales", "sales"), ("sales feedback", "sales feedback")),
    (SignalKind.CHURN_REASON, ("churn", "churn"), ("churn reason", "churn reasons")),
    (SignalKind.SUPPORT_TICKET, ("support", "support"), ("support ticket", "support tickets")),
    (
        SignalKind.COMPETITOR_MOVE,
        ("competitor", "competitor"),
        ("competitor move", "competitor moves"),
    ),
    (SignalKind.MARKET_TREND, ("trend", "trends"), ("market trend", "market trends")),
    (SignalKind.USAGE_INSIGHT, ("usage", "usage"), ("usage insight", "usage insights")),
)


def _percent(part: float, total: float) -> str:
    # A string, so the SVG attribute never meets number localization.
    return f"{(part / total * 100) if total > 0 else 0:.2f}"


def _blend_text(
    name: str, value: float | None, product: float | None, marketing: float | None, alpha: float
) -> str:
    if value is None:
        return f"{name}: not defined"
    if product is not None and marketing is not None:
        p_part, m_part = blend_parts(product, marketing, alpha)
        return (
            f"{name} {format_number(value)} = product {format_number(p_part)} "
            f"(α {format_number(alpha)} × estimate {format_number(product)}) + marketing "
            f"{format_number(m_part)} ({format_number(1 - alpha)} × measured "
            f"{format_number(marketing)})"
        )
    if product is not None:
        return f"{name} {format_number(value)}: product estimate only, no marketing measurement"
    return f"{name} {format_number(value)}: marketing measurement only, no product estimate"


def contribution_bar(
    name: str, value: float | None, product: float | None, marketing: float | None, alpha: float
) -> dict[str, Any]:
    """One 100 % bar of a factor split into its product and marketing parts, with the
    numbers in words (for the tooltip and for screen readers)."""
    p_part, m_part = blend_parts(product, marketing, alpha)
    total = p_part + m_part
    return {
        "name": name,
        "value": format_number(value),
        "product": _percent(p_part, total),
        "marketing": _percent(m_part, total),
        "has_product": p_part > 0 and total > 0,
        "has_marketing": m_part > 0 and total > 0,
        "text": _blend_text(name, value, product, marketing, alpha),
    }


def evidence_rows(counts: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    for kind, short, label in EVIDENCE_KINDS:
        count = counts.get(kind, 0)
        if count:
            index = 0 if count == 1 else 1
            rows.append(
                {"kind": kind, "short": short[index], "label": label[index], "count": count}
            )
    return rows


def channel_label(code: str | None) -> str:
    if not code:
        return "No channel"
    try:
        return str(Channel(code).label)
    except ValueError:
        return code


def person_name(user: Any) -> str:
    """A user as people read them: full name, else username; "—" for nobody."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
