"""The live glossary over HTTP: entries with optimistic locking, and candidate spellings.

Writes name the version they change (If-Match), so two maintainers cannot overwrite each other.
"""

from __future__ import annotations

from flask import Blueprint, request, url_for

from ..core.glossary import (
    DATED_KINDS,
    ENTRY_KEYS,
    ENTRY_TYPES,
    FIRST_YEAR,
    ID_PATTERN,
    LAST_YEAR,
    MAX_COLLECTION,
    MAX_ID,
    VARIANT_KINDS,
)
from ..core.locales import NOT_BLANK
from ..usecases.review import approve_candidate as approve
from ..usecases.review import reject_candidate as reject
from .auth import known_caller, require, signature
from .errors import BadRequest, NotFound, PreconditionRequired, Unprocessable, shown
from .jobs import nullable
from .openapi import body, documented, ref
from .requests import (
    MAX_INT32,
    MAX_QUERY_VALUE,
    NO_NUL,
    bounded_int,
    check_url_input,
    read_json,
    read_optional_json,
    services,
)

bp = Blueprint("glossary", __name__, url_prefix="/v1/glossary")
bp.before_request(check_url_input)

MAX_PAGE = 500
CANDIDATE_STATUSES = ("pending", "approved", "rejected")
WRITERS = ("maintainer", "admin")
MAX_ENTRY_ID = MAX_ID  # the column's width


# --------------------------------------------------------------------------- request parsing


def page(args) -> tuple[int, int]:
    """limit and offset from the query string, within bounds."""
    limit = _int_arg(args, "limit", 100, 1, MAX_PAGE)
    return limit, _int_arg(args, "offset", 0, 0, MAX_INT32)


def _int_arg(args, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    # An empty value is refused like any other non-number: the document says integer.
    return bounded_int(raw, f"'{name}'", low, high)


def expected_version(header: str | None, entry_id: str) -> int:
    """The version an If-Match header names; writes without one are refused."""
    if header is None:
        raise PreconditionRequired(
            f"If-Match is required: GET /v1/glossary/entries/{entry_id} and send its ETag "
            'back, e.g. If-Match: "3"'
        )
    tag = header.strip()
    # The ETag is quoted ("3"); a bare 3 is accepted too.
    digits = tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag
    try:
        return bounded_int(digits, "If-Match", 1)
    except BadRequest as exc:
        raise BadRequest(f'If-Match must be the entry\'s ETag, e.g. "3", a version from 1 to '
                         f"{MAX_INT32}, not {shown(header)}") from exc


def entry_body(payload: object, entry_id: str | None = None) -> dict:
    """An entry as a client sent it; its id must match the URL's.

    Fields GET adds (version, updated_at, ...) may come back; the store ignores them.
    """
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object (a glossary entry)")
    if entry_id is not None and payload.get("id", entry_id) != entry_id:
        raise Unprocessable(f"'id' in the body ({shown(payload['id'])}) differs from the URL's "
                            f"({shown(entry_id)}); an entry's id cannot change")
    collection = payload.get("collection")
    if collection is not None and (
        not isinstance(collection, str) or len(collection) > MAX_COLLECTION
    ):
        raise Unprocessable(f"'collection' must be text of at most {MAX_COLLECTION} characters, "
                            f"not {shown(collection)}")
    return payload


def candidate(candidate_id: int) -> int:
    """A candidate id from the path; beyond the INTEGER column no candidate can exist."""
    if candidate_id > MAX_INT32:
        raise NotFound(f"no candidate {shown(str(candidate_id))}; candidate ids run from 1 to "
                       f"{MAX_INT32}")
    return candidate_id


ETAG = {"description": "The entry's version, quoted", "required": True,
        "schema": {"type": "string", "pattern": '^"[0-9]+"$'}}
_WRITTEN = {"ETag": ETAG, "Location": {"description": "The entry's URL", "required": True,
                                       "schema": {"type": "string"}}}


def etag(entry: dict) -> dict[str, str]:
    return {"ETag": f'"{entry["version"]}"'}


# --------------------------------------------------------------------------- entries

# Fields GET adds; a client may send them back and the store ignores them.
READ_ONLY_FIELDS = ("version", "updated_at", "updated_by", "territory")
_TEXT = {"type": "string", "allOf": [{"pattern": NOT_BLANK.pattern}, {"pattern": NO_NUL}]}
_YEAR = {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR}


def _variant(kinds: list[str], until: dict, required: tuple[str, ...]) -> dict:
    return {"type": "object",
            "properties": {"text": _TEXT, "kind": {"type": "string", "enum": kinds},
                           "until": until, "note": {"type": "string"}},
            "required": ["text", *required], "additionalProperties": False}


def _variant_schema() -> dict:
    """A variant as core.glossary.parse_variant reads it: a bare spelling, or an object whose
    kind decides whether 'until' (a year) is required, allowed or refused."""
    undated = [kind for kind in VARIANT_KINDS if kind not in DATED_KINDS]
    return {"anyOf": [
        {**_TEXT, "description": "a spelling variant (unclassified)"},
        _variant(undated, {"type": "null"}, required=()),  # kind: spelling by default
        _variant(["former"], _YEAR, required=("kind", "until")),
        *[_variant([kind], nullable(_YEAR), required=("kind",))
          for kind in DATED_KINDS if kind != "former"],
    ]}


def _forms(required: list[str]) -> dict:
    return {"type": "object", "propertyNames": ref("LocaleTag"),
            "additionalProperties": _TEXT, "required": required}


def entry_schema(id_required: bool) -> dict:
    properties = {
        "id": {"type": "string", "pattern": f"^{ID_PATTERN}$", "maxLength": MAX_ID,
               "examples": ["kassym-jomart-tokayev"]},
        "type": {"type": "string", "enum": list(ENTRY_TYPES)},
        "names": {**_forms(["en"]), "description": "Canonical name per locale; 'en' needed"},
        "variants": {"type": "array", "items": _variant_schema()},
        "short": nullable(_forms([])),
        "note": {"type": "string"},
        "collection": {"type": "string", "maxLength": MAX_COLLECTION},
        **{name: {"readOnly": True, "description": "ignored"} for name in READ_ONLY_FIELDS},
    }
    assert set(properties) == {*ENTRY_KEYS, "collection", *READ_ONLY_FIELDS}
    return {
        "type": "object",
        "description": "A glossary entry in the shape of the YAML collections.",
        "properties": properties,
        "required": ["id", "type", "names"] if id_required else ["type", "names"],
        "additionalProperties": False,
    }


def _page_query() -> dict[str, dict]:
    return {
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
        "offset": {"type": "integer", "minimum": 0, "maximum": MAX_INT32},
    }


_PAGE = {"q": {"type": "string", "maxLength": MAX_QUERY_VALUE},
         "type": {"type": "string", "enum": ["", *ENTRY_TYPES]}, **_page_query()}


@bp.get("/entries")
@documented(responses={200: body("A page of entries and the total", ref("EntryPage"))},
            query=_PAGE)
@require()
def list_entries():
    """Glossary entries, filtered by text (q) and type, a page at a time."""
    limit, offset = page(request.args)
    kind = request.args.get("type") or None
    if kind is not None and kind not in ENTRY_TYPES:
        raise BadRequest(f"'type' must be one of {', '.join(ENTRY_TYPES)}, not {shown(kind)}")
    items, total = services().glossary.list(
        q=request.args.get("q") or None, type=kind, limit=limit, offset=offset
    )
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@bp.post("/entries")
@documented(request=entry_schema(id_required=True),
            responses={201: body("Created", ref("Entry"), headers=_WRITTEN),
                       409: "An entry with this id exists", 422: "Invalid entry"})
@require(*WRITERS)
def create_entry():
    """Add an entry to the glossary."""
    body = entry_body(read_json())
    entry = services().glossary.create(body, by=signature(known_caller()))
    location = url_for("glossary.get_entry", entry_id=entry["id"])
    return entry, 201, {"Location": location, **etag(entry)}


@bp.get("/entries/<entry_id>")
@documented(responses={200: body("The entry; its ETag is its version", ref("Entry"),
                            headers={"ETag": ETAG}),
                       404: "No such entry"})
@require()
def get_entry(entry_id: str):
    """One entry, with its version as the ETag."""
    entry = services().glossary.get(entry_id)
    if entry is None:
        raise NotFound(f"no glossary entry {shown(entry_id)}")
    return entry, 200, etag(entry)


@bp.put("/entries/<entry_id>")
@documented(request=entry_schema(id_required=False), headers=["If-Match"],
            responses={200: body("Updated", ref("Entry"), headers={"ETag": ETAG}),
                       404: "No such entry", 412: "Stale If-Match",
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
@documented(responses={200: body("Every version of the entry, oldest first",
                            ref("EntryHistory")),
                       404: "No entry with this id ever existed"})
@require()
def entry_history(entry_id: str):
    """Every recorded version of an entry, for review and undo."""
    history = services().glossary.history(entry_id)
    if not history:
        raise NotFound(f"no glossary entry {shown(entry_id)} has ever existed")
    return {"id": entry_id, "history": history}


# --------------------------------------------------------------------------- candidates

DECISION_SCHEMA = {
    "type": "object",
    "properties": {
        "entity": nullable({
            "type": "string", "maxLength": MAX_ENTRY_ID, "pattern": NOT_BLANK.pattern,
            "description": "Entry to add the spelling to, instead of the suggested one",
        }),
    },
    "additionalProperties": False,
}


@bp.get("/candidates")
@documented(responses={200: body("A page of candidates, most frequent first",
                            ref("CandidatePage"))},
            query={"status": {"type": "string", "enum": ["", *CANDIDATE_STATUSES]},
                   **_page_query()})
@require(*WRITERS)
def list_candidates():
    """Unknown spellings met in copy, waiting for a maintainer's decision."""
    limit, offset = page(request.args)
    status = request.args.get("status") or "pending"
    if status not in CANDIDATE_STATUSES:
        raise BadRequest(f"'status' must be one of {', '.join(CANDIDATE_STATUSES)}, "
                         f"not {shown(status)}")
    items = services().candidates.list(status=status, limit=limit, offset=offset)
    return {"items": items, "status": status, "limit": limit, "offset": offset}


@bp.post("/candidates/<int:candidate_id>/approve")
@documented(request=DECISION_SCHEMA, body_required=False,
            responses={200: body("Approved; the spelling is now a variant", ref("Candidate")),
                       404: "No such candidate or entry",
                       422: "The candidate names no entity, or the variant is invalid"})
@require(*WRITERS)
def approve_candidate(candidate_id: int):
    """Approve a spelling: it becomes a variant of its entity (or of the one given)."""
    candidate_id = candidate(candidate_id)
    entity = decision_entity(read_optional_json())
    app = services()
    return approve(
        candidate_id, signature(known_caller()), app.candidates, app.glossary, entity_id=entity
    )


@bp.post("/candidates/<int:candidate_id>/reject")
@documented(responses={200: body("Rejected", ref("Candidate")), 404: "No such candidate"})
@require(*WRITERS)
def reject_candidate(candidate_id: int):
    """Reject a spelling: it stays out of the glossary."""
    return reject(candidate(candidate_id), signature(known_caller()), services().candidates)


def decision_entity(payload: object) -> str | None:
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object such as {\"entity\": \"...\"}")
    unknown = [key for key in payload if key != "entity"]
    if unknown:
        raise Unprocessable(f"unknown field {shown(unknown[0])}; allowed: entity")
    entity = payload.get("entity")
    if entity is not None and (
        not isinstance(entity, str) or NOT_BLANK.search(entity) is None
        or len(entity) > MAX_ENTRY_ID
    ):
        raise Unprocessable(f"'entity' must be the id of a glossary entry (at most "
                            f"{MAX_ENTRY_ID} characters), not {shown(entity)}")
    return entity
