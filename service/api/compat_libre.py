"""LibreTranslate's API on audarma: POST /translate, GET /languages, POST /detect.

A tool that speaks LibreTranslate gets audarma's names and figures by changing only its URL
and api_key (an audarma key). Bodies are JSON or forms, as LibreTranslate takes them; fields
this API does not use (alternatives, secret) are ignored, since clients send them to any
LibreTranslate server. Errors are {"error": "..."} with LibreTranslate's statuses: 400 for
any bad input, 403 for a missing, unknown or under-privileged key, 429, 500. How the text is
localized: service/api/compat.py.
"""

from __future__ import annotations

import re

from flask import Blueprint

from ..core.locales import detect_language
from .auth import KEY_READERS, require
from .compat import (
    check_texts,
    key_reader,
    language_name,
    localize_text,
    localizer,
    read_body,
    serve_compatible,
    serving_pairs,
    source_language,
    target_locale,
)
from .errors import BadRequest, shown

bp = Blueprint("libretranslate", __name__)
KEY_READERS[bp.name] = key_reader(None, "api_key")
FORMATS = ("text", "html")
_LATIN = re.compile("[A-Za-z]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _status(status: int) -> int:
    """LibreTranslate answers bad input with 400 whatever is wrong, and no key with 403."""
    if status in (401, 403):
        return 403
    if status in (413, 415, 422):
        return 400
    return 500 if status >= 500 else status


serve_compatible(bp, lambda message: {"error": message}, _status)


@bp.post("/translate")
@require("editor", "maintainer", "admin")
def translate():
    """Localize q (a string or a list) from source (or auto) into target."""
    body = read_body()
    q = body.get("q")
    texts = check_texts(q if isinstance(q, list) else [q] if q is not None else [], "q")
    source = source_language(body.get("source", "auto"), "source")
    target = target_locale(body.get("target"), "target")
    fmt = body.get("format") or "text"
    if fmt not in FORMATS:
        raise BadRequest(f"'format' must be text or html, not {shown(fmt)}")
    results = [localize_text(text, source, target, str(fmt)) for text in texts]
    listed = isinstance(q, list)
    answer: dict[str, object] = {
        "translatedText": [r.text for r in results] if listed else results[0].text,
    }
    if source is None:
        detected = [{"confidence": _confidence(text, r.source_language),
                     "language": r.source_language} for text, r in zip(texts, results, strict=True)]
        answer["detectedLanguage"] = detected if listed else detected[0]
    return answer


@bp.get("/languages")
def languages():
    """Every language code, with the codes each translates into (public, as in
    LibreTranslate)."""
    pairs = serving_pairs(localizer())
    codes = sorted({code for pair in pairs for code in pair})
    return [
        {"code": code, "name": language_name(code),
         "targets": sorted(t for s, t in pairs if s == code)}
        for code in codes
    ]


@bp.post("/detect")
@require("editor", "maintainer", "admin")
def detect():
    """The language of q: en, ru or kk, the languages audarma reads copy in."""
    q = read_body().get("q")
    (text,) = check_texts([q] if q is not None else [], "q")
    language = detect_language(text)
    return [{"confidence": _confidence(text, language), "language": language}]


def _confidence(text: str, language: str) -> float:
    """How sure the detection is, 0 to 100 as LibreTranslate gives it: the share of the
    letters written in the script of the language found (audarma tells its three languages
    apart by script)."""
    latin, cyrillic = len(_LATIN.findall(text)), len(_CYRILLIC.findall(text))
    if not latin + cyrillic:
        return 0.0
    own = latin if language == "en" else cyrillic
    return round(100.0 * own / (latin + cyrillic), 1)
