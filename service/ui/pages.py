"""Signing in and out, the home page, and error pages in HTML."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..api.requests import services
from ..store.users import AccountLocked
from .blueprint import bp
from .security import login_required, safe_next, sign_in, sign_out, users

MAX_FIELD = 1024


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")[:MAX_FIELD]
        password = request.form.get("password", "")[:MAX_FIELD]
        try:
            user = users().authenticate(username, password) if username and password else None
        except AccountLocked as exc:
            error = (f"This account is locked after too many wrong passwords, until "
                     f"{exc.until:%H:%M} UTC. An admin can reset the password sooner.")
        else:
            if user is not None:
                sign_in(user)
                return redirect(safe_next(request.args.get("next")), code=303)
            error = "Wrong username or password."
    status = 401 if error else 200
    return render_template("login.html", error=error, username=username), status


@bp.route("/logout", methods=["POST"])
def logout():
    sign_out()
    return redirect(url_for("ui.login"), code=303)


@bp.route("/")
@login_required
def home():
    audarma = services()
    _, entries = audarma.glossary.list(limit=1)
    pending = audarma.candidates.count("pending")
    recent = audarma.glossary.changes(limit=8)
    return render_template("home.html", entries=entries, pending=pending, recent=recent)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    status = exc.code or 500
    return render_template("error.html", status=status, title=exc.name,
                           message=exc.description, user=g.get("user")), status
