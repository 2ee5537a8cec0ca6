"""What every UI page shares: who is signed in, CSRF tokens, and the headers that keep the
pages from being framed, sniffed or made to run script they did not ship.

Sessions are Flask's signed cookies holding the user's id, the user's session epoch (bumped
when the password changes, which ends older sessions) and a CSRF token. The signing key is
AUDARMA_SECRET_KEY, or one made once and kept in the database, so every API process accepts
the same cookies.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from ..api.requests import services
from ..store.users import Lockout, UserStore
from .blueprint import bp

CSRF_FIELD = "csrf_token"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class _Sessions(SecureCookieSessionInterface):
    """Cookies marked Secure when the request came over HTTPS (or the setting says always),
    signed with a key read from the database on first use, not when the app is built (the
    API starts, and answers 503s, with the database down)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure

    def get_signing_serializer(self, app: Flask):
        if not request.path.startswith("/ui/"):
            return None  # the JSON API has no sessions: no cookie, no database read
        if not app.secret_key:
            from ..store.users import shared_secret

            app.secret_key = shared_secret(app.extensions["audarma"].db, "ui-session")
        return super().get_signing_serializer(app)


def init_app(app: Flask) -> None:
    audarma = app.extensions["audarma"]
    settings = audarma.settings
    app.secret_key = settings.secret_key or None  # None: made on first use (_Sessions)
    app.config.update(SESSION_COOKIE_NAME="audarma_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_PATH="/ui",
                      SESSION_COOKIE_SECURE=settings.ui_secure_cookies)
    app.session_interface = _Sessions()
    audarma.users = UserStore(audarma.db, Lockout(settings.ui_max_failed_logins,
                                                  settings.ui_lockout_seconds))


def users() -> UserStore:
    return services().users


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


@bp.app_template_global()
def csrf_field() -> str:
    """The token for a form's hidden field (templates write the <input> themselves)."""
    return csrf_token()


@bp.before_request
def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get(CSRF_FIELD, "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="This form's security token is missing or out of date "
                               "(the page was open too long, or it did not come from audarma). "
                               "Go back, reload the page and submit again.")


@bp.before_request
def _load_user() -> None:
    g.user = None
    user_id = session.get("user_id")
    if user_id:
        user = users().get(user_id)
        if user is None or user["epoch"] != session.get("epoch"):
            session.pop("user_id", None)  # deleted, or its password changed since
        else:
            g.user = user


@bp.after_request
def _headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if g.get("user") is not None:
        response.headers["Cache-Control"] = "no-store"  # a shared machine's back button
    return response


def sign_in(user: dict) -> None:
    session.clear()  # a new session on sign-in: a token planted before it is worthless
    session.update(user_id=user["id"], epoch=user["epoch"])
    session.permanent = False
    csrf_token()


def sign_out() -> None:
    session.clear()


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.user["role"] != "admin":
            abort(403, description="Only admins can see this page.")
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path inside the UI, never another site."""
    if target and target.startswith("/ui/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("ui.home")
