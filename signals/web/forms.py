"""Forms of marketing's pages: a friction report or a market signal with its links to
items, and the import upload. `save` calls the signals services (full_clean, dirty marks,
history), never the ORM."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from roadmap.models import RoadmapItem
from signals import services
from signals.api.serializers import MAX_LINKS_PER_RECORD
from signals.models import MIN_LINK_WEIGHT, FrictionReport, MarketSignal
from signals.web.imports import KINDS, MAX_IMPORT_BYTES, too_large_message

MAX_FUTURE = timedelta(days=1)


def weighted_links(form: forms.BaseForm, items: list[RoadmapItem]) -> list[tuple[int, float]]:
    """The items ticked in `links`, each with its `weight_<id>` (0.001 to 1), as (item id,
    weight) pairs; what is wrong goes to the form's errors."""
    if len(items) > MAX_LINKS_PER_RECORD:
        raise ValidationError(
            gettext("At most %(limit)s linked items.") % {"limit": MAX_LINKS_PER_RECORD}
        )
    pairs: list[tuple[int, float]] = []
    for item in items:
        raw = form.data.get(f"weight_{item.pk}", "1")
        try:
            weight = float(str(raw).replace(",", "."))
        except ValueError:
            weight = -1.0
        if not MIN_LINK_WEIGHT <= weight <= 1:
            form.add_error(
                "links",
                gettext("The weight of “%(title)s” must be a number from %(low)s to 1.")
                % {"title": item.title, "low": MIN_LINK_WEIGHT},
            )
            continue
        pairs.append((item.pk, weight))
    return pairs


def links_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=RoadmapItem.objects.only("id", "title"),
        required=False,
        label=_("Linked items"),
    )


class EvidenceForm(forms.ModelForm):
    """What reports and signals share: when it was observed, and the items it bears on.

    The links come as `links` (checked item ids) and `weight_<id>` (each from 0.001 to
    1); the page lists the checked items and the item search results together.
    """

    links = links_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "observed_at" in self.fields:
            self.initial.setdefault("observed_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))

    def clean_observed_at(self) -> Any:
        value = self.cleaned_data["observed_at"]
        if value and value > timezone.now() + MAX_FUTURE:
            raise ValidationError(gettext("Must not be more than a day in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns (its stub says "or None")
        cleaned["link_pairs"] = weighted_links(self, list(cleaned.get("links") or []))
        return cleaned

    def model_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}


class FrictionReportForm(EvidenceForm):
    class Meta:
        model = FrictionReport
        fields = (
            "campaign",
            "title",
            "summary",
            "channel",
            "funnel_stage",
            "affected_people",
            "severity",
            "metric_name",
            "metric_before",
            "metric_after",
            "segment",
            "observed_at",
        )
        widgets = {
            "observed_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "campaign": _("Campaign"),
            "title": _("Title"),
            "summary": _("Summary"),
            "channel": _("Channel"),
            "funnel_stage": _("Funnel stage"),
            "affected_people": _("Affected people"),
            "severity": _("Severity"),
            "metric_name": _("Metric name"),
            "metric_before": _("Metric before"),
            "metric_after": _("Metric after"),
            "segment": _("Segment"),
            "observed_at": _("Observed at"),
        }
        help_texts = {
            "affected_people": _("People affected per quarter."),
            "severity": _("RICE impact scale."),
        }

    def save(self, commit: bool = True, *, user: Any = None) -> FrictionReport:
        return services.report_create(
            submitted_by=user, links=self.cleaned_data["link_pairs"], **self.model_fields()
        )


class MarketSignalForm(EvidenceForm):
    class Meta:
        model = MarketSignal
        fields = (
            "kind",
            "title",
            "summary",
            "account_name",
            "account_value",
            "segment",
            "observed_at",
        )
        widgets = {
            "observed_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "kind": _("Kind"),
            "title": _("Title"),
            "summary": _("Summary"),
            "account_name": _("Account name"),
            "account_value": _("Account value"),
            "segment": _("Segment"),
            "observed_at": _("Observed at"),
        }
        help_texts = {"account_value": _("Annual value of the account, if known.")}

    def save(self, commit: bool = True, *, user: Any = None) -> MarketSignal:
        return services.signal_create(
            submitted_by=user, links=self.cleaned_data["link_pairs"], **self.model_fields()
        )


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[
            ("reports", _("Friction reports")),
            ("signals", _("Market signals")),
            ("campaigns", _("Campaigns")),
            ("snapshots", _("Campaign funnels (snapshots)")),
        ],
    )
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("At most 1,000 rows and 2 MB. Download a template below."),
    )

    def clean_kind(self) -> str:
        kind = self.cleaned_data["kind"]
        if kind not in KINDS:
            raise ValidationError(gettext("Unknown kind."))
        return kind

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(too_large_message())
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError(
                gettext("Only CSV (.csv) and Excel (.xlsx) files can be imported.")
            )
        return upload
