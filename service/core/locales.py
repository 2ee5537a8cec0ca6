"""BCP 47 language tags: the one place where tags are parsed, normalized and mapped to Babel.

Everything else in audarma passes tags around as normalized strings ("en-GB", "kk-Latn",
"zh-CN") and asks this module for their parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError

# Matched with fullmatch ("$" would let a trailing newline through) and ASCII digits only
# ("\d" matches any script's digits).
_TAG = re.compile(
    r"(?P<lang>[a-zA-Z]{2,3})"
    r"(?:[-_](?P<script>[a-zA-Z]{4}))?"
    r"(?:[-_](?P<region>[a-zA-Z]{2}|[0-9]{3}))?"
)
# Codes BCP 47 reserves for "no particular language" (undetermined, multiple, uncoded, no
# linguistic content) and for private use (qaa-qtz); Babel would resolve 'und' to en-US.
_NOT_LANGUAGES = frozenset({"und", "mul", "mis", "zxx"})
# Scripts that are not a writing system (unknown, common, inherited, unwritten, symbols).
_NOT_SCRIPTS = frozenset({"Zzzz", "Zyyy", "Zinh", "Zxxx", "Zmth", "Zsym", "Zsye"})
# Regions CLDR names but no locale can be in: unknown, and the pseudo-locales' codes.
_NOT_REGIONS = frozenset({"ZZ", "XA", "XB"})


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
    m = _TAG.fullmatch(tag.strip()) if isinstance(tag, str) else None
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
    _check_subtags(t, tag)
    ident = "_".join(p for p in (t.language, t.script, t.region) if p)
    try:
        return Locale.parse(ident)
    except (UnknownLocaleError, ValueError):
        try:
            return Locale.parse(t.language)
        except (UnknownLocaleError, ValueError) as exc:
            raise InvalidLanguageTag(f"no locale data for language tag {tag!r}") from exc


def _check_subtags(t: Tag, tag: str) -> None:
    """Refuse tags that name no locale: special or private-use codes, and a script or region
    CLDR does not know (Babel would otherwise fall back to the bare language)."""
    if t.language in _NOT_LANGUAGES or (len(t.language) == 3 and "qaa" <= t.language <= "qtz"):
        raise InvalidLanguageTag(
            f"language tag {tag!r} names no particular language; give one such as 'ru' or "
            "'en-GB'"
        )
    english = Locale.parse("en")
    if t.script and (t.script in _NOT_SCRIPTS or t.script not in english.scripts):
        raise InvalidLanguageTag(f"language tag {tag!r} has the script {t.script!r}, not a "
                                 "writing system CLDR knows (e.g. Latn, Cyrl, Arab)")
    if t.region and (t.region in _NOT_REGIONS or t.region not in english.territories):
        raise InvalidLanguageTag(f"language tag {tag!r} has the region {t.region!r}, not a "
                                 "region CLDR knows (e.g. KZ, GB, 419)")


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


# --------------------------------------------------------------------------- as a JSON Schema

# The characters str.strip() removes (str.isspace), written out: a JSON Schema pattern (ECMA
# regex) and Python's re read an explicit class alike, while their \s differ (U+001C-U+001F,
# U+FEFF). parse_tag strips them; the API's non-blank checks use NOT_BLANK.
WHITESPACE_CLASS = (
    r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
NOT_BLANK = re.compile(f"[^{WHITESPACE_CLASS}]")


def _any_case(char: str) -> str:
    return f"{char.lower()}{char.upper()}" if char.isalpha() else char


def _alternatives(codes: set[str]) -> str:
    """A regex matching exactly `codes` in any case, as a trie (ru|rw -> [rR][uUwW]): a flat
    alternation of 1,500 codes makes pattern-driven generators (Hypothesis) crawl."""
    ends = "" in codes
    by_first: dict[str, set[str]] = {}
    for code in codes - {""}:
        by_first.setdefault(code[0], set()).add(code[1:])
    leaves = sorted(first for first, rests in by_first.items() if rests == {""})
    branches = [f"[{''.join(_any_case(c) for c in leaves)}]"] if leaves else []
    branches += [f"[{_any_case(first)}]{_alternatives(rests)}"
                 for first, rests in sorted(by_first.items()) if rests != {""}]
    if not branches:
        return ""
    group = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{group})?" if ends else group


def _named_language(code: str) -> bool:
    try:
        babel_locale(code)
    except InvalidLanguageTag:
        return False
    return True


def tag_subtags() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The languages, scripts and regions babel_locale accepts, by the same rules it applies.

    Languages are Babel's locales and language aliases (every 2-3 letter code Locale.parse
    knows: checked against all 18,252 of them with Babel 2.x, 'und' aside).
    """
    from babel import localedata
    from babel.core import get_global

    codes = {ident.split("_")[0] for ident in localedata.locale_identifiers()}
    codes |= set(get_global("language_aliases"))
    languages = frozenset(
        c for c in codes if re.fullmatch("[a-z]{2,3}", c) and _named_language(c)
    )
    english = Locale.parse("en")
    scripts = frozenset(
        s for s in map(str, english.scripts) if re.fullmatch("[A-Z][a-z]{3}", s)
    ) - _NOT_SCRIPTS
    regions = frozenset(
        r for r in map(str, english.territories) if re.fullmatch("[A-Z]{2}|[0-9]{3}", r)
    ) - _NOT_REGIONS
    return languages, scripts, regions


@lru_cache(maxsize=1)
def target_tag_pattern() -> str:
    """A regular expression matching exactly the strings babel_locale(normalize_tag(s))
    accepts (any casing, '-' or '_', surrounding whitespace), for the OpenAPI document."""
    languages, scripts, regions = tag_subtags()
    space = f"[{WHITESPACE_CLASS}]*"
    return (f"^{space}{_alternatives(set(languages))}(?:[-_]{_alternatives(set(scripts))})?"
            f"(?:[-_]{_alternatives(set(regions))})?{space}$")


def source_tag_pattern() -> str:
    """The tags a source language may be given as: a SOURCE_LANGUAGES language with any
    well-formed script and region (only the language is read)."""
    space = f"[{WHITESPACE_CLASS}]*"
    return (f"^{space}{_alternatives(set(SOURCE_LANGUAGES))}(?:[-_][a-zA-Z]{{4}})?"
            f"(?:[-_](?:[a-zA-Z]{{2}}|[0-9]{{3}}))?{space}$")
