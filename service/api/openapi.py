"""The OpenAPI 3.0 document, generated from the routes the app really has.

Paths and methods come from the URL map, summaries from view docstrings, roles from @require,
and bodies and responses from @documented, so the document cannot drift from the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import Protocol, cast

from flask import Blueprint, Flask, current_app
from werkzeug.routing import Rule

bp = Blueprint("openapi", __name__)

API_BLUEPRINTS = frozenset({"jobs", "batches", "glossary", "system", "openapi"})
_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_TYPES = {"int": "integer", "float": "number"}
_INTEGER_QUERY = frozenset({"limit", "offset"})
ERROR_REF = {"$ref": "#/components/schemas/Error"}


class _Documented(Protocol):
    """A view function once documented() has attached its description."""

    openapi: dict


def documented(
    request: dict | None = None,
    responses: dict[int, str] | None = None,
    query: Iterable[str] = (),
    headers: Iterable[str] = (),
    body_required: bool | None = None,
) -> Callable:
    """Attach what the URL map cannot tell: the request body schema, responses, parameters."""
    described = _description(request, responses, query, headers, body_required)

    def mark(view: Callable) -> Callable:
        cast(_Documented, view).openapi = described  # a function takes attributes
        return view

    return mark


def _description(request=None, responses=None, query=(), headers=(), body_required=None) -> dict:
    return {
        "request": request,
        "body_required": bool(request) if body_required is None else body_required,
        "responses": responses or {200: "OK"},
        "query": list(query),
        "headers": list(headers),
    }


def is_api_rule(rule: Rule) -> bool:
    return rule.endpoint.split(".")[0] in API_BLUEPRINTS


def build_spec(app: Flask) -> dict:
    """The OpenAPI document for every API route of `app`."""
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not is_api_rule(rule):
            continue
        view = app.view_functions[rule.endpoint]
        path = _PARAM.sub(r"{\2}", rule.rule)
        assert rule.methods is not None  # Flask gives every route its methods
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = operation(rule, view)
    return {
        "openapi": "3.0.3",
        "info": {"title": "audarma", "version": _version(),
                 "description": "Localize news copy: names, figures and translations."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": _ERROR_SCHEMA},
        },
    }


def operation(rule: Rule, view: Callable) -> dict:
    doc = getattr(view, "openapi", None) or _description()
    summary, _, description = (view.__doc__ or rule.endpoint).strip().partition("\n")
    op: dict = {
        "operationId": rule.endpoint.replace(".", "_"),
        "summary": summary.strip(),
        "tags": [rule.endpoint.split(".")[0]],
        "parameters": _parameters(rule, doc),
        "responses": _responses(doc["responses"]),
    }
    if description.strip():
        op["description"] = " ".join(description.split())
    roles = getattr(view, "roles", None)
    if roles:
        op["security"] = [{"bearerAuth": []}]
        op["x-roles"] = list(roles)
        op["responses"]["401"] = _error("Missing, malformed or unknown API key")
        op["responses"]["403"] = _error(f"The key's role is not {' or '.join(roles)}")
        op["responses"]["429"] = _error("Rate limit exceeded; see Retry-After")
    else:
        op["security"] = []
    if doc["request"]:
        op["requestBody"] = {
            "required": doc["body_required"],
            "content": {"application/json": {"schema": doc["request"]}},
        }
    return op


def _parameters(rule: Rule, doc: dict) -> list[dict]:
    params = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": _TYPES.get(converter or "", "string")}}
        for converter, name in _PARAM.findall(rule.rule)
    ]
    params += [
        {"name": name, "in": "query", "required": False,
         "schema": {"type": "integer" if name in _INTEGER_QUERY else "string"}}
        for name in doc["query"]
    ]
    params += [
        {"name": name, "in": "header", "required": name == "If-Match",
         "schema": {"type": "string"}}
        for name in doc["headers"]
    ]
    return params


def _responses(responses: dict[int, str]) -> dict:
    result = {}
    for status in sorted(responses):
        if status >= 400:
            result[str(status)] = _error(responses[status])
        elif status == 204:
            result[str(status)] = {"description": responses[status]}
        else:
            result[str(status)] = {"description": responses[status],
                                   "content": {"application/json": {"schema": {"type": "object"}}}}
    return result


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def _version() -> str:
    try:
        return version("audarma")
    except PackageNotFoundError:
        return "0.0.0"


_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}


@bp.get("/v1/openapi.json")
@documented(responses={200: "This document"})
def document():
    """The OpenAPI 3.0 description of this API."""
    return build_spec(current_app)
