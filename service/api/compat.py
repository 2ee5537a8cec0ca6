"""What the drop-in LibreTranslate and DeepL endpoints share: the body (JSON or form), the key
a request carries, the localizer they run in the request, language codes, and errors turned
into each API's own shape.

These endpoints answer synchronously, like the services they stand in for: the text is
localized in the API process with the configured engines and the glossary compiled as the
workers compile it (a LocalizerCache on the app whose revision is checked at most every
glossary_refresh_seconds, so an edit reaches these endpoints when it reaches the workers, and a
request does not pay for a revision query). The answer is
the localized version's text: names fixed, figures in the target's style and, when the target
language differs from the source, translated by the engine that serves the pair. When the
target's language is the source's, no engine is needed; when no engine serves the pair, the
request is refused in the API's own error shape rather than answered with untranslated text.

They follow other services' contracts, so they are not in audarma's OpenAPI document
(service/api/openapi.py lists the blueprints it describes).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ..core.figures import load_house_styles
from ..core.locales import (
    SOURCE_LANGUAGES,
    InvalidLanguageTag,
    babel_locale,
    detect_language,
    language_of,
    normalize_tag,
)
from ..core.matching import NamePolicy
from ..core.pipeline import Localizer
from ..domain import DEFAULT_TARGETS
from ..usecases.run import LocalizerCache
from .auth import authenticate_key
from .errors import ApiError, BadRequest, PayloadTooLarge, shown, to_api_error
from .requests import check_text, check_url_input, parse_json_bytes, services

log = logging.getLogger(__name__)

# Texts in one request: DeepL's own limit, applied to LibreTranslate's q lists too.
MAX_TEXTS = 50
# More fields than any client of these APIs sends (a text list is at most MAX_TEXTS long).
MAX_FORM_FIELDS = 1000
# A bare language names this locale: audarma's house English is British (DeepL's own default
# for a bare EN is American; a client that wants it says EN-US), and PT is Portugal's, as
# DeepL reads it. Other bare languages take the first of DEFAULT_TARGETS in that language
# (zh -> zh-CN), or stay bare.
BARE_LANGUAGE_LOCALES = {"en": "en-GB", "pt": "pt-PT"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


# --------------------------------------------------------------------------- the localizer


@dataclass
class CompatState:
    """Kept on the app: the compiled glossary, the characters each key had translated (in
    this process's memory, since it started), and when the glossary was last seen to change.
    close_app (service/app.py) closes its engines when the process ends."""

    localizers: LocalizerCache
    usage: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: Localizer | None = None
    changed_at: float = field(default_factory=time.time)


def state() -> CompatState:
    """The app's CompatState, built on first use (engines start only when asked for)."""
    found = current_app.extensions.get("audarma_compat")
    if found is None:
        from ..engines import build_engines  # engines load models: only when first needed

        settings = services().settings
        cache = LocalizerCache(
            build_engines(settings), load_house_styles(desk=settings.styles_path or None),
            refresh_seconds=settings.glossary_refresh_seconds,
            policy=NamePolicy(former=settings.former_names, exonym=settings.exonyms),
        )
        found = current_app.extensions.setdefault("audarma_compat", CompatState(cache))
    return found


def close(app: Flask) -> None:
    """Close the engines the compatible endpoints started in this app (Apertium pipelines are
    child processes, HTTP engines hold connections); the next request would start them again."""
    found = app.extensions.pop("audarma_compat", None)
    if found is not None:
        found.localizers.close()


def localizer() -> Localizer:
    """The Localizer for the glossary as the workers see it (at most glossary_refresh_seconds
    old)."""
    current = state()
    built = current.localizers.current(services().glossary)
    with current.lock:
        if built is not current.seen:
            current.seen, current.changed_at = built, time.time()
    return built


def count_usage(key_id: str, characters: int) -> None:
    current = state()
    with current.lock:
        current.usage[key_id] += characters


def usage_of(key_id: str) -> int:
    current = state()
    with current.lock:
        return current.usage[key_id]


# --------------------------------------------------------------------------- languages


def source_language(
    code: object, field_name: str, auto: Iterable[object] = ("auto",),
) -> str | None:
    """One of SOURCE_LANGUAGES for `code` (any case, a region allowed: EN, en-US), or None
    for detection when `code` is one of `auto`."""
    if code in auto:
        return None
    named = [a for a in auto if isinstance(a, str) and a]
    supported = ", ".join((*named, *SOURCE_LANGUAGES))
    problem = BadRequest(f"'{field_name}' must be one of {supported}, not {shown(code)}")
    if not isinstance(code, str):
        raise problem
    try:
        language = language_of(normalize_tag(code))
    except InvalidLanguageTag as exc:
        raise problem from exc
    if language not in SOURCE_LANGUAGES:
        raise problem
    return language


def target_locale(code: object, field_name: str) -> str:
    """The locale a target code stands for: EN-GB -> en-GB, PT-BR -> pt-BR, a bare language
    as BARE_LANGUAGE_LOCALES says."""
    if not isinstance(code, str) or not code.strip():
        raise BadRequest(f"'{field_name}' is required: a language code such as en-GB or es")
    try:
        tag = normalize_tag(code)
        if tag == language_of(tag):
            tag = BARE_LANGUAGE_LOCALES.get(tag) or next(
                (t for t in DEFAULT_TARGETS if language_of(t) == tag), tag
            )
        babel_locale(tag)
    except InvalidLanguageTag as exc:
        raise BadRequest(f"'{field_name}' {shown(code)} is not a language code audarma "
                         "knows; use a BCP 47 code such as en-GB, es or pt-BR") from exc
    return tag


def serving_pairs(engines_localizer: Localizer) -> frozenset[tuple[str, str]]:
    """(source, target language) pairs answered now: each source language to itself (names
    and figures need no engine), and every pair an engine serves from a source language."""
    pairs = {(s, s) for s in SOURCE_LANGUAGES}
    for engine in engines_localizer.engines.engines:
        pairs |= {(s, t) for s, t in engine.pairs() if s in SOURCE_LANGUAGES}
    return frozenset(pairs)


def language_name(code: str) -> str:
    """The English name of a language code ("es" -> "Spanish")."""
    try:
        return babel_locale(code).english_name or code
    except InvalidLanguageTag:
        return code


# --------------------------------------------------------------------------- localizing


class NoEngine(BadRequest):
    """No engine serves the pair: refused, since the answer would be untranslated text."""


class EngineFailed(ApiError):
    """The engine serving the pair translated nothing (it is down or timed out)."""

    status, code = 503, "engine_failed"


@dataclass(frozen=True)
class Localized:
    text: str
    source_language: str


def localize_text(
    text: str, source: str | None, target: str, fmt: str = "text",
) -> Localized:
    """One text's version for `target`, from `source` (None: detected from the text)."""
    if not text.strip():
        return Localized(text, source or "en")  # nothing to translate, as the services do
    found = localizer()
    detected = source or detect_language(text)
    goal = language_of(target)
    if goal != detected and found.engines.pick(detected, goal) is None:
        raise NoEngine(
            f"no translation engine serves {detected}->{goal} here; see GET /v1/engines for "
            "the pairs served (the README's 'Translation engines' says how to add one)"
        )
    document = found.localize(text, [target], detected, None, fmt)
    version = document["versions"][target]
    if version["text"] is None:
        warnings = "; ".join(version["warnings"]) or "no text came back"
        raise EngineFailed(f"the engine for {detected}->{goal} failed: {warnings}")
    return Localized(version["text"], document["source_language"])


def check_texts(texts: list[object], field_name: str) -> list[str]:
    """`texts` when each is a storable string within the article size limit."""
    if not texts:
        raise BadRequest(f"'{field_name}' is required: give the text to translate")
    if len(texts) > MAX_TEXTS:
        raise BadRequest(f"'{field_name}' has {len(texts)} texts; at most {MAX_TEXTS} are "
                         "allowed in one request")
    limit = services().settings.max_article_bytes
    for number, text in enumerate(texts):
        where = f"'{field_name}'" if len(texts) == 1 else f"'{field_name}[{number}]'"
        if not isinstance(text, str):
            raise BadRequest(f"{where} must be a string, not {type(text).__name__}")
        check_text(text, where, error=BadRequest)
        size = len(text.encode("utf-8"))
        if size > limit:
            raise PayloadTooLarge(f"{where} is {size} bytes of UTF-8; the limit is {limit}")
    return [text for text in texts if isinstance(text, str)]


# --------------------------------------------------------------------------- the body


def read_body() -> dict[str, object]:
    """The request's fields, from JSON or a form (a repeated form field is a list), read once
    per request: the key lookup (before the rate limit) and the view share it."""
    if "compat_body" not in g:
        try:
            g.compat_body, g.compat_body_error = _read_body(), None
        except (ApiError, HTTPException) as exc:
            g.compat_body, g.compat_body_error = {}, exc
    if g.compat_body_error is not None:
        raise g.compat_body_error
    found: dict[str, object] = g.compat_body
    return found


def _read_body() -> dict[str, object]:
    if request.mimetype == "application/json":
        value = parse_json_bytes(request.get_data(cache=True))
        if not isinstance(value, dict):
            raise BadRequest(f"the JSON body must be an object, not {type(value).__name__}")
        return value
    if request.mimetype == "application/x-www-form-urlencoded":
        return _read_urlencoded(request.get_data(cache=True))
    if request.mimetype in FORM_TYPES:
        return {name: values if len(values) > 1 else values[0]
                for name, values in request.form.lists()}
    if not request.get_data(cache=True).strip():
        return {}
    raise BadRequest(f"send the body as application/json or application/x-www-form-urlencoded, "
                     f"not {request.mimetype or 'no Content-Type'}")


def _read_urlencoded(raw: bytes) -> dict[str, object]:
    """A URL-encoded form, read strictly: text that is not UTF-8 is refused by name rather
    than turned into U+FFFD. (Werkzeug's form parser would replace it, and costs a tenth of a
    millisecond more a request, more than the rest of the key check and rate limit together.)"""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the form body is not valid UTF-8: byte 0x{raw[exc.start]:02x} at "
                         f"offset {exc.start}") from None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict",
                          max_num_fields=MAX_FORM_FIELDS)
    except UnicodeDecodeError:
        raise BadRequest("the form body has a %-escaped value that is not UTF-8; encode the "
                         "text as UTF-8 before escaping it") from None
    except ValueError:
        raise BadRequest(f"the form body has more than {MAX_FORM_FIELDS} fields") from None
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in fields.items()}


def body_field(name: str) -> object:
    """A field of the body, or None; a body that cannot be read counts as none here (the view
    reads it again and answers with what is wrong with it)."""
    try:
        return read_body().get(name)
    except (ApiError, HTTPException):
        return None


def key_reader(
    scheme: str | None, body_key: str,
) -> Callable[[], tuple[dict | None, str | None]]:
    """How a compatible API presents an audarma key: an Authorization header with `scheme`
    (or audarma's own Bearer), else the body field `body_key`."""

    def read() -> tuple[dict | None, str | None]:
        header = request.headers.get("Authorization", "").strip()
        given, _, token = header.partition(" ")
        if header and given.lower() in {"bearer", (scheme or "bearer").lower()}:
            return authenticate_key(token.strip())
        key = body_field(body_key)
        if isinstance(key, str) and key.strip():
            return authenticate_key(key.strip())
        how = f"an 'Authorization: {scheme} <key>' header or " if scheme else ""
        return None, f"no API key given; send an audarma API key as {how}the '{body_key}' field"

    return read


# --------------------------------------------------------------------------- errors


def serve_compatible(
    bp: Blueprint, render: Callable[[str], dict], status_of: Callable[[int], int],
) -> None:
    """What each drop-in API's blueprint does around its views: errors as `render(message)`
    with the API's own statuses, and a query string or body that cannot be read answered
    with 400 before the key is judged."""
    bp.register_error_handler(Exception, error_handler(render, status_of))
    bp.before_request(_check_request)


def _check_request() -> None:
    check_url_input()
    read_body()


def error_handler(
    render: Callable[[str], dict], status_of: Callable[[int], int],
) -> Callable[[Exception], Response]:
    """A blueprint's error handler: any exception as `render(message)` with the API's own
    status for audarma's (`status_of`), keeping Retry-After and Allow headers."""

    def handle(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            status = exc.code or 500
            headers = {k: v for k, v in exc.get_headers() if k.lower() in ("retry-after", "allow")}
            message = exc.description or exc.name
            if status == 429:
                message = f"rate limit exceeded ({exc.description}); retry later"
        else:
            known = to_api_error(exc)
            if known is None:
                log.exception("unhandled error")
                status, headers = 500, {}
                message = "internal server error; see the service log"
            else:
                status, headers, message = known.status, known.headers, known.message
        response = jsonify(render(message))
        response.status_code = status_of(status)
        response.headers.update({k: v for k, v in headers.items() if k != "WWW-Authenticate"})
        return response

    return handle
