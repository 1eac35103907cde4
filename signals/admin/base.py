"""What the signal, report and outcome admins share: writes through their services, and
the API's ownership rule (config.api.permissions.EvidencePermission) for the admin.

Product changes any evidence; marketing adds evidence and changes only what it submitted;
only product deletes (the API's DELETE is product-only too). `submitted_by` is never
edited: the service sets it from the person who adds the record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from config.admin_services import ServiceAdminMixin, adopt, call_service, form_values
from config.roles import Role, has_role

Refusals = tuple[tuple[type[Exception], Callable[[Exception], ValidationError]], ...]


def may_change_evidence(user: Any, evidence: Any = None) -> bool:
    """Whether `user` may change `evidence` (None: some evidence, the list's question)."""
    if has_role(user, Role.PRODUCT):
        return True
    if not has_role(user, Role.MARKETING):
        return False
    return evidence is None or evidence.submitted_by_id == user.pk


class EvidenceAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    """Base of the evidence admins: `create`, `update` and `delete` are the services of
    the model, `noun` the keyword they take the record by."""

    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    noun: str
    plural: str
    refusals: Refusals = ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        may = has_role(request.user, Role.PRODUCT, Role.MARKETING)
        return may and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        may = may_change_evidence(request.user, obj)
        return may and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        may = has_role(request.user, Role.PRODUCT)
        return may and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        # Read-only fields (submitted_by, team) are not in the form: they never reach the
        # service, whatever the request holds.
        values = form_values(form, form.fields)
        if change:
            # The stored record, not the form's instance already holding the new values:
            # a transition is checked from what is stored.
            stored = type(obj).objects.get(pk=obj.pk)
            saved = call_service(
                type(self).update, refusals=self.refusals, **{self.noun: stored}, data=values
            )
        else:
            saved = call_service(
                type(self).create, refusals=self.refusals, submitted_by=request.user, **values
            )
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        call_service(type(self).delete, **{self.noun: obj})

    def left_unchanged(self, count: int) -> str:
        """ "Left 3 signals unchanged:" in the reader's language, for this admin's noun."""
        if self.noun == "signal":
            text = ngettext(
                "Left %(count)d signal unchanged:", "Left %(count)d signals unchanged:", count
            )
        elif self.noun == "report":
            text = ngettext(
                "Left %(count)d report unchanged:", "Left %(count)d reports unchanged:", count
            )
        else:
            text = ngettext(
                "Left %(count)d outcome unchanged:", "Left %(count)d outcomes unchanged:", count
            )
        return text % {"count": count}

    def own_rows(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        """The rows of `queryset` the user may change; says how many others were left."""
        if has_role(request.user, Role.PRODUCT):
            return queryset
        owned = queryset.filter(submitted_by=request.user)
        others = queryset.count() - owned.count()
        if others:
            self.message_user(
                request,
                self.left_unchanged(others)
                + " "
                + _("you may change only the evidence you submitted."),
                messages.WARNING,
            )
        return owned if has_role(request.user, Role.MARKETING) else queryset.none()
