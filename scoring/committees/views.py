"""The board's committee pages: meetings, a meeting (its agenda, decisions, start,
publish-and-close), its minutes (page and PDF) and the decisions' follow-up.

Product and marketing both prepare and run meetings (config.web.web_user_required);
publishing the ranking from a meeting is for the product role
(scoring.board.permissions.can_publish), as on the board. Every write goes through
scoring.committees.services; a refusal comes back as the page with the reason (400).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.admin_services import refusal_messages
from config.roles import acting_user
from config.web import web_user_required
from scoring.board.permissions import NO_PUBLISH_REASON, can_publish
from scoring.committees import minutes, selectors, services
from scoring.committees.forms import (
    DecisionDoneForm,
    DecisionForm,
    MeetingForm,
    PointForm,
    PublishCloseForm,
)
from scoring.committees.models import AgendaPoint, CommitteeMeeting, Decision, MeetingStatus
from scoring.committees.presenters import meeting_page, points_rows


def _meeting_or_404(meeting_id: int) -> CommitteeMeeting:
    try:
        return selectors.meeting_detail(meeting_id=meeting_id)
    except CommitteeMeeting.DoesNotExist:
        raise Http404 from None


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for text in refusal_messages(error):
        messages.error(request, text)


@require_http_methods(["GET", "POST"])
@web_user_required
def meetings(request: HttpRequest) -> HttpResponse:
    """The meetings, newest first, and the form that plans a new one."""
    form = MeetingForm(request.POST or None, initial={"attendees": [request.user.pk]})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                meeting = services.meeting_create(
                    created_by=acting_user(request.user), **form.cleaned_data
                )
            except ValidationError as error:
                _refused(request, error)
            else:
                messages.success(request, _("Meeting planned; its agenda is built from the data."))
                return redirect("board:committee", meeting_id=meeting.pk)
        status = 400
    context = {
        "meetings": list(selectors.meeting_list()),
        "form": form,
        "in_session": selectors.meeting_in_session(),
    }
    return render(request, "board/committees/list.html", context, status=status)


def _meeting_response(
    request: HttpRequest, meeting: CommitteeMeeting, *, status: int = 200, **forms: Any
) -> HttpResponse:
    allowed = can_publish(request.user)
    context = {
        **meeting_page(meeting=meeting),
        "point_form": forms.get("point_form") or PointForm(),
        "decision_form": forms.get("decision_form") or DecisionForm(meeting=meeting),
        "publish_form": forms.get("publish_form")
        or PublishCloseForm(initial={"note": str(meeting)}),
        "can_publish": allowed,
        "no_publish_reason": NO_PUBLISH_REASON,
    }
    return render(request, "board/committees/meeting.html", context, status=status)


@require_GET
@web_user_required
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _meeting_response(request, _meeting_or_404(meeting_id))


def _act(request: HttpRequest, meeting_id: int, action: Any, success: str) -> HttpResponse:
    meeting = get_object_or_404(CommitteeMeeting, pk=meeting_id)
    try:
        action(meeting)
    except ValidationError as error:
        _refused(request, error)
        return _meeting_response(request, _meeting_or_404(meeting_id), status=400)
    messages.success(request, success)
    return redirect("board:committee", meeting_id=meeting_id)


@require_POST
@web_user_required
def meeting_start(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _act(
        request,
        meeting_id,
        lambda m: services.meeting_start(meeting=m, user=acting_user(request.user)),
        _("The meeting is in session; its agenda is frozen."),
    )


@require_POST
@web_user_required
def meeting_regenerate(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _act(
        request,
        meeting_id,
        lambda m: services.agenda_regenerate(meeting=m),
        _("The agenda was rebuilt from the data."),
    )


@require_POST
@web_user_required
def meeting_close(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(CommitteeMeeting, pk=meeting_id)
    if "publish" in request.POST:
        if not can_publish(request.user):
            return render(
                request, "board/forbidden.html", {"reason": NO_PUBLISH_REASON}, status=403
            )
        form = PublishCloseForm(request.POST)
        if not form.is_valid():
            return _meeting_response(
                request, _meeting_or_404(meeting_id), status=400, publish_form=form
            )
        try:
            closed = services.meeting_publish_and_close(
                meeting=meeting, note=form.cleaned_data["note"], user=acting_user(request.user)
            )
        except ValidationError as error:
            _refused(request, error)
            return _meeting_response(
                request, _meeting_or_404(meeting_id), status=400, publish_form=form
            )
        messages.success(
            request,
            _("Ranking %(number)s published; the meeting is closed and its minutes are sent.")
            % {"number": closed.ranking.number if closed.ranking else "—"},
        )
        return redirect("board:committee-minutes", meeting_id=meeting_id)
    try:
        services.meeting_close(meeting=meeting, user=acting_user(request.user))
    except ValidationError as error:
        _refused(request, error)
        return _meeting_response(request, _meeting_or_404(meeting_id), status=400)
    messages.success(request, _("The meeting is closed; its minutes are sent."))
    return redirect("board:committee-minutes", meeting_id=meeting_id)


@require_POST
@web_user_required
def point_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(CommitteeMeeting, pk=meeting_id)
    form = PointForm(request.POST)
    if not form.is_valid():
        return _meeting_response(request, _meeting_or_404(meeting_id), status=400, point_form=form)
    return _act(
        request,
        meeting.pk,
        lambda m: services.agenda_point_add(
            meeting=m, user=acting_user(request.user), **form.cleaned_data
        ),
        _("Point added."),
    )


@require_POST
@web_user_required
def point_change(request: HttpRequest, meeting_id: int, point_id: int) -> HttpResponse:
    """Remove a point, or move it one place up or down."""
    point = get_object_or_404(AgendaPoint, pk=point_id, meeting_id=meeting_id)
    action = request.POST.get("action")
    if action == "remove":
        return _act(
            request,
            meeting_id,
            lambda m: services.agenda_point_remove(point=point, user=acting_user(request.user)),
            _("Point removed."),
        )
    if action not in ("up", "down"):
        return _act(request, meeting_id, _bad_action, "")
    ids = list(
        AgendaPoint.objects.filter(meeting_id=meeting_id)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    at = ids.index(point.pk)
    to = at - 1 if action == "up" else at + 1
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
    return _act(
        request,
        meeting_id,
        lambda m: services.agenda_points_reorder(
            meeting=m, point_ids=ids, user=acting_user(request.user)
        ),
        _("Point moved."),
    )


def _bad_action(meeting: CommitteeMeeting) -> None:
    raise ValidationError({"action": [_("Unknown action.")]})


@require_POST
@web_user_required
def decision_record(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(CommitteeMeeting, pk=meeting_id)
    form = DecisionForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _meeting_response(
            request, _meeting_or_404(meeting_id), status=400, decision_form=form
        )
    try:
        services.decision_record(
            meeting=meeting, created_by=acting_user(request.user), **form.cleaned_data
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return _meeting_response(
            request, _meeting_or_404(meeting_id), status=400, decision_form=form
        )
    messages.success(request, _("Decision recorded."))
    return redirect("board:committee", meeting_id=meeting_id)


@require_GET
@web_user_required
def meeting_minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(CommitteeMeeting, pk=meeting_id)
    if meeting.status != MeetingStatus.CLOSED:
        raise Http404
    data = minutes.minutes_data(meeting_id=meeting_id)
    data["points"] = points_rows(data["points"])
    return render(request, "board/committees/minutes.html", data)


@require_GET
@web_user_required
def meeting_minutes_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(CommitteeMeeting, pk=meeting_id)
    if meeting.status != MeetingStatus.CLOSED:
        raise Http404
    response = HttpResponse(
        minutes.minutes_pdf(meeting_id=meeting_id), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{minutes.minutes_filename(meeting)}"'
    return response


@require_GET
@web_user_required
def decisions(request: HttpRequest) -> HttpResponse:
    """Open decisions: overdue, due soon, later; by owner and by team."""
    return render(
        request,
        "board/committees/decisions.html",
        selectors.decisions_follow_up(today=timezone.localdate()),
    )


@require_POST
@web_user_required
def decision_status(request: HttpRequest, decision_id: int) -> HttpResponse:
    decision = get_object_or_404(Decision, pk=decision_id)
    form = DecisionDoneForm(request.POST)
    if form.is_valid():
        try:
            services.decision_update(
                decision=decision, data=form.cleaned_data, user=acting_user(request.user)
            )
            messages.success(request, _("Decision updated."))
        except ValidationError as error:
            _refused(request, error)
    else:
        messages.error(request, _("Unknown status."))
    return redirect("board:decisions")
