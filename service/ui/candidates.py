"""The candidates page: spellings the workers met that the glossary does not list, and the
maintainer's one-click decisions on them (a variant of an entry, a new entry, or no).

Every decision goes through the stores (CandidateStore.approve writes the variant with the
glossary's history and revision bump), so the workers pick it up on their next glossary check.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..api.requests import MAX_INT32, services
from ..core.glossary import ENTRY_TYPES, ID_PATTERN, MAX_ID, VARIANT_KINDS
from ..store.repositories import AlreadyExists, InvalidGlossaryEntry, NotFound
from .blueprint import bp
from .security import login_required

STATUSES = ("pending", "approved", "rejected")
PAGE_SIZE = 20
MAX_PAGE = 100_000
MAX_CONTEXTS_SHOWN = 3
MAX_FIELD = 200  # the widest id and name columns
KIND_LABELS = {
    "spelling": "spelling (another way to write the name)",
    "former": "former name (give the last year it was used)",
    "exonym": "exonym (another accepted name)",
    "ambiguous": "ambiguous (may name something else)",
    "abbreviation": "abbreviation",
}
YEARS = (1, 2100)
_ID = re.compile(ID_PATTERN)


@dataclass
class FormErrors:
    """What was wrong with one candidate's form, per field, and the values to show again."""

    candidate_id: int
    form: str  # "approve", "other" or "create": which of the candidate's forms
    fields: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- reading


def highlight(text: str, spelling: str) -> list[tuple[str, bool]]:
    """`text` cut into (part, is_match) pieces around each occurrence of `spelling` (exact
    first, then ignoring case), for the template to wrap matches in <mark>; never HTML."""
    if not spelling:
        return [(text, False)]
    haystack, needle = text, spelling
    if spelling not in text:
        haystack, needle = text.casefold(), spelling.casefold()
        if len(haystack) != len(text):  # casefold changed lengths (ß): offsets would drift
            return [(text, False)]
    parts: list[tuple[str, bool]] = []
    at = 0
    while (found := haystack.find(needle, at)) != -1:
        if found > at:
            parts.append((text[at:found], False))
        parts.append((text[found:found + len(needle)], True))
        at = found + len(needle)
    if at < len(text):
        parts.append((text[at:], False))
    return parts


def _query_status() -> str:
    status = request.args.get("status", "pending")
    if status not in STATUSES:
        abort(400, description=f"The status filter must be one of {', '.join(STATUSES)}, "
                               f"not {status[:40]!r}.")
    return status


def _query_page() -> int:
    raw = request.args.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw[:7]) <= MAX_PAGE:
        abort(400, description=f"The page number must be a whole number from 1 to {MAX_PAGE}, "
                               f"not {raw[:40]!r}.")
    return int(raw)


def _view(candidate: dict) -> dict:
    """A candidate as the page shows it: highlighted contexts, its entity's English name."""
    entity = services().glossary.get(candidate["entity_id"]) if candidate["entity_id"] else None
    contexts = (candidate.get("contexts") or [])[:MAX_CONTEXTS_SHOWN]
    score = candidate.get("score")
    return {
        **candidate,
        "snippets": [highlight(c.get("text", ""), candidate["spelling"]) for c in contexts],
        "entity": entity,
        "entity_name": (entity or {}).get("names", {}).get("en", candidate["entity_id"]),
        "percent": None if score is None else round(score * 100),
    }


def _render_list(status: str, page: int, errors: FormErrors | None = None,
                 code: int = 200) -> tuple[str, int]:
    store = services().candidates
    total = store.count(status)
    rows = store.list(status=status, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "candidates/list.html", candidates=[_view(c) for c in rows], status=status,
        statuses=STATUSES, page=page, pages=pages, total=total, kinds=KIND_LABELS,
        types=ENTRY_TYPES, errors=errors, errs=_errors_for(errors),
    ), code


def _errors_for(errors: FormErrors | None) -> Callable[[str], FormErrors | None]:
    """errs(prefix) for the template: the errors if they belong to the form whose fields are
    named with `prefix` ("c12-a": candidate 12's approve form), else None."""
    letters = {"approve": "a", "other": "o", "create": "c"}

    def errs(prefix: str) -> FormErrors | None:
        if errors and prefix == f"c{errors.candidate_id}-{letters[errors.form]}":
            return errors
        return None

    return errs


@bp.get("/candidates")
@login_required
def candidates() -> tuple[str, int]:
    return _render_list(_query_status(), _query_page())


# --------------------------------------------------------------------------- deciding


def _candidate(candidate_id: int) -> dict:
    candidate = services().candidates.get(candidate_id) if candidate_id <= MAX_INT32 else None
    if candidate is None:
        abort(404, description=f"There is no candidate {candidate_id}; it may have been "
                               "decided and removed, or the link is wrong.")
    if candidate["status"] == "approved":
        abort(409, description=f"{candidate['spelling']!r} was already approved by "
                               f"{candidate['decided_by'] or 'someone'}; nothing to do.")
    return candidate


def _form(name: str) -> str:
    """A form field, stripped; too long or holding a NUL is a 400 naming the field."""
    value = request.form.get(name, "")
    if len(value) > MAX_FIELD:
        abort(400, description=f"The field {name!r} is {len(value)} characters long; "
                               f"at most {MAX_FIELD} are allowed.")
    if "\x00" in value:
        abort(400, description=f"The field {name!r} contains a NUL character; remove it.")
    return value.strip()


def _kind_and_until(errors: FormErrors) -> tuple[str, int | None]:
    kind = _form("kind") or "spelling"
    if kind not in VARIANT_KINDS:
        abort(400, description=f"The variant kind must be one of {', '.join(VARIANT_KINDS)}, "
                               f"not {kind[:40]!r}.")
    raw = _form("until")
    errors.values.update(kind=kind, until=raw)
    if kind != "former":
        return kind, None
    if not raw:
        errors.fields["until"] = "A former name needs the last year it was used, e.g. 2019."
        return kind, None
    if not raw.isascii() or not raw.isdigit() or not YEARS[0] <= int(raw) <= YEARS[1]:
        errors.fields["until"] = (f"The year must be a whole number from {YEARS[0]} to "
                                  f"{YEARS[1]}, not {raw[:20]!r}.")
        return kind, None
    return kind, int(raw)


def _list_args() -> tuple[str, int]:
    """The status and page a form was sent from (its action carries them), for going back."""
    status, page = request.args.get("status", "pending"), request.args.get("page", "1")
    ok_page = page.isascii() and page.isdigit() and 1 <= int(page[:7]) <= MAX_PAGE
    return (status if status in STATUSES else "pending"), (int(page) if ok_page else 1)


def _back() -> Response:
    status, page = _list_args()
    return redirect(url_for("ui.candidates", status=status, page=page), code=303)


def _failed(errors: FormErrors) -> tuple[str, int]:
    """The list the form came from again, its errors next to their fields, with 422."""
    return _render_list(*_list_args(), errors=errors, code=422)


@bp.post("/candidates/<int:candidate_id>/approve")
@login_required
def approve_candidate(candidate_id: int) -> Response | tuple[str, int]:
    """Approve as a variant of the suggested entry (form "approve") or of an entry the
    maintainer names (form "other", field `entity`)."""
    candidate = _candidate(candidate_id)
    other = request.form.get("form") == "other"
    errors = FormErrors(candidate_id, "other" if other else "approve")
    kind, until = _kind_and_until(errors)
    target = _form("entity") if other else (candidate["entity_id"] or "")
    errors.values["entity"] = target
    entry = services().glossary.get(target) if target and len(target) <= MAX_ID else None
    if not target:
        errors.fields["entity"] = "Give the id of the entry this is a spelling of."
    elif entry is None:
        errors.fields["entity"] = (f"There is no entry {target!r}. Give an existing entry's id "
                                   "(as in its address, e.g. olzhas-bektenov).")
    if errors.fields:
        return _failed(errors)
    try:
        services().candidates.approve(candidate_id, g.user["name"], services().glossary,
                                      entity_id=target, kind=kind, until=until)
    except NotFound:
        errors.fields["entity"] = f"The entry {target!r} was deleted a moment ago."
        return _failed(errors)
    except InvalidGlossaryEntry as exc:
        errors.fields["entity"] = f"The entry would not be valid with this variant: {exc}"
        return _failed(errors)
    name = entry["names"].get("en", target) if entry else target
    what = "a spelling variant" if kind == "spelling" else f"a variant ({kind})"
    flash(f"{candidate['spelling']} is now {what} of {name}.")
    return _back()


def _slug(name: str) -> str:
    """An entry id made from a name: lowercase ASCII words joined by hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:MAX_ID].strip("-")


def _new_entry(candidate: dict, errors: FormErrors) -> dict:
    """The body of the entry to create from the form, with its problems in `errors`."""
    entry_type, english, entry_id = _form("type"), _form("en"), _form("id")
    errors.values.update(type=entry_type, en=english, id=entry_id)
    if entry_type not in ENTRY_TYPES:
        errors.fields["type"] = f"Choose a type: {', '.join(ENTRY_TYPES)}."
    language = candidate["language"]
    names = {language: candidate["spelling"]}
    if language != "en":
        if not english:
            errors.fields["en"] = ("Every entry needs an English name; this spelling is "
                                   f"{language}, so give the English one.")
        names["en"] = english
    entry_id = entry_id or _slug(names.get("en", ""))
    if not _ID.fullmatch(entry_id or "-"):
        errors.fields["id"] = ("The id must be lowercase letters, digits and single hyphens, "
                               f"such as olzhas-bektenov, not {entry_id[:40]!r}.")
    return {"id": entry_id, "type": entry_type, "names": names}


@bp.post("/candidates/<int:candidate_id>/create")
@login_required
def create_from_candidate(candidate_id: int) -> Response | tuple[str, int]:
    candidate = _candidate(candidate_id)
    errors = FormErrors(candidate_id, "create")
    body = _new_entry(candidate, errors)
    if errors.fields:
        return _failed(errors)
    try:
        services().candidates.create_entity(candidate_id, body, g.user["name"],
                                            services().glossary)
    except AlreadyExists:
        errors.fields["id"] = (f"An entry {body['id']!r} already exists: approve the spelling "
                               "as its variant, or give another id.")
        return _failed(errors)
    except InvalidGlossaryEntry as exc:
        errors.fields["en"] = f"The entry would not be valid: {exc}"
        return _failed(errors)
    flash(f"New entry {body['id']} created with the name {candidate['spelling']}.")
    return _back()


@bp.post("/candidates/<int:candidate_id>/reject")
@login_required
def reject_candidate(candidate_id: int) -> Response:
    candidate = _candidate(candidate_id)
    services().candidates.reject(candidate_id, g.user["name"])
    flash(f"{candidate['spelling']} is rejected; it will not be suggested again.")
    return _back()
