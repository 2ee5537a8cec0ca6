"""Glossary files in the formats other tools speak: read them into rows, write entries out.

Pure functions, no database: service/store/imports.py turns rows into an import plan.

Formats
-------
`yaml`
    The collection files of docs/glossary-format.md. Every entry is a whole row: it replaces
    the stored entry with its id.
`csv-pair`
    The two-column glossary DeepL and Google take for one language pair: `source,target`, no
    header (a first row that is exactly the two language codes is skipped). The caller names
    the pair. A row only sets the target form of the entity its source term names; see
    `write_csv_pair` for what the format cannot carry.
`csv-wide`
    Google's equivalent term sets: a header of BCP 47 tags, one column per language, one row
    per entity. Columns named `id`, `type`, `collection` and `note` are read as those fields.
    A row sets the forms it gives; an empty cell leaves that language as it is.
`tbx`
    TBX-Basic (ISO 30042:2019, TBX v3, dialect TBX-Basic, DCA style). One `conceptEntry` per
    entity, its `id` the entry id. The mapping:

    ===========================  ====================================================
    audarma                      TBX-Basic
    ===========================  ====================================================
    type                         `descrip type="subjectField"` on the conceptEntry
                                 (person, place, organization, term); every term also
                                 gets `termNote type="partOfSpeech"`: properNoun for
                                 person, place and organization, noun for term
    note                         `note` on the conceptEntry
    collection                   `admin type="projectSubset"` on every term
    names[lang]                  term in `langSec xml:lang=lang`, administrativeStatus
                                 preferredTerm-admn-sts
    short[lang]                  preferredTerm-admn-sts with termType shortForm
    variant kind spelling        deprecatedTerm-admn-sts (use the preferred term instead:
                                 what the matcher does with a misspelling)
    variant kind former          supersededTerm-admn-sts, the year as `note` "until: 2022"
    variant kind exonym          admittedTerm-admn-sts, termType fullForm
    variant kind abbreviation    admittedTerm-admn-sts, termType abbreviation
    variant kind ambiguous       admittedTerm-admn-sts, termType variant (an admitted
                                 term without a termType is read as ambiguous too: the
                                 kind the matcher never rewrites)
    variant note                 `note` on the term (any note but "until: YEAR")
    ===========================  ====================================================

    A variant has no language in audarma; it is written in the langSec of the language its
    script suggests (Cyrillic: ru, or kk with Kazakh letters; Han: zh; otherwise en) and read
    back from any langSec. Everything an entry holds survives export and import.

    XML is parsed with expat directly, and a document with a DOCTYPE is refused before any
    declaration in it is read: no entity is ever expanded, no external resource fetched
    (defusedxml is not a dependency; this is the part of it TBX needs).

Reading never raises on bad input: every reader returns the rows it could read and an error
for each record it could not, located by line, entry or conceptEntry.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

import yaml

from .glossary import ENTRY_TYPES, VARIANT_KINDS
from .locales import InvalidLanguageTag, normalize_tag

FORMATS = ("yaml", "csv-pair", "csv-wide", "tbx")
TBX_NAMESPACE = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "http://www.w3.org/XML/1998/namespace}lang"
# csv-wide columns that are fields of the entry rather than languages.
META_COLUMNS = ("id", "type", "collection", "note")
# Characters YAML reads as line breaks (NEL, LINE and PARAGRAPH SEPARATOR).
YAML_LINE_BREAKS = ("\x85", "\u2028", "\u2029")

# TBX administrativeStatus and termType for each variant kind, and back.
_KIND_TO_TBX = {
    "spelling": ("deprecatedTerm-admn-sts", None),
    "former": ("supersededTerm-admn-sts", None),
    "exonym": ("admittedTerm-admn-sts", "fullForm"),
    "abbreviation": ("admittedTerm-admn-sts", "abbreviation"),
    "ambiguous": ("admittedTerm-admn-sts", "variant"),
}
_ADMITTED_KINDS = {"fullForm": "exonym", "abbreviation": "abbreviation", "acronym": "abbreviation"}
_UNTIL_NOTE = re.compile(r"until: ?(\d{4})")
_PROPER_TYPES = ("person", "place", "organization")


class InterchangeError(ValueError):
    """A request that no file could satisfy: an unknown format, a missing language pair."""


@dataclass(frozen=True, slots=True)
class Row:
    """One record of an import file and the entry fields it gives.

    `fields` has the YAML entry's keys (id, type, names, variants, short, note) plus
    `collection` and, for CLDR territories, `territory`; a key that is absent was not given.
    `whole` rows (YAML, TBX) are complete entries that replace the stored one; other rows (CSV)
    only set the fields they give. `label` locates the record for messages ("line 17").
    """

    number: int
    label: str
    fields: dict[str, Any]
    whole: bool = False


@dataclass(frozen=True, slots=True)
class RowError:
    """A record that could not be read; `label` locates it as Row.label does."""

    number: int
    label: str
    message: str

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


@dataclass
class ReadResult:
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def extend(self, other: ReadResult) -> None:
        self.rows.extend(other.rows)
        self.errors.extend(other.errors)


def read(fmt: str, data: bytes, *, source: str = "en", target: str | None = None,
         name: str = "") -> ReadResult:
    """Read one file's bytes in `fmt`. `name` labels its records (a file name) and is the
    default collection of a YAML file; csv-pair needs the `target` language."""
    if fmt == "yaml":
        return read_yaml(data, name)
    if fmt == "csv-pair":
        if not target:
            raise InterchangeError("csv-pair needs a target language (--target ru)")
        return read_csv_pair(data, source, target)
    if fmt == "csv-wide":
        return read_csv_wide(data, source)
    if fmt == "tbx":
        return read_tbx(data)
    raise InterchangeError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


# --------------------------------------------------------------------------- text


def decode(data: bytes) -> tuple[str, RowError | None]:
    """UTF-8 text (a byte-order mark dropped), or an error naming the first bad byte."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1]
        return "", RowError(line, f"line {line}",
                              f"not UTF-8 text: byte 0x{byte.hex()} at offset {exc.start}; "
                              "convert the file, e.g. iconv -f cp1251 -t utf-8")


def _tag(value: str) -> str | None:
    try:
        return normalize_tag(value.strip())
    except InvalidLanguageTag:
        return None


# --------------------------------------------------------------------------- yaml


def read_yaml(data: bytes, name: str = "") -> ReadResult:
    """A collection file: one whole row per entry (CLDR territory collections included)."""
    from .glossary import parse_collection

    result = ReadResult()
    where = name or "collection"
    text, error = decode(data)
    if error:
        result.errors.append(RowError(0, where, error.message))
        return result
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        result.errors.append(RowError(0, where, f"invalid YAML: {exc}"))
        return result
    default_name = name.rsplit("/", 1)[-1].removesuffix(".yaml").removesuffix(".yml")
    if isinstance(parsed, dict) and parsed.get("source") == "cldr-territories":
        entries, problems = parse_collection(parsed, where, default_name)
        result.errors.extend(RowError(0, where, str(p).removeprefix(f"{where}: "))
                             for p in problems)
        for number, entry in enumerate(entries, 1):
            fields = {**entry.to_dict(), "collection": entry.collection,
                      "territory": entry.territory}
            result.rows.append(Row(number, f"{where} entry {entry.id}", fields, whole=True))
        return result
    items = parsed.get("entries") if isinstance(parsed, dict) else None
    if not isinstance(items, list):
        result.errors.append(RowError(0, where, "a collection must be a mapping with an "
                                                "'entries' list"))
        return result
    unknown = sorted(str(k) for k in parsed if k not in ("collection", "description", "entries"))
    if unknown:
        result.errors.append(RowError(0, where, f"unknown top-level field(s) {', '.join(unknown)}"
                                                " (allowed: collection, description, entries)"))
    collection = str(parsed.get("collection") or default_name)
    for number, raw in enumerate(items, 1):
        label = f"{where} entry {number}"
        if not isinstance(raw, dict):
            result.errors.append(RowError(number, label, "an entry must be a mapping"))
            continue
        result.rows.append(Row(number, label, {**raw, "collection": collection}, whole=True))
    return result


def write_yaml(grouped: Mapping[str, list[dict]]) -> dict[str, str]:
    """Collections (GlossaryStore.export's shape) as YAML texts, keyed by collection name.
    A CLDR territory collection is written as its codes and variants, as it was read."""
    texts = {}
    for collection, entries in grouped.items():
        territories = [e for e in entries if e.get("territory")]
        if territories:
            data: dict = {
                "collection": collection, "source": "cldr-territories",
                "codes": [e["territory"] for e in territories],
                "variants": {e["territory"]: e["variants"] for e in territories
                             if e.get("variants")},
            }
        else:
            data = {"collection": collection, "entries": list(entries)}
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        if any(mark in text for mark in YAML_LINE_BREAKS):
            # PyYAML writes these raw, and a reader folds them to a space: escape everything.
            text = yaml.safe_dump(data, allow_unicode=False, sort_keys=False)
        texts[collection] = text
    return texts


# --------------------------------------------------------------------------- csv


def _csv_records(text: str, result: ReadResult) -> Iterable[tuple[int, list[str]]]:
    """(line the record starts on, its cells) for every non-blank record; a record the csv
    module cannot read ends the file with an error naming its line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            result.errors.append(RowError(start, f"line {start}", f"unreadable CSV: {exc}"))
            return
        if any(cell.strip() for cell in cells):
            yield start, cells
        start = reader.line_num + 1


def read_csv_pair(data: bytes, source: str, target: str) -> ReadResult:
    """Rows `source term,target term`; each row gives names {source, target}."""
    result = ReadResult()
    text, error = decode(data)
    if error:
        result.errors.append(error)
        return result
    header = {_tag(source), _tag(target)}
    first = True
    for line, cells in _csv_records(text, result):
        label = f"line {line}"
        if first and len(cells) == 2 and {_tag(c) for c in cells} == header:
            first = False
            continue  # the two language codes: a header
        first = False
        if len(cells) != 2:
            result.errors.append(RowError(line, label, f"{len(cells)} columns, expected 2 "
                                                       f"({source},{target})"))
            continue
        term, translation = (" ".join(cell.split()) for cell in cells)
        empty = [name for name, value in ((f"1 ({source})", term),
                                          (f"2 ({target})", translation)) if not value]
        if empty:
            result.errors.append(RowError(line, label, f"column {empty[0]} is empty"))
            continue
        result.rows.append(Row(line, label, {"names": {source: term, target: translation}}))
    return result


def read_csv_wide(data: bytes, source: str) -> ReadResult:
    """A header of language tags (and id, type, collection, note), then one row per entity."""
    result = ReadResult()
    text, error = decode(data)
    if error:
        result.errors.append(error)
        return result
    records = iter(_csv_records(text, result))
    head = next(records, None)
    if head is None:
        result.errors.append(RowError(1, "line 1", "no header row: expected language tags "
                                                   f"such as {source},ru,kk"))
        return result
    columns = _wide_columns(head[1], source, result)
    if columns is None:
        return result
    for line, cells in records:
        label = f"line {line}"
        if len(cells) != len(columns):
            result.errors.append(RowError(line, label, f"{len(cells)} columns, expected "
                                                       f"{len(columns)} as in the header"))
            continue
        fields: dict[str, Any] = {"names": {}}
        for column, cell in zip(columns, cells, strict=True):
            value = " ".join(cell.split()) if column != "note" else cell.strip()
            if column in META_COLUMNS:
                if value:
                    fields[column] = value
            elif value:
                fields["names"][column] = value
        if source not in fields["names"] and "id" not in fields:
            result.errors.append(RowError(line, label, f"column {source!r} is empty (the source "
                                                       "language names the entity)"))
            continue
        result.rows.append(Row(line, label, fields))
    return result


def _wide_columns(header: list[str], source: str, result: ReadResult) -> list[str] | None:
    columns: list[str] = []
    for number, cell in enumerate(header, 1):
        name = cell.strip()
        column = name.lower() if name.lower() in META_COLUMNS else _tag(name)
        if column is None:
            result.errors.append(RowError(1, "line 1", f"column {number} {name!r} is neither a "
                                          f"language tag nor one of {', '.join(META_COLUMNS)}"))
            return None
        if column in columns:
            result.errors.append(RowError(1, "line 1", f"column {column!r} appears twice"))
            return None
        columns.append(column)
    if source not in columns:
        result.errors.append(RowError(1, "line 1", f"no column for the source language "
                                                   f"{source!r} (columns: {', '.join(columns)})"))
        return None
    return columns


def _csv_text(rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def write_csv_pair(entries: Iterable[Mapping], source: str, target: str) -> str:
    """The pair glossary a translation engine takes.

    Each entry with a name in both languages gives `name[source],name[target]`, and each of its
    variants written in the source language's script gives `variant,name[target]`, so the engine
    maps a misspelling to the right target form too. Lost: entries without both names, every
    other language, the short forms, the type, the collection, the notes, and the kinds of
    variants (a former name and an exonym come back as rows like any spelling).
    """
    rows = []
    for entry in entries:
        names = entry.get("names") or {}
        if source not in names or target not in names:
            continue
        rows.append([names[source], names[target]])
        script = _script(names[source])
        for variant in entry.get("variants") or ():
            text = variant["text"] if isinstance(variant, Mapping) else variant
            if _script(text) == script:
                rows.append([text, names[target]])
    return _csv_text(rows)


def write_csv_wide(entries: Iterable[Mapping], source: str = "en") -> str:
    """One row per entry: its names (source language first, then the others by tag), then
    id, type, collection and note. Lost: short forms and variants."""
    entries = list(entries)
    tags = sorted({tag for e in entries for tag in (e.get("names") or {})} - {source})
    header = [source, *tags, *META_COLUMNS]
    rows = [header]
    for entry in entries:
        names = entry.get("names") or {}
        rows.append([names.get(tag, "") for tag in (source, *tags)]
                    + [str(entry.get(column) or "") for column in META_COLUMNS])
    return _csv_text(rows)


def _script(text: str) -> str:
    """The script of a name's first letter, roughly: enough to tell a variant's language."""
    for ch in text:
        if ch.isalpha():
            if "\u0400" <= ch <= "\u04ff":
                return "cyrillic"
            if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
                return "han"
            return "latin" if ch.isascii() or "\u00c0" <= ch <= "\u024f" else "other"
    return "other"


# --------------------------------------------------------------------------- tbx


@dataclass
class _Element:
    tag: str
    attrib: dict[str, str]
    children: list[_Element] = field(default_factory=list)
    text: str = ""

    def find_all(self, tag: str) -> list[_Element]:
        return [c for c in self.children if c.tag == tag]

    def first(self, tag: str) -> _Element | None:
        return next((c for c in self.children if c.tag == tag), None)

    def descendants(self, tag: str) -> Iterable[_Element]:
        for child in self.children:
            if child.tag == tag:
                yield child
            yield from child.descendants(tag)


class _Refused(Exception):
    pass


def _parse_xml(data: bytes) -> _Element:
    """A tree of the document (namespace prefixes dropped); raises _Refused or
    expat.ExpatError. A DOCTYPE ends the parse before its declarations are read."""
    parser = expat.ParserCreate(namespace_separator="}")
    stack: list[_Element] = []
    root: list[_Element] = []

    def refuse_doctype(*_args: object) -> None:
        raise _Refused(f"line {parser.CurrentLineNumber}: a DOCTYPE is not allowed in TBX "
                       "(entity declarations could expand or fetch anything)")

    def refuse_entity(*_args: object) -> None:
        raise _Refused(f"line {parser.CurrentLineNumber}: entity declarations are not allowed")

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = _Element(tag.rsplit("}", 1)[-1], attrs)
        (stack[-1].children if stack else root).append(element)
        stack.append(element)

    def end(_tag: str) -> None:
        stack.pop()

    def chars(text: str) -> None:
        if stack:
            stack[-1].text += text

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_entity
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.Parse(data, True)
    return root[0]


def read_tbx(data: bytes) -> ReadResult:
    """One whole row per conceptEntry (mapping in the module docstring)."""
    result = ReadResult()
    _, error = decode(data)
    if error:
        result.errors.append(error)
        return result
    try:
        root = _parse_xml(data)
    except _Refused as exc:
        result.errors.append(RowError(0, "document", str(exc)))
        return result
    except expat.ExpatError as exc:
        result.errors.append(RowError(exc.lineno, f"line {exc.lineno}",
                                      f"malformed XML: {expat.ErrorString(exc.code)}"))
        return result
    if root.tag != "tbx":
        result.errors.append(RowError(0, "document", f"the root element is <{root.tag}>, "
                                                     "expected <tbx>"))
        return result
    for number, concept in enumerate(root.descendants("conceptEntry"), 1):
        concept_id = concept.attrib.get("id", "")
        label = f"conceptEntry {number}" + (f" ({concept_id!r})" if concept_id else "")
        fields, problem = _concept_fields(concept)
        if problem:
            result.errors.append(RowError(number, label, problem))
        else:
            result.rows.append(Row(number, label, fields, whole=True))
    return result


def _concept_fields(concept: _Element) -> tuple[dict[str, Any], str | None]:
    fields: dict[str, Any] = {"names": {}, "variants": [], "short": {}}
    if concept.attrib.get("id"):
        fields["id"] = concept.attrib["id"]
    for descrip in concept.find_all("descrip"):
        if descrip.attrib.get("type") == "subjectField" and descrip.text.strip() in ENTRY_TYPES:
            fields["type"] = descrip.text.strip()
    notes = [n.text.strip() for n in concept.find_all("note") if n.text.strip()]
    if notes:
        fields["note"] = "\n".join(notes)
    for lang_sec in concept.find_all("langSec"):
        raw_lang = lang_sec.attrib.get(XML_LANG) or lang_sec.attrib.get("lang", "")
        lang = _tag(raw_lang)
        if lang is None:
            return fields, f"langSec xml:lang {raw_lang!r} is not a language tag"
        for term_sec in lang_sec.find_all("termSec"):
            problem = _read_term(term_sec, lang, fields)
            if problem:
                return fields, problem
    for key in ("variants", "short"):
        if not fields[key]:
            del fields[key]
    return fields, None


def _read_term(term_sec: _Element, lang: str, fields: dict[str, Any]) -> str | None:
    term = term_sec.first("term")
    text = " ".join(term.text.split()) if term is not None else ""
    if not text:
        return f"an empty <term> in langSec {lang!r}"
    notes: dict[str, str] = {}
    for note in term_sec.find_all("termNote"):
        notes[note.attrib.get("type", "")] = note.text.strip()
    for admin in term_sec.find_all("admin"):
        if admin.attrib.get("type") == "projectSubset" and admin.text.strip():
            fields.setdefault("collection", admin.text.strip())
    status = notes.get("administrativeStatus", "preferredTerm-admn-sts")
    term_type = notes.get("termType")
    free_notes = [n.text.strip() for n in term_sec.find_all("note") if n.text.strip()]
    if status == "preferredTerm-admn-sts":
        key = "short" if term_type == "shortForm" else "names"
        if lang in fields[key]:
            return f"two preferred terms for {lang!r} ({fields[key][lang]!r} and {text!r})"
        fields[key][lang] = text
        return None
    if status == "deprecatedTerm-admn-sts":
        kind = "spelling"
    elif status == "supersededTerm-admn-sts":
        kind = "former"
    elif status == "admittedTerm-admn-sts":
        kind = _ADMITTED_KINDS.get(term_type or "", "ambiguous")
    else:
        return (f"term {text!r}: administrativeStatus {status!r} is not one of preferred-, "
                "admitted-, deprecated- or supersededTerm-admn-sts")
    variant: dict[str, Any] = {"text": text, "kind": kind}
    other = []
    for free in free_notes:
        until = _UNTIL_NOTE.fullmatch(free)
        if until:
            variant["until"] = int(until.group(1))
        else:
            other.append(free)
    if other:
        variant["note"] = "\n".join(other)
    fields["variants"].append(variant)
    return None


def write_tbx(entries: Iterable[Mapping], source: str = "en") -> str:
    """A TBX-Basic document of the entries (the GlossaryStore.export shape, flattened, with
    `collection` in each)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<tbx type="TBX-Basic" style="dca" xml:lang={quoteattr(source)} '
           f'xmlns="{TBX_NAMESPACE}">',
           "<tbxHeader><fileDesc><sourceDesc><p>audarma glossary export</p></sourceDesc>"
           "</fileDesc></tbxHeader>",
           "<text><body>"]
    for entry in entries:
        out.extend(_concept_lines(entry))
    out.append("</body></text></tbx>")
    return "\n".join(out) + "\n"


def _concept_lines(entry: Mapping) -> list[str]:
    entry_type = str(entry.get("type", ""))
    pos = "properNoun" if entry_type in _PROPER_TYPES else "noun"
    collection = str(entry.get("collection") or "")
    lines = [f"<conceptEntry id={quoteattr(str(entry['id']))}>",
             f'<descrip type="subjectField">{escape(entry_type)}</descrip>']
    if entry.get("note"):
        lines.append(f"<note>{escape(str(entry['note']))}</note>")
    terms: dict[str, list[str]] = {}

    def term(lang: str, text: str, status: str, term_type: str | None = None,
             notes: Iterable[str] = ()) -> None:
        parts = [f"<termSec><term>{escape(text)}</term>",
                 f'<termNote type="partOfSpeech">{pos}</termNote>',
                 f'<termNote type="administrativeStatus">{status}</termNote>']
        if term_type:
            parts.append(f'<termNote type="termType">{term_type}</termNote>')
        if collection:
            parts.append(f'<admin type="projectSubset">{escape(collection)}</admin>')
        parts.extend(f"<note>{escape(note)}</note>" for note in notes)
        parts.append("</termSec>")
        terms.setdefault(lang, []).append("".join(parts))

    for lang, text in (entry.get("names") or {}).items():
        term(lang, text, "preferredTerm-admn-sts")
    for lang, text in (entry.get("short") or {}).items():
        term(lang, text, "preferredTerm-admn-sts", "shortForm")
    for variant in entry.get("variants") or ():
        kind = variant.get("kind", "spelling")
        status, term_type = _KIND_TO_TBX[kind if kind in VARIANT_KINDS else "spelling"]
        notes = [f"until: {variant['until']}"] if variant.get("until") is not None else []
        if variant.get("note"):
            notes.append(str(variant["note"]))
        term(_variant_language(variant["text"]), variant["text"], status, term_type, notes)
    for lang, parts in terms.items():
        lines.append(f"<langSec xml:lang={quoteattr(lang)}>")
        lines.extend(parts)
        lines.append("</langSec>")
    lines.append("</conceptEntry>")
    return lines


def _variant_language(text: str) -> str:
    script = _script(text)
    if script == "cyrillic":
        return "kk" if any(ch in "әғқңөұүһіӘҒҚҢӨҰҮҺІ" for ch in text) else "ru"
    return "zh" if script == "han" else "en"


def collection_file_name(collection: str) -> str:
    """A file name inside the export folder for any collection name. The name itself travels
    inside the file (`collection:`), so the file name only has to be safe and unique: a name
    with a slash, dots or characters a file system may refuse gets a slug and a short hash."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", collection).strip("-")[:60]
    if slug == collection and slug:
        return f"{slug}.yaml"
    digest = hashlib.sha256(collection.encode("utf-8")).hexdigest()[:10]
    return f"{slug or 'collection'}-{digest}.yaml"
