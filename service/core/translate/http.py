"""HTTP plumbing shared by the engines that call a translation web API (LibreTranslate, DeepL).

Standard library only: a JSON/form client with timeouts, retries and errors mapped to EngineError.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from typing import Any

from service.core.translate.base import EngineError

USER_AGENT = "audarma/0.1"
# Longest piece of a non-JSON error body quoted in a message: enough to recognise a proxy page.
_SNIPPET = 200

Sleep = Callable[[float], None]
FormFields = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before giving up on a flaky server."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    # A server asking for an hour's pause should not stall a worker for an hour: the task
    # layer can retry the whole job later.
    max_retry_after: float = 30.0

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Wait before retry number `retry` (0-based): doubling, with jitter in [half, full].

        Jitter keeps many workers that failed together from retrying in lockstep; the lower
        bound keeps the wait meaningful.
        """
        ceiling = min(self.max_delay, self.base_delay * 2**retry)
        return rng.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class _Failure:
    """One failed attempt, kept to explain the final error."""

    message: str
    retryable: bool
    retry_after: float | None = None


class HttpClient:
    """Calls one API on behalf of one engine; every failure surfaces as EngineError."""

    def __init__(
        self,
        engine: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        policy: RetryPolicy | None = None,
        hints: Mapping[int, str] | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
    ):
        self.engine = engine
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self._hints = dict(hints or {})
        self._sleep = sleep
        self._rng = rng or random.Random()

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self.request("GET", path + query)

    def post_json(self, path: str, payload: Any) -> Any:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return self.request("POST", path, body, "application/json")

    def post_form(self, path: str, fields: FormFields) -> Any:
        """POST url-encoded fields; a list of pairs so that a key may repeat (DeepL's `text`)."""
        body = urllib.parse.urlencode(list(fields)).encode("utf-8")
        return self.request("POST", path, body, "application/x-www-form-urlencoded")

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> Any:
        """Send with retries; return the decoded JSON body (None when the body is empty)."""
        url = self.base_url + path
        where = f"{method} {urllib.parse.urlsplit(url).path}"
        attempts = max(1, self.policy.max_attempts)
        for attempt in range(attempts):
            outcome = self._attempt(method, url, body, content_type)
            if not isinstance(outcome, _Failure):
                return self._decode(where, outcome)
            if not outcome.retryable:
                raise EngineError(self.engine, f"{where}: {outcome.message}", transient=False)
            if attempt + 1 < attempts:
                self._sleep(self._wait(attempt, outcome))
        assert isinstance(outcome, _Failure)  # the last attempt failed too, or it had returned
        noun = "attempt" if attempts == 1 else "attempts"
        raise EngineError(
            self.engine,
            f"{where}: {outcome.message} (gave up after {attempts} {noun})",
            transient=True,
        )

    def _attempt(
        self, method: str, url: str, body: bytes | None, content_type: str | None
    ) -> bytes | _Failure:
        headers = dict(self._headers)
        if content_type:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            return self._http_failure(exc)
        except urllib.error.URLError as exc:
            # Raised while connecting: refused, unknown host, connect timeout.
            return _Failure(f"cannot connect to {_host(url)}: {exc.reason}", retryable=True)
        except TimeoutError:
            return _Failure(f"no answer within {self.timeout:g}s", retryable=True)
        except (OSError, HTTPException) as exc:
            # The connection broke mid-answer (reset, truncated body): worth another try.
            return _Failure(f"connection failed: {exc!r}", retryable=True)

    def _http_failure(self, exc: urllib.error.HTTPError) -> _Failure:
        status = exc.code
        try:
            raw = exc.read()
        except (OSError, HTTPException):
            raw = b""
        message = f"HTTP {status}"
        said = server_message(raw)
        if said:
            message += f": {said}"
        if status in self._hints:
            message += f" ({self._hints[status]})"
        retryable = status == 429 or 500 <= status <= 599
        retry_after = parse_retry_after(exc.headers.get("Retry-After")) if retryable else None
        return _Failure(message, retryable, retry_after)

    def _wait(self, attempt: int, failure: _Failure) -> float:
        if failure.retry_after is not None:
            return min(failure.retry_after, self.policy.max_retry_after)
        return self.policy.backoff(attempt, self._rng)

    def _decode(self, where: str, raw: bytes) -> Any:
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise EngineError(
                self.engine, f"{where}: answer is not JSON: {_snippet(raw)!r}"
            ) from exc


def server_message(raw: bytes) -> str:
    """The error text a server put in its body: DeepL says `message`, LibreTranslate `error`."""
    try:
        data = json.loads(raw)
    except ValueError:
        return _snippet(raw)
    if isinstance(data, dict):
        parts = [str(data[k]) for k in ("message", "error", "detail") if data.get(k)]
        if parts:
            return ": ".join(parts)
    return _snippet(raw)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def batches(items: Sequence[str], max_items: int, max_chars: int) -> Iterator[list[str]]:
    """Consecutive runs of items, each within both limits (a single oversized item goes alone)."""
    run: list[str] = []
    size = 0
    for item in items:
        if run and (len(run) >= max_items or size + len(item) > max_chars):
            yield run
            run, size = [], 0
        run.append(item)
        size += len(item)
    if run:
        yield run


def translate_nonblank(
    segments: Sequence[str], translate: Callable[[list[str]], list[str]]
) -> list[str]:
    """Translate only segments with text; blank ones come back unchanged and cost no request.

    Both APIs reject or mangle empty input, and a paragraph break needs no engine.
    """
    indexed = [(i, s) for i, s in enumerate(segments) if s.strip()]
    out = list(segments)
    if not indexed:
        return out
    translated = translate([s for _, s in indexed])
    for (i, _), text in zip(indexed, translated, strict=True):
        out[i] = text
    return out


def _snippet(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    return " ".join(text.split())[:_SNIPPET]


def public_url(url: str) -> str:
    """A URL fit for messages and `info()`: no user:password, query or fragment."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _host(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
