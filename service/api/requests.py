"""Request helpers every blueprint shares: reading a JSON body, the body limit, and the app's
services.

Views reach the database and the task queue only through `services()`, built by create_app.
"""

from __future__ import annotations

import json
from typing import cast

from flask import current_app, request

from ..services import Services
from .errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

# JSON escapes may triple an article's size on the wire (Python's json.dumps writes each
# Cyrillic letter, two bytes of UTF-8, as a six-byte \uXXXX), so the body limit allows for
# that plus room for the other fields; the article itself is measured exactly after parsing.
_ESCAPE_FACTOR = 3
_ENVELOPE_BYTES = 64 * 1024


def body_limit(max_article_bytes: int) -> int:
    """The largest request body worth reading for an article of at most max_article_bytes."""
    return max_article_bytes * _ESCAPE_FACTOR + _ENVELOPE_BYTES


def services() -> Services:
    """Settings, database, stores and queue of the current app (see service.app)."""
    found: Services = current_app.extensions["audarma"]
    return found


def read_json() -> object:
    """The request body as JSON, checked in the order a client fixes them: type, size, bytes."""
    if request.mimetype != "application/json":
        given = request.mimetype or "none"
        raise UnsupportedMediaType(f"Content-Type must be application/json, not {given}")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"JSON must be sent as UTF-8, not charset={charset}")
    # The app's MAX_CONTENT_LENGTH unless a view raised it for this request (batches). An int:
    # create_app always sets one (None, Flask's default, would mean no limit).
    limit = cast(int, request.max_content_length)
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(
            f"request body is {request.content_length} bytes; the limit is {limit} bytes"
        )
    # Bodies without Content-Length (chunked) are cut off by MAX_CONTENT_LENGTH while read.
    raw = request.get_data(cache=True)
    return parse_json_bytes(raw)


def parse_json_bytes(raw: bytes) -> object:
    if not raw.strip():
        raise BadRequest("request body is empty; send a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"request body is not valid UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        ) from exc
    try:
        return json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from exc


def read_optional_json() -> object:
    """Like read_json, but an empty body is an empty object (for optional bodies)."""
    if not request.get_data(cache=True).strip():
        return {}
    return read_json()
