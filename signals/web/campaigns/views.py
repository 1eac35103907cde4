"""Campaign pages: the list, a campaign's form with its funnel snapshots, a snapshot's
form. Thin: access (config.web), ownership (marketing changes what it submitted, product
anything, as in the API), a form whose save calls signals.campaigns.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.roles import Role, has_role
from config.web import web_user_required
from signals.campaigns import selectors
from signals.campaigns.funnel import STAGES
from signals.campaigns.models import Campaign, FunnelSnapshot
from signals.web.campaigns.forms import CampaignForm, FunnelSnapshotForm


def _count(value: int | None) -> str:
    return "—" if value is None else number_format(value, force_grouping=True)


def may_change(user: Any, record: Campaign | FunnelSnapshot) -> bool:
    """config.api.permissions.EvidencePermission's rule, for the web pages."""
    return has_role(user, Role.PRODUCT) or (
        has_role(user, Role.MARKETING) and record.submitted_by_id == user.pk
    )


def _owned(request: HttpRequest, record: Campaign | FunnelSnapshot) -> None:
    if request.method == "POST" and not may_change(request.user, record):
        raise PermissionDenied(_("You may change only the campaigns you entered."))


@require_GET
@web_user_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Every campaign with its funnel snapshots counted, newest first."""
    return render(
        request,
        "campaigns/list.html",
        {
            "campaigns": selectors.campaigns_with_counts(),
            "waiting": selectors.proposals_waiting_count(),
        },
    )


@require_http_methods(["GET", "POST"])
@web_user_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        campaign = form.save(user=request.user)
        if campaign is not None:
            messages.success(request, _("Saved the campaign “%(name)s”.") % {"name": campaign})
            return redirect("evidence:campaign", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@web_user_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign's form, its funnel snapshots and the friction proposed from them."""
    campaign = get_object_or_404(selectors.campaign_list(), pk=pk)
    _owned(request, campaign)
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid() and form.save(user=request.user):
        messages.success(request, _("Saved the campaign “%(name)s”.") % {"name": campaign})
        return redirect("evidence:campaign", pk=campaign.pk)
    context = {
        "form": form,
        "campaign": campaign,
        "may_change": may_change(request.user, campaign),
        "snapshots": [
            (snapshot, [_count(getattr(snapshot, stage)) for stage in STAGES])
            for snapshot in selectors.snapshot_list().filter(campaign=campaign)
        ],
        "proposals": selectors.proposal_list().filter(campaign=campaign),
    }
    return render(
        request, "campaigns/form.html", context, status=400 if request.method == "POST" else 200
    )


@require_http_methods(["GET", "POST"])
@web_user_required
def snapshot_new(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.campaign_list(), pk=pk)
    return _snapshot_page(request, FunnelSnapshot(campaign=campaign))


@require_http_methods(["GET", "POST"])
@web_user_required
def snapshot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = get_object_or_404(selectors.snapshot_list().select_related("campaign"), pk=pk)
    _owned(request, snapshot)
    return _snapshot_page(request, snapshot)


def _snapshot_page(request: HttpRequest, snapshot: FunnelSnapshot) -> HttpResponse:
    form = FunnelSnapshotForm(request.POST or None, instance=snapshot)
    if request.method == "POST" and form.is_valid():
        saved = form.save(user=request.user)
        if saved is not None:
            messages.success(
                request,
                _(
                    "Saved the funnel of %(start)s to %(end)s. Significant drops are proposed "
                    "as friction reports within a few seconds."
                )
                % {"start": saved.period_start.isoformat(), "end": saved.period_end.isoformat()},
            )
            return redirect("evidence:campaign", pk=saved.campaign_id)
    context = {"form": form, "snapshot": snapshot, "campaign": snapshot.campaign}
    return render(
        request,
        "campaigns/snapshot_form.html",
        context,
        status=400 if request.method == "POST" else 200,
    )
