"""The rules a job submission must pass (POST /v1/jobs, each batch line, the UI's try-it page):
plain functions over a decoded body that raise an ApiError naming the problem; no Flask app
and no blueprint, so every caller can share them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..config import KNOWN_ENGINES, Settings
from ..core.locales import (
    NOT_BLANK,
    SOURCE_LANGUAGES,
    InvalidLanguageTag,
    babel_locale,
    language_of,
    normalize_tag,
)
from ..core.ninjs import NinjsError, dumps, parse_item
from ..domain import DEFAULT_TARGETS, JOB_QUEUES, Queue
from ..netguard import CallbackURLRefused, check_callback_url
from ..usecases.submit import JobRequest
from .errors import BadRequest, PayloadTooLarge, Unprocessable, shown

CONTROL_CLASS = r"\x00-\x1f\x7f"
_CONTROL = re.compile(f"[{CONTROL_CLASS}]")
ARTICLE_FIELDS = ("text", "html")
# A job may also carry an IPTC ninjs item (an object, not a string); batch lines do not yet.
NINJS = "ninjs"
JOB_ARTICLES = (*ARTICLE_FIELDS, NINJS)
FIELDS = (*JOB_ARTICLES, "source_language", "targets", "engine", "callback_url", "queue")
MAX_IDEMPOTENCY_KEY = 200  # the column's width


# A validated submission; the use case that stores and queues it takes exactly this.
Submission = JobRequest


def parse_submission(payload: object, settings: Settings) -> Submission:
    """A validated job submission; raises an ApiError whose message names the problem."""
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object")
    unknown = [key for key in payload if key not in FIELDS]
    if unknown:
        raise Unprocessable(f"unknown field {shown(unknown[0])}; allowed: {', '.join(FIELDS)}")
    text, fmt = _article(payload, settings.max_article_bytes)
    return Submission(
        text=text,
        fmt=fmt,
        targets=_targets(payload.get("targets"), settings.max_targets),
        source_language=_source_language(payload.get("source_language")),
        engine=_choice(payload, "engine", KNOWN_ENGINES, default=None),
        callback_url=_callback_url(
            payload.get("callback_url"), settings.webhook_allow_networks
        ),
        queue=_choice(payload, "queue", JOB_QUEUES, default=Queue.INTERACTIVE),
    )


def _article(payload: dict, max_bytes: int) -> tuple[str, str]:
    given = [fmt for fmt in JOB_ARTICLES if fmt in payload]
    if len(given) != 1:
        raise Unprocessable("give exactly one of 'text', 'html' or 'ninjs'")
    fmt = given[0]
    article = _ninjs(payload[fmt]) if fmt == NINJS else payload[fmt]
    if not isinstance(article, str) or NOT_BLANK.search(article) is None:
        raise Unprocessable(f"'{fmt}' must be a non-empty string")
    try:
        size = len(article.encode("utf-8"))
    except UnicodeEncodeError as exc:
        # json.loads accepts "\ud800"; such a string cannot be stored or translated.
        raise Unprocessable(
            f"'{fmt}' contains an unpaired surrogate at character {exc.start}"
        ) from exc
    if "\x00" in article:
        # PostgreSQL cannot store a NUL in a text column.
        raise Unprocessable(
            f"'{fmt}' contains a NUL character (\\u0000) at position {article.index(chr(0))}; "
            "remove it"
        )
    if size > max_bytes:
        raise PayloadTooLarge(f"the article is {size} bytes of UTF-8; the limit is {max_bytes}")
    return article, fmt


def _ninjs(item: object) -> str:
    """The item checked and stored as JSON text (the size limit applies to that text)."""
    try:
        checked = parse_item(item)
    except NinjsError as exc:
        raise Unprocessable(f"'ninjs': {exc}") from exc
    where = _nul_in(checked, "ninjs")
    if where:
        # JSON text escapes it, but the result document (a PostgreSQL JSON column) cannot.
        raise Unprocessable(f"'{where}' contains a NUL character (\\u0000); remove it")
    return dumps(checked)


def _nul_in(value: object, where: str) -> str | None:
    """The path of the first string (or key) in `value` holding a NUL, if any."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        items: Iterable[tuple[object, object]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, inner in items:
        step = f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}"
        found = _nul_in(key, step) if isinstance(key, str) else None
        found = found or _nul_in(inner, step)
        if found:
            return found
    return None


def _targets(targets: object, max_targets: int) -> tuple[str, ...]:
    if not isinstance(targets, list) or not targets:
        raise Unprocessable("'targets' must be a non-empty list of locale tags, e.g. ['ru-RU']")
    if not all(isinstance(t, str) for t in targets):
        raise Unprocessable("every entry of 'targets' must be a string such as 'en-GB'")
    if len(targets) > max_targets:
        raise Unprocessable(f"too many targets: {len(targets)} (at most {max_targets})")
    return tuple(dict.fromkeys(_target(t) for t in targets))


def _target(raw: str) -> str:
    try:
        tag = normalize_tag(raw)
        babel_locale(tag)
    except InvalidLanguageTag as exc:
        # The reason quotes the tag whole, so only a short one's is worth showing.
        reason = f": {exc}" if len(raw) <= 40 else ""
        raise BadRequest(
            f"unknown target locale {shown(raw)}; supported: {', '.join(DEFAULT_TARGETS)} "
            f"and any other locale CLDR knows (see GET /v1/locales){reason}"
        ) from exc
    return tag


def _source_language(value: object) -> str:
    if value is None or value == "auto":
        return "auto"
    supported = ", ".join(("auto", *SOURCE_LANGUAGES))
    problem = Unprocessable(f"'source_language' must be one of {supported}, not {shown(value)}")
    if not isinstance(value, str):
        raise problem
    try:
        tag = normalize_tag(value)
    except InvalidLanguageTag as exc:
        raise problem from exc
    if language_of(tag) not in SOURCE_LANGUAGES:
        raise problem
    return tag


def _choice(payload: dict, field: str, allowed: tuple[str, ...], default: str | None):
    value = payload.get(field)
    if value is None:
        return default
    if value not in allowed:
        raise Unprocessable(
            f"'{field}' must be one of {', '.join(allowed)}, not {shown(value)}"
        )
    return value


def _callback_url(value: object, allow: tuple[str, ...]) -> str | None:
    """The URL as given, once service.netguard finds it public (or in `allow`); DNS is left
    for send time, where the worker checks every address the name resolves to."""
    if value is None:
        return None
    try:
        check_callback_url(value, allow)
    except CallbackURLRefused as exc:
        raise Unprocessable(str(exc)) from exc
    assert isinstance(value, str)  # check_callback_url accepts strings only
    return value


def idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    blank = NOT_BLANK.search(value) is None
    if blank or len(value) > MAX_IDEMPOTENCY_KEY or _CONTROL.search(value):
        raise BadRequest(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters, e.g. a "
            f"UUID; got {len(value)} characters"
            + (", with a control character" if _CONTROL.search(value) else "")
        )
    return value
