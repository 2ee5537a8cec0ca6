"""Localization jobs: submit an article, then poll its status and result document.

parse_submission holds every rule a submission must pass; it needs no Flask app.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, request, url_for

from ..config import KNOWN_ENGINES, Settings
from ..core.locales import (
    SOURCE_LANGUAGES,
    InvalidLanguageTag,
    babel_locale,
    language_of,
    normalize_tag,
)
from ..domain import DEFAULT_TARGETS, QUEUES, Queue, job_view
from ..usecases.submit import JobRequest, NotQueued, submit_job
from .auth import known_caller, require
from .errors import (
    BadRequest,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Unprocessable,
)
from .openapi import documented
from .requests import read_json, services

log = logging.getLogger(__name__)
bp = Blueprint("jobs", __name__, url_prefix="/v1/jobs")


FIELDS = ("text", "html", "source_language", "targets", "engine", "callback_url", "queue")
MAX_IDEMPOTENCY_KEY = 200  # the column's width


# A validated submission; the use case that stores and queues it takes exactly this.
Submission = JobRequest


def parse_submission(payload: object, settings: Settings) -> Submission:
    """A validated job submission; raises an ApiError whose message names the problem."""
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object")
    unknown = [key for key in payload if key not in FIELDS]
    if unknown:
        raise Unprocessable(f"unknown field {unknown[0]!r}; allowed: {', '.join(FIELDS)}")
    text, fmt = _article(payload, settings.max_article_bytes)
    return Submission(
        text=text,
        fmt=fmt,
        targets=_targets(payload.get("targets"), settings.max_targets),
        source_language=_source_language(payload.get("source_language")),
        engine=_choice(payload, "engine", KNOWN_ENGINES, default=None),
        callback_url=_callback_url(payload.get("callback_url")),
        queue=_choice(payload, "queue", QUEUES, default=Queue.INTERACTIVE),
    )


def _article(payload: dict, max_bytes: int) -> tuple[str, str]:
    given = [fmt for fmt in ("text", "html") if fmt in payload]
    if len(given) != 1:
        raise Unprocessable("give exactly one of 'text' or 'html'")
    fmt = given[0]
    article = payload[fmt]
    if not isinstance(article, str) or not article.strip():
        raise Unprocessable(f"'{fmt}' must be a non-empty string")
    try:
        size = len(article.encode("utf-8"))
    except UnicodeEncodeError as exc:
        # json.loads accepts "\ud800"; such a string cannot be stored or translated.
        raise Unprocessable(
            f"'{fmt}' contains an unpaired surrogate at character {exc.start}"
        ) from exc
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
        raise BadRequest(
            f"unknown target locale {raw!r}; supported: {', '.join(DEFAULT_TARGETS)} "
            "and any other locale CLDR knows (see GET /v1/locales)"
        ) from exc
    return tag


def _source_language(value: object) -> str:
    if value is None or value == "auto":
        return "auto"
    supported = ", ".join(("auto", *SOURCE_LANGUAGES))
    problem = Unprocessable(f"'source_language' must be one of {supported}, not {value!r}")
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
        raise Unprocessable(f"'{field}' must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _callback_url(value: object) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise Unprocessable(f"'callback_url' must be an http(s) URL, not {value!r}")
    assert isinstance(value, str)  # urlsplit parsed it
    return value


def idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_IDEMPOTENCY_KEY:
        raise BadRequest(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters, e.g. a UUID"
        )
    return value


SUBMISSION_SCHEMA = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "description": "The article as plain text."},
        "html": {"type": "string", "description": "The article as HTML (instead of text)."},
        "source_language": {"type": "string", "enum": ["auto", *SOURCE_LANGUAGES]},
        "targets": {"type": "array", "items": {"type": "string"}, "example": ["ru-RU"]},
        "engine": {"type": "string", "enum": list(KNOWN_ENGINES)},
        "callback_url": {"type": "string", "format": "uri"},
        "queue": {"type": "string", "enum": list(QUEUES)},
    },
    "required": ["targets"],
}


@bp.post("")
@documented(
    request=SUBMISSION_SCHEMA,
    responses={202: "Job queued", 200: "Same Idempotency-Key and body: the earlier job",
               400: "Bad JSON or unknown target locale", 413: "Article too large",
               415: "Not JSON", 422: "Invalid field", 503: "Task queue unavailable"},
    headers=["Idempotency-Key"],
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
@documented(responses={200: "The job, with its result document when done", 404: "No such job"})
@require("editor", "maintainer", "admin")
def get_job(job_id: str):
    """A job's status, its history and, once done, the result document."""
    caller = known_caller()
    # Editors see only their own jobs; for them another key's job does not exist.
    owner = caller["id"] if caller["role"] == "editor" else None
    job = services().jobs.get(job_id, api_key_id=owner)
    if job is None:
        raise NotFound(f"no job {job_id!r}")
    return job_view(job, services().jobs.document(job_id) if job["status"] == "done" else None)
