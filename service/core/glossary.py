"""Glossary entries and collections: loading, validation and lookup of canonical names.

A glossary is read from YAML collections (one file per collection, format in
docs/glossary-format.md). Country and territory names are not written by hand: a collection with
`source: cldr-territories` asks for them, and Babel supplies every locale's form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml
from babel import Locale

from .locales import InvalidLanguageTag, babel_locale, lookup_chain, normalize_tag
from .shipped import shipped_folder

ENTRY_TYPES = ("person", "place", "organization", "term")
# What a listed variant is, which decides what the matcher may do with it (docs/glossary-format.md):
# spelling -> may be rewritten anywhere; former -> an earlier name, left alone in historical
# context; exonym -> another accepted name, a suggestion at most; ambiguous -> also somebody's or
# something else's name, never rewritten; abbreviation -> linked, never expanded (a Russian
# phrase around "СУАР" needs a case the nominative full name does not have).
VARIANT_KINDS = ("spelling", "former", "exonym", "ambiguous", "abbreviation")
VARIANT_KEYS = frozenset({"text", "kind", "until", "note"})
# Only these kinds may say when a name went out of use; a former name must.
DATED_KINDS = ("former", "ambiguous")
FIRST_YEAR, LAST_YEAR = 1000, 2999
ENTRY_KEYS = frozenset({"id", "type", "names", "variants", "short", "note"})
COLLECTION_KEYS = frozenset({"collection", "description", "entries"})
TERRITORY_KEYS = frozenset({"collection", "description", "source", "codes", "variants", "type"})
# Matched with fullmatch: "$" would also accept a trailing newline.
ID_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_ID = re.compile(ID_PATTERN)
# The database's column widths (service/store/models.py): an entry must fit them to be stored.
MAX_ID = 200
MAX_COLLECTION = 100
# PostgreSQL cannot store a NUL in text; an unpaired surrogate cannot be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

# The shipped collections: package data in an installed wheel, glossaries/ in a checkout.
DEFAULT_GLOSSARY_DIR = shipped_folder()

# Languages whose CLDR territory names are put into the matcher: the languages audarma reads.
TERRITORY_MATCH_LANGUAGES = ("en", "ru", "kk")


@dataclass(frozen=True)
class Problem:
    """One validation finding, located by file and entry."""

    source: str
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: entry {self.entry!r}" if self.entry else self.source
        return f"{where}: {self.message}"


class GlossaryError(ValueError):
    """A glossary that failed validation; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} glossary problem(s):\n{lines}{more}")


@dataclass(frozen=True, slots=True)
class Variant:
    """Another spelling or name of an entity, with what kind of name it is.

    `until` is the last year a former name was in use (Nur-Sultan: 2022); `classified` is False
    for a bare string in a collection, which is read as a spelling but reported by
    `audarma glossary check --strict`.
    """

    text: str
    kind: str = "spelling"
    until: int | None = None
    note: str = ""
    classified: bool = True

    def to_dict(self) -> dict:
        data: dict = {"text": self.text, "kind": self.kind}
        if self.until is not None:
            data["until"] = self.until
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    type: str
    names: Mapping[str, str]
    variants: tuple[Variant, ...] = ()
    short: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    collection: str = ""
    territory: str | None = None  # ISO 3166 code when names come from CLDR

    def name_in(self, tag: str) -> str | None:
        """Canonical name for a language tag, walking kk-Latn-KZ -> kk-Latn, ru-RU -> ru."""
        found = _lookup(self.names, tag)
        if found is None and self.territory:
            found = territory_name(self.territory, tag)
        return found

    def short_in(self, tag: str) -> str | None:
        return _lookup(self.short, tag)

    def to_dict(self) -> dict:
        data: dict = {"id": self.id, "type": self.type, "names": dict(self.names)}
        if self.variants:
            data["variants"] = [v.to_dict() for v in self.variants]
        if self.short:
            data["short"] = dict(self.short)
        if self.note:
            data["note"] = self.note
        return data


def _lookup(forms: Mapping[str, str], tag: str) -> str | None:
    for candidate in lookup_chain(tag):
        if candidate in forms:
            return forms[candidate]
    return None


def territory_name(code: str, tag: str) -> str | None:
    try:
        locale = babel_locale(tag)
    except InvalidLanguageTag:
        return None
    return locale.territories.get(code)


class Glossary:
    """An immutable set of entries indexed by id."""

    def __init__(self, entries: Iterable[Entry]):
        self._entries: dict[str, Entry] = {}
        for entry in entries:
            if entry.id in self._entries:
                raise GlossaryError([Problem(entry.collection, entry.id, "duplicate id")])
            self._entries[entry.id] = entry

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def get(self, entry_id: str) -> Entry | None:
        return self._entries.get(entry_id)

    def __getitem__(self, entry_id: str) -> Entry:
        return self._entries[entry_id]

    def collections(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self:
            counts[entry.collection] = counts.get(entry.collection, 0) + 1
        return counts


# --------------------------------------------------------------------------- loading


def collection_files(paths: Iterable[str | Path]) -> list[Path]:
    """YAML files named by `paths`: files as given, folders searched at their top level.

    House styles live in glossaries/styles/ and are not collections, so sub-folders are skipped.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        elif path.exists():
            files.append(path)
        else:
            raise GlossaryError([Problem(str(path), None, "no such file or folder")])
    return files


def load_glossary(paths: Iterable[str | Path] | None = None) -> Glossary:
    """Load and validate collections; raise GlossaryError listing every problem."""
    entries, problems = read_collections(paths)
    if problems:
        raise GlossaryError(problems)
    return Glossary(entries)


def check_glossary(paths: Iterable[str | Path] | None = None) -> tuple[list[Entry], list[Problem]]:
    """Everything load_glossary finds, returned instead of raised (for `audarma glossary check`)."""
    try:
        return read_collections(paths)
    except GlossaryError as exc:
        return [], exc.problems


def read_collections(
    paths: Iterable[str | Path] | None = None,
) -> tuple[list[Entry], list[Problem]]:
    files = collection_files([DEFAULT_GLOSSARY_DIR] if paths is None else paths)
    entries: list[Entry] = []
    problems: list[Problem] = []
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            problems.append(Problem(str(path), None, f"not UTF-8 text ({exc.reason})"))
            continue
        except yaml.YAMLError as exc:
            problems.append(Problem(str(path), None, f"invalid YAML: {exc}"))
            continue
        found, trouble = parse_collection(data, source=str(path), default_name=path.stem)
        entries.extend(found)
        problems.extend(trouble)
    problems.extend(cross_check(entries))
    return entries, problems


def parse_collection(
    data: object, source: str, default_name: str = ""
) -> tuple[list[Entry], list[Problem]]:
    """Validate one collection's parsed YAML and build its entries."""
    if not isinstance(data, dict):
        return [], [Problem(source, None, "a collection must be a mapping with an 'entries' list")]
    if data.get("source") == "cldr-territories":
        return _parse_territories(data, source, default_name)
    problems = [
        Problem(source, None, f"unknown top-level field {key!r}")
        for key in data
        if key not in COLLECTION_KEYS
    ]
    name = str(data.get("collection") or default_name)
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        problems.append(Problem(source, None, "'entries' must be a list"))
        return [], problems
    entries = []
    for index, raw in enumerate(raw_entries):
        entry, trouble = parse_entry(raw, source, name, index)
        problems.extend(trouble)
        if entry is not None:
            entries.append(entry)
    return entries, problems


def parse_entry(
    raw: object, source: str, collection: str, index: int = 0
) -> tuple[Entry | None, list[Problem]]:
    label = f"#{index + 1}"
    if not isinstance(raw, dict):
        return None, [Problem(source, label, "an entry must be a mapping")]
    entry_id = raw.get("id")
    label = entry_id if isinstance(entry_id, str) and entry_id else label
    problems: list[Problem] = []

    def fail(message: str) -> None:
        problems.append(Problem(source, label, message))

    for key in raw:
        if key not in ENTRY_KEYS:
            fail(f"unknown field {_shown(key)} (allowed: {', '.join(sorted(ENTRY_KEYS))})")
    if not isinstance(entry_id, str) or not _ID.fullmatch(entry_id) or len(entry_id) > MAX_ID:
        fail(f"'id' must be a lowercase slug of at most {MAX_ID} characters such as "
             f"'kassym-jomart-tokayev', not {_shown(entry_id)}")
    if not isinstance(collection, str) or len(collection) > MAX_COLLECTION:
        fail(f"'collection' must be text of at most {MAX_COLLECTION} characters, "
             f"not {_shown(collection)}")
    elif problem := _unstorable(collection):
        fail(f"'collection' {problem}")
    entry_type = raw.get("type")
    if entry_type not in ENTRY_TYPES:
        fail(f"'type' must be one of {', '.join(ENTRY_TYPES)}, not {_shown(entry_type)}")
    names = _language_map(raw.get("names"), "names", fail, required=True)
    if names is not None and "en" not in names:
        fail("'names' needs an 'en' form")
    short = _language_map(raw.get("short", {}), "short", fail, required=False) or {}
    variants = raw.get("variants", [])
    if not isinstance(variants, list):
        fail("'variants' must be a list")
        variants = []
    clean_variants: dict[str, Variant] = {}
    for item in variants:
        variant = parse_variant(item, fail)
        if variant is not None:
            clean_variants.setdefault(variant.text, variant)
    note = raw.get("note", "")
    if not isinstance(note, str):
        fail(f"'note' must be text, not {_shown(note)}")
        note = ""
    elif problem := _unstorable(note):
        fail(f"'note' {problem}")
    if problems or names is None:
        return None, problems
    # No problems: the id, the type and the collection passed their checks above.
    assert isinstance(entry_id, str) and isinstance(entry_type, str)
    assert isinstance(collection, str)
    entry = Entry(
        id=entry_id,
        type=entry_type,
        names=MappingProxyType(names),
        variants=tuple(clean_variants.values()),
        short=MappingProxyType(short),
        note=note.strip(),
        collection=collection,
    )
    return entry, []


def parse_variant(item: object, fail) -> Variant | None:
    """One variant: a mapping {text, kind, until?, note?}, or a bare string (an unclassified
    spelling). Problems go to `fail`, which names the entry."""
    if isinstance(item, str):
        if not item.strip():
            fail("empty or non-text variant ''")
            return None
        if problem := _unstorable(item):
            fail(f"variant {_shown(item)} {problem}")
            return None
        return Variant(_clean(item), classified=False)
    if not isinstance(item, dict):
        fail(f"empty or non-text variant {_shown(item)}")
        return None
    unknown = sorted(str(k) for k in item if k not in VARIANT_KEYS)
    if unknown:
        allowed = "text, kind, until, note"
        fail(f"variant has unknown field(s) {', '.join(unknown)} (allowed: {allowed})")
        return None
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        fail(f"empty or non-text variant {_shown(text)}")
        return None
    if problem := _unstorable(text):
        fail(f"variant {_shown(text)} {problem}")
        return None
    text = _clean(text)
    kind = item.get("kind", "spelling")
    if not isinstance(kind, str) or kind not in VARIANT_KINDS:
        fail(f"variant {_shown(text)}: 'kind' must be one of {', '.join(VARIANT_KINDS)}, "
             f"not {_shown(kind)}")
        return None
    until = item.get("until")
    if until is not None and (
        isinstance(until, bool) or not isinstance(until, int)
        or not FIRST_YEAR <= until <= LAST_YEAR
    ):
        fail(f"variant {_shown(text)}: 'until' must be a four-digit year, not {_shown(until)}")
        return None
    if kind == "former" and until is None:
        fail(f"variant {text!r}: a former name needs 'until', the last year it was in use")
        return None
    if until is not None and kind not in DATED_KINDS:
        fail(f"variant {text!r}: 'until' belongs to former (or ambiguous) names, not {kind}")
        return None
    note = item.get("note", "")
    if not isinstance(note, str):
        fail(f"variant {_shown(text)}: 'note' must be text")
        return None
    if problem := _unstorable(note):
        fail(f"variant {_shown(text)}: 'note' {problem}")
        return None
    return Variant(text, kind, until, note.strip())


def variants_from_data(items: Iterable[object]) -> tuple[Variant, ...]:
    """Variants of an entry body that was validated when it was stored (database, cache)."""

    def ignore(message: str) -> None:
        return None

    found = (parse_variant(item, ignore) for item in items)
    return tuple(v for v in found if v is not None)


def unclassified_variants(entries: Iterable[Entry]) -> list[Problem]:
    """Variants written as bare strings: read as spellings, but nobody said what they are."""
    return [
        Problem(entry.collection, entry.id,
                f"variant {v.text!r} has no kind (spelling, former, exonym or ambiguous)")
        for entry in entries
        for v in entry.variants
        if not v.classified
    ]


def _language_map(value: object, field_name: str, fail, required: bool) -> dict[str, str] | None:
    if value is None or value == {}:
        if required:
            fail(f"'{field_name}' is empty: give at least an 'en' form")
        return {} if not required else None
    if not isinstance(value, dict):
        fail(f"'{field_name}' must map language tags to text")
        return None
    result: dict[str, str] = {}
    for tag, text in value.items():
        try:
            canonical = normalize_tag(str(tag))
            babel_locale(canonical)
        except InvalidLanguageTag as exc:
            reason = str(exc)  # quotes the tag whole, which may be any length
            fail(f"'{field_name}': {reason if len(reason) < 200 else reason[:200] + '...'}")
            continue
        if not isinstance(text, str):
            fail(f"'{field_name}.{tag}' must be text, not {_shown(text)}")
            continue
        if not text.strip():
            fail(f"'{field_name}.{tag}' is empty")
            continue
        if problem := _unstorable(text):
            fail(f"'{field_name}.{tag}' {problem}")
            continue
        result[canonical] = _clean(text)
    return result


def _clean(text: str) -> str:
    return " ".join(text.split())


def _unstorable(text: str) -> str | None:
    """What makes `text` impossible to store (a NUL, an unpaired surrogate), or None."""
    bad = _UNSTORABLE.search(text)
    if bad is None:
        return None
    if bad.group() == "\x00":
        return f"contains a NUL character (\\u0000) at position {bad.start()}; remove it"
    return (f"contains an unpaired surrogate (\\u{ord(bad.group()):04x}) at position "
            f"{bad.start()}; use valid Unicode")


def _shown(value: object, limit: int = 60) -> str:
    """A value quoted in a problem, cut short so a huge one does not flood the report."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


def _parse_territories(
    data: dict, source: str, default_name: str
) -> tuple[list[Entry], list[Problem]]:
    problems = [
        Problem(source, None, f"unknown top-level field {key!r}")
        for key in data
        if key not in TERRITORY_KEYS
    ]
    english: Mapping[str, str] = Locale.parse("en").territories  # CLDR code -> English name
    codes = data.get("codes", "all")
    if codes == "all":
        # Two-letter codes only: the numeric ones are world regions (001, 150), not places
        # that appear as names in copy.
        codes = sorted(c for c in english if len(c) == 2 and c.isalpha() and c != "ZZ")
    if not isinstance(codes, list):
        return [], [*problems, Problem(source, None, "'codes' must be a list or 'all'")]
    variants = data.get("variants") or {}
    if not isinstance(variants, dict):
        return [], [*problems, Problem(source, None, "'variants' must map codes to lists")]
    for code in variants:
        if code not in codes:
            problems.append(Problem(source, str(code), "variants given for a code not listed"))
    name = str(data.get("collection") or default_name)
    entries = []
    for code in codes:
        # A YAML list may hold numbers or lists; only a string can be a territory code.
        if not isinstance(code, str) or code not in english:
            problems.append(Problem(source, _shown(code), "not a CLDR territory code"))
            continue
        names = {}
        for language in TERRITORY_MATCH_LANGUAGES:
            text = territory_name(code, language)
            if text:
                names[language] = text
        extra = variants.get(code, [])
        parsed: list[Variant] = []
        if not isinstance(extra, list):
            problems.append(Problem(source, code, "variants must be a list"))
            extra = []
        for item in extra:
            variant = parse_variant(
                item, lambda message, c=code: problems.append(Problem(source, c, message))
            )
            if variant is not None:
                parsed.append(variant)
        entries.append(
            Entry(
                id=f"territory-{code.lower()}",
                type="place",
                names=MappingProxyType(names),
                variants=tuple(parsed),
                collection=name,
                territory=code,
                note=f"CLDR territory {code}",
            )
        )
    return entries, problems


def cross_check(entries: list[Entry]) -> list[Problem]:
    """Checks that need every collection: unique ids, and spellings owned by one entity only."""
    from .folding import fold  # local: folding is only needed once all entries are read

    problems: list[Problem] = []
    seen_ids: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in seen_ids:
            other = seen_ids[entry.id]
            problems.append(
                Problem(entry.collection, entry.id, f"duplicate id (also in {other.collection})")
            )
        else:
            seen_ids[entry.id] = entry

    # A variant is an instruction to rewrite, so it must point at exactly one entity and must
    # not be somebody's real name.
    canonical: dict[str, str] = {}
    for entry in entries:
        for text in entry.names.values():
            canonical.setdefault(fold(text), entry.id)
        for text in entry.short.values():
            canonical.setdefault(fold(text), entry.id)
    claimed: dict[str, str] = {}
    for entry in entries:
        for item in entry.variants:
            variant = item.text
            key = fold(variant)
            owner = canonical.get(key)
            if owner is not None and owner != entry.id:
                problems.append(
                    Problem(
                        entry.collection,
                        entry.id,
                        f"variant {variant!r} is a canonical name or short form of {owner!r}",
                    )
                )
            previous = claimed.setdefault(key, entry.id)
            if previous != entry.id:
                problems.append(
                    Problem(
                        entry.collection,
                        entry.id,
                        f"variant {variant!r} is also claimed by {previous!r}",
                    )
                )
    return problems
