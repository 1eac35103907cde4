"""Views of the committee board: the live ranking next to the latest published one, an
item's score explained, publishing through a confirmation that shows the diff, the launch
calendar and the outcomes.

Product and marketing users (config.web.web_user_required: anonymous visitors go to the
login page, integration accounts are refused). Publishing is for the product
role, as everywhere else (scoring.board.permissions.can_publish). Each view parses the
request, checks the permission and renders what a presenter (scoring.board.presenters)
shapes from selectors; the one write, publishing, goes through scoring.services.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from config.roles import acting_user
from config.web import web_user_required
from roadmap.models import RoadmapItem
from scoring import selectors, services
from scoring.board.exports import live_ranking_csv, ranking_csv
from scoring.board.forms import BoardFilterForm, PublishForm
from scoring.board.permissions import NO_PUBLISH_REASON, can_publish
from scoring.board.presenters.diff import ranking_diff_page
from scoring.board.presenters.item import item_page
from scoring.board.presenters.launches import launches_page
from scoring.board.presenters.outcomes import outcomes_page
from scoring.board.presenters.publish import publish_page, published_since
from scoring.board.presenters.ranking import board_page
from scoring.models import Ranking
from signals.radar.selectors import emerging_panel
from signals.radar.views import can_create_from_topic, can_dismiss_topic


@require_GET
@web_user_required
def board(request: HttpRequest) -> HttpResponse:
    """The live ranking beside the latest published one, the publish panel and the items
    that need estimates. Filters hide rows; positions stay those of the whole ranking."""
    form = BoardFilterForm(request.GET or None, options=selectors.board_filter_options())
    if form.is_bound:
        form.is_valid()
    allowed = can_publish(request.user)
    publish_form = PublishForm()
    if not allowed:
        publish_form.fields["note"].disabled = True
    context = {
        "form": form,
        **board_page(filters=form.filters(), sort=request.GET.get("sort")),
        "can_publish": allowed,
        "no_publish_reason": NO_PUBLISH_REASON,
        "publish_form": publish_form,
        # The radar's "Emerging" panel: topics of unlinked evidence growing fast.
        "emerging": emerging_panel(),
        "can_create_topic_item": can_create_from_topic(request.user),
        "can_dismiss_topic": can_dismiss_topic(request.user),
    }
    return render(request, "board/index.html", context)


@require_GET
@web_user_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    """An item's score explained (scoring.board.presenters.item)."""
    item = get_object_or_404(RoadmapItem.objects.select_related("theme", "owner"), pk=item_id)
    return render(request, "board/item.html", item_page(item=item))


@require_http_methods(["GET", "POST"])
@web_user_required
def publish(request: HttpRequest) -> HttpResponse:
    """GET: what publishing now would change against the latest published ranking, with
    the note to confirm. POST (product role only, else 403): publish, then back to the
    board with a message.

    The confirmation carries the number of the ranking its diff was made against; if
    another ranking was published since (a colleague, or a double submit), nothing is
    published and the page comes back with the diff against the new one (409).
    """
    allowed = can_publish(request.user)
    latest = selectors.ranking_latest()
    reviewed = 0 if latest is None else latest.number
    status = 200
    if request.method == "POST":
        if not allowed:
            return render(
                request, "board/forbidden.html", {"reason": NO_PUBLISH_REASON}, status=403
            )
        form = PublishForm(request.POST)
        if form.is_valid() and form.cleaned_data["reviewed"] == reviewed:
            ranking = services.ranking_publish(
                note=form.cleaned_data["note"], published_by=acting_user(request.user)
            )
            messages.success(
                request,
                ngettext(
                    "Published Ranking %(number)s (%(count)s item).",
                    "Published Ranking %(number)s (%(count)s items).",
                    ranking.item_count,
                )
                % {"number": ranking.number, "count": ranking.item_count},
            )
            return redirect("board:index")
        if form.is_valid() and latest is not None:
            form = PublishForm({"note": form.cleaned_data["note"], "reviewed": reviewed})
            form.is_valid()
            form.add_error(None, published_since(latest))
            status = 409
    elif "note" in request.GET:
        form = PublishForm({"note": request.GET["note"], "reviewed": reviewed})
    else:
        form = PublishForm(initial={"reviewed": reviewed})
    context = {
        "form": form,
        **publish_page(latest=latest),
        "can_publish": allowed,
        "no_publish_reason": NO_PUBLISH_REASON,
    }
    return render(request, "board/publish.html", context, status=status)


@require_GET
@web_user_required
def launches(request: HttpRequest) -> HttpResponse:
    """Upcoming launches by date (scoring.board.presenters.launches)."""
    return render(request, "board/launches.html", launches_page(today=timezone.localdate()))


@require_GET
@web_user_required
def outcomes(request: HttpRequest) -> HttpResponse:
    """The shared KPIs of shipped items and the calibration of estimates against outcomes
    (scoring.board.presenters.outcomes). Read only: a product manager applies a
    multiplier through the API."""
    return render(request, "board/outcomes.html", outcomes_page())


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@web_user_required
def live_export(request: HttpRequest) -> HttpResponse:
    """The live ranking as CSV (scoring.board.exports: the API's numbers)."""
    return _csv_response(live_ranking_csv(), "live-ranking.csv")


@require_GET
@web_user_required
def ranking_diff(request: HttpRequest, number: int) -> HttpResponse:
    """A published ranking against the one before it, and why each item moved."""
    ranking = get_object_or_404(Ranking.objects.select_related("published_by"), number=number)
    return render(request, "board/ranking.html", ranking_diff_page(ranking=ranking))


@require_GET
@web_user_required
def ranking_export(request: HttpRequest, number: int) -> HttpResponse:
    """A published ranking as CSV (scoring.board.exports: the API's numbers)."""
    ranking = get_object_or_404(Ranking, number=number)
    return _csv_response(ranking_csv(ranking=ranking), f"ranking-{number}.csv")
