"""Request helpers every blueprint shares: reading a JSON body (bounded in depth and numbers,
its strings storable), the body limit, checks of query strings, path values and integers in
them, and the app's services.

Views reach the database and the task queue only through `services()`, built by create_app.
"""

from __future__ import annotations

import json
import math
import re
from typing import cast
from urllib.parse import unquote_to_bytes

from flask import current_app, request

from ..services import Services
from .errors import (
    ApiError,
    BadRequest,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
    shown,
)

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


def read_optional_json() -> object:
    """Like read_json, but an empty body is an empty object (for optional bodies)."""
    if not request.get_data(cache=True).strip():
        return {}
    return read_json()


# Every body the API takes is at most three levels deep ({"items": [{"text": ...}]}); the limit
# leaves room for that and stops bodies that would exhaust the parser's stack (RecursionError).
MAX_JSON_DEPTH = 32
# Integers beyond 64 bits fit no column and no setting; a longer run of digits is refused before
# Python converts it (beyond 4300 digits the conversion itself raises).
_INT64 = 2**63
_MAX_INT_DIGITS = 19
# A NUL is refused because PostgreSQL cannot store it in text; an unpaired surrogate (JSON
# allows "\ud800") cannot be encoded as UTF-8 at all.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The NUL part as a JSON Schema pattern for text fields (no regex engine can name a surrogate).
NO_NUL = r"^[^\x00]*$"
# In valid JSON either can only be written as an escape (raw control characters are invalid in
# strings), so a body without these escapes skips scanning every string: on a 20 MB batch the
# scan costs about twice the parse.
_ESCAPED_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def parse_json_bytes(raw: bytes) -> object:
    """The body as JSON; raises BadRequest (or Unprocessable for a string that cannot be
    stored) with a message naming the problem."""
    if not raw.strip():
        raise BadRequest("request body is empty; send a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"request body is not valid UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        ) from exc
    try:
        value = json.loads(
            text.removeprefix("\ufeff"), object_pairs_hook=_object, parse_int=_integer,
            parse_float=_float, parse_constant=_constant,
        )
    except json.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise BadRequest(_too_deep()) from exc
    check_json(value, strings=_ESCAPED_UNSTORABLE.search(raw) is not None)
    return value


def _too_deep() -> str:
    return (f"request body is nested more than {MAX_JSON_DEPTH} levels deep; "
            "send a flatter JSON document")


def _object(pairs: list[tuple[str, object]]) -> dict:
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise BadRequest(f"request body gives the key {shown(key)} twice in one object; "
                             "send each key once")
        found[key] = value
    return found


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > _MAX_INT_DIGITS or not -_INT64 <= int(digits) < _INT64:
        raise BadRequest(f"request body has the integer {shown(digits)}, beyond 64 bits; "
                         "no field takes a number that large")
    return int(digits)


def _float(digits: str) -> float:
    number = float(digits)
    if not math.isfinite(number):
        raise BadRequest(f"request body has the number {shown(digits)}, too large for a float")
    return number


def _constant(name: str) -> object:
    raise BadRequest(f"request body has {name}, which is not JSON; send a number or null")


def check_json(value: object, strings: bool = True) -> None:
    """Refuse a parsed body nested deeper than MAX_JSON_DEPTH, or (unless `strings` is False)
    with a string, value or key, the database cannot store; the message names the field, e.g.
    'items[2].text'."""
    stack: list[tuple[object, str, int]] = [(value, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, str):
            if strings:
                check_text(node, f"'{path}'" if path else "the request body")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(_too_deep())
        children: list[tuple[object, str, int]] = []
        if isinstance(node, list):
            children = [(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node)]
        else:
            for key, item in node.items():
                if strings:
                    check_text(key, f"a key of '{path}'" if path else "a top-level key")
                children.append((item, f"{path}.{key}" if path else key, depth + 1))
        stack.extend(reversed(children))  # the first problem in document order is reported


def check_text(
    text: str, where: str, max_chars: int | None = None,
    error: type[ApiError] = Unprocessable,
) -> str:
    """`text` unless it is longer than max_chars or holds a NUL or an unpaired surrogate;
    `where` names it in the error ("'items[2].text'", "query parameter 'q'")."""
    if max_chars is not None and len(text) > max_chars:
        raise error(f"{where} is {len(text)} characters; at most {max_chars} are allowed")
    bad = _UNSTORABLE.search(text)
    if bad is None:
        return text
    at = bad.start()
    if bad.group() == "\x00":
        raise error(f"{where} contains a NUL character (\\u0000) at position {at}; "
                            "remove it")
    raise error(f"{where} contains an unpaired surrogate "
                f"(\\u{ord(bad.group()):04x}) at position {at}; send valid Unicode")


# --------------------------------------------------------------------------- URL and headers

# The widest id column (glossary entries, String(200)); no id in a path is longer.
MAX_PATH_VALUE = 200
MAX_QUERY_VALUE = 1000
# Limits, offsets, versions and candidate ids are INTEGER columns or compared with them.
MAX_INT32 = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def bounded_int(raw: str, where: str, low: int, high: int = MAX_INT32) -> int:
    """A decimal integer from a query parameter, path segment or header, within [low, high];
    anything else (signs, spaces, other digits, 5000 digits) is a BadRequest naming `where`."""
    if _DIGITS.fullmatch(raw) is None or not low <= int(raw) <= high:
        raise BadRequest(f"{where} must be an integer between {low} and {high}, not {shown(raw)}")
    return int(raw)


def check_url_input() -> None:
    """Before every API view: the query string is valid UTF-8, names only parameters the view
    reads (once each), and no query or path value is too long or holds a NUL."""
    if not request.query_string and not request.view_args:
        return  # nothing to check, as on most POSTs
    view = current_app.view_functions.get(request.endpoint or "")
    described = getattr(view, "openapi", None)
    allowed: list[str] = described["query"] if described else []
    _check_query_bytes(request.query_string)
    for name, values in request.args.lists():
        if name not in allowed:
            reads = ", ".join(allowed) if allowed else "none"
            raise BadRequest(f"unknown query parameter {shown(name)}; this endpoint reads: {reads}")
        if len(values) > 1:
            raise BadRequest(f"query parameter {shown(name)} is given {len(values)} times; "
                             "give it once")
        check_text(values[0], f"query parameter {shown(name)}", MAX_QUERY_VALUE, BadRequest)
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            check_text(value, f"'{name}' in the path", MAX_PATH_VALUE, BadRequest)


def _check_query_bytes(query: bytes) -> None:
    # Werkzeug would replace undecodable bytes with U+FFFD, silently changing the value.
    for part in query.split(b"&"):
        try:
            unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError as exc:
            given = shown(part.decode("latin-1"))
            raise BadRequest(
                f"query string is not valid UTF-8 once percent-decoded: {given}"
            ) from exc

