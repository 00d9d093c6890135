"""Every error of the HTTP API as an RFC 9457 problem document (`application/problem+json`), never a stack trace.

`type` is a URN naming the problem (urn:yinchuan-policy:problem:CODE), `title` its short English name, `status` the
HTTP status, `detail` what happened to this request; input problems add `errors`: the CLI's problems at
request:line:col.
"""
from __future__ import annotations

from http import HTTPStatus

from fastapi.responses import Response

from ..render.text import to_json

MEDIA = "application/problem+json"
def body(status: int, code: str, detail: str, errors: list | None = None, **extra) -> dict:
    doc = {"type": f"urn:yinchuan-policy:problem:{code}", "title": HTTPStatus(status).phrase, "status": status,
           "detail": detail}
    if errors:
        doc["errors"] = errors
    doc.update(extra)
    return doc


def response(status: int, code: str, detail: str, errors: list | None = None, headers: dict | None = None,
             **extra) -> Response:
    return Response(to_json(body(status, code, detail, errors, **extra), indent=None).encode("utf-8"),
                    status_code=status, media_type=MEDIA, headers=headers)


def schema() -> dict:
    """The OpenAPI schema of a problem document."""
    return {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
        "type": {"type": "string", "format": "uri"}, "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599}, "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ruling.unusable/properties/errors/items"}},
        "known": {"type": "array", "items": {"type": "string"}}}}
