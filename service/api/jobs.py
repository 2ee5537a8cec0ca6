"""Localization jobs: submit an article, then poll its status and result document.

The rules a submission must pass are in submission.py (shared with batches and the UI).
"""

from __future__ import annotations

import logging

from flask import Blueprint, request, url_for

from ..config import KNOWN_ENGINES, Settings
from ..core.locales import (
    NOT_BLANK,
    SOURCE_LANGUAGES,
    source_tag_pattern,
)
from ..domain import JOB_QUEUES, job_view
from ..netguard import MAX_URL_LENGTH
from ..usecases.submit import NotQueued, submit_job
from .auth import known_caller, require
from .errors import (
    NotFound,
    ServiceUnavailable,
    shown,
)
from .openapi import body, documented, ref
from .requests import NO_NUL, check_url_input, read_json, services
from .submission import (  # noqa: F401  (batches and tests import them from here too)
    ARTICLE_FIELDS,
    CONTROL_CLASS,
    FIELDS,
    JOB_ARTICLES,
    MAX_IDEMPOTENCY_KEY,
    NINJS,
    Submission,
    idempotency_key,
    parse_submission,
)

log = logging.getLogger(__name__)
bp = Blueprint("jobs", __name__, url_prefix="/v1/jobs")
bp.before_request(check_url_input)


LOCATION = {"description": "The job's URL", "required": True, "schema": {"type": "string"}}
# A NUL cannot be stored in PostgreSQL; other control characters are no one's key.


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


def one_article(fields: tuple[str, ...] = ARTICLE_FIELDS) -> list[dict]:
    return [{"required": [fmt]} for fmt in fields]


def ninjs_schema() -> dict:
    """The ninjs field as the API documents it; service.core.ninjs_schema checks the rest."""
    return {
        "type": "object",
        "description": "An IPTC ninjs item (1.x headline/subheadline/body_text/body_html, or "
                       "2.x headlines/bodies): its texts are localized, every other field "
                       "kept. 'uri' is required. As JSON text, at most max_article_bytes.",
        "required": ["uri"],
        "properties": {"uri": {"type": "string", "minLength": 1}},
    }


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
            NINJS: ninjs_schema(),
            **shared_fields(settings),
            "callback_url": nullable({
                "type": "string", "maxLength": MAX_URL_LENGTH,
                "pattern": "^[hH][tT][tT][pP][sS]?://",
                "description": "A public http(s) URL the result is POSTed to",
            }),
            "queue": nullable({"type": "string", "enum": [str(q) for q in JOB_QUEUES]}),
        },
        "required": ["targets"],
        "oneOf": one_article(JOB_ARTICLES),
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
