"""The pieces every API view's schema shares: the one error shape, the one table of error
descriptions, and the conditional-request headers."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer
from rest_framework import serializers

# --- The error shape (config.api.errors), for the schema --------------------------------


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. `invalid`.")
    message = serializers.CharField()
    # The metaclass takes declared fields out of the class body, so this does not shadow
    # Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]  # a field named "fields"
        child=serializers.JSONField(),
        required=False,
        help_text=(
            "Validation errors only: each invalid field and its messages (a list), or, for "
            "nested input such as `links` or bulk records, an object keyed by index."
        ),
    )


# Named `ErrorResponse`, not `Error`: clients generated from the schema name a local
# variable after the model, and in a model called Error that variable shadows its one
# property, `error` (openapi-python-client's Error.from_dict did not type-check).
@extend_schema_serializer(component_name="ErrorResponse")
class ErrorSerializer(serializers.Serializer):
    """`{"error": {...}}`, the body of every 4xx and 5xx answer."""

    error = ErrorBodySerializer()


# The one table of error descriptions: views (error_responses) and the schema hook
# (config.api.schema.harmonize) both read it; a view passes a specific text as an override.
ERROR_DESCRIPTIONS = {
    400: "Invalid input (a body, a filter, `limit`/`offset`, a header): `fields` names each "
    "invalid field (or record) and its messages.",
    401: "No credentials, or an invalid, expired or revoked API key (send "
    "`Authorization: Api-Key <key>`).",
    403: "The caller's role may not do this.",
    404: "No such resource.",
    405: "This method is not allowed here.",
    409: "The request conflicts with the current state of the resource.",
    412: "`If-Match` names a version that is no longer current: read the item again.",
    413: "The request body is too large.",
    422: "This `Idempotency-Key` was already used with a different request.",
    429: "Too many requests for this API key (or, unauthenticated, from this address); retry "
    "after `Retry-After` seconds.",
}


def error_responses(*codes: int, **overrides: str) -> dict[int, OpenApiResponse]:
    """Schema entries for error answers, all in the one error shape. `overrides`
    (`e409="..."`) replace the table's text where a view means something specific."""
    return {
        code: OpenApiResponse(
            ErrorSerializer,
            description=overrides.get(f"e{code}", ERROR_DESCRIPTIONS[code]),
        )
        for code in codes
    }


READ_ERRORS = (401, 403)
DETAIL_ERRORS = (401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Optional, 1 to 255 characters. A retry with the same key and body replays "
    "the first answer; the same key with another body is refused (422).",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='Optional. The item\'s `ETag` (`"<version>"`) as last read: the write '
    "applies only if the item is still at that version, otherwise 412.",
)
