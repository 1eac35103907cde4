"""The demo's unlinked evidence, for the weak-signal radar (signals.radar).

Every other demo signal is linked to an item, so without these a first visit would show
no suggestion and no emerging topic. Two groups, literal and dated from the anchor:

- MATCHING: a few fresh signals nobody has linked yet that plainly belong to existing
  items (in French and English), so "Suggested links" and "My evidence" have
  suggestions to accept or reject;
- EMERGING: a topic no item covers, the French e-invoicing mandate, heard eight times in
  the last three weeks and once before, so the board's "Emerging" panel has a topic.

Pure data: `plan_radar_evidence` adds them to the plan under their own external ids
(`demo-radar-...`), without drawing from the plan's random generator, so the rest of the
data set is drawn exactly as before.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from signals.choices import SignalKind

# external id suffix, kind, days before the anchor, account, submitter, title, summary
_Row = tuple[str, SignalKind, float, str, str, str, str]

MATCHING: tuple[_Row, ...] = (
    (
        "match-01",
        SignalKind.CUSTOMER_REQUEST,
        2.3,
        "Zenith Retail",
        "claire.dubois",
        "Connexion via Okta (SAML) pour tous les magasins",
        "Le DSI veut que les équipes se connectent avec leur compte Okta, plus de mots de "
        "passe séparés.",
    ),
    (
        "match-02",
        SignalKind.SALES_FEEDBACK,
        4.1,
        "Tandem Robotics",
        "lucas.petit",
        "Need a Teams integration before they sign",
        "Their whole company lives in Microsoft Teams; they want notifications there like "
        "our Slack integration does.",
    ),
    (
        "match-03",
        SignalKind.SUPPORT_TICKET,
        5.6,
        "Lumen Analytics",
        "claire.dubois",
        "Export nocturne vers BigQuery",
        "Ils exportent à la main chaque soir pour leur outil de BI; ils demandent un export "
        "automatique vers BigQuery ou Snowflake.",
    ),
    (
        "match-04",
        SignalKind.CHURN_REASON,
        7.8,
        "Umbrella Health",
        "lucas.petit",
        "Data must stay in the EU region",
        "Procurement refused renewal: patient-related data has to be hosted in the EU only.",
    ),
    (
        "match-05",
        SignalKind.CUSTOMER_REQUEST,
        9.2,
        "Orbit Media Group",
        "claire.dubois",
        "Notifications push sur mobile pour les validations",
        "Les chefs de projet veulent être notifiés sur leur téléphone quand une validation "
        "les attend.",
    ),
)

EMERGING: tuple[_Row, ...] = (
    (
        "einvoice-01",
        SignalKind.MARKET_TREND,
        112.0,
        "",
        "lucas.petit",
        "E-invoicing mandate in France announced",
        "The French reform will make electronic invoices mandatory between companies; "
        "dates still to be confirmed.",
    ),
    (
        "einvoice-02",
        SignalKind.CUSTOMER_REQUEST,
        19.5,
        "Fernwood Legal",
        "claire.dubois",
        "Facture électronique obligatoire : sommes-nous prêts ?",
        "Le cabinet demande si nous émettrons des factures électroniques au format "
        "Factur-X avant l'échéance de septembre.",
    ),
    (
        "einvoice-03",
        SignalKind.SALES_FEEDBACK,
        16.2,
        "Blue Harbor Logistics",
        "lucas.petit",
        "Deal risk: electronic invoicing (Factur-X) required",
        "Their finance team will only buy tools that send e-invoices in Factur-X through a "
        "certified platform (PDP).",
    ),
    (
        "einvoice-04",
        SignalKind.SUPPORT_TICKET,
        13.4,
        "Corner Bakery Co",
        "claire.dubois",
        "Factures au format Factur-X ?",
        "Le comptable refuse nos factures PDF : il lui faut du Factur-X pour la réforme de la "
        "facturation électronique.",
    ),
    (
        "einvoice-05",
        SignalKind.COMPETITOR_MOVE,
        11.0,
        "",
        "lucas.petit",
        "Plannery announces e-invoicing through a certified PDP",
        "Their pricing page now says 'ready for the French e-invoicing mandate' with Factur-X "
        "export.",
    ),
    (
        "einvoice-06",
        SignalKind.CUSTOMER_REQUEST,
        8.3,
        "Maple Street Dental",
        "claire.dubois",
        "Réforme facture électronique 2026",
        "Le cabinet veut savoir quand nos factures seront conformes à la facturation "
        "électronique obligatoire (Factur-X, plateforme agréée PDP).",
    ),
    (
        "einvoice-07",
        SignalKind.SALES_FEEDBACK,
        6.1,
        "Northwind Traders",
        "lucas.petit",
        "Finance asks about the e-invoicing mandate",
        "CFO wants our invoices in Factur-X and sent through a PDP before the mandate deadline.",
    ),
    (
        "einvoice-08",
        SignalKind.CHURN_REASON,
        3.7,
        "Pixel & Co",
        "claire.dubois",
        "Résiliation : pas de facture électronique",
        "Ils passent chez un concurrent qui envoie déjà des factures Factur-X via une PDP.",
    ),
    (
        "einvoice-09",
        SignalKind.MARKET_TREND,
        1.4,
        "",
        "lucas.petit",
        "E-invoicing: every French B2B invoice through a PDP",
        "Industry note: Factur-X electronic invoices become mandatory; buyers ask vendors "
        "whether they are ready.",
    ),
)


def plan_radar_evidence(
    signals: dict[str, dict[str, Any]],
    *,
    anchor: datetime,
    accounts: dict[str, tuple[str, int]],
) -> None:
    """Add MATCHING and EMERGING to the plan's signals, unlinked (see the module doc)."""
    for suffix, kind, days, account, submitter, title, summary in (*MATCHING, *EMERGING):
        segment, value = accounts.get(account, (None, None))
        signals[f"demo-radar-{suffix}"] = {
            "kind": kind.value,
            "title": title,
            "summary": summary,
            "segment": segment,
            "account_name": account,
            "account_value": Decimal(value).quantize(Decimal("0.01")) if value else None,
            "observed_at": anchor - timedelta(days=days),
            "dismissed": False,
            "submitted_by": submitter,
        }
