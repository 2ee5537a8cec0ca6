"""Hostile input to every route of the HTTP API: each is a 4xx whose message names the problem,
and a refused request stores nothing.

The routes and what each reads (service/api/*.py):

  POST   /v1/jobs                         JSON body {text|html, targets, source_language, engine,
                                          callback_url, queue}; Idempotency-Key header
  GET    /v1/jobs/<job_id>                path id
  POST   /v1/batches                      JSON body {items[{text|html, id}], targets,
                                          source_language, engine, name}
  GET    /v1/batches/<batch_id>[/results] path id
  POST   /v1/batches/<batch_id>/cancel    path id
  POST   /v1/batches/<batch_id>/retry-failed  path id
  POST   /v1/batches/<batch_id>/retry  path id
  GET    /v1/glossary/entries             query q, type, limit, offset
  POST   /v1/glossary/entries             JSON entry {id, type, names, variants, short, note,
                                          collection}
  GET    /v1/glossary/entries/<id>[/history]  path id
  PUT    /v1/glossary/entries/<id>        path id, If-Match header, JSON entry
  DELETE /v1/glossary/entries/<id>        path id, If-Match header
  GET    /v1/glossary/candidates          query status, limit, offset
  POST   /v1/glossary/candidates/<int>/approve  path integer, optional JSON {entity}
  POST   /v1/glossary/candidates/<int>/reject   path integer
  GET    /v1/locales, /v1/engines         nothing
  every /v1 route                         Authorization header

Hostile kinds tried: JSON nested 1,000 deep, integers beyond 64 bits (body, query, path,
If-Match), NaN and overflowing floats, duplicate keys, wrong types (numbers, booleans, null,
arrays, objects where strings are expected and the reverse), empty and over-long strings (the
database's column widths), NUL and unpaired surrogates in values, keys, paths and query strings,
ids with a trailing newline, the non-locales 'und', 'mul', 'qaa', unknown scripts and regions,
invalid UTF-8 in bodies and query strings, unknown and repeated query parameters, huge and
control-character headers. The cases live in tables, so tests/integration reuses them on
PostgreSQL, which (unlike SQLite) refuses a NUL in text.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from service.app import create_app
from service.store.db import Database
from service.store.models import (
    ApiKey,
    Batch,
    Candidate,
    GlossaryEntry,
    GlossaryHistory,
    GlossaryState,
    Job,
    JobEvent,
    JobResult,
)
from tests.unit.conftest import RecordingQueue

TOKAYEV = {
    "id": "kassym-jomart-tokayev",
    "type": "person",
    "names": {"en": "Kassym-Jomart Tokayev", "ru": "Касым-Жомарт Токаев"},
}
JOB = {"text": "Kassym-Jomart Tokayev met the press.", "targets": ["ru-RU"]}
BATCH = {"items": [{"text": "Tokayev met the press.", "id": "a1"}], "targets": ["ru-RU"]}
ENTRY = {"id": "new-entry", "type": "person", "names": {"en": "New Entry"}}
NUL = "\u0000"
DEEP = "[" * 1000 + "]" * 1000


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    """An app with one of everything, so every route has something to refuse to change."""

    app: object
    client: object
    headers: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)

    def path(self, template: str) -> str:
        return template.format(**self.ids)


def make_world(app) -> World:
    """Keys, a glossary entry, a job, a batch and a pending candidate, made through the API."""
    services = app.extensions["audarma"]
    admin, _ = services.keys.create("admin", name="admin")
    headers = {"Authorization": f"Bearer {admin}"}
    client = app.test_client()
    assert client.post("/v1/glossary/entries", json=TOKAYEV, headers=headers).status_code == 201
    job = client.post("/v1/jobs", json=JOB, headers=headers)
    assert job.status_code == 202, job.get_data(as_text=True)
    batch = client.post("/v1/batches", json=BATCH, headers=headers)
    assert batch.status_code == 202, batch.get_data(as_text=True)
    services.candidates.record(job.get_json()["id"], "en", "Tokaev met", [
        {"kind": "fuzzy", "applied": False, "original": "Tokaev",
         "entity": TOKAYEV["id"], "start": 0, "end": 6},
    ])
    candidate = services.candidates.list()[0]["id"]
    ids = {"entry": TOKAYEV["id"], "job": job.get_json()["id"],
           "batch": batch.get_json()["id"], "cand": str(candidate)}
    return World(app, client, headers, ids)


def stored(app) -> dict:
    """Everything a request could have written: row counts, versions and statuses."""
    with app.extensions["audarma"].db.session() as session:
        found: dict = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (ApiKey, Batch, Candidate, GlossaryEntry, GlossaryHistory,
                          GlossaryState, Job, JobEvent, JobResult)
        }
        found["entries"] = sorted(session.execute(
            select(GlossaryEntry.id, GlossaryEntry.version, GlossaryEntry.deleted)).all())
        found["candidates"] = sorted(session.execute(
            select(Candidate.id, Candidate.status)).all())
        found["jobs"] = sorted(session.execute(select(Job.id, Job.status)).all())
        found["batches"] = sorted(session.execute(select(Batch.id, Batch.cancelled)).all())
        found["revision"] = session.scalar(select(GlossaryState.revision))
    return found


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One hostile request and what must come back: a status and words of the message."""

    name: str
    method: str
    path: str  # {entry}, {job}, {batch}, {cand} are the world's ids
    status: int
    message: str
    body: object = None  # serialized with json.dumps (surrogates escaped, NaN written as NaN)
    raw: bytes | str | None = None  # sent as it is, instead of body
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    query: str = ""  # appended raw after "?"

    def __str__(self) -> str:
        return self.name


def send(world: World, case: Case):
    url = world.path(case.path) + (f"?{case.query}" if case.query else "")
    headers = {**world.headers, **case.headers}
    data: bytes | str | None = case.raw
    if data is None and case.body is not None:
        data = json.dumps(case.body)
    return world.client.open(url, method=case.method, data=data,
                             content_type=case.content_type if data is not None else None,
                             headers=headers)


def check_refused(world: World, case: Case) -> None:
    before = stored(world.app)
    response = send(world, case)
    text = response.get_data(as_text=True)
    assert response.status_code == case.status, f"{case}: {response.status_code} {text[:300]}"
    assert response.is_json, text[:300]
    message = response.get_json()["error"]["message"]
    assert case.message.lower() in message.lower(), f"{case}: {message!r}"
    assert len(message) < 1000, f"{case}: the message echoes the input: {len(message)} chars"
    assert stored(world.app) == before, f"{case}: a refused request changed the database"


def _cases(prefix: str, method: str, path: str, status: int, message: str,
           valid: dict, changes: list[tuple[str, object]], **extra) -> list[Case]:
    """`valid` with one field replaced (or removed, for the value ...) per case."""
    found = []
    for key, value in changes:
        body = {k: v for k, v in valid.items() if k != key}
        if value is not ...:
            body[key] = value
        found.append(Case(f"{prefix} {key}={value!r:.70}", method, path, status, message,
                          body=body, **extra))
    return found


PUT = {"headers": {"If-Match": '"1"'}}

# Every JSON body route gets the same malformed documents.
BODY_ROUTES = [
    ("POST", "/v1/jobs", JOB, {}),
    ("POST", "/v1/batches", BATCH, {}),
    ("POST", "/v1/glossary/entries", ENTRY, {}),
    ("PUT", "/v1/glossary/entries/{entry}", TOKAYEV, PUT),
    ("POST", "/v1/glossary/candidates/{cand}/approve", {"entity": TOKAYEV["id"]}, {}),
]


def _malformed(method: str, path: str, valid: dict, extra: dict) -> list[Case]:
    prefix = f"{method} {path}"
    inner = json.dumps(valid)[1:-1]
    docs = [
        ("nested 1000 deep", DEEP, 400, "nested more than 32 levels"),
        ("nested 40 deep in a field", "{" + inner + ', "x": ' + "[" * 40 + "]" * 40 + "}",
         400, "nested more than 32 levels"),
        ("5000-digit integer", "{" + inner + ', "x": ' + "9" * 5000 + "}", 400, "beyond 64 bits"),
        ("2**64 integer", "{" + inner + f', "x": {2**64}' + "}", 400, "beyond 64 bits"),
        ("-2**63-1 integer", "{" + inner + f', "x": {-2**63 - 1}' + "}", 400, "beyond 64 bits"),
        ("NaN", "{" + inner + ', "x": NaN}', 400, "NaN"),
        ("-Infinity", "{" + inner + ', "x": -Infinity}', 400, "Infinity"),
        ("1e999", "{" + inner + ', "x": 1e999}', 400, "too large"),
        ("duplicate key", "{" + inner + ', "x": 1, "x": 2}', 400, "twice"),
        ("invalid UTF-8", b'{"x": "\xff\xfe"}', 400, "not valid UTF-8"),
        ("truncated JSON", '{"x": ', 400, "not valid JSON"),
        ("a JSON array", "[]", 400, "JSON object"),
        ("JSON null", "null", 400, "JSON object"),
        ("a JSON string", '"text"', 400, "JSON object"),
        ("a JSON number", "3", 400, "JSON object"),
        ("a NUL in a key", "{" + inner + ', "a\\u0000b": 1}', 422, "NUL character"),
        ("a lone surrogate", "{" + inner + ', "x": "\\ud800"}', 422, "unpaired surrogate"),
    ]
    found = [Case(f"{prefix} {label}", method, path, status, message, raw=raw, **extra)
             for label, raw, status, message in docs]
    found.append(Case(f"{prefix} text/plain", method, path, 415, "application/json",
                      raw=json.dumps(valid), content_type="text/plain", **extra))
    found.append(Case(f"{prefix} latin-1", method, path, 415, "UTF-8", raw=json.dumps(valid),
                      content_type="application/json; charset=latin-1", **extra))
    if "approve" not in path:  # an approval's body is optional
        found.append(Case(f"{prefix} empty body", method, path, 400, "empty", raw=b"  ",
                          **extra))
    return found


MALFORMED = [case for route in BODY_ROUTES for case in _malformed(*route)]

JOB_FIELDS = _cases("job", "POST", "/v1/jobs", 422, "'text'", JOB, [
    ("text", 1), ("text", 1.5), ("text", True), ("text", None), ("text", ["a"]),
    ("text", {"a": "b"}), ("text", ""), ("text", "   "),
]) + _cases("job", "POST", "/v1/jobs", 422, "targets", JOB, [
    ("targets", "ru-RU"), ("targets", []), ("targets", [1]), ("targets", [None]),
    ("targets", [["ru"]]), ("targets", {"ru": 1}), ("targets", ...), ("targets", True),
]) + _cases("job", "POST", "/v1/jobs", 400, "unknown target locale", JOB, [
    ("targets", ["und"]), ("targets", ["und-RU"]), ("targets", ["mul"]), ("targets", ["qaa"]),
    ("targets", ["zxx"]), ("targets", ["en-ZZ"]), ("targets", ["en-XX"]),
    ("targets", ["en-Zzzz"]), ("targets", ["ru-Zyyy"]), ("targets", ["xx"]),
    ("targets", ["ru-١٢٣"]), ("targets", ["ru\nRU"]), ("targets", ["a" * 5000]),
    ("targets", [""]),
]) + _cases("job", "POST", "/v1/jobs", 422, "source_language", JOB, [
    ("source_language", 1), ("source_language", True), ("source_language", []),
    ("source_language", "und"), ("source_language", "de"), ("source_language", ""),
]) + _cases("job", "POST", "/v1/jobs", 422, "'engine'", JOB, [
    ("engine", 1), ("engine", []), ("engine", {}), ("engine", "APERTIUM"), ("engine", ""),
    ("engine", False),
]) + _cases("job", "POST", "/v1/jobs", 422, "'queue'", JOB, [
    ("queue", 1), ("queue", True), ("queue", ""), ("queue", "BATCH"), ("queue", ["batch"]),
]) + [
    Case("job text with NUL", "POST", "/v1/jobs", 422, "'text' contains a NUL",
         body={**JOB, "text": f"Tokayev{NUL}met"}),
    Case("job html with NUL", "POST", "/v1/jobs", 422, "'html' contains a NUL",
         body={"html": f"<p>a{NUL}</p>", "targets": ["ru"]}),
    Case("job text with a surrogate", "POST", "/v1/jobs", 422, "unpaired surrogate",
         body={**JOB, "text": "a\ud800b"}),
    Case("job target with NUL", "POST", "/v1/jobs", 422, "'targets[0]' contains a NUL",
         body={**JOB, "targets": [f"ru{NUL}"]}),
    Case("job source_language NUL", "POST", "/v1/jobs", 422, "'source_language' contains",
         body={**JOB, "source_language": f"ru{NUL}"}),
    Case("job text and html", "POST", "/v1/jobs", 422, "exactly one",
         body={**JOB, "html": "<p>x</p>"}),
    Case("job unknown field", "POST", "/v1/jobs", 422, "unknown field 'foo'",
         body={**JOB, "foo": 1}),
    Case("job unknown field, long name", "POST", "/v1/jobs", 422, "unknown field",
         body={**JOB, "f" * 10000: 1}),
    Case("job Idempotency-Key 5000 chars", "POST", "/v1/jobs", 400, "Idempotency-Key",
         body=JOB, headers={"Idempotency-Key": "k" * 5000}),
    Case("job Idempotency-Key empty", "POST", "/v1/jobs", 400, "Idempotency-Key",
         body=JOB, headers={"Idempotency-Key": " "}),
    Case("job Idempotency-Key NUL", "POST", "/v1/jobs", 400, "control character",
         body=JOB, headers={"Idempotency-Key": "a\x00b"}),
    Case("job Idempotency-Key tab", "POST", "/v1/jobs", 400, "control character",
         body=JOB, headers={"Idempotency-Key": "a\tb"}),
]

BATCH_FIELDS = _cases("batch", "POST", "/v1/batches", 422, "items", BATCH, [
    ("items", {}), ("items", "x"), ("items", []), ("items", ...), ("items", None),
    ("items", [1]), ("items", [None]), ("items", [[]]), ("items", [{"text": 1}]),
    ("items", [{"text": "a", "id": 1.5}]), ("items", [{"text": "a", "id": True}]),
    ("items", [{"text": "a", "id": None, "x": 1}]), ("items", [{"text": "a", "id": ""}]),
    ("items", [{"text": "a", "id": "i" * 201}]), ("items", [{"text": "a", "id": []}]),
    ("items", [{"foo": 1}]), ("items", [{"text": "a"}] * 1001),
]) + _cases("batch", "POST", "/v1/batches", 422, "'name'", BATCH, [
    ("name", 1), ("name", []), ("name", {}), ("name", True), ("name", "n" * 201),
]) + _cases("batch", "POST", "/v1/batches", 400, "unknown target locale", BATCH, [
    ("targets", ["und"]), ("targets", ["en-Zzzz"]),
]) + [
    Case("batch item text NUL", "POST", "/v1/batches", 422, "'items[0].text' contains a NUL",
         body={**BATCH, "items": [{"text": f"a{NUL}b"}]}),
    Case("batch item id NUL", "POST", "/v1/batches", 422, "'items[1].id' contains a NUL",
         body={**BATCH, "items": [{"text": "a"}, {"text": "b", "id": NUL}]}),
    Case("batch name NUL", "POST", "/v1/batches", 422, "'name' contains a NUL",
         body={**BATCH, "name": f"a{NUL}"}),
    Case("batch item id 2**64", "POST", "/v1/batches", 400, "beyond 64 bits",
         raw='{"items": [{"text": "a", "id": 18446744073709551616}], "targets": ["ru"]}'),
    Case("batch unknown field", "POST", "/v1/batches", 422, "unknown field 'foo'",
         body={**BATCH, "foo": 1}),
]

ENTRY_FIELDS = _cases("entry", "POST", "/v1/glossary/entries", 422, "'id'", ENTRY, [
    ("id", 1), ("id", None), ("id", []), ("id", ""), ("id", "Upper-Case"), ("id", "abc\n"),
    ("id", "a" * 201), ("id", " abc"), ("id", "abc-"), ("id", "абв"), ("id", True),
    ("id", ...), ("id", "a\u00a0b"),
]) + _cases("entry", "POST", "/v1/glossary/entries", 422, "'type'", ENTRY, [
    ("type", 1), ("type", []), ("type", {}), ("type", ""), ("type", "Person"), ("type", None),
    ("type", "p" * 5000),
]) + _cases("entry", "POST", "/v1/glossary/entries", 422, "'names", ENTRY, [
    ("names", []), ("names", "x"), ("names", {}), ("names", {"ru": "x"}), ("names", {"en": 1}),
    ("names", {"en": ""}), ("names", {"en": None}), ("names", {"en": ["x"]}),
    ("names", {"en": {"x": 1}}), ("names", {"en": "x", "und": "y"}),
    ("names", {"en": "x", "xx": "y"}), ("names", {"en": "x", "en-ZZ": "y"}),
    ("names", {"en": "x", "t" * 5000: "y"}), ("names", 1.5),
]) + _cases("entry", "POST", "/v1/glossary/entries", 422, "variant", ENTRY, [
    ("variants", "x"), ("variants", {}), ("variants", [1]), ("variants", [None]),
    ("variants", [[]]), ("variants", [{"text": 1}]), ("variants", [{"text": "x", "kind": []}]),
    ("variants", [{"text": "x", "kind": "former"}]),
    ("variants", [{"text": "x", "kind": "former", "until": 10**15}]),
    ("variants", [{"text": "x", "kind": "former", "until": 2000.0}]),
    ("variants", [{"text": "x", "kind": "former", "until": True}]),
    ("variants", [{"text": "x", "foo": 1}]), ("variants", [""]),
    ("variants", [{"text": "x", "note": 1}]),
]) + _cases("entry", "POST", "/v1/glossary/entries", 422, "'short", ENTRY, [
    ("short", []), ("short", {"en": 1}), ("short", "x"),
]) + _cases("entry", "POST", "/v1/glossary/entries", 422, "'note'", ENTRY, [
    ("note", 1), ("note", []), ("note", {}),
]) + _cases("entry", "POST", "/v1/glossary/entries", 422, "'collection'", ENTRY, [
    ("collection", {"a": 1}), ("collection", 1), ("collection", "c" * 101),
    ("collection", []), ("collection", True),
]) + [
    Case(f"entry {where} with NUL", "POST", "/v1/glossary/entries", 422, "NUL", body=body)
    for where, body in [
        ("id", {**ENTRY, "id": f"a{NUL}"}),
        ("name", {**ENTRY, "names": {"en": f"a{NUL}b"}}),
        ("name key", {**ENTRY, "names": {"en": "x", f"ru{NUL}": "y"}}),
        ("variant", {**ENTRY, "variants": [f"v{NUL}"]}),
        ("variant text", {**ENTRY, "variants": [{"text": f"v{NUL}", "kind": "spelling"}]}),
        ("variant note", {**ENTRY, "variants": [{"text": "v", "note": NUL}]}),
        ("short", {**ENTRY, "short": {"en": NUL}}),
        ("note", {**ENTRY, "note": f"n{NUL}"}),
        ("collection", {**ENTRY, "collection": f"c{NUL}"}),
    ]
] + [
    Case("entry unknown field", "POST", "/v1/glossary/entries", 422, "unknown field 'foo'",
         body={**ENTRY, "foo": 1}),
    Case("entry name with surrogate", "POST", "/v1/glossary/entries", 422, "surrogate",
         body={**ENTRY, "names": {"en": "\udfff"}}),
]

PUT_PATH = "/v1/glossary/entries/{entry}"
UPDATE_FIELDS = [
    Case(f"update If-Match {value[:30]!r}", "PUT", PUT_PATH, 400, "If-Match", body=TOKAYEV,
         headers={"If-Match": value})
    for value in ["9" * 5000, "9" * 25, '"99999999999999999999"', "-1", "0", '"0"', "abc",
                  '"3', "", " ", 'W/"1"', "１", "1.0", "+1", "0x1", "2147483648", '""']
] + [
    Case("update without If-Match", "PUT", PUT_PATH, 428, "If-Match is required",
         body=TOKAYEV),
    Case("update id differs", "PUT", PUT_PATH, 422, "differs", body={**TOKAYEV, "id": "other"},
         **PUT),
    Case("update id an integer", "PUT", PUT_PATH, 422, "differs", body={**TOKAYEV, "id": 1},
         **PUT),
    Case("update names a list", "PUT", PUT_PATH, 422, "'names'",
         body={**TOKAYEV, "names": ["x"]}, **PUT),
    Case("update type null", "PUT", PUT_PATH, 422, "'type'", body={**TOKAYEV, "type": None},
         **PUT),
    Case("update name NUL", "PUT", PUT_PATH, 422, "NUL",
         body={**TOKAYEV, "names": {"en": f"T{NUL}"}}, **PUT),
    Case("update collection too long", "PUT", PUT_PATH, 422, "'collection'",
         body={**TOKAYEV, "collection": "c" * 101}, **PUT),
    Case("update path id too long", "PUT", "/v1/glossary/entries/" + "a" * 201, 400,
         "'entry_id' in the path is 201 characters", body=TOKAYEV, **PUT),
    Case("update path id NUL", "PUT", "/v1/glossary/entries/a%00b", 400,
         "'entry_id' in the path contains a NUL", body=TOKAYEV, **PUT),
] + [
    Case(f"delete If-Match {value[:30]!r}", "DELETE", PUT_PATH, 400, "If-Match",
         headers={"If-Match": value})
    for value in ["9" * 5000, "9" * 25, "-1", "abc", "", "1 2"]
] + [
    Case("delete without If-Match", "DELETE", PUT_PATH, 428, "If-Match is required"),
]

LIST_QUERIES = [
    Case(f"{path} {query[:40]}", "GET", path, 400, message, query=query)
    for path in ("/v1/glossary/entries", "/v1/glossary/candidates")
    for query, message in [
        ("limit=0", "'limit' must be an integer between 1 and 500"),
        ("limit=501", "'limit'"), ("limit=-1", "'limit'"), ("limit=abc", "'limit'"),
        ("limit=1.5", "'limit'"), ("limit=1e3", "'limit'"), ("limit=%2B5", "'limit'"),
        ("limit=%205", "'limit'"), ("limit=%D9%A5", "'limit'"), ("limit=0x10", "'limit'"),
        ("limit=99999999999999999999", "'limit'"), ("limit=" + "9" * 5000, "'limit'"),
        ("offset=-1", "'offset' must be an integer between 0 and 2147483647"),
        ("offset=99999999999999999999", "'offset'"), ("offset=2147483648", "'offset'"),
        ("offset=" + "9" * 5000, "'offset'"), ("offset=true", "'offset'"),
        ("limit=1&limit=2", "given 2 times"), ("ofset=10", "unknown query parameter 'ofset'"),
        ("a%00b=1", "unknown query parameter"), ("limit=%ff", "not valid UTF-8"),
        ("%c3%28=1", "not valid UTF-8"),
    ]
] + [
    Case("entries type unknown", "GET", "/v1/glossary/entries", 400, "'type' must be",
         query="type=people"),
    Case("entries type NUL", "GET", "/v1/glossary/entries", 400, "'type' contains a NUL",
         query="type=person%00"),
    Case("entries q NUL", "GET", "/v1/glossary/entries", 400, "'q' contains a NUL",
         query="q=ast%00ana"),
    Case("entries q too long", "GET", "/v1/glossary/entries", 400, "'q' is 1001 characters",
         query="q=" + "q" * 1001),
    Case("entries q twice", "GET", "/v1/glossary/entries", 400, "given 2 times",
         query="q=a&q=b"),
    Case("candidates status unknown", "GET", "/v1/glossary/candidates", 400, "'status'",
         query="status=maybe"),
    Case("candidates status NUL", "GET", "/v1/glossary/candidates", 400, "NUL",
         query="status=pending%00"),
    Case("candidates q (not read there)", "GET", "/v1/glossary/candidates", 400,
         "this endpoint reads: status, limit, offset", query="q=x"),
]

CANDIDATES = [
    Case(f"{action} candidate {number[:24]}", "POST",
         f"/v1/glossary/candidates/{number}/{action}", 404, message)
    for action in ("approve", "reject")
    for number, message in [
        ("99999999999999999999", "candidate ids run from 1 to 2147483647"),
        ("2147483648", "candidate ids run from 1"),
        # Beyond 4300 digits Werkzeug's int converter does not match the route at all.
        ("9" * 5000, "no such endpoint"),
    ]
] + [
    Case(f"approve entity={value!r:.30}", "POST", "/v1/glossary/candidates/{cand}/approve",
         422, "'entity'", body={"entity": value})
    for value in (1, "", "   ", [], {}, True, "e" * 201)
] + [
    Case("approve entity NUL", "POST", "/v1/glossary/candidates/{cand}/approve", 422,
         "'entity' contains a NUL", body={"entity": f"a{NUL}"}),
    Case("approve unknown field", "POST", "/v1/glossary/candidates/{cand}/approve", 422,
         "unknown field 'entiti'", body={"entiti": TOKAYEV["id"]}),
    Case("approve unknown entity", "POST", "/v1/glossary/candidates/{cand}/approve", 404,
         "was not found", body={"entity": "no-such-entry"}),
    Case("reject a missing candidate", "POST", "/v1/glossary/candidates/2147483647/reject",
         404, "was not found"),
]

PATHS = [
    Case(f"{method} {path} {label}", method, path.replace("ID", value), 400, message)
    for method, path in [
        ("GET", "/v1/jobs/ID"), ("GET", "/v1/batches/ID"), ("GET", "/v1/batches/ID/results"),
        ("POST", "/v1/batches/ID/cancel"), ("POST", "/v1/batches/ID/retry-failed"),
        ("POST", "/v1/batches/ID/retry"),
        ("GET", "/v1/glossary/entries/ID"), ("GET", "/v1/glossary/entries/ID/history"),
        ("DELETE", "/v1/glossary/entries/ID"),
    ]
    for label, value, message in [
        ("NUL", "a%00b", "in the path contains a NUL"),
        ("201 characters", "i" * 201, "in the path is 201 characters"),
    ]
] + [
    Case(f"GET {path} unknown parameter", "GET", path, 400, "unknown query parameter 'x'",
         query="x=1")
    for path in ("/v1/jobs/{job}", "/v1/batches/{batch}", "/v1/batches/{batch}/results",
                 "/v1/glossary/entries/{entry}", "/v1/glossary/entries/{entry}/history",
                 "/v1/locales", "/v1/engines")
] + [
    Case("GET job id of 200 characters", "GET", "/v1/jobs/" + "j" * 200, 404, "no job"),
    Case("GET entry, id with a newline", "GET", "/v1/glossary/entries/{entry}%0A", 404,
         "no glossary entry"),
]

AUTH = [
    Case(f"Authorization {label}", "GET", "/v1/glossary/entries", 401, message,
         headers={"Authorization": value})
    for label, value, message in [
        ("NUL in the key", "Bearer ak_abc\x00def_xyz", "malformed API key"),
        ("5000-character key", "Bearer ak_" + "k" * 5000, "malformed API key"),
        ("control character", "Bearer ak_ab\x01c_d", "malformed API key"),
        ("no key", "Bearer ", "malformed Authorization header"),
        ("another scheme", "Basic abc", "malformed Authorization header"),
        ("unknown key", "Bearer ak_00000000_nope", "invalid or revoked"),
    ]
]

NUL_CASES = [case for case in [*MALFORMED, *JOB_FIELDS, *BATCH_FIELDS, *ENTRY_FIELDS,
                                *UPDATE_FIELDS, *LIST_QUERIES, *CANDIDATES, *PATHS, *AUTH]
             if "NUL" in case.name]


def _longest(value: object) -> int:
    """The longest string anywhere in a case's body, path, query or headers."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return max([0, *map(_longest, value), *map(_longest, value.values())])
    if isinstance(value, list | tuple):
        return max([0, *map(_longest, value)])
    return 0


ALL_CASES = [*MALFORMED, *JOB_FIELDS, *BATCH_FIELDS, *ENTRY_FIELDS, *UPDATE_FIELDS,
             *LIST_QUERIES, *CANDIDATES, *PATHS, *AUTH]
# Values longer than a column (or any sane header): the second set PostgreSQL checks.
TOO_LONG_CASES = [
    case for case in ALL_CASES
    if case not in MALFORMED and "NUL" not in case.name
    and _longest([case.body, case.path, case.query, case.headers]) > 100
]


# --------------------------------------------------------------------------- tests


# Hundreds of requests from one key: above the default budget, which would answer 429.
UNLIMITED = {"TESTING": True, "rate_limit": "1000000/minute"}


@pytest.fixture
def world(database, queue):
    app = create_app(UNLIMITED, enqueue=queue, database=database)
    queue.store = app.extensions["audarma"].jobs
    return make_world(app)


@pytest.fixture(scope="module")
def shared(migrated, tmp_path_factory):
    """One world for every refused request: a refusal changes nothing (each case checks), so
    the cases need not pay for a database each."""
    path = tmp_path_factory.mktemp("bad-input") / "audarma.sqlite3"
    shutil.copy(migrated, path)
    database = Database(f"sqlite:///{path}")
    queue = RecordingQueue()
    app = create_app(UNLIMITED, enqueue=queue, database=database)
    queue.store = app.extensions["audarma"].jobs
    yield make_world(app), queue
    database.dispose()


def test_there_are_many_cases_and_every_route_has_some():
    assert len(ALL_CASES) >= 150
    assert len({case.name for case in ALL_CASES}) == len(ALL_CASES), "case names must differ"
    assert NUL_CASES and TOO_LONG_CASES
    app = create_app({"TESTING": True}, enqueue=lambda job, queue: None)
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/v1/") and rule.endpoint != "openapi.document"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    tried = {(case.method, case.path) for case in ALL_CASES}

    def covered(method: str, rule: str) -> bool:
        prefix, _, suffix = rule.partition("<")
        tail = suffix.partition(">")[2]
        return any(m == method and p.startswith(prefix) and p.endswith(tail)
                   for m, p in tried)

    assert [route for route in sorted(routes) if not covered(*route)] == []


@pytest.mark.parametrize("case", ALL_CASES, ids=str)
def test_bad_input_is_a_clear_4xx_and_stores_nothing(shared, case):
    world, queue = shared
    queued = list(queue.calls)
    check_refused(world, case)
    assert queue.calls == queued, f"{case}: a refused request queued a job"


def test_a_valid_request_still_passes(world):
    """The checks refuse what they should and no more: the valid bodies the cases start from
    are accepted."""
    client, headers = world.client, world.headers
    assert client.post("/v1/jobs", json=JOB, headers=headers).status_code == 202
    assert client.post("/v1/batches", json=BATCH, headers=headers).status_code == 202
    assert client.post("/v1/glossary/entries", json=ENTRY, headers=headers).status_code == 201
    updated = client.put(world.path(PUT_PATH), json=TOKAYEV,
                         headers={**headers, "If-Match": '"1"'})
    assert updated.status_code == 200, updated.get_data(as_text=True)
    listed = client.get("/v1/glossary/entries?limit=500&offset=2147483647&q=x&type=person",
                        headers=headers)
    assert listed.status_code == 200
    assert client.get("/healthz?probe=1").status_code == 200  # probes ignore parameters
    deep_enough = {**JOB, "text": "x"}
    assert client.post("/v1/jobs", json=deep_enough, headers=headers).status_code == 202


def test_json_depth_limit_is_exact():
    from service.api.errors import BadRequest
    from service.api.requests import MAX_JSON_DEPTH, parse_json_bytes

    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json_bytes(at_limit.encode()) is not None
    with pytest.raises(BadRequest, match=f"more than {MAX_JSON_DEPTH} levels"):
        parse_json_bytes(f"[{at_limit}]".encode())


# --------------------------------------------------------------------------- generated input

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
# Bodies no JSON encoder writes: bytes, deep nesting, numbers of any length, NaN.
raw_bodies = st.one_of(
    st.binary(max_size=40),
    st.integers(0, 3000).map(lambda n: ("[" * n + "]" * n).encode()),
    st.sampled_from(["9" * 5000, "NaN", "1e999", '{"a": 1, "a": 2}']).map(str.encode),
)
slugs = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
GENERATED = settings(max_examples=200, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])


def near(valid: dict, extra_keys: tuple[str, ...] = (), **special) -> st.SearchStrategy:
    """Bodies shaped like `valid`: each field kept, dropped or replaced by any JSON value (or
    by a value from `special`, e.g. fresh ids so creates do not all collide)."""
    def field_values(key: str) -> st.SearchStrategy:
        choices = [json_values, *([special[key]] if key in special else [])]
        if key in valid:
            choices.append(st.just(valid[key]))
        return st.one_of(choices)

    return st.fixed_dictionaries(
        {}, optional={key: field_values(key) for key in (*valid, *extra_keys)}
    )


def payloads(valid: dict, extra_keys: tuple[str, ...] = (), **special) -> st.SearchStrategy:
    """Request bodies: near-valid objects, any JSON value, or raw bytes."""
    as_json = st.one_of(near(valid, extra_keys, **special), json_values)
    return st.one_of(as_json.map(lambda value: json.dumps(value).encode()), raw_bodies)


def assert_not_5xx(response) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code < 500, text[:500]
    if response.status_code >= 400:
        assert response.get_json()["error"]["message"], text[:500]


def send_body(world: World, method: str, path: str, data: bytes, **headers):
    return world.client.open(world.path(path), method=method, data=data,
                             content_type="application/json",
                             headers={**world.headers, **headers})


@GENERATED
@given(body=payloads(JOB, ("callback_url", "html")))
def test_generated_job_bodies_never_5xx(world, body):
    assert_not_5xx(send_body(world, "POST", "/v1/jobs", body))


@GENERATED
@given(body=payloads(BATCH, ("name", "source_language", "engine")),
       item=near(BATCH["items"][0], ("html",)))
def test_generated_batch_bodies_never_5xx(world, body, item):
    assert_not_5xx(send_body(world, "POST", "/v1/batches", body))
    one_item = json.dumps({**BATCH, "items": [item]}).encode()
    assert_not_5xx(send_body(world, "POST", "/v1/batches", one_item))


ENTRY_KEYS = ("variants", "short", "note", "collection", "version")


@GENERATED
@given(body=payloads(ENTRY, ENTRY_KEYS, id=slugs), variant=json_values)
def test_generated_glossary_entries_never_5xx(world, body, variant):
    assert_not_5xx(send_body(world, "POST", "/v1/glossary/entries", body))
    with_variant = {**ENTRY, "id": "with-variant", "variants": [variant]}
    assert_not_5xx(send_body(world, "POST", "/v1/glossary/entries",
                             json.dumps(with_variant).encode()))


@GENERATED
@given(body=payloads(TOKAYEV, ENTRY_KEYS), if_match=st.text(max_size=12))
def test_generated_entry_updates_never_5xx(world, body, if_match):
    # The entry's version grows with each update that passes; "*" is never a version.
    version = world.client.get(world.path(PUT_PATH), headers=world.headers).headers["ETag"]
    assert_not_5xx(send_body(world, "PUT", PUT_PATH, body, **{"If-Match": version}))
    # Headers travel as latin-1; other characters cannot be sent at all.
    header = if_match.encode("latin-1", "replace").decode("latin-1")
    header = header.replace("\n", " ").replace("\r", " ")
    assert_not_5xx(send_body(world, "PUT", PUT_PATH, json.dumps(TOKAYEV).encode(),
                             **{"If-Match": header}))


query_values = (st.text(max_size=20) | st.integers().map(str)
                | st.integers(min_value=2**31 - 2).map(str) | st.just("9" * 5000))


@GENERATED
@given(params=st.lists(st.tuples(
           st.sampled_from(["q", "type", "limit", "offset", "status", "x"]), query_values),
           max_size=4),
       raw=st.binary(max_size=20))
def test_generated_query_strings_never_5xx(world, params, raw):
    from urllib.parse import quote_from_bytes, urlencode

    for path in ("/v1/glossary/entries", "/v1/glossary/candidates"):
        query = urlencode(params, errors="surrogatepass")
        assert_not_5xx(world.client.get(f"{path}?{query}", headers=world.headers))
        assert_not_5xx(world.client.get(f"{path}?q={quote_from_bytes(raw)}",
                                        headers=world.headers))
