"""The “My evidence” page: thin, over scoring.my_evidence.selectors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from config.web import web_user_required
from scoring.my_evidence.forms import MyEvidenceFilterForm
from scoring.my_evidence.selectors import MAX_ROWS, my_evidence


@require_GET
@web_user_required
def index(request: HttpRequest) -> HttpResponse:
    """Everything the signed-in user submitted, filtered, with where it went."""
    form = MyEvidenceFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    rows = my_evidence(user=request.user, filters=form.filters())
    context = {"form": form, "rows": rows, "max_rows": MAX_ROWS}
    return render(request, "my_evidence/index.html", context)
