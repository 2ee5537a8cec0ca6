"""Batches: submit up to MAX_NDJSON_ITEMS articles at once on the batch queue, follow their
progress, download every result as JSON lines or a zip of text files, cancel what has not
started, retry what failed.

Two bodies are accepted. A JSON object {"items": [...], "targets": [...]} (at most
MAX_BATCH_ITEMS items, within max_batch_bytes) is checked whole first, and any bad item refuses
the request naming it. NDJSON (application/x-ndjson), one item per line, is read as a stream,
line by line, and stored in pages as it arrives, so the body is never held whole; a line that
cannot be read becomes a failed item with its line number and the rest run.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import IO, cast

from flask import Blueprint, Response, current_app, request, stream_with_context, url_for

from ..config import Settings
from ..queueing import BATCH_CHUNK_SIZE, SEND_CHUNK
from ..store.batches import BatchStore, Item
from ..usecases.submit import (
    BatchIntake,
    NotQueued,
    SendChunk,
    one_message_per_job,
    queue_batch,
)
from ..usecases.submit import submit_batch as store_and_queue
from .auth import known_caller, require
from .errors import (
    ApiError,
    BadRequest,
    Conflict,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Unprocessable,
    UnsupportedMediaType,
    shown,
)
from .jobs import article_schema, nullable, one_article, shared_fields
from .openapi import body, documented, ref
from .requests import check_text, check_url_input, parse_json_bytes, read_json, services
from .submission import ARTICLE_FIELDS, JOB_ARTICLES, Submission, parse_submission

log = logging.getLogger(__name__)
bp = Blueprint("batches", __name__, url_prefix="/v1/batches")
bp.before_request(check_url_input)

NDJSON = "application/x-ndjson"
MAX_BATCH_ITEMS = 1000  # in a JSON body; larger batches are sent as NDJSON
MAX_NDJSON_ITEMS = 100_000
# An NDJSON body may exceed max_batch_bytes (it is never held whole): up to 100,000 articles of
# a few kilobytes each, with room to spare. Larger archives are split into several batches.
MAX_NDJSON_BYTES = 2 * 1024**3
MAX_ITEM_ID = 200
MAX_NAME = 200  # the column's width
SHARED_FIELDS = ("targets", "source_language", "engine")
FIELDS = ("items", *SHARED_FIELDS, "name")
ITEM_FIELDS = (*ARTICLE_FIELDS, "id")
LINE_FIELDS = (*JOB_ARTICLES, "id", "targets", "source_language")
HEADER_FIELDS = ("targets", "name", "source_language", "engine")
FORMATS = ("jsonl", "zip")
PLACEHOLDER_TARGET = "en-GB"


# --------------------------------------------------------------------------- JSON bodies


@dataclass(frozen=True)
class BatchSubmission:
    items: tuple[Item, ...]
    name: str = ""


def parse_batch(payload: object, settings: Settings) -> BatchSubmission:
    """A validated JSON batch; raises an ApiError whose message names the field or the item."""
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
        name=_name(payload.get("name")),
    )


def _items(items: object) -> list:
    if not isinstance(items, list) or not items:
        raise Unprocessable("'items' must be a non-empty list of {text|html, id?} objects")
    if len(items) > MAX_BATCH_ITEMS:
        raise Unprocessable(
            f"too many items: {len(items)} (at most {MAX_BATCH_ITEMS} in a JSON body; send "
            f"up to {MAX_NDJSON_ITEMS} as {NDJSON}, one item per line)"
        )
    return items


def _item(index: int, item: object, common: Submission, settings: Settings) -> Item:
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
        return Item(id=_item_id(item.get("id"), index), text=parsed.text, fmt=parsed.fmt,
                    targets=common.targets, source_language=common.source_language,
                    engine=common.engine)
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
    """The largest JSON batch body: settings.max_batch_bytes (each item is still held to
    max_article_bytes), so one request cannot ask the API to hold gigabytes in memory."""
    return settings.max_batch_bytes


# --------------------------------------------------------------------------- NDJSON bodies


@dataclass(frozen=True)
class Defaults:
    """What an NDJSON line does not say: from the header line, else the query string."""

    targets: tuple[str, ...] | None = None
    source_language: str = "auto"
    engine: str | None = None
    name: str = ""


def line_limit(settings: Settings) -> int:
    """The longest NDJSON line read: an article at max_article_bytes with room for JSON escapes
    and the other fields. A longer line is skipped unread and fails as too long."""
    return 2 * settings.max_article_bytes + 64 * 1024


def read_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number from 1, its bytes) for every line of `stream`, reading at most limit + 1
    bytes at a time; a line longer than `limit` comes as None, its rest read and dropped."""
    number = 0
    while line := stream.readline(limit + 1):
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(limit + 1)) and not rest.endswith(b"\n"):
                pass
            yield number, None
        else:
            yield number, line


def query_defaults(settings: Settings) -> Defaults:
    """The batch's defaults from ?targets=a,b&source_language=en&engine=...&name=...; a bad
    value refuses the request. With every default in the query, the body holds only items, so
    its line numbers are the lines of the client's own file (`audarma batch submit` does so)."""
    name = request.args.get("name", "")
    if len(name) > MAX_NAME:
        raise BadRequest(f"query parameter 'name' is {len(name)} characters; at most "
                         f"{MAX_NAME} are allowed")
    given = {key: request.args[key] for key in SHARED_FIELDS if key in request.args}
    if not given:
        return Defaults(name=name)
    fields: dict[str, object] = {"text": "-", "targets": [PLACEHOLDER_TARGET]}
    for key, value in given.items():  # one at a time, so an error names its parameter
        if key == "targets":
            fields[key] = [tag.strip() for tag in value.split(",") if tag.strip()]
        else:
            fields[key] = value
        try:
            parsed = parse_submission(fields, settings)
        except ApiError as exc:
            raise BadRequest(f"query parameter '{key}': {exc.message}") from exc
    return Defaults(targets=parsed.targets if "targets" in given else None,
                    source_language=parsed.source_language, engine=parsed.engine, name=name)


def header_defaults(header: object, defaults: Defaults, settings: Settings) -> Defaults:
    """Defaults from the first line's {"batch": {...}}, over those of the query string."""
    if not isinstance(header, dict):
        raise Unprocessable("line 1: 'batch' must be an object")
    unknown = [key for key in header if key not in HEADER_FIELDS]
    if unknown:
        raise Unprocessable(f"line 1: unknown field 'batch.{unknown[0]}'; allowed: "
                            f"{', '.join(HEADER_FIELDS)}")
    shared = {k: header[k] for k in SHARED_FIELDS if k in header}
    shared.setdefault("targets", [PLACEHOLDER_TARGET])  # checked only when given
    try:
        parsed = parse_submission({"text": "-", **shared}, settings)
        name = _name(header["name"]) if "name" in header else defaults.name
    except ApiError as exc:
        raise type(exc)(f"line 1: 'batch': {exc.message}") from exc
    return Defaults(
        targets=parsed.targets if "targets" in header else defaults.targets,
        source_language=parsed.source_language, engine=parsed.engine, name=name,
    )


def parse_line(raw: bytes | None, number: int, position: int, defaults: Defaults,
               settings: Settings) -> Item:
    """One NDJSON line as an item: runnable, or failed with an error naming the line."""
    item_id = str(position)
    try:
        if raw is None:
            raise PayloadTooLarge(f"the line is longer than {line_limit(settings)} bytes")
        value = parse_json_bytes(raw)
        if not isinstance(value, dict):
            raise Unprocessable("expected a JSON object with 'text' or 'html'")
        item_id = _item_id(value.get("id"), position)
        check_text(item_id, "'id'")
        return _line_item(value, item_id, number, defaults, settings)
    except ApiError as exc:
        message = exc.message.replace("request body", "the line")
        return Item(id=item_id, line=number, error=f"line {number}: {message}")


def _line_item(value: dict, item_id: str, number: int, defaults: Defaults,
               settings: Settings) -> Item:
    unknown = [key for key in value if key not in LINE_FIELDS]
    if unknown:
        raise Unprocessable(f"unknown field {shown(unknown[0])}; allowed: "
                            f"{', '.join(LINE_FIELDS)}")
    targets = value.get("targets", list(defaults.targets or ()))
    if not targets:
        raise Unprocessable("no 'targets': give them on the line, in a first line "
                            '{"batch": {"targets": [...]}}, or as ?targets=ru-RU,de-DE')
    fields = {k: value[k] for k in (*JOB_ARTICLES, "source_language") if k in value}
    parsed = parse_submission(
        {"source_language": defaults.source_language, **fields, "targets": targets,
         "engine": defaults.engine}, settings,
    )
    return Item(id=item_id, line=number, text=parsed.text, fmt=parsed.fmt,
                targets=parsed.targets, source_language=parsed.source_language,
                engine=parsed.engine)


def ndjson_items(lines: Iterable[tuple[int, bytes | None]], defaults: Defaults,
                 settings: Settings) -> tuple[Defaults, Iterator[Item]]:
    """The batch's defaults (a header line may set them) and its items, one per non-blank line,
    read lazily. Raises PayloadTooLarge past MAX_NDJSON_ITEMS, while the items are read."""
    lines = iter(lines)
    first = next(((n, raw) for n, raw in lines if raw is None or raw.strip()), None)
    if first is not None:
        header = _header(first[1])
        if header is not None:
            defaults = header_defaults(header, defaults, settings)
            first = None

    def items() -> Iterator[Item]:
        rest = lines if first is None else _chain(first, lines)
        position = 0
        for number, raw in rest:
            if raw is not None and not raw.strip():
                continue  # blank lines (a trailing newline, spacing) are not items
            if position == MAX_NDJSON_ITEMS:
                raise PayloadTooLarge(
                    f"line {number}: more than {MAX_NDJSON_ITEMS} items; split the archive "
                    "into several batches")
            yield parse_line(raw, number, position, defaults, settings)
            position += 1

    return defaults, items()


def _chain(first: tuple[int, bytes | None], rest: Iterator[tuple[int, bytes | None]]
           ) -> Iterator[tuple[int, bytes | None]]:
    yield first
    yield from rest


def _header(raw: bytes | None) -> object:
    """The value of {"batch": ...} when the line is a header line, else None."""
    if raw is None or b'"batch"' not in raw:
        return None
    try:
        value = parse_json_bytes(raw)
    except ApiError:
        return None  # not readable: it fails as an item, with its line
    if isinstance(value, dict) and list(value) == ["batch"]:
        return value["batch"]
    return None


# --------------------------------------------------------------------------- service helpers


def store() -> BatchStore:
    return BatchStore(services().db, services().jobs.leases)


def chunk_sender() -> tuple[SendChunk, int]:
    """How this app hands batch jobs to the workers: chunk tasks when it has a Celery app;
    else (built with an enqueue function: tests, tools) one message per job."""
    send = current_app.extensions.get(SEND_CHUNK)
    if send is not None:
        return send, BATCH_CHUNK_SIZE
    return one_message_per_job(services().enqueue), 1


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
    view["results_url"] = f"{base}/results"
    return view


def ndjson(records: Iterator[dict]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


class _Pipe:
    """A write-only, unseekable file for zipfile: what it writes waits here until the
    response's generator takes it, so the archive is sent as it is made."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def file_safe(name: str, position: int) -> str:
    """A name that is one safe path segment: unchanged when it already is one, else its unsafe
    characters replaced and '~position' added, so two ids never share a folder."""
    safe = _UNSAFE.sub("_", name)[:100]
    if safe == name and safe not in ("", ".", ".."):
        return name
    return f"{safe.lstrip('.') or 'item'}~{position}"


def missing_texts(records: Iterator[dict]) -> Iterator[dict]:
    """For errors.jsonl: each locale of a done item that has no text (no engine served it),
    with the version's warnings as its error."""
    for record in records:
        for locale, version in record.get("result", {}).get("versions", {}).items():
            if not isinstance(version.get("text"), str):
                yield {"id": record["id"], "line": record["line"], "status": record["status"],
                       "locale": locale,
                       "error": "; ".join(version.get("warnings") or ["no text"])}


def zip_archive(records: Iterator[dict], problems: Iterator[dict]) -> Iterator[bytes]:
    """`<id>/<locale>.txt` for every localized version of every done item, then errors.jsonl
    with the `problems` (items not done, locales without text); yielded as it is compressed."""
    pipe = _Pipe()
    sink = cast(IO[bytes], pipe)  # zipfile needs write and flush only
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            folder = file_safe(record["id"], record["index"])
            versions = record.get("result", {}).get("versions", {})
            for locale, version in versions.items():
                if isinstance(version.get("text"), str):
                    archive.writestr(f"{folder}/{file_safe(locale, 0)}.txt", version["text"])
            yield pipe.take()
        with archive.open("errors.jsonl", "w") as errors:
            for problem in problems:
                errors.write((json.dumps(problem, ensure_ascii=False) + "\n").encode())
                yield pipe.take()
    yield pipe.take()


# --------------------------------------------------------------------------- views

LOCATION = {"description": "The batch's URL", "required": True, "schema": {"type": "string"}}
SUBMIT_QUERY = {
    "targets": {"type": "string", "maxLength": 1000,
                "description": f"{NDJSON} only: the batch's target locales, comma-separated "
                               "(a header line or an item's own targets win)"},
    "source_language": {"type": "string", "maxLength": 35,
                        "description": f"{NDJSON} only: the items' source language (en, ru, "
                                       "kk or auto; a header line or an item's own wins)"},
    "engine": {"type": "string", "maxLength": 32,
               "description": f"{NDJSON} only: the engine every item is translated with "
                              "(a header line wins)"},
    "name": {"type": "string", "maxLength": MAX_NAME,
             "description": f"{NDJSON} only: the batch's name (a header line wins)"},
}
RESULTS_QUERY = {
    "format": {"type": "string", "enum": list(FORMATS),
               "description": "jsonl (default): one JSON line per item; zip: "
                              "<id>/<locale>.txt per version and errors.jsonl"},
}


def batch_schema(settings: Settings) -> dict:
    """The JSON request body POST /v1/batches takes, from the constants parse_batch reads."""
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
        "description": f"Or send {NDJSON}: one item per line (docs/batches.md).",
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
    query=SUBMIT_QUERY,
    responses={202: body("Batch stored and queued", ref("Batch"), headers={"Location": LOCATION}),
               400: "Bad JSON, a bad query parameter or an unknown target locale",
               413: "An item or the body is too large, or too many items",
               415: "Neither JSON nor NDJSON",
               422: "Invalid field or item (the message names the item)",
               503: "Database or task queue unavailable"},
)
@require("editor", "admin")
def submit_batch():
    """Submit many articles at once (JSON, or NDJSON streamed line by line); each becomes a job
    on the batch queue, run in chunks."""
    if request.mimetype == NDJSON:
        intake = _submit_ndjson(services().settings)
    else:
        intake = _submit_json(services().settings)
    view = batch_view(store().get(intake.batch_id) or {})
    view.update(accepted=intake.accepted, failed=intake.stored - intake.accepted,
                url=view["links"]["self"])
    return view, 202, {"Location": view["links"]["self"]}


def _submit_json(settings: Settings) -> BatchIntake:
    if request.args:
        raise BadRequest("query parameters 'targets' and 'name' are for NDJSON bodies; "
                         "give them in the JSON body")
    request.max_content_length = batch_body_limit(settings)
    submission = parse_batch(read_json(), settings)
    send, chunk_size = chunk_sender()
    try:
        return store_and_queue(known_caller()["id"], submission.items, submission.name,
                               store(), services().jobs, send, chunk_size)
    except NotQueued as exc:
        raise ServiceUnavailable(exc.message) from exc


def _submit_ndjson(settings: Settings) -> BatchIntake:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"NDJSON must be sent as UTF-8, not charset={charset}")
    request.max_content_length = MAX_NDJSON_BYTES
    if request.content_length is not None and request.content_length > MAX_NDJSON_BYTES:
        raise PayloadTooLarge(f"request body is {request.content_length} bytes; the limit for "
                              f"{NDJSON} is {MAX_NDJSON_BYTES} bytes")
    # Werkzeug's input stream reads a line a byte at a time; a buffer reads 64 KiB at once.
    stream = io.BufferedReader(cast(io.RawIOBase, request.stream), buffer_size=64 * 1024)
    lines = read_lines(stream, line_limit(settings))
    defaults, items = ndjson_items(lines, query_defaults(settings), settings)
    batches = store()
    send, chunk_size = chunk_sender()
    intake = BatchIntake(batches.open(known_caller()["id"], defaults.name), batches,
                         services().jobs, send, chunk_size)
    try:
        for item in items:
            intake.add(item)
        intake.finish()
    except NotQueued as exc:
        raise ServiceUnavailable(exc.message) from exc
    except (ApiError, OSError, ValueError):
        # Refused half-way (too many items, a body over the limit, a client that hung up):
        # nothing of it runs, so sending it again cannot run anything twice.
        intake.abandon()
        raise
    if intake.stored == 0:
        intake.abandon()
        raise Unprocessable(f"the {NDJSON} body has no items: give one JSON object per line")
    return intake


@bp.get("/<batch_id>")
@documented(responses={200: body("The batch's progress: counts, rate, ETA, failed items",
                                 ref("Batch")),
                       404: "No such batch"})
@require("editor", "admin")
def get_batch(batch_id: str):
    """A batch's progress: its items by status, items per second, the time left, and the first
    failed items with their errors."""
    return batch_view(visible_batch(batch_id))


@bp.get("/<batch_id>/results")
@documented(
    query=RESULTS_QUERY,
    responses={200: {"description": "Every item in submission order: JSON lines, or a zip",
                     "content": {NDJSON: {"schema": ref("BatchResult")},
                                 "application/zip": {"schema": {"type": "string",
                                                                "format": "binary"}}}},
               400: "Unknown format",
               404: "No such batch"},
)
@require("editor", "admin")
def get_results(batch_id: str):
    """Download every item's result document or error, streamed: one JSON line per item
    (format=jsonl), or a zip of <id>/<locale>.txt files with errors.jsonl (format=zip)."""
    fmt = request.args.get("format", "jsonl")
    if fmt not in FORMATS:
        raise BadRequest(f"query parameter 'format' must be one of {', '.join(FORMATS)}, "
                         f"not {shown(fmt)}")
    visible_batch(batch_id)
    batches = store()
    disposition = f'attachment; filename="{batch_id}.{fmt}"'
    if fmt == "zip":
        problems = chain(batches.problems(batch_id), missing_texts(batches.results(batch_id)))
        archive = zip_archive(batches.results(batch_id), problems)
        return Response(stream_with_context(archive), mimetype="application/zip",
                        headers={"Content-Disposition": disposition})
    records = stream_with_context(ndjson(batches.results(batch_id)))
    return Response(records, mimetype=NDJSON, headers={"Content-Disposition": disposition})


@bp.post("/<batch_id>/cancel")
@documented(responses={200: body("Queued items cancelled; running ones finish", ref("Batch")),
                       404: "No such batch"})
@require("editor", "admin")
def cancel_batch(batch_id: str):
    """Cancel a batch: its queued items are cancelled, running ones finish."""
    visible_batch(batch_id)
    cancelled = store().cancel(batch_id)
    return {**batch_view(visible_batch(batch_id)), "cancelled_jobs": cancelled}


RETRY_DOC = documented(responses={200: body("Failed items queued again", ref("Batch")),
                                  404: "No such batch",
                                  409: "The batch was cancelled",
                                  503: "Task queue unavailable"})


@bp.post("/<batch_id>/retry")
@RETRY_DOC
@require("editor", "admin")
def retry_batch(batch_id: str):
    """Queue a batch's failed items again (not the cancelled ones, nor lines that could not
    be read: they would fail the same way)."""
    return retry(batch_id)


@bp.post("/<batch_id>/retry-failed")
@RETRY_DOC
@require("editor", "admin")
def retry_failed(batch_id: str):
    """The same as POST /v1/batches/{batch_id}/retry (its first name)."""
    return retry(batch_id)


def retry(batch_id: str) -> dict:
    if visible_batch(batch_id)["cancelled"]:
        raise Conflict(f"batch {batch_id} was cancelled; submit its items again instead")
    batches = store()
    job_ids = batches.reset_for_retry(batches.failed_jobs(batch_id))
    send, chunk_size = chunk_sender()
    try:
        queue_batch(batch_id, job_ids, batches, services().jobs, send, chunk_size)
    except NotQueued as exc:
        raise ServiceUnavailable(exc.message) from exc
    return {**batch_view(visible_batch(batch_id)), "retried_jobs": len(job_ids)}

