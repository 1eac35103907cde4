"""Admin for campaigns, funnel snapshots and friction proposals.

Saving goes through the same services as the API (validation, the overlap check under the
campaign's lock, proposals queued after commit); the proposal actions call the confirm and
dismiss services, so a confirmed proposal becomes a report exactly as through the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from config.roles import acting_user
from signals.campaigns import proposals, services
from signals.campaigns.funnel import STAGES
from signals.campaigns.models import Campaign, FrictionProposal, FunnelSnapshot, ProposalStatus
from signals.services import InvalidTransition


def _fields_of(form: ModelForm) -> dict[str, Any]:
    return {
        name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
    }


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "channel",
        "segment",
        "period_start",
        "period_end",
        "spend",
        "currency",
        "submitted_by",
    )
    list_filter = ("channel", "currency", "segment", "source")
    list_select_related = ("segment", "submitted_by")
    search_fields = ("name", "utm_campaign", "utm_source", "external_id")
    date_hierarchy = "period_start"
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "channel", "segment", "period_start", "period_end")}),
        (gettext_lazy("Spend"), {"fields": ("spend", "currency")}),
        (gettext_lazy("UTM"), {"fields": ("utm_source", "utm_medium", "utm_campaign")}),
        (
            gettext_lazy("Origin"),
            {"fields": ("source", "external_id", "submitted_by", "created_at", "updated_at")},
        ),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if change:
            services.campaign_update(campaign=obj, data=_fields_of(form))
            return
        fields = {name: form.cleaned_data[name] for name in form.cleaned_data}
        submitted_by = fields.pop("submitted_by", None) or acting_user(request.user)
        created = services.campaign_create(submitted_by=submitted_by, **fields)
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.campaign_delete(campaign=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for campaign in queryset:
            services.campaign_delete(campaign=campaign)


class FunnelSnapshotForm(forms.ModelForm):
    """Shows the period overlap on the form (the service checks it again under a lock)."""

    class Meta:
        model = FunnelSnapshot
        fields = (
            "campaign",
            "period_start",
            "period_end",
            *STAGES,
            "source",
            "external_id",
            "submitted_by",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        campaign, start, end = (
            cleaned.get("campaign"),
            cleaned.get("period_start"),
            cleaned.get("period_end"),
        )
        if campaign and start and end and start <= end:
            others = FunnelSnapshot.objects.filter(
                campaign=campaign, period_start__lte=end, period_end__gte=start
            )
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            clash = others.values_list("period_start", "period_end").first()
            if clash:
                self.add_error(
                    "period_start",
                    _("This period overlaps the campaign's period from %(start)s to %(end)s.")
                    % {"start": clash[0].isoformat(), "end": clash[1].isoformat()},
                )
        return cleaned


@admin.register(FunnelSnapshot)
class FunnelSnapshotAdmin(SimpleHistoryAdmin):
    form = FunnelSnapshotForm
    list_display = (
        "campaign",
        "period_start",
        "period_end",
        "impressions",
        "clicks",
        "sign_ups",
        "activated",
        "paid",
        "retained_30",
        "retained_90",
    )
    list_filter = ("campaign__channel", "source")
    list_select_related = ("campaign",)
    search_fields = ("campaign__name", "external_id")
    date_hierarchy = "period_start"
    autocomplete_fields = ("campaign",)
    readonly_fields = ("created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if change:
            services.snapshot_update(snapshot=obj, data=_fields_of(form))
            return
        fields = {name: form.cleaned_data[name] for name in form.cleaned_data}
        submitted_by = fields.pop("submitted_by", None) or acting_user(request.user)
        created = services.snapshot_create(submitted_by=submitted_by, **fields)
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.snapshot_delete(snapshot=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for snapshot in queryset:
            services.snapshot_delete(snapshot=snapshot)


@admin.register(FrictionProposal)
class FrictionProposalAdmin(SimpleHistoryAdmin):
    """Proposals are written by the funnels, decided by people: read-only but for the two
    actions."""

    list_display = (
        "campaign",
        "rate",
        "funnel_stage",
        "channel",
        "affected_people",
        "severity",
        "status",
        "report",
        "created_at",
    )
    list_filter = ("status", "channel", "funnel_stage")
    list_select_related = ("campaign", "report")
    search_fields = ("campaign__name",)
    actions = ("confirm", "dismiss")
    readonly_fields = [field.name for field in FrictionProposal._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(
        description=gettext_lazy("Confirm: create friction reports"), permissions=["change"]
    )
    def confirm(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, confirm=True)

    @admin.action(description=gettext_lazy("Dismiss"), permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, confirm=False)

    def _decide(self, request: HttpRequest, queryset: QuerySet, *, confirm: bool) -> None:
        done = refused = 0
        for proposal in queryset.filter(status=ProposalStatus.PROPOSED):
            try:
                if confirm:
                    proposals.friction_proposal_confirm(
                        proposal=proposal, user=acting_user(request.user)
                    )
                else:
                    proposals.friction_proposal_dismiss(
                        proposal=proposal, user=acting_user(request.user)
                    )
                done += 1
            except InvalidTransition:
                refused += 1  # decided meanwhile by someone else
        skipped = queryset.exclude(status=ProposalStatus.PROPOSED).count() + refused
        message = (
            ngettext("Confirmed %(n)d proposal.", "Confirmed %(n)d proposals.", done)
            if confirm
            else ngettext("Dismissed %(n)d proposal.", "Dismissed %(n)d proposals.", done)
        ) % {"n": done}
        if skipped:
            message += " " + ngettext(
                "%(n)d was already decided.", "%(n)d were already decided.", skipped
            ) % {"n": skipped}
        self.message_user(request, message, messages.SUCCESS)
