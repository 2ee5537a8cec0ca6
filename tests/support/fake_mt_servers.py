"""Fake LibreTranslate and DeepL v2 servers on 127.0.0.1 for the HTTP engine tests.

They speak the documented request and response shapes, check keys and fields, "translate" by a
fixed rule, can be told to fail or stall, and record every request they receive.

The rule: words are upper-cased and the text is prefixed with the target code, "[es] HELLO";
placeholders (⟦1⟧) and DeepL's XML tags pass untouched, and DeepL glossary targets are written
as given (not upper-cased), so a test can see that the glossary was applied.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, Any, dict[str, str]]  # status, JSON body (None: empty), extra headers


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any  # parsed JSON, a form as {name: [values]}, or None

    def field(self, name: str) -> list[str]:
        """A body field as a list of strings, whichever encoding the client used."""
        if not isinstance(self.body, dict) or name not in self.body:
            return []
        value = self.body[name]
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    def one(self, name: str) -> str | None:
        values = self.field(name)
        return values[0] if values else None


@dataclass
class Fault:
    """A scripted misbehaviour for the next matching request."""

    status: int | None = None  # None: answer normally, after `delay`
    message: str = "scripted failure"
    retry_after: str | None = None
    delay: float = 0.0
    path: str | None = None  # None: any path


@dataclass
class _Glossary:
    glossary_id: str
    name: str
    source_lang: str
    target_lang: str
    entries: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "glossary_id": self.glossary_id,
            "name": self.name,
            "ready": True,
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "creation_time": "2024-01-01T00:00:00.000000Z",
            "entry_count": len(self.entries),
        }


class FakeServer:
    """Runs a ThreadingHTTPServer in a thread; subclasses route requests in `answer`."""

    error_key = "message"

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._httpd: _QuietServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FakeServer:
        self._httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        # A short poll interval lets shutdown() return at once instead of after half a second.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._httpd and self._thread
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._httpd, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def fail(
        self,
        status: int,
        times: int = 1,
        *,
        message: str = "scripted failure",
        retry_after: str | None = None,
        path: str | None = None,
    ) -> None:
        """Answer the next `times` requests (to `path`, if given) with this status."""
        for _ in range(times):
            self._faults.append(Fault(status, message, retry_after, path=path))

    def stall(self, seconds: float, times: int = 1, path: str | None = None) -> None:
        """Wait `seconds` before answering the next `times` requests normally."""
        for _ in range(times):
            self._faults.append(Fault(delay=seconds, path=path))

    def seen(self, path: str, method: str | None = None) -> list[Seen]:
        return [r for r in self.requests if r.path == path and method in (None, r.method)]

    def answer(self, seen: Seen) -> Answer:
        raise NotImplementedError

    def error(self, status: int, message: str) -> Answer:
        return status, {self.error_key: message}, {}

    def _record(self, seen: Seen) -> Fault | None:
        with self._lock:
            self.requests.append(seen)
            for fault in self._faults:
                if fault.path in (None, seen.path):
                    self._faults.remove(fault)
                    return fault
        return None

    def _respond(self, seen: Seen) -> Answer:
        fault = self._record(seen)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            status, body, _ = self.error(fault.status, fault.message)
            return status, body, headers
        return self.answer(seen)


class FakeLibreTranslate(FakeServer):
    """POST /translate and GET /languages, as a LibreTranslate server with an API key."""

    error_key = "error"
    LANGUAGES = [
        {"code": "en", "name": "English", "targets": ["de", "es", "ru", "zh-Hans"]},
        {"code": "de", "name": "German", "targets": ["en"]},
        {"code": "es", "name": "Spanish", "targets": ["en"]},
        {"code": "ru", "name": "Russian", "targets": ["en"]},
        {"code": "zh-Hans", "name": "Chinese (Simplified)", "targets": ["en"]},
    ]

    def __init__(self, api_key: str | None = None) -> None:
        super().__init__()
        self.api_key = api_key

    def answer(self, seen: Seen) -> Answer:
        if (seen.method, seen.path) == ("GET", "/languages"):
            return 200, self.LANGUAGES, {}
        if (seen.method, seen.path) == ("POST", "/translate"):
            return self._translate(seen.body if isinstance(seen.body, dict) else {})
        return self.error(404, "Not Found")

    def _translate(self, body: dict[str, Any]) -> Answer:
        if self.api_key and body.get("api_key") != self.api_key:
            return self.error(403, "Invalid API key")
        q, source, target = body.get("q"), body.get("source"), body.get("target")
        if not q:
            return self.error(400, "Invalid request: missing q parameter")
        targets = {lang["code"]: lang["targets"] for lang in self.LANGUAGES}
        if source not in targets or target not in targets[source]:
            return self.error(400, f"{source} -> {target} is not supported")
        if body.get("format", "text") not in ("text", "html"):
            return self.error(400, "format must be text or html")
        if isinstance(q, list):
            return 200, {"translatedText": [f"[{target}] {shout(t)}" for t in q]}, {}
        return 200, {"translatedText": f"[{target}] {shout(q)}"}, {}


class FakeDeepL(FakeServer):
    """The DeepL API v2 endpoints audarma uses: translate, languages and glossaries."""

    SOURCES = {
        "EN": "English",
        "DE": "German",
        "ES": "Spanish",
        "PT": "Portuguese",
        "RU": "Russian",
        "ZH": "Chinese",
    }
    TARGETS = {
        "DE": "German",
        "EN-GB": "English (British)",
        "EN-US": "English (American)",
        "ES": "Spanish",
        "PT-BR": "Portuguese (Brazilian)",
        "PT-PT": "Portuguese (European)",
        "RU": "Russian",
        "ZH-HANS": "Chinese (simplified)",
    }
    GLOSSARY_PAIRS = [("en", "de"), ("de", "en"), ("en", "es"), ("es", "en")]
    MAX_TEXTS = 50

    def __init__(self, auth_key: str) -> None:
        super().__init__()
        self.auth_key = auth_key
        self.glossaries: dict[str, _Glossary] = {}

    def answer(self, seen: Seen) -> Answer:
        if seen.headers.get("authorization") != f"DeepL-Auth-Key {self.auth_key}":
            return self.error(403, "Authorization failure, check auth_key")
        route = (seen.method, seen.path)
        if route == ("GET", "/v2/languages"):
            return self._languages(seen.query.get("type", ["source"])[0])
        if route == ("GET", "/v2/glossary-language-pairs"):
            listed = [{"source_lang": s, "target_lang": t} for s, t in self.GLOSSARY_PAIRS]
            return 200, {"supported_languages": listed}, {}
        if route == ("GET", "/v2/glossaries"):
            return 200, {"glossaries": [g.to_json() for g in self.glossaries.values()]}, {}
        if route == ("POST", "/v2/glossaries"):
            return self._create_glossary(seen)
        if seen.method == "DELETE" and seen.path.startswith("/v2/glossaries/"):
            found = self.glossaries.pop(seen.path.rsplit("/", 1)[1], None)
            return (204, None, {}) if found else self.error(404, "Glossary not found")
        if route == ("POST", "/v2/translate"):
            return self._translate(seen)
        return self.error(404, "Not found")

    def _languages(self, kind: str) -> Answer:
        if kind == "target":
            formal = ("DE", "ES")
            listed = [
                {"language": c, "name": n, "supports_formality": c in formal}
                for c, n in self.TARGETS.items()
            ]
        else:
            listed = [{"language": c, "name": n} for c, n in self.SOURCES.items()]
        return 200, listed, {}

    def _create_glossary(self, seen: Seen) -> Answer:
        source, target = seen.one("source_lang") or "", seen.one("target_lang") or ""
        if (source.lower(), target.lower()) not in self.GLOSSARY_PAIRS:
            return self.error(400, "Unsupported glossary language pair")
        if seen.one("entries_format") != "tsv":
            return self.error(400, "entries_format must be tsv here")
        entries: dict[str, str] = {}
        for line in (seen.one("entries") or "").splitlines():
            parts = line.split("\t")
            if len(parts) != 2 or not all(p and p == p.strip() for p in parts):
                return self.error(400, f"Invalid glossary entry: {line!r}")
            entries[parts[0]] = parts[1]
        if not entries:
            return self.error(400, "Glossary has no entries")
        glossary = _Glossary(
            str(uuid.uuid4()), seen.one("name") or "", source.lower(), target.lower(), entries
        )
        self.glossaries[glossary.glossary_id] = glossary
        return 201, glossary.to_json(), {}

    def _translate(self, seen: Seen) -> Answer:
        texts, target, source = seen.field("text"), seen.one("target_lang"), seen.one("source_lang")
        if not texts or len(texts) > self.MAX_TEXTS:
            return self.error(400, f"Parameter 'text' needs 1 to {self.MAX_TEXTS} values")
        if target not in self.TARGETS:
            return self.error(400, "Value for 'target_lang' not supported.")
        if source is not None and source not in self.SOURCES:
            return self.error(400, "Value for 'source_lang' not supported.")
        glossary = self._glossary_for(seen.one("glossary_id"), source, target)
        if isinstance(glossary, tuple):
            return glossary
        xml = seen.one("tag_handling") == "xml"
        try:
            out = [f"[{target}] " + translate_text(t, xml, glossary) for t in texts]
        except ET.ParseError as exc:
            return self.error(400, f"Tag handling parsing failed: {exc}")
        detected = source or "EN"
        translations = [{"detected_source_language": detected, "text": t} for t in out]
        return 200, {"translations": translations}, {}

    def _glossary_for(
        self, glossary_id: str | None, source: str | None, target: str
    ) -> dict[str, str] | Answer:
        if glossary_id is None:
            return {}
        if source is None:
            return self.error(400, "Use of a glossary requires the source_lang parameter")
        glossary = self.glossaries.get(glossary_id)
        if glossary is None:
            return self.error(404, "Glossary not found")
        pair = (source.lower(), target.split("-")[0].lower())
        if pair != (glossary.source_lang, glossary.target_lang):
            return self.error(400, "Glossary language pair does not match the request")
        return glossary.entries


def shout(text: str, glossary: Mapping[str, str] | None = None) -> str:
    """The fake 'translation': glossary targets as given, everything else upper-cased."""
    if not glossary:
        return text.upper()
    terms = re.compile("|".join(re.escape(s) for s in sorted(glossary, key=len, reverse=True)))
    pieces, last = [], 0
    for m in terms.finditer(text):
        pieces += [text[last : m.start()].upper(), glossary[m[0]]]
        last = m.end()
    return "".join([*pieces, text[last:].upper()])


def translate_text(text: str, xml: bool, glossary: Mapping[str, str]) -> str:
    """Translate plain text, or the text nodes of an XML fragment, leaving elements alone."""
    if not xml:
        return shout(text, glossary)
    root = ET.fromstring(f"<root>{text}</root>")
    root.text = shout(root.text or "", glossary)
    for child in root:
        child.tail = shout(child.tail or "", glossary)
    inner = ET.tostring(root, encoding="unicode")
    return inner.removeprefix("<root>").removesuffix("</root>")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has hung up before a stalled answer: expected, not news.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _QuietServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        seen = Seen(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self._read_body(),
        )
        status, body, headers = self.server.fake._respond(seen)
        payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting

    def _read_body(self) -> Any:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not raw:
            return None
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("application/json"):
            return json.loads(raw)
        if kind.startswith("application/x-www-form-urlencoded"):
            return parse_qs(raw.decode(), keep_blank_values=True)
        return raw
