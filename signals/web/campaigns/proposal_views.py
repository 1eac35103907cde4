"""Friction the funnels propose, on the web: the list with the figures behind each, and
a proposal's page where a person confirms it (it becomes an ordinary friction report,
linked to items with weights, recording its campaign) or dismisses it. Nothing enters a
score without that confirmation (signals.campaigns.proposals).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.web import web_user_required
from signals.campaigns import proposals, selectors
from signals.campaigns.models import FrictionProposal, ProposalStatus
from signals.campaigns.presenter import proposal_figures, rate_name
from signals.services import InvalidTransition
from signals.web.forms import links_field, weighted_links
from signals.web.views import link_picker

DECIDED_SHOWN = 20


class ProposalConfirmForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title of the friction report"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leave empty for the proposed title."),
    )
    links = links_field()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["link_pairs"] = weighted_links(self, list(cleaned.get("links") or []))
        return cleaned


def _line(proposal: FrictionProposal) -> dict[str, Any]:
    return {
        "proposal": proposal,
        "rate": rate_name(proposal.rate),
        "figures": proposal_figures(proposal.figures),
        "default_title": capfirst(
            _("%(label)s fell in %(campaign)s")
            % {"label": rate_name(proposal.rate), "campaign": proposal.campaign.name}
        ),
    }


@require_GET
@web_user_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    """Proposals waiting, most people first, then the latest decided."""
    waiting = selectors.proposal_list().filter(status=ProposalStatus.PROPOSED)
    decided = selectors.proposal_list().exclude(status=ProposalStatus.PROPOSED)
    context = {
        "waiting": [_line(p) for p in waiting.order_by("-affected_people", "-id")],
        "decided": [_line(p) for p in decided.order_by("-decided_at", "-id")[:DECIDED_SHOWN]],
    }
    return render(request, "campaigns/proposals.html", context)


@require_http_methods(["GET", "POST"])
@web_user_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A proposal's figures and, while it waits, the confirmation: a title, the items it
    bears on (searched and ticked as on the submit page) with their weights."""
    proposal = get_object_or_404(
        selectors.proposal_list().select_related("snapshot", "report"), pk=pk
    )
    line = _line(proposal)
    query = request.POST.get("q", "") if request.method == "POST" else ""
    searching = request.method == "POST" and request.POST.get("action") == "search"
    status = 200
    if request.method == "POST" and not searching:
        form = ProposalConfirmForm(request.POST)
        if form.is_valid():
            try:
                proposals.friction_proposal_confirm(
                    proposal=proposal,
                    user=request.user,  # type: ignore[arg-type]
                    links=form.cleaned_data["link_pairs"],
                    title=form.cleaned_data["title"],
                )
            except InvalidTransition:
                messages.error(request, _("This proposal was dismissed: it cannot be confirmed."))
                return redirect("evidence:proposal", pk=proposal.pk)
            messages.success(
                request,
                _(
                    "Confirmed: it is now a friction report and counts in the scores of the "
                    "items it is linked to."
                ),
            )
            return redirect("evidence:proposal", pk=proposal.pk)
        status = 400
    elif searching:
        form = ProposalConfirmForm(initial=request.POST.dict())
    else:
        form = ProposalConfirmForm(initial={"title": line["default_title"]})
    context = {**line, "form": form, **link_picker(request, query)}
    if proposal.report_id:
        context["linked"] = list(
            proposal.report.links.select_related("item").order_by("-weight", "item_id")  # type: ignore[union-attr]
        )
    return render(request, "campaigns/proposal.html", context, status=status)


@require_POST
@web_user_required
def proposal_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(selectors.proposal_list(), pk=pk)
    try:
        proposals.friction_proposal_dismiss(proposal=proposal, user=request.user)  # type: ignore[arg-type]
    except InvalidTransition:
        messages.error(request, _("This proposal was confirmed: it cannot be dismissed."))
        return redirect("evidence:proposal", pk=proposal.pk)
    messages.success(request, _("Dismissed. It counts nowhere and is not proposed again."))
    return redirect("evidence:proposals")
