from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.my_evidence.selectors import EvidenceFilters


class MyEvidenceFilterForm(forms.Form):
    """The filters of “My evidence”; an invalid value is ignored (the page shows all)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All")), ("report", _("Friction reports")), ("signal", _("Signals"))],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("open", _("Open")),
            ("addressed", _("Addressed")),
            ("dismissed", _("Dismissed")),
        ],
    )
    since = forms.DateField(
        label=_("Observed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Observed until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    linked = forms.ChoiceField(
        label=_("Links"),
        required=False,
        choices=[("", _("All")), ("yes", _("Linked to items")), ("no", _("Not linked"))],
    )

    def filters(self) -> EvidenceFilters:
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return EvidenceFilters(
            kind=data.get("kind") or "",
            status=data.get("status") or "",
            since=data.get("since"),
            until=data.get("until"),
            linked=data.get("linked") or "",
        )
