"""API errors as exceptions, and the one handler that turns any exception into a JSON error.

Every error response has the shape {"error": {"code": "...", "message": "..."}}.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from ..core.pipeline import LocalizeError
from ..store import repositories as repo
from ..store.db import StoreUnavailable

log = logging.getLogger(__name__)


SHOWN_CHARS = 60


def shown(value: object) -> str:
    """A client's value quoted in an error message, cut short: a message must not echo
    megabytes back, nor a NUL or control character raw."""
    text = repr(value)
    if len(text) <= SHOWN_CHARS:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[:SHOWN_CHARS]}...{size}"


class ApiError(Exception):
    """An error the client can act on; subclasses fix the HTTP status and the code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"

    def __init__(self, message: str):
        super().__init__(message, {"WWW-Authenticate": 'Bearer realm="audarma"'})


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class PreconditionFailed(ApiError):
    status, code = 412, "precondition_failed"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class Unprocessable(ApiError):
    status, code = 422, "unprocessable"


class PreconditionRequired(ApiError):
    status, code = 428, "precondition_required"


class ServiceUnavailable(ApiError):
    """A dependency (database, broker) does not answer: always with Retry-After, so a client
    backs off instead of hammering a server that is recovering."""

    status, code = 503, "unavailable"
    RETRY_AFTER_SECONDS = 5

    def __init__(self, message: str, headers: dict[str, str] | None = None):
        super().__init__(message, {"Retry-After": str(self.RETRY_AFTER_SECONDS), **(headers or {})})


def _stale(exc: repo.StaleWrite) -> ApiError:
    return PreconditionFailed(
        f"{exc}; GET the entry again and retry with If-Match: \"{exc.current}\""
    )


# Store and core exceptions carry their own messages; only their status is decided here.
# Each converter takes an exception of its own kind (Any: the pairs mix kinds).
_DOMAIN_ERRORS: tuple[tuple[type[Exception], Callable[[Any], ApiError]], ...] = (
    (repo.StaleWrite, _stale),
    (repo.NotFound, lambda exc: NotFound(f"{exc} was not found")),
    (repo.IdempotencyConflict, lambda exc: Unprocessable(str(exc))),
    (repo.AlreadyExists, lambda exc: Conflict(str(exc))),
    (repo.InvalidGlossaryEntry, lambda exc: Unprocessable(str(exc))),
    (LocalizeError, lambda exc: BadRequest(str(exc))),
    (StoreUnavailable, lambda exc: ServiceUnavailable("the database does not answer; try again")),
)


def to_api_error(exc: Exception) -> ApiError | None:
    """The ApiError a known exception stands for; None for anything unexpected."""
    if isinstance(exc, ApiError):
        return exc
    for kind, convert in _DOMAIN_ERRORS:
        if isinstance(exc, kind):
            return convert(exc)
    return None


def error_response(status: int, code: str, message: str, headers: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def handle_error(exc: Exception):
    """The app's only error handler: known errors keep their status, the rest become a bare 500."""
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    api_error = to_api_error(exc)
    if api_error is not None:
        return error_response(api_error.status, api_error.code, api_error.message,
                              api_error.headers)
    # The traceback goes to the log, never to the client: it may name paths, SQL or secrets.
    log.exception("unhandled error")
    return error_response(500, "internal_error", "internal server error; see the service log")


def _http_error(exc: HTTPException):
    status = exc.code or 500
    code = (exc.name or "error").lower().replace(" ", "_")
    # Werkzeug's own headers say text/html; keep the rest (Allow on 405, Retry-After on 429).
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    message = exc.description or exc.name
    if status == 405 and "Allow" in headers:
        message = f"method not allowed here; allowed: {headers['Allow']}"
    elif status == 404:
        message = "no such endpoint; the API is described at /v1/openapi.json"
    elif status == 429:
        message = f"rate limit exceeded ({exc.description}); retry later"
    return error_response(status, code, message, headers)


def init_app(app: Flask) -> None:
    app.register_error_handler(Exception, handle_error)
