"""BCP 47 language tags: the one place where tags are parsed, normalized and mapped to Babel.

Everything else in audarma passes tags around as normalized strings ("en-GB", "kk-Latn",
"zh-CN") and asks this module for their parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError

_TAG = re.compile(
    r"^(?P<lang>[a-zA-Z]{2,3})"
    r"(?:[-_](?P<script>[a-zA-Z]{4}))?"
    r"(?:[-_](?P<region>[a-zA-Z]{2}|\d{3}))?$"
)


class InvalidLanguageTag(ValueError):
    """A string that is not a language tag audarma understands."""


@dataclass(frozen=True)
class Tag:
    language: str
    script: str | None = None
    region: str | None = None

    def __str__(self) -> str:
        return "-".join(p for p in (self.language, self.script, self.region) if p)


@lru_cache(maxsize=1024)
def parse_tag(tag: str) -> Tag:
    """Parse "ru", "en_gb", "kk-latn-KZ" into a Tag with canonical casing."""
    m = _TAG.match(tag.strip()) if isinstance(tag, str) else None
    if not m:
        raise InvalidLanguageTag(
            f"invalid language tag {tag!r} (expected e.g. 'ru', 'en-GB', 'kk-Latn')"
        )
    script = m["script"].title() if m["script"] else None
    region = m["region"].upper() if m["region"] else None
    return Tag(m["lang"].lower(), script, region)


def normalize_tag(tag: str) -> str:
    """Canonical string form of a tag: 'EN_gb' -> 'en-GB'."""
    return str(parse_tag(tag))


def language_of(tag: str) -> str:
    """Primary language subtag: 'ru-RU' -> 'ru'."""
    return parse_tag(tag).language


@lru_cache(maxsize=256)
def babel_locale(tag: str) -> Locale:
    """The Babel locale for a tag; raises InvalidLanguageTag when CLDR has no such locale."""
    t = parse_tag(tag)
    ident = "_".join(p for p in (t.language, t.script, t.region) if p)
    try:
        return Locale.parse(ident)
    except (UnknownLocaleError, ValueError):
        try:
            return Locale.parse(t.language)
        except (UnknownLocaleError, ValueError) as exc:
            raise InvalidLanguageTag(f"no locale data for language tag {tag!r}") from exc


def lookup_chain(tag: str) -> list[str]:
    """Tags to try, most specific first: 'kk-Latn-KZ' -> ['kk-Latn-KZ', 'kk-Latn', 'kk'].

    A tag with a region but no script falls back to the bare language ('zh-CN' -> 'zh'),
    but a script is never dropped: a Latin-script Kazakh name must not fall back to Cyrillic.
    """
    t = parse_tag(tag)
    chain = [str(t)]
    if t.region:
        chain.append(str(Tag(t.language, t.script)))
    if t.script:
        return _dedupe(chain)
    chain.append(t.language)
    return _dedupe(chain)


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# The languages audarma reads copy in (its matcher keys and figure finders know these).
SOURCE_LANGUAGES = ("en", "ru", "kk")


def detect_language(text: str) -> str:
    """en, ru or kk from the script of the letters (copy comes in these three only)."""
    sample = text[:4000]
    cyrillic = len(_CYRILLIC.findall(sample))
    latin = len(_LATIN.findall(sample))
    if cyrillic <= latin:
        return "en"
    kazakh = len(_KAZAKH.findall(sample))
    return "kk" if kazakh * 200 >= cyrillic else "ru"


_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z]")
_KAZAKH = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
