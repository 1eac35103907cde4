"""A small catalogue the radar tests share: three items, one of them described by the
evidence already linked to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadmap.services import item_create
from signals import services as evidence
from signals.radar import services as radar


@pytest.fixture
def catalogue(db, product_user):
    sso = item_create(
        title="SAML single sign-on", description="Sign in with Okta or Azure AD identity provider."
    )
    invoices = item_create(
        title="Branded PDF invoices", description="Invoices as PDF with logo and VAT number."
    )
    dark = item_create(title="Dark theme", description="A dark colour theme for the web app.")
    evidence.signal_create(
        kind="customer_request",
        title="Le client veut la connexion unique via Okta",
        observed_at=timezone.now() - timedelta(days=40),
        links=[(sso.pk, 1.0)],
        submitted_by=product_user,
    )
    radar.radar_rebuild_all()
    return {"sso": sso, "invoices": invoices, "dark": dark}


def refresh() -> None:
    while radar.radar_refresh().remaining:
        pass
