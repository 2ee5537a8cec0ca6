"""The live glossary over HTTP: entries with optimistic locking, and candidate spellings.

Writes name the version they change (If-Match), so two maintainers cannot overwrite each other.
"""

from __future__ import annotations

import re

from flask import Blueprint, request, url_for

from ..core.glossary import ENTRY_TYPES, VARIANT_KINDS
from ..usecases.review import approve_candidate as approve
from ..usecases.review import reject_candidate as reject
from .auth import known_caller, require, signature
from .errors import BadRequest, NotFound, PreconditionRequired, Unprocessable
from .openapi import documented
from .requests import read_json, read_optional_json, services

bp = Blueprint("glossary", __name__, url_prefix="/v1/glossary")

MAX_PAGE = 500
CANDIDATE_STATUSES = ("pending", "approved", "rejected")
_ETAG = re.compile(r'^"?(\d+)"?$')
WRITERS = ("maintainer", "admin")


# --------------------------------------------------------------------------- request parsing


def page(args) -> tuple[int, int]:
    """limit and offset from the query string, within bounds."""
    limit = _int_arg(args, "limit", 100, 1, MAX_PAGE)
    return limit, _int_arg(args, "offset", 0, 0, None)


def _int_arg(args, name: str, default: int, low: int, high: int | None) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        raise BadRequest(f"'{name}' must be an integer {bounds}, not {raw!r}")
    return value


def expected_version(header: str | None, entry_id: str) -> int:
    """The version an If-Match header names; writes without one are refused."""
    if header is None:
        raise PreconditionRequired(
            f"If-Match is required: GET /v1/glossary/entries/{entry_id} and send its ETag "
            'back, e.g. If-Match: "3"'
        )
    found = _ETAG.match(header.strip())
    if not found:
        raise BadRequest(f'If-Match must be the entry\'s ETag, e.g. "3", not {header!r}')
    return int(found[1])


def entry_body(payload: object, entry_id: str | None = None) -> dict:
    """An entry as a client sent it; its id must match the URL's.

    Fields GET adds (version, updated_at, ...) may come back; the store ignores them.
    """
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object (a glossary entry)")
    if entry_id is not None and payload.get("id", entry_id) != entry_id:
        raise Unprocessable(f"'id' in the body ({payload['id']!r}) differs from the URL's "
                            f"({entry_id!r}); an entry's id cannot change")
    return payload


def etag(entry: dict) -> dict[str, str]:
    return {"ETag": f'"{entry["version"]}"'}


# --------------------------------------------------------------------------- entries

ENTRY_SCHEMA = {
    "type": "object",
    "description": "A glossary entry in the shape of the YAML collections.",
    "properties": {
        "id": {"type": "string", "example": "kassym-jomart-tokayev"},
        "type": {"type": "string", "enum": list(ENTRY_TYPES)},
        "names": {"type": "object", "additionalProperties": {"type": "string"}},
        "variants": {
            "type": "array",
            "items": {
                "oneOf": [
                    {"type": "string", "description": "a spelling variant (unclassified)"},
                    {
                        "type": "object",
                        "properties": {
                            "text": {"type": "string"},
                            "kind": {"type": "string", "enum": list(VARIANT_KINDS)},
                            "until": {"type": "integer", "minimum": 1000, "maximum": 2999},
                            "note": {"type": "string"},
                        },
                        "required": ["text", "kind"],
                    },
                ]
            },
        },
        "short": {"type": "object", "additionalProperties": {"type": "string"}},
        "note": {"type": "string"},
        "collection": {"type": "string"},
    },
    "required": ["id", "type", "names"],
}
_PAGE = ["q", "type", "limit", "offset"]


@bp.get("/entries")
@documented(responses={200: "A page of entries and the total"}, query=_PAGE)
@require()
def list_entries():
    """Glossary entries, filtered by text (q) and type, a page at a time."""
    limit, offset = page(request.args)
    kind = request.args.get("type") or None
    if kind is not None and kind not in ENTRY_TYPES:
        raise BadRequest(f"'type' must be one of {', '.join(ENTRY_TYPES)}, not {kind!r}")
    items, total = services().glossary.list(
        q=request.args.get("q") or None, type=kind, limit=limit, offset=offset
    )
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@bp.post("/entries")
@documented(request=ENTRY_SCHEMA, responses={201: "Created", 422: "Invalid entry"})
@require(*WRITERS)
def create_entry():
    """Add an entry to the glossary."""
    body = entry_body(read_json())
    entry = services().glossary.create(body, by=signature(known_caller()))
    location = url_for("glossary.get_entry", entry_id=entry["id"])
    return entry, 201, {"Location": location, **etag(entry)}


@bp.get("/entries/<entry_id>")
@documented(responses={200: "The entry; its ETag is its version", 404: "No such entry"})
@require()
def get_entry(entry_id: str):
    """One entry, with its version as the ETag."""
    entry = services().glossary.get(entry_id)
    if entry is None:
        raise NotFound(f"no glossary entry {entry_id!r}")
    return entry, 200, etag(entry)


@bp.put("/entries/<entry_id>")
@documented(request=ENTRY_SCHEMA, headers=["If-Match"],
            responses={200: "Updated", 404: "No such entry", 412: "Stale If-Match",
                       422: "Invalid entry", 428: "If-Match missing"})
@require(*WRITERS)
def update_entry(entry_id: str):
    """Replace an entry; If-Match must name its current version."""
    version = expected_version(request.headers.get("If-Match"), entry_id)
    body = entry_body(read_json(), entry_id)
    entry = services().glossary.update(entry_id, body, version, by=signature(known_caller()))
    return entry, 200, etag(entry)


@bp.delete("/entries/<entry_id>")
@documented(headers=["If-Match"],
            responses={204: "Deleted", 404: "No such entry", 412: "Stale If-Match",
                       428: "If-Match missing"})
@require(*WRITERS)
def delete_entry(entry_id: str):
    """Delete an entry; If-Match must name its current version."""
    version = expected_version(request.headers.get("If-Match"), entry_id)
    services().glossary.delete(entry_id, version, by=signature(known_caller()))
    return "", 204


@bp.get("/entries/<entry_id>/history")
@documented(responses={200: "Every version of the entry, oldest first"})
@require()
def entry_history(entry_id: str):
    """Every recorded version of an entry, for review and undo."""
    history = services().glossary.history(entry_id)
    if not history:
        raise NotFound(f"no glossary entry {entry_id!r} has ever existed")
    return {"id": entry_id, "history": history}


# --------------------------------------------------------------------------- candidates

DECISION_SCHEMA = {
    "type": "object",
    "properties": {
        "entity": {"type": "string",
                   "description": "Entry to add the spelling to, instead of the suggested one"},
    },
}


@bp.get("/candidates")
@documented(responses={200: "A page of candidates, most frequent first"},
            query=["status", "limit", "offset"])
@require(*WRITERS)
def list_candidates():
    """Unknown spellings met in copy, waiting for a maintainer's decision."""
    limit, offset = page(request.args)
    status = request.args.get("status") or "pending"
    if status not in CANDIDATE_STATUSES:
        raise BadRequest(f"'status' must be one of {', '.join(CANDIDATE_STATUSES)}, "
                         f"not {status!r}")
    items = services().candidates.list(status=status, limit=limit, offset=offset)
    return {"items": items, "status": status, "limit": limit, "offset": offset}


@bp.post("/candidates/<int:candidate_id>/approve")
@documented(request=DECISION_SCHEMA, body_required=False,
            responses={200: "Approved; the spelling is now a variant", 404: "No such candidate"})
@require(*WRITERS)
def approve_candidate(candidate_id: int):
    """Approve a spelling: it becomes a variant of its entity (or of the one given)."""
    entity = decision_entity(read_optional_json())
    app = services()
    return approve(
        candidate_id, signature(known_caller()), app.candidates, app.glossary, entity_id=entity
    )


@bp.post("/candidates/<int:candidate_id>/reject")
@documented(responses={200: "Rejected", 404: "No such candidate"})
@require(*WRITERS)
def reject_candidate(candidate_id: int):
    """Reject a spelling: it stays out of the glossary."""
    return reject(candidate_id, signature(known_caller()), services().candidates)


def decision_entity(payload: object) -> str | None:
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object such as {\"entity\": \"...\"}")
    entity = payload.get("entity")
    if entity is not None and (not isinstance(entity, str) or not entity.strip()):
        raise Unprocessable("'entity' must be the id of a glossary entry")
    return entity
