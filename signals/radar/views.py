"""Web actions of the radar (admin pages, the board, marketing's pages): thin POST views
that call the radar's services and go back where the person came from.

Forms in `templates/radar/_*.html` post here with a CSRF token and a `next` field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.roles import Role, acting_user, has_role
from signals.radar import services, topic_services
from signals.radar.models import RadarDuplicate, RadarSuggestion, RadarTopic


def can_create_from_topic(user: Any) -> bool:
    """Product creates items: the board's "create an item from this topic"."""
    return has_role(user, Role.PRODUCT)


def can_dismiss_topic(user: Any) -> bool:
    """Product and marketing may dismiss an emerging topic (marketing reads the signals
    first and knows a false alarm); integration accounts may not."""
    return has_role(user, Role.PRODUCT, Role.MARKETING)


def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return HttpResponseRedirect(target)


def _decide(request: HttpRequest, act: Callable[[], Any], done: str) -> HttpResponse:
    if not has_role(request.user, Role.PRODUCT, Role.MARKETING):
        raise PermissionDenied
    try:
        act()
    except PermissionDenied:
        messages.error(request, _("You may act only on the evidence you submitted."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return _back(request)


_SUGGESTION = {"accept": services.suggestion_accept, "reject": services.suggestion_reject}
_DUPLICATE = {"confirm": services.duplicate_confirm, "reject": services.duplicate_reject}


@login_required
@require_POST
def suggestion_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    suggestion = get_object_or_404(RadarSuggestion, pk=pk)
    act = _SUGGESTION[decision]
    done = _("Linked.") if decision == "accept" else _("Suggestion rejected.")
    return _decide(
        request, lambda: act(suggestion=suggestion, user=acting_user(request.user)), done
    )


@login_required
@require_POST
def duplicate_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    flag = get_object_or_404(RadarDuplicate, pk=pk)
    act = _DUPLICATE[decision]
    done = _("Duplicate dismissed.") if decision == "confirm" else _("Not a duplicate.")
    return _decide(request, lambda: act(duplicate=flag, user=acting_user(request.user)), done)


@login_required
@require_POST
def topic_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    # Creating an item is product's decision; dismissing a topic is also marketing's, the
    # team in the front line of the signals (see can_dismiss_topic).
    allowed = can_dismiss_topic if decision == "dismiss" else can_create_from_topic
    if not allowed(request.user):
        raise PermissionDenied
    topic = get_object_or_404(RadarTopic, pk=pk)
    if decision == "dismiss":
        return _decide(
            request,
            lambda: topic_services.topic_dismiss(topic=topic, user=acting_user(request.user)),
            _("Topic dismissed."),
        )
    return _decide(
        request,
        lambda: topic_services.topic_item_create(topic=topic, user=acting_user(request.user)),
        _("A candidate item was created from the topic."),
    )
