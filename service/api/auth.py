"""Bearer API keys, roles per endpoint, and rate limits counted per key.

A view declares who may call it with @require(...); the roles it names are also what the
OpenAPI document shows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Protocol, cast

from flask import Flask, Response, g, request, session
from werkzeug.exceptions import TooManyRequests

from ..domain import ROLES
from .errors import Forbidden, Unauthorized
from .ratelimit import RateLimiter
from .requests import services

# Probes and the API description must answer even to a client that is being throttled.
PUBLIC_ENDPOINTS = frozenset(
    {"system.healthz", "system.readyz", "system.metrics", "openapi.document", "static"}
)
# Polling a job's status is how every client waits for it; it is cheap and must not eat the
# budget that protects submissions.
UNLIMITED_ENDPOINTS = PUBLIC_ENDPOINTS | {"jobs.get_job", "batches.get_batch", "ui.static"}
# Keys are "ak_" + 8 hex + "_" + 32 URL-safe characters; the bound leaves room for other formats.
MAX_KEY_CHARS = 200


# Blueprints whose requests carry the key their own way (the drop-in LibreTranslate and DeepL
# endpoints, service/api/compat.py): each reads it and returns what authenticate_key does.
KEY_READERS: dict[str, Callable[[], tuple[dict | None, str | None]]] = {}


def current_caller() -> dict | None:
    """The API key of this request ({id, role, name, prefix}), or None; looked up once."""
    if "caller" not in g:
        reader = KEY_READERS.get(request.blueprint or "")
        g.caller, g.auth_problem = (
            reader() if reader else _authenticate(request.headers.get("Authorization"))
        )
    return g.caller


def known_caller() -> dict:
    """The caller of a view behind require(), which has made sure there is one."""
    caller = current_caller()
    assert caller is not None  # require() answered 401 otherwise
    return caller


def _authenticate(header: str | None) -> tuple[dict | None, str | None]:
    if not header:
        return None, "missing Authorization header; send 'Authorization: Bearer <api key>'"
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None, "malformed Authorization header; expected 'Bearer <api key>'"
    return authenticate_key(token)


def authenticate_key(token: str) -> tuple[dict | None, str | None]:
    """(the key's caller, None), or (None, what is wrong with the key)."""
    if len(token) > MAX_KEY_CHARS or not token.isprintable() or " " in token:
        # Never looked up: a NUL in it would make PostgreSQL refuse the query.
        return None, (f"malformed API key: expected at most {MAX_KEY_CHARS} printable "
                      "characters without spaces")
    caller = services().keys.authenticate(token)
    if caller is None:
        return None, "invalid or revoked API key"
    return caller, None


class _Guarded(Protocol):
    """A view wrapped by require(), carrying the roles it lets in."""

    roles: tuple[str, ...]


def require(*roles: str) -> Callable:
    """Let a view run only for a valid key, and (when roles are named) only for those roles."""
    allowed = roles or ROLES

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            caller = current_caller()
            if caller is None:
                raise Unauthorized(g.auth_problem)
            if caller["role"] not in allowed:
                raise Forbidden(
                    f"this needs the {' or '.join(allowed)} role; "
                    f"your key has the {caller['role']} role"
                )
            return view(*args, **kwargs)

        cast(_Guarded, guarded).roles = allowed  # read by the OpenAPI generator
        return guarded

    return decorate


def signature(caller: dict) -> str:
    """How a key signs glossary changes and decisions."""
    return caller["name"] or f"key {caller['prefix']}"


def rate_limit_key() -> str:
    """One budget per API key, and per signed-in person in the UI (a newsroom behind one
    address is many people); everything else shares its address's budget."""
    if request.path.startswith("/ui/"):
        user_id = session.get("user_id")  # a signed cookie: only the UI's sign-in sets it
        return f"user:{user_id}" if user_id else f"ip:{request.remote_addr}"
    caller = current_caller()
    return f"key:{caller['prefix']}" if caller else f"ip:{request.remote_addr}"


def init_rate_limits(app: Flask) -> RateLimiter:
    """Count every request to a limited endpoint against its caller's budget before the view
    runs; refuse with 429 past it. Unknown paths (404) and UNLIMITED_ENDPOINTS are not counted."""
    settings = app.extensions["audarma"].settings
    limiter = RateLimiter(settings.rate_limit, settings.rate_limit_storage)

    @app.before_request
    def count_request() -> None:
        endpoint = request.endpoint
        if endpoint is None or endpoint in UNLIMITED_ENDPOINTS:
            return
        count = g.rate_count = limiter.hit(rate_limit_key())
        if not count.allowed:
            raise TooManyRequests(str(limiter.rate), retry_after=count.retry_after(time.time()))

    @app.after_request
    def rate_limit_headers(response: Response) -> Response:
        count = g.get("rate_count")
        if count is not None:
            response.headers["X-RateLimit-Limit"] = str(count.limit)
            response.headers["X-RateLimit-Remaining"] = str(count.remaining)
            response.headers["X-RateLimit-Reset"] = str(math.ceil(count.reset_at))
        return response

    app.extensions["audarma"].limiter = limiter
    return limiter
