"""Marketing's pages (product may use them too): submit a friction report or a market
signal linked to items (the file import is signals.web.imports.views).

Thin: each view checks the web access (config.web), parses the request with a form and
calls the form's save, which calls the signals services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.roles import Role, has_role
from config.web import web_user_required
from roadmap.models import RoadmapItem
from signals.radar.selectors import suggestion_queue, suggestion_rows
from signals.web.forms import FrictionReportForm, MarketSignalForm

SEARCH_LIMIT = 20
SUGGESTIONS_PER_PAGE = 20


def _search(query: str) -> list[RoadmapItem]:
    query = query.strip()[:200]
    if not query:
        return []
    return list(
        RoadmapItem.objects.filter(title__icontains=query)
        .only("id", "title", "status")
        .order_by("title", "id")[:SEARCH_LIMIT]
    )


def _submit(request: HttpRequest, *, kind: str) -> HttpResponse:
    form_class = FrictionReportForm if kind == "report" else MarketSignalForm
    query = request.POST.get("q", "") if request.method == "POST" else request.GET.get("q", "")
    searching = request.method == "POST" and request.POST.get("action") == "search"
    if request.method == "POST" and not searching:
        form = form_class(request.POST)
        if form.is_valid():
            evidence = form.save(user=request.user)
            messages.success(
                request,
                _("Saved “%(title)s”. It now counts in the scores of the items it is linked to.")
                % {"title": str(evidence)},
            )
            return redirect("my_evidence:index")
    elif searching:
        # The search keeps what was typed: the same form comes back, unvalidated.
        form = form_class(initial=request.POST.dict())
    else:
        form = form_class()
    context: dict[str, Any] = {"form": form, "kind": kind, **link_picker(request, query)}
    return render(request, "evidence/submit.html", context)


def link_picker(request: HttpRequest, query: str) -> dict[str, Any]:
    """What the item picker (evidence/_link_items.html) shows: the items ticked so far with
    their weights, then the search results not ticked yet."""
    chosen_ids = [int(v) for v in request.POST.getlist("links") if v.isdigit()][:100]
    chosen = list(RoadmapItem.objects.filter(pk__in=chosen_ids).only("id", "title", "status"))
    weights = {item.pk: request.POST.get(f"weight_{item.pk}", "1") for item in chosen}
    results = [item for item in _search(query) if item.pk not in set(chosen_ids)]
    return {
        "query": query,
        "searched": bool(query.strip()),
        "chosen": [(item, weights[item.pk]) for item in chosen],
        "results": results,
    }


@require_http_methods(["GET", "POST"])
@web_user_required
def submit_report(request: HttpRequest) -> HttpResponse:
    """A friction report: a campaign's measured friction, linked to items with weights."""
    return _submit(request, kind="report")


@require_http_methods(["GET", "POST"])
@web_user_required
def submit_signal(request: HttpRequest) -> HttpResponse:
    """A market signal: a customer request, sales feedback..., linked to items."""
    return _submit(request, kind="signal")


@require_GET
@web_user_required
def suggestions(request: HttpRequest) -> HttpResponse:
    """The radar's queue: unlinked evidence with the items it most likely belongs to,
    newest first, to accept or reject. Product sees every piece (and may decide on any);
    marketing sees, and decides on, the evidence it submitted."""
    queue = suggestion_queue()
    everyone = has_role(request.user, Role.PRODUCT)
    if not everyone:
        mine = Q(signal__submitted_by_id=request.user.pk) | Q(
            report__submitted_by_id=request.user.pk
        )
        queue = queue.filter(mine)
    page = Paginator(queue, SUGGESTIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": suggestion_rows(list(page.object_list)),
        "everyone": everyone,
    }
    return render(request, "evidence/suggestions.html", context)
