"""IPTC ninjs items in and out: localize an item's headlines and bodies, keep everything else.

Why one document: a name spelled right in the headline is what makes a misspelling in the
body certain (the pipeline applies a fuzzy correction only when the right spelling appears
elsewhere in the article), and a later short reference ("Tokayev") is read as the person the
headline names in full. Localizing field by field would hide that evidence from the pipeline.
So the item's texts are composed into one HTML document, each in a marked block element
(`<div data-audarma-slot="N">`), localized once with the pipeline's HTML mode, and split back
by the markers. The markers are markup, which the pipeline never changes and carries through
machine translation verbatim, in order; block elements keep one field's sentence from running
into the next. Plain-text fields are HTML-escaped on the way in and unescaped on the way out;
an HTML body goes in as it is, so its translate="no" elements, <code> and tags stay untouched.

Both generations of ninjs are read (see ninjs_schema): 1.x `headline`, `subheadline`,
`body_text`, `body_html`; 2.x `headlines[].value` and `bodies[].value` (HTML where the entry's
`contenttype` says html). The result document of a ninjs job is the usual one for the composed
document (offsets point into `normalized.ninjs.composed`), plus a ninjs item per target
version and the source item with links to them; docs/result-document.md describes it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape, unescape

from .locales import (
    SOURCE_LANGUAGES,
    InvalidLanguageTag,
    detect_language,
    language_of,
    normalize_tag,
)
from .markup import mask_markup
from .ninjs_schema import V1_TEXT_FIELDS, V2_TEXT_ARRAYS, generation, problems
from .pipeline import LocalizeError, Localizer

MARKER_ATTRIBUTE = "data-audarma-slot"
_MARKER = re.compile(rf'<div {MARKER_ATTRIBUTE}="(\d+)">\n')
_CLOSE = "\n</div>\n"
# How a version links to the others (2.x: `name` of an association; 1.x: its key's prefix).
ORIGINAL, TRANSLATION = "original", "translation"


class NinjsError(ValueError):
    """An item audarma cannot read; the message names the field and what it must be."""


@dataclass(frozen=True)
class Slot:
    """One localizable text of an item: where it is, and whether it holds HTML."""

    path: tuple[str | int, ...]  # ("headline",) or ("bodies", 0, "value")
    html: bool

    @property
    def label(self) -> str:
        """The field as error messages name it: headline, bodies[0].value."""
        out = ""
        for step in self.path:
            out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
        return out


# --------------------------------------------------------------------------- reading


def parse_item(item: object) -> dict:
    """The item, checked: NinjsError names the first problem (a field and what it must be)."""
    found = list(problems(item))
    if found:
        raise NinjsError(found[0])
    assert isinstance(item, dict)  # problems() says so otherwise
    slots = text_slots(item)
    if not slots:
        fields = "headlines, bodies" if generation(item) == 2 else ", ".join(V1_TEXT_FIELDS)
        raise NinjsError(f"the ninjs item has no text to localize: give one of {fields}")
    for slot in slots:
        if slot.html and MARKER_ATTRIBUTE in _get(item, slot.path):
            raise NinjsError(f"{slot.label!r} contains {MARKER_ATTRIBUTE!r}, which audarma "
                             "uses to mark fields; remove that attribute")
    item_language(item)
    return item


def item_language(item: dict) -> str | None:
    """The item's `language` as a source language tag, or None when it has none.

    A language audarma cannot read is refused rather than guessed at: the item says what it
    is, and detection from the script alone would call French English.
    """
    raw = item.get("language")
    if raw is None:
        return None
    try:
        tag = normalize_tag(raw)
        supported = language_of(tag) in SOURCE_LANGUAGES
    except InvalidLanguageTag as exc:
        raise NinjsError(f"'language' {raw!r} is not a BCP 47 tag: {exc}") from exc
    if not supported:
        raise NinjsError(f"'language' {raw!r} is not a language audarma reads "
                         f"({', '.join(SOURCE_LANGUAGES)})")
    return tag


def text_slots(item: dict) -> list[Slot]:
    """The item's non-blank texts to localize, in reading order (headlines before bodies)."""
    slots: list[Slot] = []
    if generation(item) == 2:
        for key in V2_TEXT_ARRAYS:
            for index, entry in enumerate(item.get(key) or ()):
                html = "html" in str(entry.get("contenttype", "")).lower()
                slots.append(Slot((key, index, "value"), html))
    else:
        slots = [Slot((key,), key == "body_html") for key in V1_TEXT_FIELDS if key in item]
    return [slot for slot in slots if _get(item, slot.path).strip()]


def dumps(item: dict) -> str:
    """The item as the job stores it (compact JSON, UTF-8 characters kept)."""
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------- one document


def compose(item: dict, slots: Sequence[Slot]) -> str:
    """The item's texts as one HTML document, each in its marked block (see the docstring)."""
    parts = []
    for number, slot in enumerate(slots):
        value = _get(item, slot.path)
        body = value if slot.html else escape(value, quote=False)
        parts.append(f'<div {MARKER_ATTRIBUTE}="{number}">\n{body}{_CLOSE}')
    return "".join(parts)


def split(document: str, slots: Sequence[Slot]) -> list[str] | None:
    """Each slot's text from a composed (localized) document; None if the markers moved."""
    marks = list(_MARKER.finditer(document))
    if [int(m.group(1)) for m in marks] != list(range(len(slots))):
        return None
    texts = []
    for number, (slot, mark) in enumerate(zip(slots, marks, strict=True)):
        end = marks[number + 1].start() if number + 1 < len(marks) else len(document)
        chunk = document[mark.end() : end]
        if not chunk.endswith(_CLOSE):
            return None
        chunk = chunk[: -len(_CLOSE)]
        texts.append(chunk if slot.html else unescape(chunk))
    return texts


# --------------------------------------------------------------------------- localizing


def localize_item(
    localizer: Localizer,
    item: dict,
    targets: Sequence[str],
    source_language: str | None = None,
    engine: str | None = None,
) -> dict:
    """The result document for one ninjs item: the pipeline's document for the composed
    fields, a `ninjs` item in every version (null where its text is null), and under
    `normalized.ninjs` the composed document (`composed`, which change offsets point into) and
    the item as given with links to its translations (`source`)."""
    try:
        parse_item(item)
    except NinjsError as exc:
        raise LocalizeError(str(exc)) from exc
    slots = text_slots(item)
    composed = compose(item, slots)
    source = _source(item, composed, source_language)
    document = localizer.localize(composed, targets, source, engine, "html")
    uris = {target: version_uri(item["uri"], target) for target in document["versions"]}
    made: dict[str, dict | None] = {}
    for target, version in document["versions"].items():
        texts = split(version["text"], slots) if version["text"] is not None else None
        if version["text"] is not None and texts is None:
            version["warnings"].append(
                "the localized fields could not be told apart again; the ninjs item is null")
        made[target] = _version_item(item, slots, texts, target) if texts else None
    linked = {target: uris[target] for target, made_item in made.items() if made_item}
    for target, version in document["versions"].items():
        own = made[target]
        version["ninjs"] = None if own is None else _with_links(
            own, item, document["source_language"],
            {t: u for t, u in linked.items() if t != target})
    # Under `normalized`, which is the source side of the document (and stored whole).
    document["normalized"]["ninjs"] = {
        "composed": composed,
        "source": _with_links(item, None, None, linked),
    }
    return document


def version_uri(uri: str, target: str) -> str:
    """A translation's uri: the source's with the locale as fragment (or appended to one)."""
    return f"{uri}-{target}" if "#" in uri else f"{uri}#{target}"


def _source(item: dict, composed: str, given: str | None) -> str:
    """The source language: the caller's, else the item's own, else detected from the text
    a reader sees (markup, markers included, would count as English letters)."""
    if given not in (None, "", "auto"):
        return given
    return item_language(item) or detect_language(unescape(mask_markup(composed)))


def _version_item(item: dict, slots: Sequence[Slot], texts: list[str], target: str) -> dict:
    out = copy.deepcopy(item)
    for slot, text in zip(slots, texts, strict=True):
        _set(out, slot.path, text)
    out["uri"] = version_uri(item["uri"], target)
    out["language"] = target
    return out


def _with_links(
    item: dict, original: dict | None, original_language: str | None, others: dict[str, str]
) -> dict:
    """`item` with associations to its original (when it is a translation) and to the other
    translations: entries of the 2.x array, or keys of the 1.x object."""
    links: list[tuple[str, str, str]] = []  # (name, uri, language)
    if original is not None:
        language = original.get("language") or original_language
        links.append((ORIGINAL, original["uri"], str(language)))
    links.extend((TRANSLATION, uri, target) for target, uri in others.items())
    if not links:
        return item
    out = dict(item)
    if generation(item) == 2:
        out["associations"] = [
            *item.get("associations", ()),
            *({"name": name, "uri": uri, "language": language} for name, uri, language in links),
        ]
    else:
        out["associations"] = {
            **item.get("associations", {}),
            **{(name if name == ORIGINAL else f"{name}-{language}"):
               {"uri": uri, "language": language} for name, uri, language in links},
        }
    return out


def _get(item: dict, path: tuple[str | int, ...]) -> str:
    value: object = item
    for step in path:
        value = value[step]  # type: ignore[index]
    assert isinstance(value, str)
    return value


def _set(item: dict, path: tuple[str | int, ...], text: str) -> None:
    target: object = item
    for step in path[:-1]:
        target = target[step]  # type: ignore[index]
    target[path[-1]] = text  # type: ignore[index]
