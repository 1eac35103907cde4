"""Serializers of the committee's API (English, as the whole API)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from config.api.fields import ApiModelSerializer, PreloadedPrimaryKeyRelatedField
from config.api.serializers import StrictSerializer
from roadmap.choices import ItemStatus
from roadmap.models import RoadmapItem
from scoring.committees.models import (
    AgendaPoint,
    CommitteeMeeting,
    Decision,
    DecisionKind,
    DecisionStatus,
    Team,
)

User = get_user_model()


class AgendaPointSerializer(ApiModelSerializer):
    """A point of the agenda: built from the data, or `added_by_hand`. `payload` is what
    the point shows (its shape depends on `kind`)."""

    payload = serializers.JSONField(read_only=True)

    class Meta:
        model = AgendaPoint
        fields = ("id", "kind", "position", "title", "payload", "link", "item", "added_by_hand")
        read_only_fields = ("kind", "position", "payload", "added_by_hand")


class AgendaPointCreateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=300)
    link = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    item = PreloadedPrimaryKeyRelatedField(
        queryset=RoadmapItem.objects.all(), required=False, allow_null=True, default=None
    )


class AgendaReorderSerializer(StrictSerializer):
    points = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, min_length=1,
        max_length=1000,
        help_text="Every point id of the meeting, once, in the new order.",
    )  # fmt: skip


class DecisionSerializer(ApiModelSerializer):
    """A decision on record. `overdue`: open and past its due date."""

    overdue = serializers.SerializerMethodField()
    # Blank when the decision left the item's status unchanged: a plain string, since the
    # item status enum has no blank member.
    item_status = serializers.CharField(
        read_only=True, help_text="The status a commit gave the item; empty: unchanged."
    )

    class Meta:
        model = Decision
        fields = (
            "id", "meeting", "point", "item", "kind", "rationale", "owner", "team", "due_date",
            "defer_until", "item_status", "status", "overdue", "created_by", "created_at",
            "done_at",
        )  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, decision: Decision) -> bool:
        from django.utils import timezone

        return (
            decision.status == DecisionStatus.OPEN
            and decision.due_date is not None
            and decision.due_date < timezone.localdate()
        )


class DecisionCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=DecisionKind.choices)
    rationale = serializers.CharField(max_length=4000)
    owner = PreloadedPrimaryKeyRelatedField(queryset=User.objects.all())
    team = serializers.ChoiceField(choices=Team.choices)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    defer_until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Required for `defer`."
    )
    item = PreloadedPrimaryKeyRelatedField(
        queryset=RoadmapItem.objects.all(), required=False, allow_null=True, default=None
    )
    point = PreloadedPrimaryKeyRelatedField(
        queryset=AgendaPoint.objects.all(), required=False, allow_null=True, default=None
    )
    item_status = serializers.ChoiceField(
        choices=[s for s in ItemStatus.values if s != ItemStatus.ARCHIVED],
        required=False,
        allow_blank=True,
        default="",
        help_text="`commit` only: the status the item gets, in the same transaction.",
    )


class DecisionUpdateSerializer(StrictSerializer):
    rationale = serializers.CharField(max_length=4000, required=False)
    owner = PreloadedPrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    team = serializers.ChoiceField(choices=Team.choices, required=False)
    due_date = serializers.DateField(required=False, allow_null=True)
    defer_until = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=DecisionStatus.choices, required=False)


class CommitteeMeetingSerializer(ApiModelSerializer):
    """A committee meeting; its `ranking` is the number of the ranking published from it."""

    attendees = PreloadedPrimaryKeyRelatedField(
        queryset=User.objects.all(), many=True, required=False
    )
    ranking = serializers.SerializerMethodField()

    class Meta:
        model = CommitteeMeeting
        fields = (
            "id", "date", "title", "attendees", "status", "ranking", "created_by",
            "created_at", "agenda_built_at", "agenda_since", "started_at", "closed_at",
        )  # fmt: skip
        read_only_fields = (
            "status", "created_by", "created_at", "agenda_built_at", "agenda_since",
            "started_at", "closed_at",
        )  # fmt: skip

    def get_ranking(self, meeting: CommitteeMeeting) -> int | None:
        return meeting.ranking.number if meeting.ranking is not None else None


class CommitteeMeetingDetailSerializer(CommitteeMeetingSerializer):
    agenda = AgendaPointSerializer(many=True, read_only=True, source="agenda_points")
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta(CommitteeMeetingSerializer.Meta):
        fields = (*CommitteeMeetingSerializer.Meta.fields, "agenda", "decisions")  # type: ignore[assignment]  # a longer tuple of the same fields


class MeetingCloseSerializer(StrictSerializer):
    publish = serializers.BooleanField(
        required=False, default=False,
        help_text="Publish the live ranking from the meeting as it closes (product role).",
    )  # fmt: skip
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
