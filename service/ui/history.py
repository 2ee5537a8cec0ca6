"""The glossary's history: every change with who, when, before and after, filtered by entry
and by person, and a button that reverts any one change.

A revert is itself a change (GlossaryStore.revert writes the old body as a new version), so it
shows up here and can be reverted in turn. Reverts that cannot be done (the change created an
entry that is already gone, or the old body is no longer valid against today's rules) are told
to the maintainer as a flash, never a server error.
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from ..api.requests import services
from ..store.repositories import InvalidGlossaryEntry, NotFound
from .blueprint import bp
from .security import login_required

PAGE_SIZE = 50
MAX_PAGE = 10_000
MAX_FILTER = 200  # characters of an entry id or a username in the filters
MAX_VALUE = 80  # characters of one old or new value quoted in a summary


def query_text(name: str) -> str:
    """A bounded, NUL-free text value of the query string (400 otherwise)."""
    value = request.args.get(name, "").strip()
    if len(value) > MAX_FILTER:
        abort(400, description=f"The {name!r} filter is {len(value)} characters long; "
                               f"at most {MAX_FILTER} are allowed.")
    if "\x00" in value:
        abort(400, description=f"The {name!r} filter contains a NUL character.")
    return value


def page_number() -> int:
    """The 1-based page of the query string (400 for anything but a number in range)."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, description=f"'page' must be a whole number from 1 to {MAX_PAGE}, "
                               f"not {raw[:20]!r}.")
    return int(raw)


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _variants(body: dict) -> dict[str, dict]:
    """Variants by their text; a bare string (older bodies) counts as a spelling."""
    found = {}
    for item in body.get("variants") or ():
        variant = {"text": item, "kind": "spelling"} if isinstance(item, str) else dict(item)
        found[str(variant.get("text", ""))] = variant
    return found


def _variant_label(variant: dict) -> str:
    label = str(variant.get("kind", "spelling"))
    if variant.get("until") is not None:
        label += f" until {variant['until']}"
    return label


def summarize(before: dict | None, after: dict | None) -> list[str]:
    """What one change did, one short phrase per field that differs: names and short forms per
    language, variants added, removed or re-kinded, note, type and collection. The maintainer
    reads this to find the change to revert without opening both bodies."""
    if before is None:
        return ["created"] if after is not None else []
    if after is None:
        return ["deleted"]
    phrases = []
    for key in ("type", "collection"):
        if after.get(key) and before.get(key) != after.get(key):
            phrases.append(f"{key}: {_short(before.get(key, ''))} → {_short(after.get(key))}")
    for key, label in (("names", "name"), ("short", "short form")):
        old, new = before.get(key) or {}, after.get(key) or {}
        for tag in sorted(set(old) | set(new)):
            if tag not in old:
                phrases.append(f"{label} [{tag}] added: {_short(new[tag])}")
            elif tag not in new:
                phrases.append(f"{label} [{tag}] removed: {_short(old[tag])}")
            elif old[tag] != new[tag]:
                phrases.append(f"{label} [{tag}]: {_short(old[tag])} → {_short(new[tag])}")
    old_variants, new_variants = _variants(before), _variants(after)
    for text in sorted(new_variants.keys() - old_variants.keys()):
        phrases.append(f"variant added: {_short(text)} ({_variant_label(new_variants[text])})")
    for text in sorted(old_variants.keys() - new_variants.keys()):
        phrases.append(f"variant removed: {_short(text)}")
    for text in sorted(old_variants.keys() & new_variants.keys()):
        old_v, new_v = old_variants[text], new_variants[text]
        if old_v != new_v:
            phrases.append(f"variant {_short(text)}: {_variant_label(old_v)} → "
                           f"{_variant_label(new_v)}" + (" (note)" if old_v.get("note")
                                                         != new_v.get("note") else ""))
    if before.get("note", "") != after.get("note", ""):
        phrases.append("note changed" if before.get("note") and after.get("note")
                       else "note added" if after.get("note") else "note removed")
    return phrases or ["no visible change"]


def pretty_json(body: dict | None) -> str:
    return json.dumps(body, ensure_ascii=False, indent=2) if body is not None else ""


@bp.route("/history")
@login_required
def history():
    entry_id, by, page = query_text("entry"), query_text("by"), page_number()
    rows = services().glossary.changes(entry_id=entry_id or None, by=by or None,
                                       limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    changes = [{**c, "summary": summarize(c["before"], c["body"]),
                "before_text": pretty_json(c["before"]), "body_text": pretty_json(c["body"])}
               for c in rows[:PAGE_SIZE]]
    filters = {k: v for k, v in (("entry", entry_id), ("by", by)) if v}
    return render_template("history/list.html", changes=changes, entry_id=entry_id, by=by,
                           page=page, has_next=len(rows) > PAGE_SIZE, filters=filters)


@bp.route("/history/<int:change_id>/revert", methods=["POST"])
@login_required
def revert_change(change_id: int):
    glossary = services().glossary
    change = glossary.change(change_id)
    if change is None:
        flash(f"There is no change {change_id} to revert.", "error")
        return redirect(url_for("ui.history"), code=303)
    try:
        result = glossary.revert(change_id, by=g.user["name"])
    except NotFound:
        flash(f"There is no change {change_id} to revert.", "error")
    except InvalidGlossaryEntry as exc:
        flash(f"Change {change_id} to {change['entry_id']} was not reverted: {exc}", "error")
    else:
        if result["deleted"]:
            flash(f"Reverted change {change_id}: {result['entry_id']} was created by it and is "
                  f"now deleted (version {result['version']}).")
        else:
            flash(f"Reverted change {change_id}: {result['entry_id']} is back as it was before "
                  f"it, as version {result['version']}.")
    return redirect(_back_to_history(), code=303)


def _back_to_history() -> str:
    """The filtered list the revert button was on (its filters travel in the form)."""
    filters: dict[str, Any] = {}
    for name in ("entry", "by"):
        value = request.form.get(name, "")
        if value and len(value) <= MAX_FILTER and "\x00" not in value:
            filters[name] = value
    return url_for("ui.history", **filters)
