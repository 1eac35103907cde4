"""Closing the loop: calibration (the shared KPIs are in signals.kpis)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.errors import Conflict
from config.api.permissions import ProductOnly
from scoring import selectors, services
from scoring.api.serializers import (
    CalibrationApplySerializer,
    CalibrationReportSerializer,
    ConfidenceCalibrationSerializer,
)
from scoring.api.views.common import errors


class CalibrationView(APIView):
    """How well the scores of shipped items predicted their measured outcomes."""

    @extend_schema(
        summary="Calibration: estimate accuracy by owner, theme and team",
        description="For shipped items with outcomes, the reach and impact their score "
        "assumed when they shipped against the reach and impact their outcomes measured "
        '(README, "Calibration"), as measured / assumed ratios (geometric means) with the '
        "count of items, by owner (with a suggested confidence multiplier once an owner "
        "has 2 calibrated items not used before), by theme, and by team (product's reach "
        "estimate R_p and marketing's R_m against the measured reach). Any role.",
        responses={200: CalibrationReportSerializer, **errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(CalibrationReportSerializer(selectors.calibration_report()).data)


class CalibrationApplyView(APIView):
    permission_classes = [ProductOnly]

    @extend_schema(
        summary="Apply an owner's suggested confidence multiplier (product)",
        description="Multiplies the confidence of the owner's open items (candidate, "
        "planned, in progress) by the suggestion; items without a confidence get the "
        "model's default confidence × the multiplier. Each changed item gets a history "
        "entry (`calibration: ×m from N shipped items`, with the caller), a new version "
        "and a rescore. `multiplier` must equal the current suggestion: a stale one, or "
        "none, answers 409 and changes nothing.",
        request=CalibrationApplySerializer,
        responses={
            200: ConfidenceCalibrationSerializer,
            **errors(
                400,
                401,
                403,
                409,
                e409="The multiplier is not the owner's current suggestion (it changed, "
                "or there is none): read `calibration/` again.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        body = CalibrationApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            record = services.calibration_apply(
                owner=body.validated_data["owner"],
                multiplier=body.validated_data["multiplier"],
                applied_by=request.user,
            )
        except services.CalibrationConflict as exc:
            raise Conflict(str(exc), code="stale_suggestion") from None
        return Response(ConfidenceCalibrationSerializer(record).data)
