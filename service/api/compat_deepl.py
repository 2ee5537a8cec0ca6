"""DeepL API v2 on audarma: /v2/translate, /v2/languages, /v2/usage, /v2/glossaries and
/v2/glossary-language-pairs.

A tool that speaks DeepL gets audarma's names and figures by changing only its server URL and
auth key (an audarma key, as `Authorization: DeepL-Auth-Key <key>`, audarma's own Bearer, or
the deprecated auth_key form field). Bodies are forms (text repeated) or JSON; fields this API
does not use (formality, split_sentences, context, ...) are ignored, since clients send them to
any DeepL server. Errors are {"message": "..."} with DeepL's statuses: 400, 403 (missing,
unknown or under-privileged key), 404, 413, 429, 500, 503 (retry later).

Choices where audarma is not DeepL:
- Target EN is en-GB and PT is pt-PT (compat.BARE_LANGUAGE_LOCALES); EN-US, PT-BR and any
  other BCP 47 locale are taken as given.
- Glossaries: audarma has one glossary, curated by maintainers, always applied whole. It is
  shown as one DeepL glossary per language pair its entries name (id "audarma-en-ru"), built
  from the entries with a name in both languages. glossary_id is checked (it must exist and fit
  the pair) but changes nothing. POST adds its entries to audarma's glossary through the same
  import as the UI's (csv-pair; maintainer keys only); DELETE is refused, since the glossary is
  curated in the UI. The glossary endpoints read the glossary as stored, so a glossary a client
  has just created is listed and usable at once; translations apply it when the compiled
  glossary catches up (glossary_refresh_seconds, as in the workers).
- /v2/glossary-language-pairs: the pairs translated here and the pairs the glossary names.
- Usage: characters translated per key, counted in this process's memory since it started;
  there is no quota, so 456 is never answered and character_limit is a large constant.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, Response, request

from ..core.glossary import Entry
from ..core.interchange import read as read_glossary_file
from ..core.locales import SOURCE_LANGUAGES, InvalidLanguageTag, language_of, normalize_tag
from ..store.imports import PlanRefused, apply_import, plan_import
from .auth import KEY_READERS, known_caller, require, signature
from .compat import (
    check_texts,
    count_usage,
    key_reader,
    language_name,
    localize_text,
    localizer,
    read_body,
    serve_compatible,
    serving_pairs,
    source_language,
    state,
    target_locale,
    usage_of,
)
from .errors import ApiError, BadRequest, NotFound, ServiceUnavailable, shown
from .openapi import documented
from .requests import services

bp = Blueprint("deepl", __name__, url_prefix="/v2")
KEY_READERS[bp.name] = key_reader("DeepL-Auth-Key", "auth_key")
TAG_HANDLING = ("html", "xml")
ENTRY_FORMATS = ("tsv", "csv")
# No quota: a limit no client reaches (DeepL clients take count >= limit as "quota used up").
CHARACTER_LIMIT = 10**12
GLOSSARY_PREFIX = "audarma-"
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9:_.-]*")
# Added to the start tags of ignore_tags so the pipeline keeps their content as written, and
# removed from the answer; the pipeline puts markup back byte for byte.
_KEEP = ' translate="no" data-audarma-ignore=""'
# Regional forms DeepL lists as targets of their own.
_REGIONAL_TARGETS = {"en": ("EN-GB", "EN-US"), "pt": ("PT-BR", "PT-PT")}


def _status(status: int) -> int:
    """DeepL's status for audarma's: no key is 403, unreadable input 400."""
    if status in (401, 403):
        return 403
    if status in (415, 422):
        return 400
    return status if status in (400, 404, 413, 429, 456, 503) else 500


serve_compatible(bp, lambda message: {"message": message}, _status)


class GlossaryRefused(ApiError):
    status, code = 400, "glossary_refused"


# --------------------------------------------------------------------------- translate


@bp.post("/translate")
@require("editor", "maintainer", "admin")
def translate():
    """Localize each text into target_lang."""
    body = read_body()
    given = body.get("text")
    texts = check_texts(given if isinstance(given, list) else [given] if given else [], "text")
    source = source_language(body.get("source_lang"), "source_lang", auto=(None, ""))
    target = target_locale(body.get("target_lang"), "target_lang")
    fmt = _format(body)
    _check_glossary(body.get("glossary_id"), source, language_of(target))
    ignored = _tag_names(body.get("ignore_tags"), "ignore_tags")
    translations = []
    for text in texts:
        marked = _mark_ignored(text, ignored) if ignored else text
        result = localize_text(marked, source, target, fmt)
        translations.append({
            "detected_source_language": result.source_language.upper(),
            "text": result.text.replace(_KEEP, "") if ignored else result.text,
            "billed_characters": len(text),
        })
    count_usage(known_caller()["id"], sum(len(text) for text in texts))
    return {"translations": translations}


def _format(body: dict) -> str:
    handling = body.get("tag_handling")
    if handling in (None, ""):
        return "html" if body.get("ignore_tags") else "text"
    if handling not in TAG_HANDLING:
        raise BadRequest(f"'tag_handling' must be html or xml, not {shown(handling)}")
    return "html"  # audarma reads XML markup as it reads HTML's: tags are kept, text localized


def _tag_names(value: object, field_name: str) -> list[str]:
    """Tag names from a comma-separated string or a list of them."""
    if value in (None, ""):
        return []
    parts = value if isinstance(value, list) else [value]
    names: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            raise BadRequest(f"'{field_name}' must be tag names, not {type(part).__name__}")
        names += [name.strip() for name in part.split(",") if name.strip()]
    for name in names:
        if _TAG_NAME.fullmatch(name) is None:
            raise BadRequest(f"'{field_name}' has {shown(name)}, which is not a tag name")
    return names


def _mark_ignored(text: str, names: list[str]) -> str:
    alternatives = "|".join(re.escape(name) for name in names)
    start_tag = re.compile(rf"<({alternatives})(?=[\s/>])", re.IGNORECASE)
    return start_tag.sub(lambda m: f"<{m.group(1)}{_KEEP}", text)


# --------------------------------------------------------------------------- languages, usage


@bp.get("/languages")
@documented(query=["type"])  # read by check_url_input; the route is not in audarma's document
@require("editor", "maintainer", "admin")
def languages():
    """Source languages, or with type=target the target languages."""
    kind = request.args.get("type") or read_body().get("type") or "source"
    if kind not in ("source", "target"):
        raise BadRequest(f"'type' must be source or target, not {shown(kind)}")
    if kind == "source":
        return [{"language": code.upper(), "name": language_name(code)}
                for code in SOURCE_LANGUAGES]
    targets = sorted({target for _, target in serving_pairs(localizer())})
    return [
        {"language": code, "name": language_name(code), "supports_formality": False}
        for language in targets
        for code in _REGIONAL_TARGETS.get(language, (language.upper(),))
    ]


@bp.get("/usage")
@require("editor", "maintainer", "admin")
def usage():
    """Characters this key had translated (since this process started)."""
    return {"character_count": usage_of(known_caller()["id"]),
            "character_limit": CHARACTER_LIMIT}


# --------------------------------------------------------------------------- glossaries


@dataclass(frozen=True)
class PairGlossary:
    """audarma's glossary as DeepL sees it for one language pair."""

    source: str
    target: str
    entry_count: int

    @property
    def id(self) -> str:
        return f"{GLOSSARY_PREFIX}{self.source}-{self.target}"

    def to_json(self) -> dict:
        changed = datetime.fromtimestamp(state().changed_at, UTC)
        return {
            "glossary_id": self.id,
            "name": f"audarma {self.source}->{self.target}",
            "ready": True,
            "source_lang": self.source,
            "target_lang": self.target,
            "creation_time": changed.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "entry_count": self.entry_count,
        }


def _stored() -> list[Entry]:
    """The glossary as stored now, for the glossary endpoints: a client that has just created
    a glossary reads it back, or names it in a translation, at once, although the compiled
    glossary translations use may be glossary_refresh_seconds old."""
    return services().glossary.entries()


def _pairs(entries: Iterable[Entry]) -> dict[str, PairGlossary]:
    """Every pair some entry names in both languages (bare language tags), by glossary id."""
    counts: Counter = Counter()
    for entry in entries:
        languages = [tag for tag in entry.names if "-" not in tag]
        for source in SOURCE_LANGUAGES:
            if source in entry.names:
                counts.update((source, target) for target in languages if target != source)
    found = [PairGlossary(s, t, n) for (s, t), n in sorted(counts.items())]
    return {glossary.id: glossary for glossary in found}


def _glossary(glossary_id: str) -> PairGlossary:
    found = _pairs(_stored()).get(glossary_id)
    if found is None:
        raise NotFound(f"glossary {shown(glossary_id)} not found; GET /v2/glossaries lists them")
    return found


def _entries_tsv(glossary: PairGlossary) -> str:
    rows = sorted(
        (entry.names[glossary.source], entry.names[glossary.target])
        for entry in _stored()
        if glossary.source in entry.names and glossary.target in entry.names
    )
    return "".join(f"{source}\t{target}\n" for source, target in rows)


def _check_glossary(glossary_id: object, source: str | None, target: str) -> None:
    if glossary_id in (None, ""):
        return
    if source is None:
        raise BadRequest("a glossary_id needs source_lang: give the source language")
    if not isinstance(glossary_id, str):
        raise BadRequest(f"'glossary_id' must be a string, not {type(glossary_id).__name__}")
    # The compiled glossary knows every glossary but one created in the last few seconds.
    glossary = (_pairs(localizer().index.entries.values()).get(glossary_id)
                or _pairs(_stored()).get(glossary_id))
    if glossary is None:
        raise BadRequest(f"glossary_id {shown(glossary_id)} is not one of audarma's glossaries "
                         "(GET /v2/glossaries lists them)")
    if (glossary.source, glossary.target) != (source, target):
        raise BadRequest(f"glossary {glossary.id} is for {glossary.source}->{glossary.target}, "
                         f"not {source}->{target}")


@bp.get("/glossaries")
@require("editor", "maintainer", "admin")
def list_glossaries():
    """audarma's glossary as one glossary per language pair."""
    return {"glossaries": [glossary.to_json() for glossary in _pairs(_stored()).values()]}


@bp.get("/glossary-language-pairs")
@require("editor", "maintainer", "admin")
def glossary_language_pairs():
    """The pairs a glossary serves: every pair translated here, and every pair audarma's
    glossary names (each one listed by GET /v2/glossaries)."""
    translated = {(s, t) for s, t in serving_pairs(localizer()) if s != t}
    named = {(g.source, g.target) for g in _pairs(_stored()).values()}
    return {"supported_languages": [{"source_lang": s, "target_lang": t}
                                    for s, t in sorted(translated | named)]}


@bp.get("/glossaries/<glossary_id>")
@require("editor", "maintainer", "admin")
def get_glossary(glossary_id: str):
    """One pair's glossary."""
    return _glossary(glossary_id).to_json()


@bp.get("/glossaries/<glossary_id>/entries")
@require("editor", "maintainer", "admin")
def glossary_entries(glossary_id: str):
    """The pair's entries as tab-separated source and target names."""
    tsv = _entries_tsv(_glossary(glossary_id))
    return Response(tsv, mimetype="text/tab-separated-values")


@bp.delete("/glossaries/<glossary_id>")
@require("maintainer", "admin")
def delete_glossary(glossary_id: str):
    """Refused: audarma's glossary is curated in the maintainers' UI."""
    _glossary(glossary_id)
    raise GlossaryRefused(
        f"glossary {glossary_id} is audarma's live glossary, curated in the maintainers' UI "
        "(/ui/); it cannot be deleted through the DeepL API"
    )


@bp.post("/glossaries")
@require("maintainer", "admin")
def create_glossary():
    """Add the entries (TSV or CSV, source,target) to audarma's glossary."""
    body = read_body()
    source = source_language(body.get("source_lang"), "source_lang", auto=())
    assert source is not None  # no value means auto, and none is allowed here
    target = _bare_language(body.get("target_lang"), "target_lang")
    entries = body.get("entries")
    if not isinstance(entries, str) or not entries.strip():
        raise BadRequest("'entries' is required: the glossary's entries as TSV or CSV text")
    fmt = body.get("entries_format") or "tsv"
    if fmt not in ENTRY_FORMATS:
        raise BadRequest(f"'entries_format' must be tsv or csv, not {shown(fmt)}")
    data = (_tsv_as_csv(entries) if fmt == "tsv" else entries).encode("utf-8")
    by = signature(known_caller())
    plan = plan_import(services().db, read_glossary_file("csv-pair", data, source=source,
                                                         target=target), source=source,
                       target=target, by=by)
    errors = plan.of("error")
    if errors:
        shown_errors = "; ".join(item.describe() for item in errors[:3])
        raise BadRequest(f"{len(errors)} entries cannot be read: {shown_errors}")
    try:
        result = apply_import(services().db, plan, by)
    except PlanRefused as exc:
        raise ServiceUnavailable(f"the glossary changed while the entries were read ({exc}); "
                                 "send them again") from exc
    glossary = _pairs(_stored()).get(f"{GLOSSARY_PREFIX}{source}-{target}",
                                     PairGlossary(source, target, 0))
    summary = {"added": result.added, "changed": result.changed, "unchanged": result.unchanged,
               "conflicts": [item.describe() for item in result.conflicts]}
    return {**glossary.to_json(), "audarma": summary}, 201


def _bare_language(code: object, field_name: str) -> str:
    """A glossary's language: a bare language code, as DeepL's glossaries take them."""
    try:
        if not isinstance(code, str):
            raise InvalidLanguageTag(str(code))
        language = language_of(normalize_tag(code))
    except InvalidLanguageTag as exc:
        raise BadRequest(f"'{field_name}' must be a language code such as ru, not "
                         f"{shown(code)}") from exc
    return language


def _tsv_as_csv(tsv: str) -> str:
    """DeepL's TSV entries (term TAB translation per line) as the csv-pair reader takes them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(line.split("\t") for line in tsv.splitlines() if line.strip())
    return out.getvalue()
