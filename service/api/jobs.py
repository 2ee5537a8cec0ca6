"""Localization jobs: submit an article, then poll its status and result document.

parse_submission holds every rule a submission must pass; it needs no Flask app.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, request, url_for

from ..config import KNOWN_ENGINES, Settings
from ..core.locales import (
    NOT_BLANK,
    SOURCE_LANGUAGES,
    InvalidLanguageTag,
    babel_locale,
    language_of,
    normalize_tag,
    source_tag_pattern,
)
from ..domain import DEFAULT_TARGETS, JOB_QUEUES, Queue, job_view
from ..netguard import MAX_URL_LENGTH, CallbackURLRefused, check_callback_url
from ..usecases.submit import JobRequest, NotQueued, submit_job
from .auth import known_caller, require
from .errors import (
    BadRequest,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Unprocessable,
    shown,
)
from .openapi import body, documented, ref
from .requests import NO_NUL, check_url_input, read_json, services

log = logging.getLogger(__name__)
bp = Blueprint("jobs", __name__, url_prefix="/v1/jobs")
bp.before_request(check_url_input)


ARTICLE_FIELDS = ("text", "html")
FIELDS = (*ARTICLE_FIELDS, "source_language", "targets", "engine", "callback_url", "queue")
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
    given = [fmt for fmt in ARTICLE_FIELDS if fmt in payload]
    if len(given) != 1:
        raise Unprocessable("give exactly one of 'text' or 'html'")
    fmt = given[0]
    article = payload[fmt]
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


LOCATION = {"description": "The job's URL", "required": True, "schema": {"type": "string"}}
# A NUL cannot be stored in PostgreSQL; other control characters are no one's key.
CONTROL_CLASS = r"\x00-\x1f\x7f"
_CONTROL = re.compile(f"[{CONTROL_CLASS}]")


# --------------------------------------------------------------------------- the schema
# Built from the constants the parser above reads; Schemathesis checks the two agree.


def nullable(schema: dict) -> dict:
    """`schema`, or null: the parser reads null as 'not given'. A type list where it can be
    one (generators handle it better than anyOf: they made 5.0 of an integer in an anyOf)."""
    if isinstance(schema.get("type"), str):
        widened = {**schema, "type": [schema["type"], "null"]}
        if "enum" in schema:
            widened["enum"] = [*schema["enum"], None]
        return widened
    return {"anyOf": [schema, {"type": "null"}]}


def article_schema(settings: Settings, fmt: str) -> dict:
    return {
        "type": "string",
        "description": f"The article as {'plain text' if fmt == 'text' else 'HTML'}: not blank, "
                       f"at most {settings.max_article_bytes} bytes of UTF-8.",
        # Characters: a looser bound than bytes, which JSON Schema cannot count.
        "maxLength": settings.max_article_bytes,
        "allOf": [{"pattern": NOT_BLANK.pattern}, {"pattern": NO_NUL}],
    }


def one_article() -> list[dict]:
    return [{"required": [fmt]} for fmt in ARTICLE_FIELDS]


def shared_fields(settings: Settings) -> dict[str, dict]:
    """The fields a batch shares with a job: targets, source language, engine."""
    return {
        "targets": {"type": "array", "items": ref("LocaleTag"), "minItems": 1,
                    "maxItems": settings.max_targets, "examples": [["ru-RU", "kk-Latn"]]},
        "source_language": nullable({"anyOf": [
            {"type": "string", "enum": ["auto"]},
            {"type": "string", "pattern": source_tag_pattern()},
        ], "description": f"auto (the default) or one of {', '.join(SOURCE_LANGUAGES)}"}),
        "engine": nullable({"type": "string", "enum": list(KNOWN_ENGINES)}),
    }


def submission_schema(settings: Settings) -> dict:
    return {
        "type": "object",
        "properties": {
            **{fmt: article_schema(settings, fmt) for fmt in ARTICLE_FIELDS},
            **shared_fields(settings),
            "callback_url": nullable({
                "type": "string", "maxLength": MAX_URL_LENGTH,
                "pattern": "^[hH][tT][tT][pP][sS]?://",
                "description": "A public http(s) URL the result is POSTed to",
            }),
            "queue": nullable({"type": "string", "enum": [str(q) for q in JOB_QUEUES]}),
        },
        "required": ["targets"],
        "oneOf": one_article(),
        "additionalProperties": False,
    }


IDEMPOTENCY_KEY_SCHEMA = {
    "type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY,
    "allOf": [{"pattern": f"^[^{CONTROL_CLASS}]*$"}, {"pattern": NOT_BLANK.pattern}],
}
assert set(FIELDS) == set(submission_schema(Settings()).get("properties", {}))


@bp.post("")
@documented(
    request=submission_schema,
    responses={
        202: body("Job queued", ref("JobAccepted"), headers={"Location": LOCATION}),
        200: body("Same Idempotency-Key and body: the earlier job", ref("JobAccepted"),
                  headers={"Location": LOCATION}),
        400: "Bad JSON, bad Idempotency-Key or unknown target locale",
        413: "Article too large", 415: "Not JSON",
        422: "Invalid field, or an Idempotency-Key used before for another body",
        503: "Database or task queue unavailable",
    },
    headers={"Idempotency-Key": IDEMPOTENCY_KEY_SCHEMA},
)
@require("editor", "admin")
def submit():
    """Submit an article for localization."""
    submission = parse_submission(read_json(), services().settings)
    key = idempotency_key(request.headers.get("Idempotency-Key"))
    app = services()
    try:
        job, created = submit_job(submission, known_caller()["id"], key, app.jobs, app.enqueue)
    except NotQueued as exc:
        raise ServiceUnavailable(exc.message) from exc
    location = url_for("jobs.get_job", job_id=job["id"])
    body = {"id": job["id"], "status": job["status"], "links": {"self": location}}
    return body, 202 if created else 200, {"Location": location}


@bp.get("/<job_id>")
@documented(responses={200: body("The job, with its result document when done", ref("Job")),
                       404: "No such job"})
@require("editor", "admin")
def get_job(job_id: str):
    """A job's status, its history and, once done, the result document."""
    caller = known_caller()
    # Editors see only their own jobs; for them another key's job does not exist.
    owner = caller["id"] if caller["role"] == "editor" else None
    job = services().jobs.get(job_id, api_key_id=owner)
    if job is None:
        raise NotFound(f"no job {shown(job_id)}")
    return job_view(job, services().jobs.document(job_id) if job["status"] == "done" else None)
