"""Text folding for name matching: one character in, one character out.

Because folding never changes the length of a string, an offset found in folded text is the
same offset in the original text, and no offset map is needed. Folding covers case,
diacritics, hyphen/space/apostrophe variants, Kazakh-specific letters and Cyrillic letters
that look like Latin ones (a mixed-script "Тokayev" folds like "Tokayev").
"""

from __future__ import annotations

import re
import unicodedata

# Cyrillic letters drawn like Latin ones, after lowercasing. Mapping them one way keeps
# mixed-script spellings together; Russian text and Russian keys fold the same way, so
# nothing is lost.
_HOMOGLYPHS = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "к": "k",
    "м": "m", "т": "t", "в": "b", "н": "h", "і": "i", "ј": "j", "ѕ": "s", "һ": "h",
    # Not a look-alike, but Kazakh copy typed on a Russian layout writes и for і (Туркистан
    # for Түркістан): the two fold together so the name is found and its letters restored.
    "и": "i",
}
# Kazakh letters that copy often loses (Тоқаев typed as Токаев): fold onto the Russian letter.
_KAZAKH = {"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "ё": "е", "й": "и"}
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad"
_APOSTROPHES = "'\u2019\u2018\u02bc\u02bb`\u00b4\u2032"


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x2FFFF):
        ch = chr(cp)
        if unicodedata.category(ch) in ("Cs", "Cn"):
            continue
        # Through the capital: ı, ſ, ς and µ lower-case to themselves but share a capital
        # with i, s, σ and μ, and must fold with them for folding to ignore case.
        upper = ch.upper()
        lower = (upper if len(upper) == 1 else ch).lower()[0]
        lower = _KAZAKH.get(lower, lower)
        decomposed = unicodedata.normalize("NFD", lower)
        # Drop combining marks but keep base letters, e.g. é -> e, ş -> s, й -> и.
        base = decomposed[0] if decomposed and not unicodedata.combining(decomposed[0]) else lower
        base = _HOMOGLYPHS.get(base, base)
        if ch in _DASHES or ch.isspace():
            base = " "
        elif ch in _APOSTROPHES:
            base = "'"
        if base != ch:
            table[cp] = base
    # A base letter may itself fold further (ӛ -> ә -> a, Greek varia ` -> '): follow each
    # chain to its end, so that folding folded text changes nothing (fold is idempotent).
    for cp, base in table.items():
        while ord(base) in table and table[ord(base)] != base:
            base = table[ord(base)]
        table[cp] = base
    return table


_TABLE = _build_table()


def fold(text: str) -> str:
    """Fold text for matching; len(fold(t)) == len(t) always."""
    return text.translate(_TABLE)


# ----------------------------------------------------------------- phonetic keys

# Cyrillic (Russian and Kazakh) -> plain Latin, only for comparison keys that nobody sees.
# It starts from the original letters, not from fold(): homoglyph folding turns "в" into "b".
_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ә": "a",
    "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}


def _build_roman_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x250):
        ch = chr(cp)
        decomposed = unicodedata.normalize("NFD", ch)
        if decomposed[0] != ch and decomposed[0].isascii():
            table[cp] = decomposed[0].lower()
    for cyr, lat in _CYR_TO_LAT.items():
        table[ord(cyr)] = lat
    for ch in _DASHES:
        table[ord(ch)] = "-"  # kept: "Oyun-Erdene" is one word whose halves both count
    for ch in _APOSTROPHES:
        table[ord(ch)] = ""
    return table


_ROMAN_TABLE = _build_roman_table()

# Order matters: longer clusters first. These make the usual romanization choices for
# Central Asian and Chinese names compare equal: kh/h, zh/j/dzh, y/i/j, ks/x, w/v, q/k/c.
_CLUSTERS = (
    ("dsch", "j"), ("tsch", "ch"), ("sch", "sh"),  # German: Dschaparow, Mischustin
    ("shch", "sh"), ("dzh", "j"), ("zh", "j"), ("kh", "h"), ("gh", "g"), ("ch", "c"),
    ("sh", "s"), ("ts", "c"), ("tz", "c"), ("ks", "x"), ("ck", "k"), ("ph", "f"),
)
_LETTERS = str.maketrans({"q": "k", "c": "k", "w": "v", "y": "i"})
_VOWELS = frozenset("aeiou")


def romanize_key(text: str) -> str:
    """Cyrillic or Latin text -> lowercase basic Latin, for similarity scoring only."""
    text = " ".join(text.lower().translate(_ROMAN_TABLE).split())
    return text.replace(" -", "-").replace("- ", "-")


def phonetic(text: str) -> str:
    """A spelling-insensitive form: Tokayev, Tokaev and Токаев all give 'tokaiev'."""
    key = _drop_glide_y(romanize_key(text))
    if "ye" in key:
        # Word-initial Russian Е is said "ye": Yerlan, Yevgeny, Yermek match Ерлан, Евгений.
        key = " ".join(w[1:] if w.startswith("ye") else w for w in key.split(" "))
    for cluster, replacement in _CLUSTERS:
        if cluster in key:
            key = key.replace(cluster, replacement)
    return _squeeze(key.translate(_LETTERS))


def skeleton(token: str) -> str:
    """Consonant skeleton of one token: its first letter, then consonants only.

    A blocking key for fuzzy lookup: stable under what phonetic() folds and under vowel typos.
    """
    return skeleton_of_phonetic(phonetic(token))


def skeleton_of_phonetic(key: str) -> str:
    """skeleton() for a token that is already in phonetic() form."""
    if not key:
        return ""
    return _squeeze(key[0] + key[1:].translate(_DROP_VOWELS))


_DROP_VOWELS = str.maketrans("", "", "aeiou '-")
_GLIDE_Y = re.compile(r"(?<=[aeiouy])y(?=[aeiou])")
_DOUBLED = re.compile(r"(.)\1+")


def _drop_glide_y(text: str) -> str:
    """Drop a y that only glides between vowels: Tokayev/Tokaev, Aliyev/Aliev, Mirziyoyev."""
    return _GLIDE_Y.sub("", text) if "y" in text else text


def _squeeze(text: str) -> str:
    """Collapse doubled letters (Kassym/Kasym, Massimov/Masimov)."""
    return _DOUBLED.sub(r"\1", text)


# ----------------------------------------------------------------- letters that only look right

_KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def _script(ch: str) -> str:
    if "\u0400" <= ch <= "\u04ff":
        return "Cyrl"
    if ch.isascii() and ch.isalpha():
        return "Latn"
    return ""


# Latin letters that pass for Cyrillic ones, for mending a Cyrillic word typed with a few.
_TO_CYRILLIC = str.maketrans("aeopcyxkmtAEOPCYXKMTBH", "аеорсухкмтАЕОРСУХКМТВН")


def cyrillic_lookalikes(word: str) -> str:
    """A Cyrillic word with its Latin look-alike letters replaced by the Cyrillic ones."""
    return word.translate(_TO_CYRILLIC)


def restore_letters(surface: str, expected: str, language: str) -> tuple[str, str]:
    """`surface` with the letters the glossary's `expected` spelling writes differently put
    back, and a reason naming what was fixed; (surface, "") when nothing needs fixing.

    Both strings fold alike, so they differ only in letters folding merges. Fixed are: a Latin
    letter in a Cyrillic name or the other way round (always), ё and й where Russian copy wrote
    е and и, and Kazakh letters where Kazakh copy wrote the Russian ones. Case is the writer's;
    dashes and diacritics on Latin letters are left as written.
    """
    if len(surface) != len(expected) or surface == expected:
        return surface, ""
    out: list[str] = []
    reasons: list[str] = []
    for have, want in zip(surface, expected, strict=True):
        if have == want or have.lower() == want.lower() or not have.isalpha():
            out.append(have)
            continue
        if _script(have) and _script(want) and _script(have) != _script(want):
            reasons.append("mixed Latin and Cyrillic letters")
        elif want.lower() in "ёй" and have.lower() in "еи" and language in ("ru", "kk"):
            reasons.append(f"{want.lower()} as the glossary writes the name")
        elif want in _KAZAKH_LETTERS and language == "kk":
            reasons.append("Kazakh letters as the glossary writes the name")
        else:
            out.append(have)
            continue
        out.append(want.upper() if have.isupper() else want.lower())
    fixed = "".join(out)
    return fixed, "; ".join(dict.fromkeys(reasons))
