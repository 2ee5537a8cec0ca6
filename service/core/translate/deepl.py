"""DeepL engine: DeepL API v2 text translation, with placeholders carried as XML tags and
per-pair glossaries created from audarma's own entries.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from service.core.locales import InvalidLanguageTag, language_of, normalize_tag, parse_tag
from service.core.translate.base import PLACEHOLDER, EngineError, EngineInfo
from service.core.translate.http import (
    HttpClient,
    RetryPolicy,
    Sleep,
    batches,
    public_url,
    translate_nonblank,
)

FREE_API = "https://api-free.deepl.com"
# DeepL takes up to 50 texts per request and caps a request at 128 KiB; 25,000 characters stay
# below that even for three-byte scripts.
BATCH_SIZE = 50
BATCH_CHARS = 25_000

# Regions whose English follows British spelling; every other English goes to EN-US, since a
# bare "EN" target is deprecated.
_BRITISH_ENGLISH = {"GB", "IE", "AU", "NZ", "ZA", "IN"}
_TRADITIONAL_CHINESE = {"TW", "HK", "MO"}

# DeepL may write the empty element back as <x id="1" /> or <x id="1"></x>.
_XML_PLACEHOLDER = re.compile(r"""<x\s+id\s*=\s*["'](\d+)["']\s*(?:/>|>\s*</x>)""")
_XML_ENTITY = re.compile(r"&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
# DeepL refuses glossary entries containing control characters or edge whitespace.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

_HINTS = {
    403: "authorization failed: check the key; keys ending in ':fx' belong to api-free.deepl.com",
    404: "not found (a deleted glossary?)",
    413: "request too large",
    456: "quota exceeded: the account's character allowance is used up",
}


def deepl_target_candidates(tag: str) -> list[str]:
    """DeepL target codes for a BCP 47 tag, preferred first; later ones are older spellings
    that some accounts or API versions still list instead."""
    t = parse_tag(tag)
    if t.language == "en":
        return ["EN-GB" if t.region in _BRITISH_ENGLISH else "EN-US", "EN"]
    if t.language == "pt":
        # A bare "pt" is Brazilian, as CLDR's likely-subtags data has it.
        return ["PT-BR" if t.region in (None, "BR") else "PT-PT", "PT"]
    if t.language == "zh":
        traditional = t.script == "Hant" or (t.script is None and t.region in _TRADITIONAL_CHINESE)
        # Never fall back from Traditional to "ZH": that is Simplified.
        return ["ZH-HANT"] if traditional else ["ZH-HANS", "ZH"]
    if t.language == "es" and t.region not in (None, "ES"):
        return ["ES-419", "ES"]
    return [t.language.upper()]


def deepl_source_code(tag: str) -> str:
    """Source languages are never regional in DeepL: 'en-GB' -> 'EN'."""
    return language_of(tag).upper()


def to_xml(segment: str) -> str:
    """Escape the text for tag_handling=xml and turn each ⟦N⟧ into <x id="N"/>."""
    return PLACEHOLDER.sub(lambda m: f'<x id="{m[1]}"/>', escape(segment))


def from_xml(text: str) -> str:
    """Undo to_xml on DeepL's answer: tags back to ⟦N⟧ first, so an escaped '&lt;x' in the
    original text stays text."""
    with_placeholders = _XML_PLACEHOLDER.sub(lambda m: f"⟦{m[1]}⟧", text)
    return _XML_ENTITY.sub(_unescape_entity, with_placeholders)


def glossary_tsv(entries: Mapping[str, str]) -> str:
    """Entries as DeepL's TSV, sorted so the same entries always give the same text (and hash).

    Tabs, newlines and other control characters become spaces; entries left empty are dropped,
    and so is a second entry whose source reads the same once cleaned.
    """
    rows: dict[str, str] = {}
    for source, target in entries.items():
        s, t = _clean_entry(source), _clean_entry(target)
        if s and t:
            rows.setdefault(s, t)
    return "\n".join(f"{s}\t{t}" for s, t in sorted(rows.items()))


@dataclass(frozen=True)
class _Catalog:
    """What GET /v2/languages said, for sources and for targets (DeepL's own codes)."""

    sources: frozenset[str]  # "EN", "DE"
    targets: frozenset[str]  # "EN-GB", "DE", "ZH-HANS"

    def pairs(self) -> frozenset[tuple[str, str]]:
        targets = {language_of(tag) for tag in self.target_tags()}
        return frozenset((s.lower(), t) for s in self.sources for t in targets if s.lower() != t)

    def target_tags(self) -> list[str]:
        return sorted(filter(None, (_tag_of(code) for code in self.targets)))

    def target_code(self, tag: str) -> str | None:
        return next((c for c in deepl_target_candidates(tag) if c in self.targets), None)


class DeepLEngine:
    """Translator backed by the DeepL API v2; see set_glossary() for glossaries."""

    name = "deepl"

    def __init__(
        self,
        auth_key: str,
        url: str = FREE_API,
        timeout: float = 10,
        retries: int = 3,
        *,
        sleep: Sleep = time.sleep,
    ):
        """`retries` counts attempts after the first; `sleep` is injectable for tests."""
        self.url = url.rstrip("/")
        self._client = HttpClient(
            self.name,
            self.url,
            headers={"Authorization": f"DeepL-Auth-Key {auth_key}"},
            timeout=timeout,
            policy=RetryPolicy(max_attempts=retries + 1),
            hints=_HINTS,
            sleep=sleep,
        )
        self._catalog: _Catalog | None = None
        self._problem: str | None = None
        self._glossary_pairs: frozenset[tuple[str, str]] | None = None
        self._glossary_ids: dict[str, str] = {}  # glossary name (holds the entries' hash) -> id
        self._active: dict[tuple[str, str], str] = {}  # (source, target) -> glossary id in use
        self._skipped: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    # -- Translator protocol ----------------------------------------------------------------

    def pairs(self) -> frozenset[tuple[str, str]]:
        try:
            return self._languages().pairs()
        except EngineError:
            return frozenset()

    def translate(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        catalog = self._languages()
        src, tgt = _safe(deepl_source_code, source), _safe(catalog.target_code, target)
        if src not in catalog.sources or tgt is None:
            raise EngineError(self.name, f"{source} -> {target} is not offered by DeepL")
        glossary_id = self._active.get((language_of(source), language_of(target)))
        return translate_nonblank(
            segments, lambda texts: self._translate_all(texts, src, tgt, glossary_id)
        )

    def info(self) -> EngineInfo:
        pairs = self.pairs()
        state = "ready" if self._problem is None else f"unavailable: {self._problem}"
        detail: dict[str, object] = {"url": public_url(self.url)}
        if self._catalog is not None:
            detail["target_variants"] = [t for t in self._catalog.target_tags() if "-" in t]
        if self._active:
            detail["glossaries"] = {f"{s}-{t}": gid for (s, t), gid in sorted(self._active.items())}
        if self._skipped:
            detail["glossaries_skipped"] = [
                f"{s}-{t}: DeepL has no glossaries for this pair" for s, t in sorted(self._skipped)
            ]
        return EngineInfo(self.name, state, tuple(sorted(pairs)), ("text",), detail)

    def close(self) -> None:
        # Glossaries stay on the account: another worker may be using them, and reuse by name
        # means the next start does not create them again.
        self._catalog = None

    # -- Glossaries -------------------------------------------------------------------------

    def set_glossary(self, source: str, target: str, entries: Mapping[str, str]) -> str | None:
        """Use these entries for every later translate() of this pair; empty entries clear it.

        Returns the glossary id, or None when there is none: DeepL offers no glossaries for the
        pair (noted in info().detail) or no entry survived cleaning.
        """
        pair = (language_of(source), language_of(target))
        self._active.pop(pair, None)
        if not glossary_tsv(entries):
            return None
        if pair not in self._supported_glossary_pairs():
            self._skipped.add(pair)
            return None
        self._skipped.discard(pair)
        self._active[pair] = self.ensure_glossary(source, target, entries)
        return self._active[pair]

    def ensure_glossary(self, source: str, target: str, entries: Mapping[str, str]) -> str:
        """The id of a DeepL glossary holding exactly these entries, created only if no glossary
        of that content exists yet (looked up by a name that carries the entries' hash)."""
        src, tgt = language_of(source), language_of(target)
        tsv = glossary_tsv(entries)
        if not tsv:
            raise ValueError("a DeepL glossary needs at least one non-empty entry")
        digest = hashlib.sha256(f"{src}\n{tgt}\n{tsv}".encode()).hexdigest()[:16]
        name = f"audarma-{src}-{tgt}-{digest}"
        # One lock for lookup and creation: two threads must not create the same glossary twice.
        with self._lock:
            if name not in self._glossary_ids:
                found = self._find_glossary(name, src, tgt)
                self._glossary_ids[name] = found or self._create_glossary(name, src, tgt, tsv)
            return self._glossary_ids[name]

    def delete_glossary(self, glossary_id: str) -> None:
        """Remove a glossary from the account (DeepL allows 1,000); forget it here too."""
        self._client.delete(f"/v2/glossaries/{glossary_id}")
        self._glossary_ids = {n: g for n, g in self._glossary_ids.items() if g != glossary_id}
        self._active = {p: g for p, g in self._active.items() if g != glossary_id}

    # -- Requests ---------------------------------------------------------------------------

    def _languages(self) -> _Catalog:
        """Source and target lists, fetched once; a failure is remembered but not cached."""
        if self._catalog is not None:
            return self._catalog
        try:
            catalog = _Catalog(self._language_codes("source"), self._language_codes("target"))
        except EngineError as exc:
            self._problem = str(exc).removeprefix(f"{self.name}: ")
            raise
        self._catalog, self._problem = catalog, None
        return catalog

    def _language_codes(self, kind: str) -> frozenset[str]:
        answer = self._client.get_json("/v2/languages", {"type": kind})
        if not isinstance(answer, list):
            raise EngineError(self.name, f"GET /v2/languages?type={kind}: not a list")
        return frozenset(
            e["language"].upper()
            for e in answer
            if isinstance(e, dict) and isinstance(e.get("language"), str)
        )

    def _translate_all(
        self, texts: list[str], source: str, target: str, glossary_id: str | None
    ) -> list[str]:
        out: list[str] = []
        for batch in batches([to_xml(t) for t in texts], BATCH_SIZE, BATCH_CHARS):
            answer = self._translate_batch(batch, source, target, glossary_id)
            out.extend(from_xml(t) for t in answer)
        return out

    def _translate_batch(
        self, texts: list[str], source: str, target: str, glossary_id: str | None
    ) -> list[str]:
        payload: dict[str, object] = {
            "text": texts,
            "source_lang": source,
            "target_lang": target,
            # Placeholders travel as empty <x/> elements DeepL keeps in place but never
            # translates; the rest of the segment was escaped to be valid XML.
            "tag_handling": "xml",
            "ignore_tags": ["x"],
        }
        if glossary_id:
            payload["glossary_id"] = glossary_id
        answer = self._client.post_json("/v2/translate", payload)
        translations = answer.get("translations") if isinstance(answer, dict) else None
        if not isinstance(translations, list) or len(translations) != len(texts):
            raise EngineError(
                self.name, f"POST /v2/translate: expected {len(texts)} texts, got {answer!r:.200}"
            )
        return [str(t.get("text", "")) if isinstance(t, dict) else "" for t in translations]

    def _supported_glossary_pairs(self) -> frozenset[tuple[str, str]]:
        if self._glossary_pairs is None:
            answer = self._client.get_json("/v2/glossary-language-pairs")
            listed = answer.get("supported_languages", []) if isinstance(answer, dict) else []
            self._glossary_pairs = frozenset(
                (p["source_lang"].lower(), p["target_lang"].lower())
                for p in listed
                if isinstance(p, dict) and p.get("source_lang") and p.get("target_lang")
            )
        return self._glossary_pairs

    def _find_glossary(self, name: str, source: str, target: str) -> str | None:
        answer = self._client.get_json("/v2/glossaries")
        listed = answer.get("glossaries", []) if isinstance(answer, dict) else []
        for g in listed:
            if not isinstance(g, dict):
                continue
            langs = (str(g.get("source_lang", "")).lower(), str(g.get("target_lang", "")).lower())
            if g.get("name") == name and langs == (source, target) and g.get("glossary_id"):
                return str(g["glossary_id"])
        return None

    def _create_glossary(self, name: str, source: str, target: str, tsv: str) -> str:
        answer = self._client.post_json(
            "/v2/glossaries",
            {
                "name": name,
                "source_lang": source,
                "target_lang": target,
                "entries": tsv,
                "entries_format": "tsv",
            },
        )
        glossary_id = answer.get("glossary_id") if isinstance(answer, dict) else None
        if not glossary_id:
            raise EngineError(self.name, f"POST /v2/glossaries: no glossary_id in {answer!r:.200}")
        return str(glossary_id)


def _safe(convert: Callable[[str], str | None], tag: str) -> str | None:
    """A code for the tag, or None when the tag is not a language tag at all."""
    try:
        return convert(tag)
    except InvalidLanguageTag:
        return None


def _tag_of(code: str) -> str | None:
    try:
        return normalize_tag(code)
    except InvalidLanguageTag:
        return None


def _clean_entry(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def _unescape_entity(match: re.Match[str]) -> str:
    name = match[1]
    if not name.startswith("#"):
        return _NAMED_ENTITIES[name]
    try:
        return chr(int(name[2:], 16) if name.startswith("#x") else int(name[1:]))
    except (ValueError, OverflowError):
        return match[0]  # not a real character: leave the reference as written
