"""API keys, for admins: list them, create one, revoke one.

Only a key's SHA-256 is stored, so a new key's plaintext exists in exactly one place: the
response to the form that created it. That page is rendered directly (not through a redirect
and a flash, which would put the key in the session cookie) and is never cached (security.py
sends no-store to signed-in users). A revoked key is refused at once by the process that
revoked it, and by every other process within Settings.key_cache_seconds (1 s by default),
when each sees the revocation counter move.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from ..api.requests import services
from ..domain import ROLES
from ..store.repositories import NotFound
from .blueprint import bp
from .security import admin_required

MAX_NAME = 200


def _form_errors(role: str, name: str) -> dict[str, str]:
    errors = {}
    if role not in ROLES:
        allowed = ", ".join(str(r) for r in ROLES)
        errors["role"] = f"Choose a role: {allowed} (not {role[:40]!r})."
    if len(name) > MAX_NAME:
        errors["name"] = f"The name is {len(name)} characters long; at most {MAX_NAME}."
    elif any(ord(ch) < 32 for ch in name):
        errors["name"] = "The name may not contain control characters (tabs, line breaks, NUL)."
    return errors


def _render_list(errors: dict[str, str] | None = None, form: dict | None = None,
                 status: int = 200):
    return render_template("keys/list.html", keys=services().keys.list(),
                           roles=[str(r) for r in ROLES], errors=errors or {},
                           form=form or {"role": "editor", "name": ""}), status


@bp.route("/keys")
@admin_required
def keys():
    return _render_list()


@bp.route("/keys", methods=["POST"])
@admin_required
def create_key():
    role = request.form.get("role", "")
    name = request.form.get("name", "").strip()
    errors = _form_errors(role, name)
    if errors:
        return _render_list(errors, {"role": role, "name": name[:MAX_NAME]}, 422)
    plaintext, key = services().keys.create(role, name=name or f"made by {g.user['name']}")
    return render_template("keys/created.html", key=key, plaintext=plaintext)


@bp.route("/keys/<key_id>/revoke", methods=["POST"])
@admin_required
def revoke_key(key_id: str):
    store = services().keys
    if len(key_id) > MAX_NAME:
        abort(400, description=f"A key id is at most {MAX_NAME} characters long.")
    key = next((k for k in store.list() if k["id"] == key_id), None)
    if key is None:
        abort(404, description=f"There is no API key with id {key_id!r}.")
    if key["revoked"]:
        flash(f"Key {key['prefix']} ({key['name'] or 'no name'}) was already revoked.")
        return redirect(url_for("ui.keys"), code=303)
    try:
        store.revoke(key_id)
    except NotFound:  # deleted between the list and the revoke
        abort(404, description=f"There is no API key with id {key_id!r}.")
    flash(f"Revoked key {key['prefix']} ({key['name'] or 'no name'}, {key['role']}): "
          "the API refuses it from now on.")
    return redirect(url_for("ui.keys"), code=303)
