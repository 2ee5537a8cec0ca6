"""Batches: submit up to MAX_BATCH_ITEMS articles at once on the batch queue, follow their
progress, download every result as NDJSON, cancel what has not started, retry what failed.

parse_batch holds the rules a batch must pass; every item is checked like a single job
(parse_submission), and an error names the item it is about.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Blueprint, Response, request, stream_with_context, url_for

from ..config import Settings
from ..store.batches import BatchStore
from ..usecases.submit import NotQueued, queue_batch
from ..usecases.submit import submit_batch as submit_batch_of_jobs
from .auth import known_caller, require
from .errors import (
    ApiError,
    BadRequest,
    Conflict,
    NotFound,
    ServiceUnavailable,
    Unprocessable,
    shown,
)
from .jobs import (
    ARTICLE_FIELDS,
    Submission,
    article_schema,
    nullable,
    one_article,
    parse_submission,
    shared_fields,
)
from .openapi import body, documented, ref
from .requests import check_url_input, read_json, services

log = logging.getLogger(__name__)
bp = Blueprint("batches", __name__, url_prefix="/v1/batches")
bp.before_request(check_url_input)

MAX_BATCH_ITEMS = 1000
MAX_ITEM_ID = 200
MAX_NAME = 200  # the column's width
SHARED_FIELDS = ("targets", "source_language", "engine")
FIELDS = ("items", *SHARED_FIELDS, "name")
ITEM_FIELDS = (*ARTICLE_FIELDS, "id")


@dataclass(frozen=True)
class BatchSubmission:
    items: tuple[dict, ...]  # {"text", "fmt", "id"}
    targets: tuple[str, ...]
    source_language: str = "auto"
    engine: str | None = None
    name: str = ""


def parse_batch(payload: object, settings: Settings) -> BatchSubmission:
    """A validated batch; raises an ApiError whose message names the field or the item."""
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object")
    unknown = [key for key in payload if key not in FIELDS]
    if unknown:
        raise Unprocessable(f"unknown field {shown(unknown[0])}; allowed: {', '.join(FIELDS)}")
    items = _items(payload.get("items"))
    # The batch-wide fields are checked once, as a job with a placeholder article.
    shared = {k: payload[k] for k in SHARED_FIELDS if k in payload}
    common = parse_submission({"text": "-", **shared}, settings)
    return BatchSubmission(
        items=tuple(_item(index, item, common, settings) for index, item in enumerate(items)),
        targets=common.targets,
        source_language=common.source_language,
        engine=common.engine,
        name=_name(payload.get("name")),
    )


def _items(items: object) -> list:
    if not isinstance(items, list) or not items:
        raise Unprocessable("'items' must be a non-empty list of {text|html, id?} objects")
    if len(items) > MAX_BATCH_ITEMS:
        raise Unprocessable(f"too many items: {len(items)} (at most {MAX_BATCH_ITEMS} per batch)")
    return items


def _item(index: int, item: object, common: Submission, settings: Settings) -> dict:
    try:
        if not isinstance(item, dict):
            raise Unprocessable("must be an object with 'text' or 'html'")
        unknown = [key for key in item if key not in ITEM_FIELDS]
        if unknown:
            raise Unprocessable(
                f"unknown field {shown(unknown[0])}; allowed: {', '.join(ITEM_FIELDS)}"
            )
        article = {k: item[k] for k in ARTICLE_FIELDS if k in item}
        parsed = parse_submission({**article, "targets": list(common.targets)}, settings)
        return {"text": parsed.text, "fmt": parsed.fmt, "id": _item_id(item.get("id"), index)}
    except ApiError as exc:
        raise type(exc)(f"items[{index}]: {exc.message}") from exc


def _item_id(value: object, index: int) -> str:
    if value is None:
        return str(index)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Unprocessable("'id' must be a string or an integer")
    value = str(value)
    if not value or len(value) > MAX_ITEM_ID:
        raise Unprocessable(f"'id' must be 1 to {MAX_ITEM_ID} characters")
    return value


def _name(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_NAME:
        raise Unprocessable(f"'name' must be a string of at most {MAX_NAME} characters")
    return value


def batch_body_limit(settings: Settings) -> int:
    """The largest batch request body: settings.max_batch_bytes (each item is still held to
    max_article_bytes), so one request cannot ask the API to hold gigabytes in memory."""
    return settings.max_batch_bytes


# --------------------------------------------------------------------------- service helpers


def store() -> BatchStore:
    return BatchStore(services().db, services().jobs.leases)


def queue_jobs(batch_id: str, job_ids: list[str]) -> None:
    try:
        queue_batch(batch_id, job_ids, services().jobs, services().enqueue)
    except NotQueued as exc:
        raise ServiceUnavailable(exc.message) from exc


def visible_batch(batch_id: str) -> dict:
    """The batch, if the caller may see it: editors see only their own; else 404."""
    caller = known_caller()
    owner = caller["id"] if caller["role"] == "editor" else None
    batch = store().get(batch_id, api_key_id=owner)
    if batch is None:
        raise NotFound(f"no batch {shown(batch_id)}")
    return batch


def batch_view(batch: dict) -> dict:
    view = {key: value for key, value in batch.items() if key != "api_key_id"}
    base = url_for("batches.get_batch", batch_id=batch["id"])
    view["links"] = {"self": base, "results": f"{base}/results"}
    return view


def ndjson(records: Iterator[dict]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- views

LOCATION = {"description": "The batch's URL", "required": True, "schema": {"type": "string"}}

def batch_schema(settings: Settings) -> dict:
    """The request body POST /v1/batches takes, from the constants parse_batch reads."""
    shared = shared_fields(settings)
    item = {
        "type": "object",
        "properties": {
            **{fmt: article_schema(settings, fmt) for fmt in ARTICLE_FIELDS},
            "id": {"anyOf": [
                {"type": "string", "minLength": 1, "maxLength": MAX_ITEM_ID},
                {"type": "integer"},
                {"type": "null"},
            ], "description": "Your name for the item (default: its index)"},
        },
        "oneOf": one_article(),
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": item, "minItems": 1,
                      "maxItems": MAX_BATCH_ITEMS},
            **{name: shared[name] for name in SHARED_FIELDS},
            "name": nullable({"type": "string", "maxLength": MAX_NAME}),
        },
        "required": ["items", "targets"],
        "additionalProperties": False,
    }


@bp.post("")
@documented(
    request=batch_schema,
    responses={202: body("Batch queued", ref("Batch"), headers={"Location": LOCATION}),
               400: "Bad JSON or unknown target locale",
               413: "An item or the body is too large", 415: "Not JSON",
               422: "Invalid field or item (the message names the item)",
               503: "Database or task queue unavailable"},
)
@require("editor", "admin")
def submit_batch():
    """Submit many articles at once; each becomes a job on the batch queue."""
    settings = services().settings
    request.max_content_length = batch_body_limit(settings)
    batch_submission = parse_batch(read_json(), settings)
    app = services()
    try:
        batch = submit_batch_of_jobs(
            known_caller()["id"], batch_submission.items, batch_submission.targets,
            batch_submission.source_language, batch_submission.engine, batch_submission.name,
            store(), app.jobs, app.enqueue,
        )
    except NotQueued as exc:
        raise ServiceUnavailable(exc.message) from exc
    view = batch_view(batch)
    return view, 202, {"Location": view["links"]["self"]}


@bp.get("/<batch_id>")
@documented(responses={200: body("The batch's progress: job counts by status", ref("Batch")),
                       404: "No such batch"})
@require("editor", "admin")
def get_batch(batch_id: str):
    """A batch's progress: how many of its jobs are queued, running, done and failed."""
    return batch_view(visible_batch(batch_id))


@bp.get("/<batch_id>/results")
@documented(responses={200: body("One JSON line per item, in submission order",
                            ref("BatchResult"), media_type="application/x-ndjson"),
                       404: "No such batch"})
@require("editor", "admin")
def get_results(batch_id: str):
    """Download every item's result document or error, one JSON line per item."""
    visible_batch(batch_id)
    records = stream_with_context(ndjson(store().results(batch_id)))
    disposition = f'attachment; filename="{batch_id}.jsonl"'
    return Response(records, mimetype="application/x-ndjson",
                    headers={"Content-Disposition": disposition})


@bp.post("/<batch_id>/cancel")
@documented(responses={200: body("Queued jobs cancelled; running jobs finish", ref("Batch")),
                       404: "No such batch"})
@require("editor", "admin")
def cancel_batch(batch_id: str):
    """Cancel a batch: its queued jobs fail with "cancelled", running ones finish."""
    visible_batch(batch_id)
    cancelled = store().cancel(batch_id)
    return {**batch_view(visible_batch(batch_id)), "cancelled_jobs": cancelled}


@bp.post("/<batch_id>/retry-failed")
@documented(responses={200: body("Failed jobs queued again", ref("Batch")),
                       404: "No such batch",
                       409: "The batch was cancelled", 503: "Task queue unavailable"})
@require("editor", "admin")
def retry_failed(batch_id: str):
    """Queue a batch's failed jobs again."""
    if visible_batch(batch_id)["cancelled"]:
        raise Conflict(f"batch {batch_id} was cancelled; submit its items again instead")
    batches = store()
    job_ids = batches.reset_for_retry(batches.failed_jobs(batch_id))
    queue_jobs(batch_id, job_ids)
    return {**batch_view(visible_batch(batch_id)), "retried_jobs": len(job_ids)}
