"""API of the roadmap over time and its share links.

`GET roadmap/?group=theme|segment&by=horizon|quarter` (any role) with the item filters
of `items/`; share links (product only): list, create, read, and DELETE to revoke.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from config.api.fields import MAX_PK, ApiModelSerializer, AwareDateTimeField
from config.api.openapi import error_responses
from config.api.permissions import ProductOnly
from config.api.serializers import StrictSerializer
from config.roles import acting_user, user_roles
from roadmap.filters import RoadmapItemFilterSet
from scoring.models import RoadmapBy, RoadmapGroup, RoadmapShareLink
from scoring.selectors.roadmap import RoadmapView, roadmap_view
from scoring.sharing import services as sharing


class RoadmapCardSerializer(StrictSerializer):
    item = serializers.IntegerField(source="item_id")
    title = serializers.CharField()
    status = serializers.CharField()
    theme = serializers.CharField(allow_null=True)
    launch_date = serializers.DateField(allow_null=True)
    launch_status = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    position = serializers.IntegerField(allow_null=True, help_text="Live-ranking position.")
    readiness = serializers.SerializerMethodField(
        help_text="Checklist done, `n/5`; null without a plan."
    )

    def get_readiness(self, card: Any) -> str | None:
        if card.readiness_done is None:
            return None
        return f"{card.readiness_done}/{card.readiness_total}"


class RoadmapColumnSerializer(StrictSerializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label"


class RoadmapCellSerializer(StrictSerializer):
    column = serializers.CharField()
    items = RoadmapCardSerializer(many=True)


class RoadmapRowSerializer(StrictSerializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label"
    cells = RoadmapCellSerializer(many=True)


class RoadmapSerializer(StrictSerializer):
    by = serializers.ChoiceField(choices=RoadmapBy.choices)
    group = serializers.ChoiceField(choices=RoadmapGroup.choices)
    rule = serializers.CharField(help_text="How items are placed in columns.")
    today = serializers.DateField()
    count = serializers.IntegerField()
    columns = RoadmapColumnSerializer(many=True)
    rows = RoadmapRowSerializer(many=True)


class RoadmapQuerySerializer(StrictSerializer):
    by = serializers.ChoiceField(choices=RoadmapBy.choices, default=RoadmapBy.HORIZON)
    group = serializers.ChoiceField(choices=RoadmapGroup.choices, default=RoadmapGroup.THEME)


def roadmap_data(view: RoadmapView) -> dict[str, Any]:
    return {
        "by": view.by,
        "group": view.group,
        "rule": view.rule,
        "today": view.today,
        "count": view.count,
        "columns": [{"key": key, "label": label} for key, label in view.columns],
        "rows": [
            {
                "key": row.key,
                "label": row.label,
                "cells": [
                    {"column": view.columns[i][0], "items": cell}
                    for i, cell in enumerate(row.cells)
                ],
            }
            for row in view.rows
        ],
    }


class AnyRole(ProductOnly):
    message = "Any role may read the roadmap; log in with an API key."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(user_roles(request.user))


# The item filters' ids, as `items/` declares them: a positive 64-bit integer.
_ID_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_PK}


class RoadmapApiView(APIView):
    permission_classes = (AnyRole,)

    @extend_schema(
        summary="The roadmap over time: Now / Next / Later or by quarter, by theme or segment",
        parameters=[
            RoadmapQuerySerializer,
            *(
                OpenApiParameter(
                    name,
                    str if name == "q" else _ID_SCHEMA,
                    description=str(f.extra.get("help_text", "")),
                )
                for name, f in RoadmapItemFilterSet.base_filters.items()
                if name in ("theme", "segment", "owner", "q")
            ),
        ],
        responses={200: RoadmapSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = RoadmapQuerySerializer(
            data={k: v for k, v in request.query_params.items() if k in ("by", "group")}
        )
        query.is_valid(raise_exception=True)
        filters = RoadmapItemFilterSet(data=request.query_params)
        if not filters.is_valid():
            from rest_framework.exceptions import ValidationError

            raise ValidationError(filters.errors)
        data = {k: v for k, v in request.query_params.lists() if k in filters.filters}
        flat = {k: (v if k == "status" else v[-1]) for k, v in data.items()}
        view = roadmap_view(
            today=timezone.localdate(),
            by=query.validated_data["by"],
            group=query.validated_data["group"],
            filters=flat,
        )
        return Response(RoadmapSerializer(roadmap_data(view)).data)


class RoadmapShareLinkSerializer(ApiModelSerializer):
    """A read-only link to the roadmap for outsiders. `url` carries the token: hand it
    only to whom it is for; DELETE revokes it."""

    expires_at = AwareDateTimeField(help_text="Within a year.")
    url = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()

    class Meta:
        model = RoadmapShareLink
        fields = (
            "id",
            "label",
            "group",
            "by",
            "show_scores",
            "show_positions",
            "show_readiness",
            "show_evidence",
            "expires_at",
            "revoked_at",
            "active",
            "token",
            "url",
            "created_at",
        )
        read_only_fields = ("token", "revoked_at", "created_at")

    def get_url(self, link: RoadmapShareLink) -> str:
        from django.urls import reverse

        path = reverse("roadmap-shared", kwargs={"token": link.token})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_active(self, link: RoadmapShareLink) -> bool:
        return link.is_active


@extend_schema_view(
    list=extend_schema(summary="Roadmap share links (product)"),
    create=extend_schema(
        summary="Create a read-only share link of the roadmap (product)",
        responses={201: RoadmapShareLinkSerializer, **error_responses(400, 401, 403)},
    ),
    destroy=extend_schema(
        summary="Revoke a share link (product); its page then answers 404",
        responses={204: None, **error_responses(401, 403, 404)},
    ),
)
class RoadmapShareLinkViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RoadmapShareLinkSerializer
    permission_classes = (ProductOnly,)
    filter_backends = ()
    lookup_value_regex = r"[0-9]+"
    queryset = RoadmapShareLink.objects.order_by("-created_at", "-id")

    def perform_create(self, serializer: BaseSerializer[RoadmapShareLink]) -> None:
        serializer.instance = sharing.share_link_create(
            created_by=acting_user(self.request.user), **serializer.validated_data
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sharing.share_link_revoke(link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
