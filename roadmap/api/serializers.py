"""Serializers of the roadmap API (items, themes, segments, launch plans) and the RICE
scale field that signals shares. The strict fields every app uses live in
`config.api.fields`; the error shape in `config.api.openapi`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from config.api.fields import (
    ApiModelSerializer,
    PreloadedPrimaryKeyRelatedField,
    StrictCharField,
    StrictFloatField,
)
from roadmap.choices import (
    LAUNCH_CHECKLIST,
    MAX_EFFORT,
    MAX_PEOPLE,
    RICE_SCALE,
    Channel,
)
from roadmap.models import (
    JIRA_KEY_VALIDATOR,
    MARKETING_OWNER_CHOICES,
    MAX_KEY_MESSAGE_LENGTH,
    MAX_KEY_MESSAGES,
    PRODUCT_OWNER_CHOICES,
    LaunchPlan,
    RoadmapItem,
    Segment,
    Theme,
)


# No `enum` in the schema: item impact and report severity share this scale, and
# drf-spectacular would name one enum twice. The fields' help text lists the values.
class RiceField(StrictFloatField):
    """A value on the RICE impact scale: 0.25, 0.5, 1, 2 or 3."""

    default_error_messages = {
        "not_on_scale": "Must be one of 0.25, 0.5, 1, 2 or 3 (the RICE impact scale)."
    }

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if value not in RICE_SCALE:
            self.fail("not_on_scale")
        return value


# --- Themes and segments ------------------------------------------------------------------


class ThemeSerializer(ApiModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "name", "description", "created_at"]
        read_only_fields = ["created_at"]


class SegmentSerializer(ApiModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", "slug", "name", "description"]


# --- Roadmap items ------------------------------------------------------------------------


class RoadmapItemSerializer(ApiModelSerializer):
    """A roadmap item. Its score lives in the scoring API (`items/{id}/score/`), its launch
    plan in `launch-plans` (filter by `item`)."""

    owner = PreloadedPrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="The id of the user who owns the item.",
    )
    segments = PreloadedPrimaryKeyRelatedField(
        queryset=Segment.objects.all(), many=True, required=False, help_text="Segment ids."
    )
    reach = StrictFloatField(
        min_value=0,
        max_value=MAX_PEOPLE,
        allow_null=True,
        required=False,
        help_text="People reached per quarter (product estimate).",
    )
    impact = RiceField(
        allow_null=True, required=False, help_text="RICE impact scale: 0.25, 0.5, 1, 2 or 3."
    )
    confidence = StrictFloatField(
        min_value=0, max_value=1, allow_null=True, required=False, help_text="0 to 1."
    )
    effort = StrictFloatField(
        max_value=MAX_EFFORT,
        allow_null=True,
        required=False,
        help_text="Person-months, greater than 0.",
    )
    # Declared so that DRF adds no uniqueness validator of its own: validate_jira_key
    # checks it with a message that names the other item.
    jira_key = StrictCharField(
        max_length=42,
        allow_blank=True,
        required=False,
        validators=[JIRA_KEY_VALIDATOR],
        help_text="Jira issue key, e.g. PROJ-123.",
    )

    class Meta:
        model = RoadmapItem
        fields = [
            "id",
            "title",
            "description",
            "status",
            "theme",
            "owner",
            "segments",
            "reach",
            "impact",
            "confidence",
            "effort",
            "jira_key",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]

    def validate_effort(self, value: float | None) -> float | None:
        if value is not None and not value > 0:
            raise serializers.ValidationError("Must be greater than 0.")
        return value

    def validate_jira_key(self, value: str) -> str:
        if value:
            taken = RoadmapItem.objects.filter(jira_key=value)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            other = taken.values_list("pk", flat=True).first()
            if other is not None:
                raise serializers.ValidationError(f"Item {other} already has the Jira key {value}.")
        return value


# --- Launch plans -------------------------------------------------------------------------


class ChannelListField(serializers.ListField):
    """Distinct channel codes (roadmap.choices.Channel)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=serializers.ChoiceField(choices=Channel.choices),
            max_length=len(Channel.values),
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> list[str]:
        codes: list[str] = super().to_internal_value(data)
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError("Name each channel once.")
        return codes


class ChannelListFieldExtension(OpenApiSerializerFieldExtension):
    """The list's schema as drf-spectacular maps it (the shared ChannelEnum), plus
    `uniqueItems`, which the field enforces."""

    target_class = ChannelListField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(
            self.target, direction, bypass_extensions=True
        )
        schema["uniqueItems"] = True
        return schema


def _users(roles: models.Q) -> models.QuerySet:
    return get_user_model().objects.filter(roles, is_active=True).distinct()


class LaunchPlanSerializer(ApiModelSerializer):
    """How an item goes to market, shared by product and marketing. `readiness` counts the
    checklist items done, out of five; `ready` needs all five."""

    item = PreloadedPrimaryKeyRelatedField(
        queryset=RoadmapItem.objects.all(),
        help_text="The roadmap item (one plan per item; it stays with its item).",
    )
    item_title = serializers.CharField(source="item.title", read_only=True)
    target_segments = PreloadedPrimaryKeyRelatedField(
        queryset=Segment.objects.all(), many=True, required=False, help_text="Segment ids."
    )
    key_messages = serializers.ListField(
        child=StrictCharField(max_length=MAX_KEY_MESSAGE_LENGTH),
        max_length=MAX_KEY_MESSAGES,
        required=False,
        help_text=f"Up to {MAX_KEY_MESSAGES} messages, each up to "
        f"{MAX_KEY_MESSAGE_LENGTH} characters.",
    )
    channels = ChannelListField(required=False, help_text="Channel codes, each at most once.")
    product_owner = PreloadedPrimaryKeyRelatedField(
        queryset=_users(PRODUCT_OWNER_CHOICES),
        allow_null=True,
        required=False,
        help_text="The id of a user with the product role.",
    )
    marketing_owner = PreloadedPrimaryKeyRelatedField(
        queryset=_users(MARKETING_OWNER_CHOICES),
        allow_null=True,
        required=False,
        help_text="The id of a user with the marketing role.",
    )
    readiness = serializers.SerializerMethodField(
        help_text=f"Checklist items done, as `n/{len(LAUNCH_CHECKLIST)}`."
    )
    readiness_missing = serializers.SerializerMethodField(
        help_text="The checklist items not done yet, as field names."
    )

    class Meta:
        model = LaunchPlan
        fields = [
            "id",
            "item",
            "item_title",
            "status",
            "target_launch_date",
            "target_segments",
            "value_proposition",
            "key_messages",
            "channels",
            "product_owner",
            "marketing_owner",
            "positioning_approved",
            "sales_enablement_ready",
            "documentation_ready",
            "campaign_assets_ready",
            "analytics_ready",
            "readiness",
            "readiness_missing",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_readiness(self, plan: LaunchPlan) -> str:
        return f"{plan.readiness}/{len(LAUNCH_CHECKLIST)}"

    def get_readiness_missing(self, plan: LaunchPlan) -> list[str]:
        return [name for name, _ in LAUNCH_CHECKLIST if not getattr(plan, name)]

    def validate_item(self, item: RoadmapItem) -> RoadmapItem:
        if self.instance is not None:
            if item.pk != self.instance.item_id:
                raise serializers.ValidationError("A launch plan stays with its item.")
            return item
        existing = LaunchPlan.objects.filter(item=item).values_list("pk", flat=True).first()
        if existing is not None:
            # "unique": the API answers 409 (the input is fine, the plan exists already).
            raise serializers.ValidationError(
                f"Item {item.pk} already has a launch plan (id {existing}); change that one.",
                code="unique",
            )
        return item


class LaunchCalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    launches = LaunchPlanSerializer(many=True, help_text="The plans targeting this date.")


class LaunchCalendarSerializer(serializers.Serializer):
    """Upcoming launches by date."""

    today = serializers.DateField(help_text="The day the calendar starts (UTC).")
    count = serializers.IntegerField(help_text="Launches listed.")
    days = LaunchCalendarDaySerializer(many=True, help_text="Each date with launches.")
