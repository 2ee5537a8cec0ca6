"""Import and export of the glossary: upload a file, read its dry run, apply it; download the
glossary in any of the interchange formats.

An import is two requests. The upload runs the dry run (service/store/imports.plan_import) and
keeps the plan, with the uploaded bytes, in a file of its own under the plans folder, named by
a random token and marked with the uploader's name; the dry-run page carries only the token.
There is no table for plans, and a plan for 100,000 rows is far too big for the session cookie.
Applying writes exactly the plan that was shown, all or nothing; if the glossary changed in
between, the plan is stale, so the dry run is made again from the kept upload and shown anew.

Exports are built from the live glossary on each request. YAML comes as a zip with one file per
collection, as `audarma glossary export` writes the folder; the other formats are one file.
"""

from __future__ import annotations

import io
import re
import zipfile

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from ..api.requests import services
from ..core.glossary import ENTRY_TYPES
from ..core.interchange import (
    FORMATS,
    InterchangeError,
    decode,
    read,
    write_csv_pair,
    write_csv_wide,
    write_tbx,
    write_yaml,
)
from ..core.locales import InvalidLanguageTag, normalize_tag
from ..store.import_plans import ImportPlanStore, KeptPlan, NotYourPlan, PlanNotFound
from ..store.imports import ImportPlan, PlanRefused, StalePlan, apply_import
from ..store.imports import plan_import as make_plan
from .blueprint import bp
from .history import pretty_json, summarize
from .security import login_required

UPLOAD_LIMIT = 20 * 1024 * 1024  # bytes of one upload (a 100,000-row CSV is about 5 MB)
SHOWN_PER_TABLE = 200  # rows of each dry-run table on the page; the counts cover them all
MAX_FIELD = 100  # characters of a language tag, collection or file name
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
TEXT_FORMATS = ("yaml", "csv-pair", "csv-wide")  # TBX is XML: its declaration names the encoding
FORMAT_LABELS = {
    "yaml": "YAML collection (audarma's own format)",
    "csv-pair": "CSV, two columns: source and target term (DeepL, Google)",
    "csv-wide": "CSV, one column per language (header of language tags)",
    "tbx": "TBX-Basic (ISO 30042)",
}
EXPORT_TYPES = {
    "yaml": ("application/zip", "zip"),
    "csv-pair": ("text/csv; charset=utf-8", "csv"),
    "csv-wide": ("text/csv; charset=utf-8", "csv"),
    "tbx": ("application/xml; charset=utf-8", "tbx"),
}


# --------------------------------------------------------------------------- the upload limit


@bp.before_app_request
def _allow_uploads() -> None:
    """Raise the body limit for the upload alone. App-level, so it runs before the blueprint's
    CSRF check, which is the first to read the form (the app's limit is sized for articles)."""
    if request.endpoint == "ui.start_import" and request.method == "POST":
        request.max_content_length = UPLOAD_LIMIT


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge):
    limit = request.max_content_length or 0
    return render_template(
        "error.html", status=413, title="File too large", user=g.get("user"),
        message=(f"The upload is larger than the {limit // (1024 * 1024) or 1} MB this page "
                 "accepts. Split the file and import the parts one after the other."),
    ), 413


# --------------------------------------------------------------------------- kept plans


def _plans() -> ImportPlanStore:
    return ImportPlanStore(services().db)


def keep_plan(user: str, options: dict, data: bytes, plan: ImportPlan,
              token: str | None = None) -> str:
    """Store a plan and its upload for `user` (in the database: any API process can apply
    it); returns the token that names them."""
    return _plans().keep(user, options, data, plan, token)


def load_plan(token: str) -> KeptPlan:
    """The plan `token` names, if it belongs to the signed-in user (400 for a malformed token,
    404 for an unknown or expired one, 403 for another user's)."""
    if not TOKEN.match(token):
        abort(400, description="The import token is malformed; upload the file again.")
    try:
        return _plans().load(token, g.user["name"])
    except PlanNotFound:
        abort(404, description="This import is no longer available (it was applied, or it "
                               "expired after a day). Upload the file again.")
    except NotYourPlan:
        abort(403, description="This import was uploaded by someone else; only they can see "
                               "or apply it.")


def drop_plan(token: str) -> None:
    _plans().drop(token)


# --------------------------------------------------------------------------- form values


def _language(value: str, field: str, errors: dict[str, str], required: bool) -> str:
    value = value.strip()
    if not value:
        if required:
            errors[field] = "Give a language tag, e.g. ru or kk-Latn."
        return ""
    if len(value) > MAX_FIELD:
        errors[field] = f"A language tag is at most {MAX_FIELD} characters long."
        return ""
    try:
        return normalize_tag(value)
    except InvalidLanguageTag:
        errors[field] = f"{value[:40]!r} is not a language tag (e.g. en, ru, kk-Latn)."
        return ""


def _clean_text(value: str, field: str, errors: dict[str, str]) -> str:
    value = value.strip()
    if len(value) > MAX_FIELD:
        errors[field] = f"At most {MAX_FIELD} characters (this is {len(value)})."
    elif any(ord(ch) < 32 for ch in value):
        errors[field] = "No control characters (tabs, line breaks, NUL), please."
    return value[:MAX_FIELD]


def import_options(form) -> tuple[dict, dict[str, str]]:
    """The import form's choices, normalized, and an error per field that is wrong."""
    errors: dict[str, str] = {}
    fmt = form.get("format", "")
    if fmt not in FORMATS:
        errors["format"] = f"Choose a format: {', '.join(FORMATS)} (not {fmt[:40]!r})."
    entry_type = form.get("type", "term")
    if entry_type not in ENTRY_TYPES:
        errors["type"] = f"Choose a type: {', '.join(ENTRY_TYPES)} (not {entry_type[:40]!r})."
    options = {
        "format": fmt,
        "source": _language(form.get("source", "en"), "source", errors, required=True),
        "target": _language(form.get("target", ""), "target", errors,
                            required=fmt == "csv-pair"),
        "type": entry_type,
        "collection": _clean_text(form.get("collection", "") or "import", "collection", errors),
    }
    return options, errors


def _file_name(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ord(ch) >= 32)[:MAX_FIELD] or "upload"


def _upload_errors(fmt: str, data: bytes) -> str:
    if not data:
        return "The file is empty."
    if fmt in TEXT_FORMATS:
        _, problem = decode(data)
        if problem is not None:
            return f"The file is not UTF-8 text ({problem.message})."
    return ""


# --------------------------------------------------------------------------- pages


def _import_page(options: dict | None = None, errors: dict | None = None, status: int = 200):
    return render_template(
        "interchange/import.html", formats=FORMATS, labels=FORMAT_LABELS, types=ENTRY_TYPES,
        options=options or {"format": "csv-pair", "source": "en", "target": "", "type": "term",
                            "collection": "import"},
        errors=errors or {}, upload_mb=UPLOAD_LIMIT // (1024 * 1024),
        collections=services().glossary.collections(),
    ), status


@bp.route("/import")
@login_required
def import_page():
    return _import_page()


def plan_upload(options: dict, data: bytes, file_name: str) -> ImportPlan:
    """The dry run of one uploaded file with the form's options."""
    rows = read(options["format"], data, source=options["source"],
                target=options["target"] or None, name=file_name)
    return make_plan(services().db, rows, source=options["source"],
                     target=options["target"] or None, default_type=options["type"],
                     collection=options["collection"], by=g.user["name"])


@bp.route("/import", methods=["POST"])
@login_required
def start_import():
    options, errors = import_options(request.form)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors["file"] = "Choose a file to import."
        data = b""
    else:
        data = upload.read()
        options["file_name"] = _file_name(upload.filename)
        if "format" not in errors and (problem := _upload_errors(options["format"], data)):
            errors["file"] = problem
    if errors:
        return _import_page(options, errors, 422)
    try:
        plan = plan_upload(options, data, options["file_name"])
    except InterchangeError as exc:
        return _import_page(options, {"format": str(exc)}, 422)
    token = keep_plan(g.user["name"], options, data, plan)
    return redirect(url_for("ui.import_plan", token=token), code=303)


def _shown(plan: ImportPlan) -> dict[str, list]:
    """Each table of the dry run, at most SHOWN_PER_TABLE rows; changes with their summary."""
    tables: dict[str, list] = {}
    for action in ("add", "change", "conflict", "error"):
        items = plan.of(action)[:SHOWN_PER_TABLE]
        tables[action] = [{"item": item, "summary": summarize(item.before, item.after),
                           "before_text": pretty_json(item.before),
                           "after_text": pretty_json(item.after)} for item in items]
    return tables


@bp.route("/import/<token>")
@login_required
def import_plan(token: str):
    kept = load_plan(token)
    counts = kept.plan.counts()
    return render_template("interchange/plan.html", kept=kept, counts=counts,
                           tables=_shown(kept.plan), limit=SHOWN_PER_TABLE,
                           label=FORMAT_LABELS[kept.options["format"]],
                           writes=counts["add"] + counts["change"])


@bp.route("/import/apply", methods=["POST"])
@login_required
def apply_plan():
    kept = load_plan(request.form.get("token", ""))
    try:
        result = apply_import(services().db, kept.plan, by=g.user["name"])
    except StalePlan:
        plan = plan_upload(kept.options, kept.upload, kept.options.get("file_name", "upload"))
        keep_plan(kept.user, kept.options, kept.upload, plan, token=kept.token)
        flash("The glossary changed since this dry run, so nothing was written. Here is the dry "
              "run made again against the glossary as it is now: review it and apply again.",
              "error")
        return redirect(url_for("ui.import_plan", token=kept.token), code=303)
    except PlanRefused as exc:  # errors in the plan, or an entry in it no longer valid
        flash(f"Nothing was written: {exc}.", "error")
        return redirect(url_for("ui.import_plan", token=kept.token), code=303)
    drop_plan(kept.token)
    flash(f"Imported {kept.options.get('file_name', 'the file')}: {result.added} added, "
          f"{result.changed} changed, {result.unchanged} unchanged, "
          f"{len(result.conflicts)} conflict(s) left out.")
    return redirect(url_for("ui.import_page"), code=303)


@bp.route("/import/discard", methods=["POST"])
@login_required
def discard_plan():
    kept = load_plan(request.form.get("token", ""))
    drop_plan(kept.token)
    flash(f"Discarded the import of {kept.options.get('file_name', 'the file')}; "
          "nothing was written.")
    return redirect(url_for("ui.import_page"), code=303)


# --------------------------------------------------------------------------- export


def _export_language(name: str, required: bool) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        if required:
            abort(400, description=f"csv-pair needs a {name} language (e.g. {name}=ru).")
        return ""
    if len(value) > MAX_FIELD:
        abort(400, description=f"'{name}' is at most {MAX_FIELD} characters long.")
    try:
        return normalize_tag(value)
    except InvalidLanguageTag:
        abort(400, description=f"{name}={value[:40]!r} is not a language tag (e.g. en, ru).")


def _zip_of(texts: dict[str, str]) -> bytes:
    from ..core.interchange import collection_file_name

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for collection, text in texts.items():
            archive.writestr(collection_file_name(collection), text)
    return out.getvalue()


@bp.route("/export")
@login_required
def export():
    fmt = request.args.get("format", "")
    if fmt not in FORMATS:
        abort(400, description=f"Unknown export format {fmt[:40]!r}; choose one of "
                               f"{', '.join(FORMATS)}.")
    source = _export_language("source", required=False) or "en"
    target = _export_language("target", required=fmt == "csv-pair")
    grouped = services().glossary.export()
    if fmt == "yaml":
        body: bytes | str = _zip_of(write_yaml(grouped))
    else:
        entries = [{**entry, "collection": collection}
                   for collection, members in grouped.items() for entry in members]
        if fmt == "csv-pair":
            body = write_csv_pair(entries, source, target)
        elif fmt == "csv-wide":
            body = write_csv_wide(entries, source)
        else:
            body = write_tbx(entries, source)
    mimetype, extension = EXPORT_TYPES[fmt]
    pair = f"-{source}-{target}" if fmt == "csv-pair" else ""
    name = f"audarma-glossary-{fmt}{pair}.{extension}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
