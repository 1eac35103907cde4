"""Serializers of a published ranking's Jira push."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from config.api.fields import (
    StrictBooleanField,
)
from config.api.openapi import ErrorSerializer as ErrorSerializer
from config.api.serializers import StrictSerializer
from roadmap.jira.models import JiraSyncRun
from scoring.models import (
    RankingEntry,
)

# --- Jira -------------------------------------------------------------------------------


class JiraIssueRankSerializer(serializers.ModelSerializer):
    """A ranking entry with a Jira key, in the shape a Jira rule or script reads."""

    key = serializers.CharField(source="jira_key", read_only=True, help_text="The issue key.")
    item = serializers.IntegerField(source="item_id", read_only=True)
    explanation_url = serializers.SerializerMethodField(
        help_text="Absolute URL of the item's score explanation (`items/{id}/score/`)."
    )

    class Meta:
        model = RankingEntry
        fields = [
            "key",
            "position",
            "item",
            "title",
            "score",
            "reach",
            "impact",
            "confidence",
            "effort",
            "explanation_url",
        ]
        read_only_fields = fields

    def get_explanation_url(self, entry: RankingEntry) -> str:
        path = reverse("item-score", kwargs={"pk": entry.item_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class RankingJiraSerializer(serializers.Serializer):
    """The latest published ranking as Jira needs it: `{"ranking": ..., "issues": [...]}`
    in; its entries with a Jira key, by position, out."""

    number = serializers.IntegerField(source="ranking.number")
    published_at = serializers.DateTimeField(source="ranking.published_at")
    note = serializers.CharField(source="ranking.note")
    issue_count = serializers.SerializerMethodField(help_text="How many issues are listed.")
    issues = JiraIssueRankSerializer(
        many=True,
        help_text="Every entry with a Jira key, by position. `position` is the item's place "
        "in the whole ranking, so items without a key leave gaps.",
    )

    def get_issue_count(self, data: dict[str, Any]) -> int:
        return len(data["issues"])


class RankingPushSerializer(StrictSerializer):
    """Options of an on-demand push to Jira (the body may be left out)."""

    force = StrictBooleanField(
        required=False,
        default=False,
        help_text="Send every value and the whole order, even what the last push already "
        "sent (e.g. after someone reordered the board by hand).",
    )


class RankingPushQueuedSerializer(serializers.ModelSerializer):
    run = serializers.IntegerField(
        source="pk",
        read_only=True,
        help_text="The Jira sync run: its outcome at `GET /api/v1/jira/runs/{run}/`.",
    )
    ranking = serializers.IntegerField(source="ranking_number", read_only=True)

    class Meta:
        model = JiraSyncRun
        fields = ["run", "ranking", "status", "force", "queued_at"]
        read_only_fields = fields
