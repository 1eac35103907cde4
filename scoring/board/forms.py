"""The board's forms: the ranking filters (GET) and the publication note."""

from __future__ import annotations

from typing import Any, Literal

from django import forms
from django.utils.translation import gettext_lazy as _

from roadmap.choices import RANKABLE_STATUSES
from scoring.models import Ranking, RoadmapBy, RoadmapGroup
from scoring.selectors.board import FilterOptions

ANY = ("", _("Any"))


class BoardFilterForm(forms.Form):
    """Theme, segment, status and owner: four of the filters of `rankings/live/`
    (scoring.filters.LiveRankingFilterSet, which applies them), offered as choices. The
    choices come in as (id, label) lists read once per request
    (scoring.selectors.board_filter_options), so validating a chosen id costs no query,
    unlike a ModelChoiceField."""

    theme = forms.TypedChoiceField(label=_("Theme"), required=False, coerce=int, empty_value=None)
    segment = forms.TypedChoiceField(
        label=_("Segment"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[ANY, *((status.value, status.label) for status in RANKABLE_STATUSES)],
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, options: FilterOptions, **kwargs: Any):
        super().__init__(*args, **kwargs)
        fields: tuple[tuple[str, Literal["themes", "segments", "owners"]], ...] = (
            ("theme", "themes"),
            ("segment", "segments"),
            ("owner", "owners"),
        )
        for name, key in fields:
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # the TypedChoiceFields above
            field.choices = [ANY, *options[key]]

    def filters(self) -> dict[str, Any]:
        """The valid, non-empty filters as data of LiveRankingFilterSet; a value that is
        not a valid choice is dropped (and reported by the form)."""
        data = getattr(self, "cleaned_data", {})
        return {
            # `status` is a multiple choice in the filter set (the API takes several).
            name: [value] if name == "status" else value
            for name, value in data.items()
            if value not in (None, "")
        }


class PublishForm(forms.Form):
    # The number of the ranking the confirmation's diff was made against (0: none yet).
    reviewed = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={"required": _("Publish from the confirmation page, after the review.")},
    )
    note = forms.CharField(
        max_length=Ranking._meta.get_field("note").max_length,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Note"),
        help_text=_(
            "Why this ranking is published, e.g. “May committee: SSO moved up after "
            "the churn review”. Saved with the ranking; the API shows it."
        ),
        error_messages={"required": _("Say why this ranking is published.")},
    )


class RoadmapLayoutForm(forms.Form):
    """How the roadmap is laid out: columns by horizon or quarter, rows by theme or
    segment. An unknown value falls back to the default."""

    by = forms.ChoiceField(required=False, choices=RoadmapBy.choices)
    group = forms.ChoiceField(required=False, choices=RoadmapGroup.choices)

    def choice(self) -> tuple[str, str]:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("by") or RoadmapBy.HORIZON, data.get("group") or RoadmapGroup.THEME
