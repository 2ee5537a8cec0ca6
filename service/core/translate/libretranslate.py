"""LibreTranslate engine: a self-hosted (or public) LibreTranslate server over its JSON API.

Placeholders (⟦1⟧, ⟦2⟧, ...) are sent exactly as they are, with format "text". Argos underneath
may still drop or move one; the enforcement layer checks every segment and recovers, so this
module does not try to repair anything.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard

from service.core.locales import InvalidLanguageTag, language_of, lookup_chain, normalize_tag
from service.core.translate.base import EngineError, EngineInfo
from service.core.translate.http import (
    HttpClient,
    RetryPolicy,
    Sleep,
    batches,
    public_url,
    translate_nonblank,
)

# Segments per request: a whole article in one or two requests, without one request holding a
# small server's only worker for minutes.
BATCH_SIZE = 50
BATCH_CHARS = 20_000

# LibreTranslate named Traditional Chinese "zt" before it adopted BCP 47 "zh-Hant".
_LEGACY_CODES = {"zt": "zh-Hant"}

_HINTS = {403: "the server wants a valid api_key"}


@dataclass(frozen=True)
class _Catalog:
    """What GET /languages said: the server's own codes, keyed by normalized tag."""

    codes: dict[str, str]  # "zh-Hans" -> the server's spelling of it
    targets: dict[str, frozenset[str]]  # server code -> server codes it translates into

    @classmethod
    def parse(cls, languages: object) -> _Catalog:
        if not isinstance(languages, list):
            raise ValueError(f"expected a list of languages, got {type(languages).__name__}")
        codes: dict[str, str] = {}
        for entry in languages:
            tag = _tag_of(entry.get("code")) if isinstance(entry, dict) else None
            if tag:
                codes.setdefault(tag, entry["code"])
        every = frozenset(codes.values())
        # Servers before per-language `targets` translated any pair, pivoting through English.
        targets = {
            entry["code"]: frozenset(entry.get("targets") or every) & every
            for entry in languages
            if isinstance(entry, dict) and entry.get("code") in every
        }
        return cls(codes, targets)

    def code_for(self, tag: str) -> str | None:
        """The server's code for a tag: exact, then less specific, then any variant of a bare
        language ("zh" -> "zh-Hans") since the caller did not ask for one in particular."""
        try:
            wanted = normalize_tag(tag)
        except InvalidLanguageTag:
            return None
        for candidate in lookup_chain(wanted):
            if candidate in self.codes:
                return self.codes[candidate]
        if wanted == language_of(wanted):
            for known, code in self.codes.items():
                if language_of(known) == wanted:
                    return code
        return None

    def pairs(self) -> frozenset[tuple[str, str]]:
        lang = {code: language_of(tag) for tag, code in self.codes.items()}
        return frozenset(
            (lang[s], lang[t])
            for s, targets in self.targets.items()
            for t in targets
            if lang[s] != lang[t]
        )


class LibreTranslateEngine:
    """Translator backed by a LibreTranslate server (POST /translate, GET /languages)."""

    name = "libretranslate"

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        timeout: float = 10,
        retries: int = 3,
        *,
        sleep: Sleep = time.sleep,
    ):
        """`retries` counts attempts after the first; `sleep` is injectable for tests."""
        self.url = url.rstrip("/")
        self._api_key = api_key
        self._client = HttpClient(
            self.name,
            self.url,
            timeout=timeout,
            policy=RetryPolicy(max_attempts=retries + 1),
            hints=_HINTS,
            sleep=sleep,
        )
        self._catalog: _Catalog | None = None
        self._problem: str | None = None

    def pairs(self) -> frozenset[tuple[str, str]]:
        try:
            return self._languages().pairs()
        except EngineError:
            return frozenset()

    def translate(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        catalog = self._languages()
        src, tgt = catalog.code_for(source), catalog.code_for(target)
        if src is None or tgt is None or tgt not in catalog.targets.get(src, ()):
            raise EngineError(
                self.name, f"{source} -> {target} is not offered by {public_url(self.url)}"
            )
        return translate_nonblank(segments, lambda texts: self._translate_all(texts, src, tgt))

    def info(self) -> EngineInfo:
        pairs = self.pairs()
        state = "ready" if self._problem is None else f"unavailable: {self._problem}"
        return EngineInfo(
            name=self.name,
            state=state,
            pairs=tuple(sorted(pairs)),
            formats=("text",),
            detail={"url": public_url(self.url)},
        )

    def close(self) -> None:
        # urllib opens a connection per request, so there is nothing to release but the cache.
        self._catalog = None

    def _languages(self) -> _Catalog:
        """The server's languages, fetched once; a failure is remembered but not cached, so the
        next call asks again (the server may have come up)."""
        if self._catalog is not None:
            return self._catalog
        try:
            catalog = _Catalog.parse(self._client.get_json("/languages"))
        except ValueError as exc:
            self._problem = f"GET /languages: {exc}"
            raise EngineError(self.name, self._problem) from exc
        except EngineError as exc:
            self._problem = _without_prefix(exc, self.name)
            raise
        self._catalog, self._problem = catalog, None
        return catalog

    def _translate_all(self, texts: list[str], source: str, target: str) -> list[str]:
        out: list[str] = []
        for batch in batches(texts, BATCH_SIZE, BATCH_CHARS):
            out.extend(self._translate_batch(batch, source, target))
        return out

    def _translate_batch(self, texts: list[str], source: str, target: str) -> list[str]:
        # HTML mode would translate the text between tags as separate fragments, cutting
        # sentences apart; plain text keeps each segment whole, placeholders included.
        payload = {"q": texts, "source": source, "target": target, "format": "text"}
        if self._api_key:
            payload["api_key"] = self._api_key
        answer = self._client.post_json("/translate", payload)
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if isinstance(translated, str):
            raise EngineError(
                self.name, "POST /translate: the server does not accept a list in `q` (too old?)"
            )
        if not _is_texts(translated, len(texts)):
            raise EngineError(
                self.name, f"POST /translate: expected {len(texts)} texts, got {answer!r:.200}"
            )
        return translated


def _tag_of(code: object) -> str | None:
    if not isinstance(code, str):
        return None
    try:
        return normalize_tag(_LEGACY_CODES.get(code, code))
    except InvalidLanguageTag:
        return None


def _is_texts(value: object, count: int) -> TypeGuard[list[str]]:
    return (
        isinstance(value, list) and len(value) == count and all(isinstance(v, str) for v in value)
    )


def _without_prefix(exc: EngineError, engine: str) -> str:
    return str(exc).removeprefix(f"{engine}: ")
