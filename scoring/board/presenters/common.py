"""Shaping shared by the board's pages: people, channels, evidence kinds and the bars
that split a factor into its product and marketing parts."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from config.formatting import format_number
from roadmap.choices import Channel
from scoring import selectors
from scoring.engine import blend_parts
from signals.choices import SignalKind

# Evidence kinds as the board names them: (kind, short label, long label), each label as
# (singular, plural), translated when shown.
EVIDENCE_KINDS: tuple[tuple[str, tuple[Promise, Promise], tuple[Promise, Promise]], ...] = (
    (
        selectors.FRICTION_REPORT_KIND,
        (pgettext_lazy("evidence short", "friction"), pgettext_lazy("evidence short", "friction")),
        (_("open friction report"), _("open friction reports")),
    ),
    (
        SignalKind.CUSTOMER_REQUEST,
        (pgettext_lazy("evidence short", "request"), pgettext_lazy("evidence short", "requests")),
        (_("customer request"), _("customer requests")),
    ),
    (
        SignalKind.SALES_FEEDBACK,
        # One msgid for both numbers in English; French needs "vente" and "ventes".
        (pgettext_lazy("evidence short one", "sales"), pgettext_lazy("evidence short", "sales")),
        (_("sales feedback"), pgettext_lazy("plural", "sales feedback")),
    ),
    (
        SignalKind.CHURN_REASON,
        (pgettext_lazy("evidence short", "churn"), pgettext_lazy("evidence short", "churn")),
        (_("churn reason"), _("churn reasons")),
    ),
    (
        SignalKind.SUPPORT_TICKET,
        (pgettext_lazy("evidence short", "support"), pgettext_lazy("evidence short", "support")),
        (_("support ticket"), _("support tickets")),
    ),
    (
        SignalKind.COMPETITOR_MOVE,
        (
            pgettext_lazy("evidence short", "competitor"),
            pgettext_lazy("evidence short", "competitor"),
        ),
        (_("competitor move"), _("competitor moves")),
    ),
    (
        SignalKind.MARKET_TREND,
        (pgettext_lazy("evidence short", "trend"), pgettext_lazy("evidence short", "trends")),
        (_("market trend"), _("market trends")),
    ),
    (
        SignalKind.USAGE_INSIGHT,
        (pgettext_lazy("evidence short", "usage"), pgettext_lazy("evidence short", "usage")),
        (_("usage insight"), _("usage insights")),
    ),
)


def _percent(part: float, total: float) -> str:
    # A string, so the SVG attribute never meets number localization.
    return f"{(part / total * 100) if total > 0 else 0:.2f}"


def _blend_text(
    name: str, value: float | None, product: float | None, marketing: float | None, alpha: float
) -> str:
    if value is None:
        return gettext("%(name)s: not defined") % {"name": name}
    numbers = {"name": name, "value": format_number(value)}
    if product is not None and marketing is not None:
        p_part, m_part = blend_parts(product, marketing, alpha)
        return gettext(
            "%(name)s %(value)s = product %(product_part)s (α %(alpha)s × estimate "
            "%(product)s) + marketing %(marketing_part)s (%(rest)s × measured %(marketing)s)"
        ) % {
            **numbers,
            "product_part": format_number(p_part),
            "alpha": format_number(alpha),
            "product": format_number(product),
            "marketing_part": format_number(m_part),
            "rest": format_number(1 - alpha),
            "marketing": format_number(marketing),
        }
    if product is not None:
        return gettext("%(name)s %(value)s: product estimate only, no marketing measurement") % (
            numbers
        )
    return gettext("%(name)s %(value)s: marketing measurement only, no product estimate") % (
        numbers
    )


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
                {
                    "kind": kind,
                    "short": str(short[index]),
                    "label": str(label[index]),
                    "count": count,
                }
            )
    return rows


def channel_label(code: str | None) -> str:
    if not code:
        return gettext("No channel")
    try:
        return str(Channel(code).label)
    except ValueError:
        return code


def person_name(user: Any) -> str:
    """A user as people read them: full name, else username; "—" for nobody."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
