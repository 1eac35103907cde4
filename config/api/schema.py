"""drf-spectacular postprocessing: make the schema say exactly what the server enforces,
the same way for every operation, instead of repeating it on each view."""

from __future__ import annotations

from typing import Any

from config.api.openapi import ERROR_DESCRIPTIONS

# Visible ASCII only, as the idempotency middleware enforces.
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
    "description": (
        "Optional, 1 to 255 visible ASCII characters. A retry with the same key and body "
        "replays the first answer (header `Idempotent-Replayed: true`); the same key with "
        "another body is refused (422)."
    ),
}
NO_NUL_PATTERN = "^[^\\u0000]*$"
_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_ERRORS = {str(code): text for code, text in ERROR_DESCRIPTIONS.items()}


# The web server (gunicorn: 4,094 bytes a request line by default) refuses an over-long URL
# itself, with its own page, before the API sees the request: any operation may answer it.
_URI_TOO_LONG = {
    "description": "The URL is too long: the web server refuses request lines over 4,094 "
    "bytes before the API sees them (with its own page, not the error shape)."
}


def _close(schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not ({"enum", "format", "pattern"} & set(schema)):
        # DRF's CharField refuses NUL characters.
        schema["pattern"] = NO_NUL_PATTERN
    if schema.get("type") == "object" and "properties" in schema:
        schema.setdefault("additionalProperties", False)
    for sub in (schema.get("properties") or {}).values():
        _close(sub)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _close(schema[key])
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key) or []:
            _close(sub)


def _add_error(operation: dict[str, Any], status: str) -> None:
    responses = operation.setdefault("responses", {})
    if status not in responses:
        responses[status] = {
            "description": _ERRORS[status],
            "content": {"application/json": {"schema": _ERROR_REF}},
        }


# Only null, in OpenAPI 3.0 terms (`nullable` counts only beside a `type`).
_NULL_ONLY = {"type": "object", "nullable": True, "enum": [None]}
_ID_PATTERN = "^[0-9]+$"
_NOT_MODIFIED = {
    "description": "Not modified: the `ETag` sent in `If-None-Match` is still current (no body).",
}
_IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "Optional. The `ETag` of the answer as last read: if it is still "
    "current the answer is 304 with no body.",
}


def _nullable_refs(schema: Any) -> None:
    """`{"allOf": [ref], "nullable": true}` is not nullable under OpenAPI 3.0's rule
    (`nullable` applies only beside a `type`), so validators and generated clients refuse
    the null the server sends: say "the ref or null" with a oneOf instead."""
    if isinstance(schema, list):
        for sub in schema:
            _nullable_refs(sub)
        return
    if not isinstance(schema, dict):
        return
    all_of = schema.get("allOf")
    if (
        schema.get("nullable")
        and "type" not in schema
        and isinstance(all_of, list)
        and len(all_of) == 1
        and "$ref" in all_of[0]
    ):
        del schema["allOf"], schema["nullable"]
        schema["oneOf"] = [all_of[0], dict(_NULL_ONLY)]
    for value in schema.values():
        if isinstance(value, dict | list):
            _nullable_refs(value)


def harmonize(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Request bodies refuse unknown fields, so their objects are closed; every API
    operation documents the errors any request may get (an over-long URL included); every
    POST documents `Idempotency-Key` exactly as the middleware checks it."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _close(schema)
    _nullable_refs(result.get("components", {}).get("schemas", {}))
    public = {"/api/v1/jira/webhook/"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            for param in operation.get("parameters", []):
                if param.get("in") == "path" and param.get("schema", {}).get("type") == "integer":
                    # Every path id is declared alike (the router's digits-only string).
                    param["schema"] = {"type": "string", "pattern": _ID_PATTERN}
            if method == "get" and "200" in operation.get("responses", {}):
                # ConditionalGetMiddleware: every GET answers with an ETag and honours
                # If-None-Match with 304.
                params = operation.setdefault("parameters", [])
                if not any(p.get("name") == "If-None-Match" for p in params):
                    params.append(dict(_IF_NONE_MATCH))
                operation["responses"].setdefault("304", dict(_NOT_MODIFIED))
            for status in ("400", "429") if path in public else ("400", "401", "403", "429"):
                _add_error(operation, status)
            operation["responses"].setdefault("414", dict(_URI_TOO_LONG))
            for param in operation.get("parameters", []):
                schema = param.get("schema", {})
                if (
                    param.get("in") == "query"
                    and schema.get("type") == "string"
                    and not ({"enum", "format", "pattern"} & set(schema))
                ):
                    # Django's form fields refuse NUL characters in text.
                    schema["pattern"] = NO_NUL_PATTERN
            if "{" in path:
                _add_error(operation, "404")
            if method in {"post", "put", "patch"}:
                _add_error(operation, "413")
                if path not in public:
                    _add_error(operation, "409")
            if method == "post" and path not in public:
                params = operation.setdefault("parameters", [])
                params[:] = [p for p in params if p.get("name") != "Idempotency-Key"]
                params.append(dict(IDEMPOTENCY_PARAMETER))
                _add_error(operation, "422")
    return result
