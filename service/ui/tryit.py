"""The "Try it" page: paste an article and see, in place, what the workers would do with the
glossary as it is now (applied fixes, suggestions, flags and figures), and the versions for
the chosen locales.

The article runs through the same pipeline as a job, in the request, with the store's current
glossary and no translation engine (names and figures need none, and it answers at once). The
input is checked by the API's own submission rules, so the page refuses what the API refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..api.errors import ApiError
from ..api.requests import services
from ..api.submission import parse_submission
from ..core.figures import load_house_styles
from ..core.glossary import GlossaryError
from ..core.locales import SOURCE_LANGUAGES
from ..core.matching import NamePolicy
from ..core.pipeline import LocalizeError
from ..core.translate import EngineRouter
from ..usecases.run import LocalizerCache, drop_rejected
from .blueprint import bp
from .security import login_required

COMMON_TARGETS = ("ru-RU", "kk-KZ", "zh-CN", "de-DE", "en-GB")
FORMATS = {"text": "Plain text", "html": "HTML"}
MAX_OTHER_TARGETS = 400  # characters of the free "other locales" field
# Which highlight wins where two overlap: a name change over a figure over a whole-line flag.
PRIORITY = ("applied", "suggested", "figure", "flag")


@dataclass
class Note:
    """One thing the pipeline found, numbered for the footnotes under the article."""

    cls: str  # applied | suggested | figure | flag: the <mark> class
    start: int
    end: int
    original: str
    replacement: str = ""
    reason: str = ""
    entity: str | None = None
    label: str = ""
    n: int = 0
    placed: bool = False  # highlighted in the text (False: it overlaps a stronger one)


@dataclass
class Segment:
    text: str
    note: Note | None = None


@dataclass
class TryForm:
    text: str = ""
    fmt: str = "text"
    source: str = "auto"
    targets: list[str] = field(default_factory=lambda: ["ru-RU"])
    other: str = ""
    errors: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- the pipeline


def _localizers() -> LocalizerCache:
    """The UI's own compiled glossary, rebuilt when the store's revision moves (checked on
    every run: one small query), so a change saved a moment ago shows at once."""
    app = current_app
    cache = app.extensions.get("audarma_tryit")
    if cache is None:
        settings = services().settings
        cache = LocalizerCache(
            EngineRouter(), load_house_styles(desk=settings.styles_path or None),
            refresh_seconds=0.0,
            policy=NamePolicy(former=settings.former_names, exonym=settings.exonyms),
        )
        cache = app.extensions.setdefault("audarma_tryit", cache)
    return cache


def run(form: TryForm, targets: list[str]) -> dict:
    """The result document for the article, as a worker would make it without engines."""
    localizer = _localizers().current(services().glossary)
    document = localizer.localize(form.text, targets, form.source, None, form.fmt)
    return drop_rejected(document, services().candidates)  # as run_job does


# --------------------------------------------------------------------------- the form


def _read_form() -> TryForm:
    form = TryForm(
        text=request.form.get("text", ""),
        fmt=request.form.get("format", "text"),
        source=request.form.get("source", "auto"),
        targets=[t for t in request.form.getlist("targets") if t in COMMON_TARGETS],
        other=request.form.get("other", "")[:MAX_OTHER_TARGETS + 1],
    )
    if form.fmt not in FORMATS:
        form.errors["format"] = f"The format must be text or html, not {form.fmt[:20]!r}."
        form.fmt = "text"
    if form.source != "auto" and form.source not in SOURCE_LANGUAGES:
        form.errors["source"] = (f"The source language must be auto or one of "
                                 f"{', '.join(SOURCE_LANGUAGES)}, not {form.source[:20]!r}.")
        form.source = "auto"
    if len(form.other) > MAX_OTHER_TARGETS:
        form.errors["other"] = f"At most {MAX_OTHER_TARGETS} characters of other locales."
    return form


def _api_error(payload: dict) -> str | None:
    """What the job API would say about this submission, or None if it would accept it."""
    try:
        parse_submission(payload, services().settings)
    except ApiError as exc:
        return exc.message
    return None


def validate(form: TryForm) -> list[str]:
    """The target tags to run, with the article's and the targets' problems in form.errors,
    each judged by the job API's rules (checked one at a time, to put each message next to
    its own field)."""
    others = [t.strip() for t in form.other.split(",") if t.strip()]
    targets = list(dict.fromkeys([*form.targets, *others]))
    if "text" not in form.errors:
        problem = _api_error({form.fmt: form.text, "targets": ["en-GB"]})
        if problem:
            form.errors["text"] = problem
    if not targets:
        form.errors["targets"] = "Choose at least one locale to see its version."
    elif "other" not in form.errors:
        problem = _api_error({"text": "x", "targets": targets})
        if problem:
            form.errors["targets"] = problem
    if form.errors:
        return []
    # The tags as the API stores them (en-gb -> en-GB, duplicates dropped).
    return list(parse_submission({"text": "x", "targets": targets},
                                 services().settings).targets)


# --------------------------------------------------------------------------- highlighting


def notes_of(document: dict, text: str) -> list[Note]:
    """Every change, figure and flag as a note, in the order they appear in `text`."""
    notes = [
        Note("applied" if c.get("applied") else "suggested", c["start"], c["end"],
             c["original"], c.get("replacement", ""), c.get("reason", ""), c.get("entity"),
             label=f"{'Applied' if c.get('applied') else 'Suggested'} ({c.get('kind', '')})")
        for c in document["normalized"]["changes"]
    ]
    notes += [Note("flag", f["start"], f["end"], f.get("text", ""), reason=f.get("message", ""),
                   label=f"Flag: {f.get('kind', '').replace('_', ' ')}")
              for f in document["normalized"]["flags"]]
    notes += _figure_notes(document, text)
    notes.sort(key=lambda note: (note.start, PRIORITY.index(note.cls)))
    for n, note in enumerate(notes, 1):
        note.n = n
    return notes


def _figure_notes(document: dict, text: str) -> list[Note]:
    """Figures carry no offsets (they are found in the normalized, visible text): each is
    placed at the next occurrence of its original words in the submitted text, and one that
    cannot be found is listed with start -1."""
    versions = list(document.get("versions", {}).items())
    if not versions:
        return []
    locale, first = versions[0]
    notes, at = [], 0
    for figure in first.get("figures", []):
        original = figure.get("original", "")
        start = text.find(original, at) if original else -1
        if start != -1:
            at = start + len(original)
        notes.append(Note("figure", start, start + len(original) if start != -1 else -1,
                          original, figure.get("rendered", ""),
                          f"{figure.get('kind', 'figure')}, as written for {locale}",
                          label="Figure"))
    return notes


def segments(text: str, notes: list[Note]) -> list[Segment]:
    """`text` cut into plain and highlighted pieces; where two notes overlap the stronger one
    (PRIORITY) is highlighted and the other is only listed. Never builds HTML."""
    chosen: list[Note] = []
    for note in sorted(notes, key=lambda n: (PRIORITY.index(n.cls), n.start)):
        if note.start < 0 or note.end <= note.start:
            continue
        if all(note.end <= other.start or note.start >= other.end for other in chosen):
            note.placed = True
            chosen.append(note)
    chosen.sort(key=lambda n: n.start)
    pieces, at = [], 0
    for note in chosen:
        if note.start > at:
            pieces.append(Segment(text[at:note.start]))
        # A flagged line's newline stays outside the mark, so its note number ends the line.
        end = note.start + len(text[note.start:note.end].rstrip())
        pieces.append(Segment(text[note.start:end], note))
        at = end
    if at < len(text):
        pieces.append(Segment(text[at:]))
    return pieces


# --------------------------------------------------------------------------- the page


def _page(form: TryForm, code: int = 200, **result) -> tuple[str, int]:
    return render_template(
        "tryit/try.html", form=form, formats=FORMATS, common=COMMON_TARGETS,
        sources=("auto", *SOURCE_LANGUAGES), max_bytes=services().settings.max_article_bytes,
        **result,
    ), code


@bp.route("/try", methods=["GET", "POST"])
@login_required
def try_it() -> tuple[str, int]:
    if request.method == "GET":
        return _page(TryForm())
    try:
        form = _read_form()
    except RequestEntityTooLarge:
        limit = services().settings.max_article_bytes
        form = TryForm(errors={"text": f"The article is too large to read; the limit is "
                                       f"{limit} bytes of UTF-8."})
        return _page(form, 413)
    targets = validate(form)
    if form.errors:
        return _page(form, 422)
    try:
        document = run(form, targets)
    except (LocalizeError, GlossaryError) as exc:
        form.errors["text"] = str(exc)
        return _page(form, 422)
    notes = notes_of(document, form.text)
    return _page(form, document=document, notes=notes, pieces=segments(form.text, notes))
