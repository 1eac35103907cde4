"""The import pages: upload and dry run, confirm, template download.

Thin: each view checks the web access (config.web), parses the request with a form and
calls signals.web.imports, which calls the bulk services.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.roles import Role, has_role
from config.web import web_user_required
from signals.web import imports
from signals.web.forms import ImportUploadForm

SESSION_KEY = "evidence_import"


def _max_rows() -> str:
    return number_format(imports.MAX_IMPORT_ROWS, force_grouping=True)


@require_http_methods(["GET", "POST"])
@web_user_required
def import_file(request: HttpRequest) -> HttpResponse:
    """GET: the upload form and the templates. POST: read the file and dry-run it: every
    row with its errors, nothing written. The parsed rows are kept in the session under a
    token the confirmation must name, never sent back through the browser."""
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": request.GET.get("kind", "reports")},
    )
    context: dict[str, Any] = {"form": form, "max_rows": _max_rows()}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            upload = form.cleaned_data["file"]
            try:
                dataset = imports.read_file(name=upload.name, data=upload.read())
                rows, problems = imports.parse_rows(kind=kind, dataset=dataset)
            except imports.ImportFileError as exc:
                form.add_error("file", str(exc))
                rows, problems = [], []
            if form.is_valid() and problems:
                context["file_errors"] = problems
                status = 400
            elif form.is_valid():
                report, _bulk = imports.dry_run(kind=kind, rows=rows)
                token = uuid.uuid4().hex
                if not report.errors:
                    request.session[SESSION_KEY] = {
                        "token": token,
                        "kind": kind,
                        "name": upload.name,
                        "rows": rows,
                    }
                else:
                    request.session.pop(SESSION_KEY, None)
                columns = list(imports.SPECS[kind].columns)
                errors_by_row = report.errors_by_row()
                context.update(
                    report=report,
                    token=token,
                    kind=kind,
                    name=upload.name,
                    columns=[c for c in columns if any(c in row for row in rows)],
                    rows=[
                        {
                            "number": index + 2,
                            # Pairs, not the dict: a column may be named "items".
                            "cells": [(c, v) for c, v in row.items() if v not in (None, "")],
                            "errors": errors_by_row.get(index + 2, []),
                        }
                        for index, row in enumerate(rows)
                    ],
                    general_errors=[e for e in report.errors if e.row < 2],
                )
        if not form.is_valid():
            status = 400
    return render(request, "evidence/import.html", context, status=status)


@require_POST
@web_user_required
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Write the rows the dry run showed, through the bulk service, all or nothing."""
    stored = request.session.get(SESSION_KEY)
    if not stored or stored.get("token") != request.POST.get("token"):
        messages.error(
            request,
            _("This import is no longer waiting for confirmation. Upload the file again."),
        )
        return redirect("evidence:import")
    kind = stored["kind"]
    try:
        result = imports.confirm(
            kind=kind,
            rows=stored["rows"],
            user=request.user,
            may_update_any=has_role(request.user, Role.PRODUCT),
        )
    except imports.ImportRefused as exc:
        request.session.pop(SESSION_KEY, None)
        context = {
            "form": ImportUploadForm(),
            "max_rows": _max_rows(),
            "file_errors": exc.errors,
            "refused_at_confirm": True,
        }
        return render(request, "evidence/import.html", context, status=409)
    request.session.pop(SESSION_KEY, None)
    messages.success(request, imports.summary_message(result))
    if kind in ("campaigns", "snapshots"):
        if kind == "snapshots":
            messages.info(
                request,
                _(
                    "Significant drops in the funnels are proposed as friction reports "
                    "within a few seconds."
                ),
            )
        return redirect("evidence:campaigns")
    return redirect("my_evidence:index")


@require_GET
@web_user_required
def import_template(request: HttpRequest, kind: str, file_format: str) -> HttpResponse:
    """The template file of a kind: the header row and one example row."""
    if kind not in imports.KINDS or file_format not in ("csv", "xlsx"):
        raise Http404
    data = imports.template_file(kind=kind, file_format=file_format)  # type: ignore[arg-type]
    content_type = (
        "text/csv; charset=utf-8"
        if file_format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{file_format}"'
    return response
