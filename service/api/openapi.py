"""The OpenAPI 3.1 document, generated from the routes the app really has.

Paths and methods come from the URL map, summaries from view docstrings, roles from @require,
and bodies, parameters and responses from @documented, so the document cannot drift from the
code.

Why request schemas sit next to hand-written parsers instead of a validation library
(pydantic, marshmallow) generating both: each rule is defined once, as a constant (a field
list, a length, the locale tag pattern, an enum), and read by two forms of it. The parser is
the executable form: it decides, in the order a client fixes things, and says what is wrong in
words our clients and ~400 tests rely on ("'targets' must be a non-empty list ..."). The schema
is the published form, built from the same constants, precise enough for a client generator or
a fuzzer to create jobs, batches and entries. tests/integration/test_schemathesis.py checks the
two agree: generated valid bodies are accepted, invalid ones get a documented 4xx, and every
answer's status, content type and body are the ones documented here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Protocol, cast

from flask import Blueprint, Flask, current_app
from werkzeug.routing import Rule

from ..config import Settings
from ..core.locales import target_tag_pattern
from .requests import MAX_JSON_DEPTH, MAX_PATH_VALUE

bp = Blueprint("openapi", __name__)

API_BLUEPRINTS = frozenset({"jobs", "batches", "glossary", "system", "openapi"})
_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
JSON = "application/json"

# A request schema, or a function of the settings for limits an operator may change.
RequestSchema = dict | Callable[[Settings], dict]


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


ERROR_REF = ref("Error")


class _Documented(Protocol):
    """A view function once documented() has attached its description."""

    openapi: dict


def documented(
    request: RequestSchema | None = None,
    responses: Mapping[int, str | dict] | None = None,
    query: Mapping[str, dict] | Iterable[str] = (),
    headers: Mapping[str, dict] | Iterable[str] = (),
    body_required: bool | None = None,
) -> Callable:
    """Attach what the URL map cannot tell: the request body schema, parameters and responses.

    A response is a description (an error, or no body) or body(...); `query` and `headers` map
    each name to its schema (a bare name is any string).
    """
    described = _description(request, responses, query, headers, body_required)

    def mark(view: Callable) -> Callable:
        cast(_Documented, view).openapi = described  # a function takes attributes
        return view

    return mark


def body(description: str, schema: dict, media_type: str = JSON,
         headers: Mapping[str, dict] | None = None) -> dict:
    """A documented success response with a body."""
    response: dict = {"description": description,
                      "content": {media_type: {"schema": schema}}}
    if headers:
        response["headers"] = dict(headers)
    return response


def _named(items: Mapping[str, dict] | Iterable[str]) -> dict[str, dict]:
    if isinstance(items, Mapping):
        return dict(items)
    return {name: {"type": "string"} for name in items}


def _description(request=None, responses=None, query=(), headers=(), body_required=None) -> dict:
    query_schemas = _named(query)
    return {
        "request": request,
        "body_required": bool(request) if body_required is None else body_required,
        "responses": dict(responses or {200: "OK"}),
        # check_url_input reads the names: a parameter not listed here is refused.
        "query": list(query_schemas),
        "query_schemas": query_schemas,
        "headers": _named(headers),
    }


def is_api_rule(rule: Rule) -> bool:
    return rule.endpoint.split(".")[0] in API_BLUEPRINTS


def build_spec(app: Flask) -> dict:
    """The OpenAPI document for every API route of `app`."""
    settings = app.extensions["audarma"].settings
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not is_api_rule(rule):
            continue
        view = app.view_functions[rule.endpoint]
        path = _PARAM.sub(r"{\2}", rule.rule)
        assert rule.methods is not None  # Flask gives every route its methods
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = operation(rule, view, settings)
    return {
        "openapi": "3.1.0",
        "info": {"title": "audarma", "version": _version(),
                 "description": "Localize news copy: names, figures and translations."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {**SCHEMAS, "LocaleTag": locale_tag_schema()},
        },
    }


# Answers any operation may give, beyond those its view documents.
_NEEDS_KEY = {401: "Missing, malformed or unknown API key",
              429: "Rate limit exceeded; see Retry-After"}
_READS_BODY = {400: "Not JSON, or a value the service cannot read",
               413: "The body or the article is too large",
               415: "Not sent as application/json in UTF-8",
               422: "A field is missing, unknown or invalid (the message names it)"}
# Views of these endpoints never touch the database.
_NO_DATABASE = frozenset({"system.healthz", "openapi.document"})
# Probes and metrics read nothing from the URL (see system._check_url_input).
_URL_UNCHECKED = frozenset({"system.healthz", "system.readyz", "system.metrics",
                            "openapi.document"})


def operation(rule: Rule, view: Callable, settings: Settings) -> dict:
    doc = getattr(view, "openapi", None) or _description()
    summary, _, description = (view.__doc__ or rule.endpoint).strip().partition("\n")
    responses: dict[int, str | dict] = dict(doc["responses"])
    roles = getattr(view, "roles", None)
    if rule.endpoint not in _URL_UNCHECKED:
        responses.setdefault(400, "A query parameter or path value is invalid")
    if _PARAM.search(rule.rule):
        responses.setdefault(404, "Nothing has this id")
    if doc["request"]:
        for status, text in _READS_BODY.items():
            responses.setdefault(status, text)
    if roles:
        for status, text in _NEEDS_KEY.items():
            responses.setdefault(status, text)
        responses.setdefault(403, f"The key's role is not {' or '.join(roles)}")
    if rule.endpoint not in _NO_DATABASE:
        responses.setdefault(503, "The database does not answer; see Retry-After")
    op: dict = {
        "operationId": rule.endpoint.replace(".", "_"),
        "summary": summary.strip(),
        "tags": [rule.endpoint.split(".")[0]],
        "parameters": _parameters(rule, doc),
        "responses": _responses(responses),
    }
    if description.strip():
        op["description"] = " ".join(description.split())
    if roles:
        op["security"] = [{"bearerAuth": []}]
        op["x-roles"] = list(roles)
    else:
        op["security"] = []
    if doc["request"]:
        request = doc["request"]
        schema = request(settings) if callable(request) else request
        op["requestBody"] = {
            "required": doc["body_required"],
            "content": {JSON: {"schema": schema}},
            # requests.check_json refuses deeper bodies; no documented body comes close.
            "x-max-json-depth": MAX_JSON_DEPTH,
        }
    return op


def path_value_schema() -> dict:
    # A '/' would route the request elsewhere; requests.check_url_input bounds the length.
    return {"type": "string", "minLength": 1, "maxLength": MAX_PATH_VALUE, "pattern": "^[^/]+$"}


def _parameters(rule: Rule, doc: dict) -> list[dict]:
    params = []
    for converter, name in _PARAM.findall(rule.rule):
        # Werkzeug's int converter takes unsigned digits only.
        schema = ({"type": "integer", "minimum": 0} if converter == "int"
                  else path_value_schema())
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    params += [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in doc["query_schemas"].items()
    ]
    params += [
        {"name": name, "in": "header", "required": name == "If-Match", "schema": schema}
        for name, schema in doc["headers"].items()
    ]
    return params


def _responses(responses: Mapping[int, str | dict]) -> dict:
    result = {}
    for status in sorted(responses):
        given = responses[status]
        if isinstance(given, dict):
            result[str(status)] = given
        elif status >= 400:
            result[str(status)] = _error(given, retry_after=status in (429, 503))
        else:
            result[str(status)] = {"description": given}
    return result


RETRY_AFTER = {"description": "Seconds to wait before trying again", "required": True,
               "schema": {"type": "string", "pattern": "^[0-9]+$"}}


def _error(description: str, retry_after: bool = False) -> dict:
    response = {"description": description, "content": {JSON: {"schema": ERROR_REF}}}
    if retry_after:
        response["headers"] = {"Retry-After": RETRY_AFTER}
    return response


def _version() -> str:
    try:
        return version("audarma")
    except PackageNotFoundError:
        return "0.0.0"


def locale_tag_schema() -> dict:
    return {
        "type": "string",
        "pattern": target_tag_pattern(),
        "description": "A BCP 47 tag CLDR knows: language, optional script and region, in any "
                       "case, '-' or '_' between them (e.g. ru-RU, kk-Latn, en_gb).",
        "examples": ["ru-RU", "kk-Latn", "en-GB"],
    }


# --------------------------------------------------------------------------- response bodies

_TIME = {"type": ["string", "null"], "description": "ISO 8601"}
_LINK = {"type": "string"}


def _object(properties: dict, required: Iterable[str] | None = None) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties if required is None else required)}


SCHEMAS: dict[str, dict] = {
    "Error": _object({
        "error": _object({"code": {"type": "string"}, "message": {"type": "string"}}),
    }),
    "JobAccepted": _object({
        "id": {"type": "string"},
        "status": {"type": "string"},
        "links": _object({"self": _LINK}),
    }),
    "Job": _object({
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "created_at": _TIME,
        "updated_at": _TIME,
        "events": {"type": "array", "items": _object(
            {"status": {"type": "string"}, "at": _TIME, "detail": {"type": ["string", "null"]}},
            ["status"])},
        "targets": {"type": "array", "items": {"type": "string"}},
        "error": {"type": ["string", "null"]},
        "result": {"type": "object", "description": "The result document, once done"},
    }, ["id", "status", "created_at", "updated_at", "events", "targets"]),
    "Batch": _object({
        "id": {"type": "string"},
        "name": {"type": "string"},
        "created_at": _TIME,
        "cancelled": {"type": "boolean"},
        "total": {"type": "integer", "minimum": 0},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "done_fraction": {"type": "number", "minimum": 0, "maximum": 1},
        "finished": {"type": "boolean"},
        "links": _object({"self": _LINK, "results": _LINK}),
        "cancelled_jobs": {"type": "integer", "minimum": 0},
        "retried_jobs": {"type": "integer", "minimum": 0},
        "status": {"type": "string", "enum": ["queued", "running", "done", "cancelled"]},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "rate": {"type": ["number", "null"], "minimum": 0,
                 "description": "Items finished per second, recently"},
        "eta_seconds": {"type": ["number", "null"], "minimum": 0},
        "failed_items": {"type": "array", "items": _object({
            "id": {"type": "string"}, "line": {"type": ["integer", "null"]},
            "error": {"type": "string"}}, ["id", "error"]),
            "description": "The first 100 failed items with their errors"},
        "results_url": {"type": "string"},
        "accepted": {"type": "integer", "minimum": 0},
        "failed": {"type": "integer", "minimum": 0},
        "url": {"type": "string"},
    }, ["id", "name", "created_at", "cancelled", "total", "counts", "done_fraction", "finished",
        "links"]),
    "BatchResult": _object({
        "index": {"type": "integer", "minimum": 0},
        "id": {"type": "string"},
        "job_id": {"type": "string"},
        "status": {"type": "string"},
        "line": {"type": ["integer", "null"]},
        "result": {"type": "object"},
        "error": {"type": "string"},
    }, ["index", "id", "job_id", "status"]),
    "Entry": {
        **_object({
            "id": {"type": "string"},
            "type": {"type": "string"},
            "collection": {"type": "string"},
            "names": {"type": "object", "additionalProperties": {"type": "string"}},
            "variants": {"type": "array"},
            "short": {"type": "object", "additionalProperties": {"type": "string"}},
            "note": {"type": "string"},
            "territory": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "updated_at": _TIME,
            "updated_by": {"type": ["string", "null"]},
        }, ["id", "type", "names", "version"]),
        "description": "A glossary entry in the shape of the YAML collections, with its "
                       "version (also its ETag).",
    },
    "EntryPage": _object({
        "items": {"type": "array", "items": ref("Entry")},
        "total": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer"},
        "offset": {"type": "integer"},
    }),
    "EntryHistory": _object({
        "id": {"type": "string"},
        "history": {"type": "array", "items": _object({
            "version": {"type": "integer"},
            "action": {"type": "string"},
            "body": {"type": ["object", "null"]},
            "changed_by": {"type": ["string", "null"]},
            "at": _TIME,
        }, ["version", "action"])},
    }),
    "Candidate": _object({
        "id": {"type": "integer"},
        "spelling": {"type": "string"},
        "language": {"type": ["string", "null"]},
        "entity_id": {"type": ["string", "null"]},
        "kind": {"type": ["string", "null"]},
        "count": {"type": "integer"},
        "contexts": {"type": ["array", "null"]},
        "status": {"type": "string", "enum": ["pending", "approved", "rejected"]},
        "first_seen": _TIME,
        "last_seen": _TIME,
        "decided_by": {"type": ["string", "null"]},
    }, ["id", "spelling", "status"]),
    "CandidatePage": _object({
        "items": {"type": "array", "items": ref("Candidate")},
        "status": {"type": "string"},
        "limit": {"type": "integer"},
        "offset": {"type": "integer"},
    }),
    "Locales": _object({
        "locales": {"type": "array", "items": _object(
            {"tag": {"type": "string"}, "name": {"type": "string"},
             "native": {"type": "string"}})},
        "other_locales": {"type": "string"},
    }),
    "Engines": _object({"engines": {"type": "array", "items": {"type": "object"}}}),
    "Health": _object({"status": {"type": "string", "enum": ["ok"]}}),
    "Readiness": _object({
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "checks": {"type": "object", "additionalProperties": {"type": "string"}},
        "error": ref("Error/properties/error"),
    }, ["status", "checks"]),
}
# A $ref into a component's insides is legal JSON Pointer but not every tool follows it.
SCHEMAS["Readiness"]["properties"]["error"] = SCHEMAS["Error"]["properties"]["error"]


@bp.get("/v1/openapi.json")
@documented(responses={200: body("This document", {"type": "object"})})
def document():
    """The OpenAPI 3.1 description of this API."""
    return build_spec(current_app)
