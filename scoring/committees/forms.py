"""The board's forms for the committee: a meeting, a point added by hand, a decision, the
publication that closes a meeting, a decision's follow-up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from config.roles import Role
from roadmap.choices import ItemStatus
from roadmap.models import RoadmapItem
from scoring.committees.models import AgendaPoint, DecisionKind, DecisionStatus, Team


def team_members() -> QuerySet[Any]:
    """The people of both teams (superusers count as product)."""
    return (
        get_user_model()
        .objects.filter(
            Q(groups__name__in=[Role.PRODUCT, Role.MARKETING]) | Q(is_superuser=True),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class DateInput(forms.DateInput):
    input_type = "date"


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    attendees = PeopleChoiceField(
        label=_("Attendees"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = team_members()  # type: ignore[attr-defined]


class PointForm(forms.Form):
    title = forms.CharField(label=_("Point"), max_length=300)
    link = forms.CharField(label=_("Link (optional)"), max_length=500, required=False)


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Decision"), choices=DecisionKind.choices)
    item = forms.ModelChoiceField(
        label=_("Item"), queryset=RoadmapItem.objects.order_by("title"), required=False
    )
    point = forms.ModelChoiceField(
        label=_("Agenda point"), queryset=AgendaPoint.objects.none(), required=False
    )
    rationale = forms.CharField(
        label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    owner = PersonChoiceField(label=_("Owner"), queryset=get_user_model().objects.none())
    team = forms.ChoiceField(label=_("Team"), choices=Team.choices)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput, required=False)
    defer_until = forms.DateField(label=_("Deferred until"), widget=DateInput, required=False)
    item_status = forms.ChoiceField(
        label=_("Set the item's status (commit)"),
        required=False,
        choices=[("", _("Leave as it is"))]
        + [(s.value, s.label) for s in ItemStatus if s != ItemStatus.ARCHIVED],
    )

    def __init__(self, *args: Any, meeting: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        point = self.fields["point"]
        assert isinstance(point, forms.ModelChoiceField)
        point.queryset = meeting.agenda_points.order_by("position")
        point.label_from_instance = lambda p: (  # type: ignore[method-assign,assignment]  # Django's documented hook
            f"{p.position}. {p.get_kind_display()}: {p.title}"
        )
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = team_members()


class PublishCloseForm(forms.Form):
    note = forms.CharField(label=_("Note of the ranking"), max_length=300, required=False)


class DecisionDoneForm(forms.Form):
    status = forms.ChoiceField(choices=DecisionStatus.choices)
