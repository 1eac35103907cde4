"""Forms of the campaign pages. `save` calls signals.campaigns.services or proposals
(full_clean, locks, overlap checks, proposals queued), never the ORM."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from signals.campaigns import services
from signals.campaigns.models import Campaign, FunnelSnapshot, currency_error
from signals.services import DuplicateExternalId

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_COUNTS = ("impressions", "clicks", "sign_ups", "activated", "paid", "retained_30", "retained_90")
_COUNT = forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"})


class _ServiceForm(forms.ModelForm):
    """A model form whose save goes through a service; what the service refuses (an
    overlapping period, an external_id taken meanwhile) comes back as form errors."""

    def _fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}

    def _write(self, call: Any) -> Any:
        try:
            return call()
        except DuplicateExternalId as exc:
            self.add_error("external_id", exc.text)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    self.add_error(name if name in self.fields else None, errors)
            else:
                self.add_error(None, exc)
        return None


class CampaignForm(_ServiceForm):
    class Meta:
        model = Campaign
        fields = (
            "name",
            "channel",
            "segment",
            "period_start",
            "period_end",
            "spend",
            "currency",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "external_id",
        )
        labels = {
            "name": _("Name"),
            "channel": _("Channel"),
            "segment": _("Target segment"),
            "period_start": _("First day"),
            "period_end": _("Last day"),
            "spend": _("Spend over the period"),
            "currency": _("Currency"),
            "utm_source": _("UTM source"),
            "utm_medium": _("UTM medium"),
            "utm_campaign": _("UTM campaign"),
            "external_id": _("External id"),
        }
        help_texts = {
            "segment": "",
            "spend": "",
            "currency": _("ISO 4217 code, such as EUR or USD."),
            "external_id": _(
                "Optional: the campaign’s id in your tool. Imported funnel files name the "
                "campaign by it."
            ),
        }
        widgets = {"period_start": _DATE, "period_end": _DATE}

    def clean_currency(self) -> str:
        code = str(self.cleaned_data.get("currency") or "").strip().upper()
        if currency_error(code):
            raise ValidationError(gettext("Not an ISO 4217 currency code, such as EUR or USD."))
        return code

    def clean_spend(self) -> Any:
        spend = self.cleaned_data.get("spend")
        if spend is not None and spend < 0:
            raise ValidationError(gettext("Spend cannot be negative."))
        return spend

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", gettext("The period must not end before it starts."))
        return cleaned

    def save(self, commit: bool = True, *, user: Any = None) -> Campaign | None:
        if self.instance.pk is None:
            return self._write(
                lambda: services.campaign_create(submitted_by=user, **self._fields())
            )
        return self._write(
            lambda: services.campaign_update(campaign=self.instance, data=self._fields())
        )


class FunnelSnapshotForm(_ServiceForm):
    """A funnel snapshot of one campaign (the campaign comes from the page)."""

    class Meta:
        model = FunnelSnapshot
        fields = (
            "period_start",
            "period_end",
            "impressions",
            "clicks",
            "sign_ups",
            "activated",
            "paid",
            "retained_30",
            "retained_90",
            "external_id",
        )
        labels = {
            "period_start": _("First day"),
            "period_end": _("Last day"),
            "impressions": _("Impressions"),
            "clicks": _("Clicks"),
            "sign_ups": _("Sign-ups"),
            "activated": _("Activated"),
            "paid": _("Converted to paid"),
            "retained_30": _("Retained at 30 days"),
            "retained_90": _("Retained at 90 days"),
            "external_id": _("External id"),
        }
        help_texts = {
            name: _("Leave empty when unknown.")
            for name in (
                "impressions",
                "clicks",
                "sign_ups",
                "activated",
                "paid",
                "retained_30",
                "retained_90",
            )
        } | {"external_id": _("Optional: this snapshot’s id in your tool.")}
        widgets = {
            "period_start": _DATE,
            "period_end": _DATE,
            **dict.fromkeys(
                (
                    "impressions",
                    "clicks",
                    "sign_ups",
                    "activated",
                    "paid",
                    "retained_30",
                    "retained_90",
                ),
                _COUNT,
            ),
        }

    def save(self, commit: bool = True, *, user: Any = None) -> FunnelSnapshot | None:
        if self.instance.pk is None:
            campaign = self.instance.campaign
            return self._write(
                lambda: services.snapshot_create(
                    submitted_by=user, campaign=campaign, **self._fields()
                )
            )
        return self._write(
            lambda: services.snapshot_update(snapshot=self.instance, data=self._fields())
        )
