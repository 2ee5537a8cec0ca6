"""Glossary entries in the UI: the searchable list, an entry's page, and create, edit and delete.

Forms are checked with the same rules as `audarma glossary check` (core.glossary.parse_entry,
and cross_check against the entries that share a form with the one being saved), and every
problem is shown next to the field it is about. An edit carries the version it was loaded at:
a save over somebody else's newer version shows both side by side and overwrites nothing until
the maintainer says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

import yaml
from flask import abort, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..api.requests import services
from ..core.figures import HouseStyles, load_house_styles
from ..core.glossary import (
    ENTRY_TYPES,
    MAX_COLLECTION,
    MAX_ID,
    VARIANT_KINDS,
    Entry,
    Problem,
    Variant,
    cross_check,
    parse_entry,
    variants_from_data,
)
from ..core.locales import InvalidLanguageTag, babel_locale, normalize_tag
from ..core.pipeline import render_name
from ..store.repositories import AlreadyExists, InvalidGlossaryEntry, NotFound, StaleWrite
from ..store.repositories import entry_from_dict as entry_of
from .blueprint import bp
from .security import login_required

PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_QUERY = 200  # characters of a search or filter value
MAX_TEXT = 500  # characters of one name, short form or variant typed into the form
MAX_NOTE = 4000
MAX_ROWS = 200  # rows of one kind (names, variants, short forms) in one form
MAX_SHOWN_LANGUAGES = 20  # tags in an entry page's ?show=
# Languages a desk commonly localizes into: the entry page says what the workers would write
# in each of them when the entry has no name of its own there.
DESK_LANGUAGES = ("ru", "kk", "zh", "de", "fr", "es")
NEW_NAME_TAGS = ("en", "ru", "kk")  # the rows a new entry's form starts with
SPARE_ROWS = 3  # empty rows under the filled ones, to add a language or a variant
# Control characters have no place in a search or a filter (a NUL cannot even be stored).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ORIGINS = {
    "house-style": "the desk's house style",
    "cldr": "CLDR's name for the country",
    "fallback:ru": "the Russian form, for want of a Kazakh one: check it",
    "transliterated": "transliterated from English",
    "unchanged": "the English form, unchanged",
}


# --------------------------------------------------------------------------- the list


@bp.route("/entries")
@login_required
def entries_list():
    glossary = services().glossary
    collections = glossary.collections()
    q = _arg("q")
    entry_type = _choice("type", ENTRY_TYPES)
    collection = _choice("collection", collections)
    missing = _arg("missing")
    if missing:
        missing = _tag_or_400("missing", missing)
    page = _page()
    rows, total = glossary.list(q or None, entry_type or None, PAGE_SIZE,
                                (page - 1) * PAGE_SIZE, collection=collection or None,
                                missing=missing or None)
    last_page = max(1, -(-total // PAGE_SIZE))
    filters = {"q": q, "type": entry_type, "collection": collection, "missing": missing}
    return render_template(
        "entries/list.html", rows=[_list_row(r) for r in rows], total=total, page=page,
        last_page=last_page, first=(page - 1) * PAGE_SIZE + 1,
        last=(page - 1) * PAGE_SIZE + len(rows), filters=filters,
        query={k: v for k, v in filters.items() if v}, types=ENTRY_TYPES,
        collections=collections,
    )


def _list_row(entry: dict) -> dict:
    """What one row of the list shows: the English name apart, the others compact."""
    names = entry.get("names") or {}
    others = [(tag, text) for tag, text in sorted(names.items()) if tag != "en"]
    return {"id": entry["id"], "type": entry["type"], "en": names.get("en", ""),
            "others": others, "variants": len(entry.get("variants") or ())}


def _arg(name: str, limit: int = MAX_QUERY) -> str:
    """A query-string value, stripped; 400 when it is too long or holds control characters."""
    value = request.args.get(name, "")
    if len(value) > limit:
        abort(400, description=f"'{name}' is {len(value):,} characters long; "
                               f"at most {limit} are allowed.")
    if _CONTROL.search(value):
        abort(400, description=f"'{name}' contains a control character (such as a NUL); "
                               "type plain text.")
    return value.strip()


def _choice(name: str, allowed) -> str:
    value = _arg(name)
    if value and value not in allowed:
        shown = ", ".join(allowed) if allowed else "(none yet)"
        abort(400, description=f"'{name}' cannot be {value[:60]!r}; choose one of: {shown}.")
    return value


def _tag_or_400(name: str, value: str) -> str:
    try:
        return _tag(value)
    except InvalidLanguageTag as exc:
        abort(400, description=f"'{name}': {exc}")


def _tag(value: str) -> str:
    """A BCP 47 tag CLDR knows, in canonical form ('KK_latn' -> 'kk-Latn')."""
    canonical = normalize_tag(value)
    babel_locale(canonical)
    return canonical


def _page() -> int:
    raw = _arg("page") or "1"
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, description=f"'page' must be a whole number from 1 to {MAX_PAGE:,}, "
                               f"not {raw[:20]!r}.")
    return int(raw)


# --------------------------------------------------------------------------- one entry


@bp.route("/entries/<entry_id>")
@login_required
def entry_page(entry_id: str):
    audarma = services()
    entry = _entry_or_404(entry_id)
    shown = _shown_languages()
    return render_template(
        "entries/entry.html", entry=entry, names=_names_en_first(entry.get("names") or {}),
        mentions=audarma.candidates.mentions(entry["id"]),
        rendered=rendered_names(entry, shown, _styles(audarma.settings.styles_path)),
        shown=[t for t in shown if t not in DESK_LANGUAGES],
    )


def _entry_or_404(entry_id: str) -> dict:
    entry = services().glossary.get(entry_id) if len(entry_id) <= MAX_ID else None
    if entry is None:
        abort(404, description=f"There is no glossary entry {entry_id[:MAX_ID]!r}; "
                               "it may have been deleted (see the history).")
    return entry


def _names_en_first(names: dict) -> list[tuple[str, str]]:
    return sorted(names.items(), key=lambda item: (item[0] != "en", item[0]))


def _shown_languages() -> list[str]:
    """The desk's common languages and the tags asked for in ?show= (comma or space apart)."""
    asked = [t for t in re.split(r"[\s,]+", _arg("show")) if t]
    if len(asked) > MAX_SHOWN_LANGUAGES:
        abort(400, description=f"'show' lists {len(asked)} languages; at most "
                               f"{MAX_SHOWN_LANGUAGES} are allowed.")
    tags = list(DESK_LANGUAGES)
    for tag in asked:
        canonical = _tag_or_400("show", tag)
        if canonical not in tags:
            tags.append(canonical)
    return tags


def rendered_names(entry: dict, tags: list[str],
                   styles: HouseStyles | None) -> list[dict[str, str]]:
    """For each tag where the entry has no name of its own: the form the workers would write
    and where it comes from, as the pipeline's render_name decides it."""
    core = entry_of(entry)
    found = []
    for tag in tags:
        text, origin = render_name(core, tag, styles=styles)
        if origin != "glossary":
            found.append({"tag": tag, "text": text, "origin": origin,
                          "explained": ORIGINS.get(origin, origin)})
    return found


@lru_cache(maxsize=4)
def _styles(desk: str) -> HouseStyles:
    """The house styles the workers load (shipped, with the desk's laid over): read once."""
    return load_house_styles(desk=desk or None)


# --------------------------------------------------------------------------- the form


@dataclass
class EntryForm:
    """What the maintainer typed, row by row, kept as typed so the form can be shown again."""

    id: str = ""
    type: str = "person"
    collection: str = ""
    note: str = ""
    names: list[tuple[str, str]] = field(default_factory=list)
    variants: list[dict[str, str]] = field(default_factory=list)
    short: list[tuple[str, str]] = field(default_factory=list)
    version: str = ""

    @classmethod
    def from_entry(cls, entry: dict) -> EntryForm:
        variants = [{"text": v.text, "kind": v.kind,
                     "until": "" if v.until is None else str(v.until), "note": v.note}
                    for v in variants_from_data(entry.get("variants") or ())]
        return cls(id=entry["id"], type=entry["type"], collection=entry.get("collection", ""),
                   note=entry.get("note", ""), names=_names_en_first(entry.get("names") or {}),
                   variants=variants, short=sorted((entry.get("short") or {}).items()),
                   version=str(entry["version"]))

    @classmethod
    def from_request(cls, form: MultiDict) -> EntryForm:
        names = _pairs(form, "name_tag", "name_text")
        short = _pairs(form, "short_tag", "short_text")
        columns = [form.getlist(f"variant_{part}") for part in ("text", "kind", "until", "note")]
        if any(len(c) > MAX_ROWS for c in columns):
            abort(400, description=f"The form has more than {MAX_ROWS} variant rows.")
        width = max(map(len, columns))
        variants = [{part: (c[i] if i < len(c) else "").strip()
                     for part, c in zip(("text", "kind", "until", "note"), columns, strict=True)}
                    for i in range(width)]
        return cls(id=form.get("id", "").strip(), type=form.get("type", "").strip(),
                   collection=form.get("collection", "").strip(), note=form.get("note", ""),
                   names=names, short=short, version=form.get("version", "").strip(),
                   variants=[v for v in variants if v["text"] or v["until"] or v["note"]])

    def with_spare_rows(self) -> EntryForm:
        """The form as shown: its rows and a few empty ones to add more."""
        spare_names = [("", "")] * SPARE_ROWS
        spare_variants = [{"text": "", "kind": "spelling", "until": "", "note": ""}] * SPARE_ROWS
        return EntryForm(self.id, self.type, self.collection, self.note,
                         self.names + spare_names, self.variants + spare_variants,
                         self.short + [("", "")] * (SPARE_ROWS - 1), self.version)


def _pairs(form: MultiDict, tag_field: str, text_field: str) -> list[tuple[str, str]]:
    """(tag, text) rows of a form as typed, wholly empty ones dropped."""
    tags, texts = form.getlist(tag_field), form.getlist(text_field)
    if len(tags) > MAX_ROWS or len(texts) > MAX_ROWS:
        abort(400, description=f"The form has more than {MAX_ROWS} '{tag_field}' rows.")
    width = max(len(tags), len(texts))
    rows = [((tags[i] if i < len(tags) else "").strip(),
             (texts[i] if i < len(texts) else "").strip()) for i in range(width)]
    return [(tag, text) for tag, text in rows if tag or text]


class FormErrors:
    """Problems keyed by the field they are about ('id', 'name-2', 'variant-0', ...); those
    that fit no field are shown at the top of the form."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.top: list[str] = []

    def add(self, key: str | None, message: str) -> None:
        if key is None:
            self.top.append(message)
        else:
            self.fields.setdefault(key, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.fields or self.top)

    def get(self, key: str) -> list[str]:
        return self.fields.get(key, [])


def check_form(form: EntryForm, creating: bool) -> tuple[dict, FormErrors]:
    """The entry body the form describes, and every problem with it, each placed at its field."""
    errors = FormErrors()
    body = _body(form, errors)
    if creating and not form.collection:
        errors.add("collection", "'collection' is empty: choose an existing collection or "
                                 "name a new one (such as people).")
    _, problems = parse_entry(body, "form", form.collection)
    problems += _conflicts_with_others(_sketch(body), None if creating else form.id)
    if creating and form.id and services().glossary.get(form.id) is not None:
        errors.add("id", f"an entry with id {form.id!r} already exists; choose another id "
                         "or edit that entry.")
    for problem in problems:
        errors.add(_field_of(problem, form), problem.message)
    return body, errors


def _body(form: EntryForm, errors: FormErrors) -> dict:
    """The entry dict parse_entry takes. Checks parse_entry cannot make on a dict (a row
    without a tag, a language given twice, text too long for a form) are made here."""
    body: dict = {"id": form.id, "type": form.type,
                  "names": _language_rows(form.names, "name", "names", errors)}
    short = _language_rows(form.short, "short", "short", errors)
    if short:
        body["short"] = short
    variants = []
    for index, row in enumerate(form.variants):
        _check_length(row["text"], MAX_TEXT, f"variant-{index}", "the variant", errors)
        _check_length(row["note"], MAX_TEXT, f"variant-{index}", "the variant's note", errors)
        item: dict = {"text": row["text"], "kind": row["kind"]}
        if row["until"]:
            until = row["until"]
            item["until"] = int(until) if until.isascii() and until.isdigit() else until
        if row["note"]:
            item["note"] = row["note"]
        variants.append(item)
    if variants:
        body["variants"] = variants
    _check_length(form.note, MAX_NOTE, "note", "the note", errors)
    if form.note.strip():
        body["note"] = form.note
    return body


def _language_rows(rows: list[tuple[str, str]], prefix: str, what: str,
                   errors: FormErrors) -> dict[str, str]:
    found: dict[str, str] = {}
    seen: dict[str, int] = {}
    for index, (tag, text) in enumerate(rows):
        if not text:
            continue  # emptying a row's text removes that language
        key = f"{prefix}-{index}"
        _check_length(text, MAX_TEXT, key, repr(tag or text[:20]), errors)
        if not tag:
            errors.add(key, f"'{what}': give the language tag of {text[:60]!r} "
                            "(such as ru, kk, kk-Latn or zh).")
            continue
        try:
            canonical = normalize_tag(tag)
        except InvalidLanguageTag:
            canonical = tag  # parse_entry reports the bad tag itself
        if canonical in seen:
            errors.add(key, f"'{what}': {tag!r} is given twice (also row {seen[canonical] + 1}); "
                            "an entry has one form per language.")
            continue
        seen[canonical] = index
        found[tag] = text
    return found


def _check_length(text: str, limit: int, key: str, what: str, errors: FormErrors) -> None:
    if len(text) > limit:
        errors.add(key, f"{what} is {len(text):,} characters long; at most {limit} are allowed.")


OTHER_ENTRY = "another entry"  # the source of a problem found on another entry (_theirs)
_QUOTED = re.compile(r"'(names|short)(?:\.([^']*))?'")


def _field_of(problem: Problem, form: EntryForm) -> str | None:
    """The form field a validation problem is about, from the field its message names."""
    message = problem.message
    for name in ("id", "type", "collection", "note"):
        if message.startswith(f"'{name}'"):
            return name
    quoted = _QUOTED.match(message)
    if quoted:
        rows, prefix = (form.names, "name") if quoted[1] == "names" else (form.short, "short")
        for index, (tag, _) in enumerate(rows):
            if tag == quoted[2] or (quoted[2] is None and f"tag {tag!r}" in message):
                return f"{prefix}-{index}"
        if prefix == "name":  # no 'en' form: the 'en' row, or the names as a whole
            return next((f"name-{i}" for i, (t, _) in enumerate(rows) if t == "en"), "names")
        return "short"
    for index, row in enumerate(form.variants):
        if message.startswith(f"variant {' '.join(row['text'].split())!r}"):
            return f"variant-{index}"
    if problem.source == OTHER_ENTRY:  # another entry's variant is now one of our names
        return next((f"name-{i}" for i, (_, text) in enumerate(form.names)
                     if repr(text) in message), "names")
    return None


def _sketch(body: dict) -> Entry:
    """The body's forms as an Entry, even when parse_entry refused it: enough for cross_check,
    which looks at nothing but ids and texts, to report its problems in the same round."""
    variants = tuple(Variant(" ".join(v["text"].split())) for v in body.get("variants", ())
                     if v["text"].strip())
    return Entry(id=body["id"], type=body["type"], names=MappingProxyType(body["names"]),
                 variants=variants, short=MappingProxyType(body.get("short", {})))


def _conflicts_with_others(entry: Entry, stored_id: str | None) -> list[Problem]:
    """cross_check's findings that involve `entry`, checked against the entries that share one
    of its forms (found with the list's own search, so not the whole glossary)."""
    glossary = services().glossary
    forms = {*entry.names.values(), *entry.short.values(), *(v.text for v in entry.variants)}
    others: dict[str, Entry] = {}
    for text in forms:
        rows, _ = glossary.list(text, limit=200)
        for row in rows:
            if row["id"] not in (entry.id, stored_id):
                others[row["id"]] = entry_of(row)
    if not others:
        return []
    problems = cross_check([*others.values(), entry])
    mine = repr(entry.id)
    return [p if p.entry == entry.id else _theirs(p)
            for p in problems if p.entry == entry.id or mine in p.message]


def _theirs(problem: Problem) -> Problem:
    """Another entry's variant that this entry would now have as a name, said from this side."""
    text = problem.message.split(" is a canonical name")[0].removeprefix("variant ")
    return Problem(OTHER_ENTRY, problem.entry,
                   f"{text} is listed as a variant of {problem.entry!r}; a name of this entry "
                   "cannot be another entry's variant (remove it there first).")


# --------------------------------------------------------------------------- create, edit, delete


@bp.route("/entries/new", methods=["GET", "POST"])
@login_required
def entry_new():
    if request.method == "GET":
        return _form_page(EntryForm(names=[(tag, "") for tag in NEW_NAME_TAGS]), creating=True)
    form = EntryForm.from_request(request.form)
    body, errors = check_form(form, creating=True)
    if not errors:
        try:
            services().glossary.create({**body, "collection": form.collection}, g.user["name"])
        except AlreadyExists as exc:  # created by somebody else since the check
            errors.add("id", f"{exc}; choose another id or edit that entry.")
        except InvalidGlossaryEntry as exc:
            errors.add(None, str(exc))
        else:
            flash(f"Created {form.id}.")
            return redirect(url_for("ui.entry_page", entry_id=form.id), code=303)
    return _form_page(form, creating=True, errors=errors), 422


@bp.route("/entries/<entry_id>/edit", methods=["GET", "POST"])
@login_required
def entry_edit(entry_id: str):
    current = _entry_or_404(entry_id)
    if request.method == "GET":
        return _form_page(EntryForm.from_entry(current), creating=False)
    form = EntryForm.from_request(request.form)
    form.id, form.collection = current["id"], current["collection"]  # neither changes here
    version = _version(form.version)
    body, errors = check_form(form, creating=False)
    if not errors:
        glossary = services().glossary
        try:
            saved = glossary.update(entry_id, body, version, g.user["name"])
        except StaleWrite:
            return _conflict_page(form, body), 409
        except NotFound:
            errors.add(None, f"{entry_id} was deleted while you were editing it, so nothing was "
                             "saved; its history can bring it back.")
        except InvalidGlossaryEntry as exc:
            errors.add(None, str(exc))
        else:
            flash(f"Saved {entry_id} (version {saved['version']}).")
            return redirect(url_for("ui.entry_page", entry_id=entry_id), code=303)
    return _form_page(form, creating=False, errors=errors), 422


@bp.route("/entries/<entry_id>/delete", methods=["POST"])
@login_required
def entry_delete(entry_id: str):
    version = _version(request.form.get("version", ""))
    glossary = services().glossary
    try:
        glossary.delete(entry_id, version, g.user["name"])
    except NotFound:
        abort(404, description=f"There is no glossary entry {entry_id[:MAX_ID]!r} to delete; "
                               "somebody may have deleted it already (see the history).")
    except StaleWrite as exc:
        now = glossary.get(entry_id) or {}
        flash(f"Not deleted: {entry_id} was changed by {now.get('updated_by')} at "
              f"{_when(now.get('updated_at'))} after you opened it (now version {exc.current}). "
              "Check the change, then delete again if you still mean to.", "error")
        return redirect(url_for("ui.entry_page", entry_id=entry_id), code=303)
    flash(f"Deleted {entry_id}. Its history can bring it back.")
    return redirect(url_for("ui.entries_list"), code=303)


def _version(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        abort(400, description=f"'version' must be the entry's version number, not {raw[:20]!r}; "
                               "reload the entry and try again.")
    return int(raw)


def _when(at: str | None) -> str:
    """A stored ISO timestamp as the pages show it: '2026-05-01 14:03 UTC'."""
    return f"{at[:16].replace('T', ' ')} UTC" if at else "an unknown time"


def _form_page(form: EntryForm, creating: bool, errors: FormErrors | None = None) -> str:
    return render_template(
        "entries/form.html", form=form.with_spare_rows(), creating=creating,
        errors=errors or FormErrors(), types=ENTRY_TYPES, kinds=VARIANT_KINDS,
        collections=services().glossary.collections(), max_id=MAX_ID,
        max_collection=MAX_COLLECTION,
    )


def _conflict_page(form: EntryForm, mine: dict) -> str:
    """Somebody saved the entry after this form was loaded: their version and this one side by
    side; saving over theirs takes a second, explicit submit carrying their version number."""
    theirs = services().glossary.get(form.id)
    if theirs is None:
        abort(409, description=f"{form.id} was deleted while you were editing it, so nothing "
                               "was saved; its history can bring it back.")
    return render_template(
        "entries/conflict.html", form=form, theirs=theirs, theirs_body=_yaml(theirs),
        mine_body=_yaml(mine), when=_when(theirs.get("updated_at")),
    )


def _yaml(entry: dict) -> str:
    """An entry's fields as they would be written in a collection file."""
    shown = {key: entry[key] for key in ("id", "type", "names", "variants", "short", "note")
             if entry.get(key)}
    return yaml.safe_dump(shown, allow_unicode=True, sort_keys=False, width=80)
