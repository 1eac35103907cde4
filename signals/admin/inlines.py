"""The links between evidence and items, as inlines: on the item page (imported by
roadmap.admin) and on the evidence pages. Each row is written through the link services,
which mark the items linked before and after dirty."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from config.admin_services import ServiceFormSet, call_service
from signals.admin.base import may_change_evidence
from signals.models import ReportLink, SignalLink
from signals.services import evidence_link_upsert, evidence_unlink


def _placeholder(value: Any) -> Any:
    return "—" if value in (None, "") else value


class LinkFormSet(ServiceFormSet):
    """Link rows through `evidence_link_upsert` / `evidence_unlink`, from either end."""

    def _evidence_field(self) -> str:
        return "signal" if self.model is SignalLink else "report"

    def _ends(self, link: Any) -> dict[str, Any]:
        """The service's keywords for `link`: the page's own record is the formset's."""
        field = self._evidence_field()
        if self.fk.name == "item":
            return {"item": self.instance, field: getattr(link, field)}
        return {"item": link.item, field: self.instance}

    def service_create(self, form: forms.ModelForm) -> Any:
        ends = self._ends(form.instance)
        link, _ = call_service(evidence_link_upsert, **ends, weight=form.instance.weight)
        return link

    def service_update(self, form: forms.ModelForm) -> Any:
        stored = type(form.instance)._default_manager.get(pk=form.instance.pk)
        before, after = self._ends(stored), self._ends(form.instance)
        if {k: v.pk for k, v in before.items()} != {k: v.pk for k, v in after.items()}:
            # Pointed at another record: unlink the old one, so it is rescored too.
            call_service(evidence_unlink, **before)
        link, _ = call_service(evidence_link_upsert, **after, weight=form.instance.weight)
        return link

    def service_delete(self, form: forms.ModelForm) -> None:
        stored = type(form.instance)._default_manager.get(pk=form.instance.pk)
        call_service(evidence_unlink, **self._ends(stored))


# --- On the item page ----------------------------------------------------------------------


class SignalLinkInline(admin.TabularInline):
    """The market signals linked to an item, with their weight."""

    model = SignalLink
    fk_name = "item"
    formset = LinkFormSet
    fields = ("signal", "weight", "signal_kind", "signal_observed_at")
    readonly_fields = ("signal_kind", "signal_observed_at")
    autocomplete_fields = ("signal",)
    extra = 0
    verbose_name = _("linked market signal")
    verbose_name_plural = _("linked market signals")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("signal")

    @admin.display(description=_("kind"))
    def signal_kind(self, link: SignalLink) -> str:
        if link.signal_id is None:
            return "—"
        kind = link.signal.get_kind_display()
        return _("%(kind)s (dismissed)") % {"kind": kind} if link.signal.dismissed else kind

    @admin.display(description=_("observed"))
    def signal_observed_at(self, link: SignalLink) -> Any:
        return _placeholder(link.signal.observed_at if link.signal_id else None)


class ReportLinkInline(admin.TabularInline):
    """The friction reports linked to an item, with their weight."""

    model = ReportLink
    fk_name = "item"
    formset = LinkFormSet
    fields = ("report", "weight", "report_status", "report_observed_at")
    readonly_fields = ("report_status", "report_observed_at")
    autocomplete_fields = ("report",)
    extra = 0
    verbose_name = _("linked friction report")
    verbose_name_plural = _("linked friction reports")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("report")

    @admin.display(description=_("status"))
    def report_status(self, link: ReportLink) -> str:
        return link.report.get_status_display() if link.report_id else "—"

    @admin.display(description=_("observed"))
    def report_observed_at(self, link: ReportLink) -> Any:
        return _placeholder(link.report.observed_at if link.report_id else None)


# --- On the evidence pages -----------------------------------------------------------------


class SignalItemLinkInline(admin.TabularInline):
    """The items a signal bears on; editable by whoever may change the signal."""

    model: type[SignalLink | ReportLink] = SignalLink
    fk_name = "signal"
    formset = LinkFormSet
    fields = ("item", "weight", "item_status")
    readonly_fields = ("item_status",)
    autocomplete_fields = ("item",)
    extra = 0
    verbose_name = _("linked roadmap item")
    verbose_name_plural = _("linked roadmap items")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("item")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        may = may_change_evidence(request.user, obj)
        return may and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        may = may_change_evidence(request.user, obj)
        return may and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        may = may_change_evidence(request.user, obj)
        return may and super().has_delete_permission(request, obj)

    @admin.display(description=_("item status"))
    def item_status(self, link: SignalLink) -> str:
        return link.item.get_status_display() if link.item_id else "—"


class ReportItemLinkInline(SignalItemLinkInline):
    """The items a friction report bears on."""

    model = ReportLink
    fk_name = "report"
