"""Views of the roadmap over time, its share links, the notifications and the changelog.

The roadmap and notifications are for signed-in staff, like the rest of the board; a
share link's page and the changelog (page and Atom feed) need no login: the first shows
only what the link chose, the second only shipped items and their value propositions.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.roles import acting_user
from scoring import selectors
from scoring.board.forms import BoardFilterForm, RoadmapLayoutForm
from scoring.board.presenters.roadmap import STAFF_FIELDS, CardFields, roadmap_page
from scoring.changelog import CHANGELOG_LANGUAGES, changelog_entries
from scoring.selectors.roadmap import roadmap_view
from scoring.sharing.services import share_link_active
from signals.loop import selectors as loop_selectors
from signals.loop import services as loop_services


@require_GET
@staff_member_required
def roadmap(request: HttpRequest) -> HttpResponse:
    """The roadmap by horizon or quarter, grouped by theme or segment, with the board's
    filters."""
    form = BoardFilterForm(request.GET or None, options=selectors.board_filter_options())
    if form.is_bound:
        form.is_valid()
    layout = RoadmapLayoutForm(request.GET)
    by, group = layout.choice()
    view = roadmap_view(
        today=timezone.localdate(), by=by, group=group, filters=form.filters(), with_evidence=True
    )
    context = {"form": form, "layout": layout, **roadmap_page(view=view, fields=STAFF_FIELDS)}
    return render(request, "board/roadmap.html", context)


@require_GET
@never_cache
def roadmap_shared(request: HttpRequest, token: str) -> HttpResponse:
    """The roadmap through a share link, without a login. A wrong, revoked or expired
    token is the same 404, whatever it was."""
    link = share_link_active(token=token)
    if link is None:
        raise Http404
    fields = CardFields(
        scores=link.show_scores,
        positions=link.show_positions,
        readiness=link.show_readiness,
        evidence=link.show_evidence,
        links=False,
    )
    view = roadmap_view(
        today=timezone.localdate(), by=link.by, group=link.group, with_evidence=link.show_evidence
    )
    response = render(
        request,
        "board/roadmap_shared.html",
        {"link": link, **roadmap_page(view=view, fields=fields)},
    )
    # A shared page must not leak its token to the sites it links to, nor be indexed.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@staff_member_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The signed-in user's notifications, newest first, with the unread count."""
    user_id = acting_user(request.user).pk
    rows = list(loop_selectors.notification_list(user_id=user_id)[:200])
    context: dict[str, Any] = {
        "notifications": rows,
        "unread": sum(row.read_at is None for row in rows),
        "email_on_ship": loop_services.notification_preference_of(user=acting_user(request.user)),
    }
    return render(request, "board/notifications.html", context)


@require_POST
@staff_member_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (`id`) or all of them read."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isdigit() and len(raw) < 12 else None
    loop_services.notifications_mark_read(user=acting_user(request.user), ids=ids)
    return redirect("board:notifications")


@require_POST
@staff_member_required
def notifications_preferences(request: HttpRequest) -> HttpResponse:
    loop_services.notification_preference_set(
        user=acting_user(request.user),
        email_on_ship=request.POST.get("email_on_ship") == "on",
    )
    return redirect("board:notifications")


@require_GET
def changelog(request: HttpRequest) -> HttpResponse:
    """Shipped items with their value proposition, newest first, in English or French
    (`?lang=fr`), else the reader's language (the switcher or the browser)."""
    language = request.GET.get("lang") or getattr(request, "LANGUAGE_CODE", "en")
    if language not in CHANGELOG_LANGUAGES:
        language = "en"
    with translation.override(language):
        return render(
            request,
            "board/changelog.html",
            {
                "entries": changelog_entries(),
                "language": language,
                "languages": CHANGELOG_LANGUAGES,
            },
        )
