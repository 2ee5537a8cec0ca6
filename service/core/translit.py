"""Transliteration of personal and place names between Kazakh, Russian and Latin-script forms.

Registers audarma's packs with `transliterate`; audarma code calls `transliterate_name`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from types import MappingProxyType
from typing import cast

from transliterate.base import TranslitLanguagePack, registry
from transliterate.utils import ensure_autodiscover

from service.core.locales import language_of, parse_tag

__all__ = [
    "KK_LATIN_NG",
    "KazakhLatinPack",
    "RussianNamesPack",
    "supported_pairs",
    "transliterate_name",
]

# Runs of letters; digits, spaces, hyphens and apostrophes stay untouched between them.
_WORD = re.compile(r"[^\W\d_]+")


def _apply_case(original: str, rendered: str, upper: Callable[[str], str] = str.upper) -> str:
    """Give `rendered` the casing of `original`: ALL CAPS, Titlecase or lowercase."""
    if not rendered:
        return rendered
    if len(original) > 1 and original.isupper():
        return upper(rendered)
    if original[0].isupper():
        return upper(rendered[0]) + rendered[1:]
    return rendered


def _by_word(text: str, convert: Callable[[str], str], lower: Callable[[str], str],
             upper: Callable[[str], str] = str.upper) -> str:
    """Convert each word in lowercase, then restore the word's casing in the output script."""
    return _WORD.sub(lambda m: _apply_case(m[0], convert(lower(m[0])), upper), text)


# --- Kazakh: Cyrillic <-> Latin alphabet of 2021 ----------------------------------------------
#
# The 31-letter alphabet of 2021 (presented in January, then put forward as amendments to
# Decree No. 569 of 2017; rollout 2023-2031):
# A Ä B D E F G Ğ H I İ J K L M N Ñ O Ö P Q R S Ş T U Ū Ü V Y Z.
# I ı is і, İ i is both и and й, Y y is ы. There is no C, W or X, and no Ç: the government's
# notes for letters found only in Russian loans give ц -> ts/s, ч -> tş/ş, щ -> şş, ё -> io/ö,
# ю -> iu/ü, я -> ia/ä, э -> e. We take the first, letter-preserving option of each, which keeps
# the loan recognisable (Цой -> Tsoi, Чапаев -> Tşapaev); ъ and ь have no sound and are dropped.
# Uncertain: the brief for this module proposed ч -> Ç, but Ç is not one of the 31 letters.

# ң is the letter sources disagree on. The January 2021 presentation showed Ŋ ŋ; the annex of
# the draft decree published for discussion in April 2021 (as reported by Tengrinews,
# 22.04.2021) and Wikipedia's sample text write Ñ ñ, which we follow. Change it here only.
KK_LATIN_NG = "ñ"

_KK_CYRILLIC_TO_LATIN = MappingProxyType({
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e",
    "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l", "м": "m",
    "н": "n", "ң": KK_LATIN_NG, "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ұ": "ū", "ү": "ü", "ф": "f", "х": "h", "һ": "h", "ш": "ş", "ы": "y", "і": "ı",
    # Letters of Russian loans only (see above).
    "ё": "io", "ц": "ts", "ч": "tş", "щ": "şş", "ъ": "", "ь": "", "э": "e", "ю": "iu", "я": "ia",
})

# The reverse of the one-letter rows. h is read as х, not һ: х is by far the more frequent in
# names (Ахмет, Мұхтар), һ belongs to a handful of Arabic and Persian loans (шаһар).
# The two-letter loan renderings (ts, tş, şş) are not undone: тс and тш also occur natively.
_KK_LATIN_TO_CYRILLIC = MappingProxyType({
    "a": "а", "ä": "ә", "b": "б", "d": "д", "e": "е", "f": "ф", "g": "г", "ğ": "ғ",
    "h": "х", "ı": "і", "j": "ж", "k": "к", "q": "қ", "l": "л", "m": "м", "n": "н",
    KK_LATIN_NG: "ң", "o": "о", "ö": "ө", "p": "п", "r": "р", "s": "с", "ş": "ш", "t": "т",
    "u": "у", "ū": "ұ", "ü": "ү", "v": "в", "y": "ы", "z": "з",
})
_KK_LATIN_VOWELS = frozenset("aäeıioöuūüy")
_KK_IOTATED = MappingProxyType({"a": "я", "u": "ю", "o": "ё"})


def _kk_upper(text: str) -> str:
    # Python would upper-case the Kazakh i (и/й) to I, which is the letter for і.
    return text.replace("i", "İ").upper()


def _kk_lower(text: str) -> str:
    # Likewise I is ı (і) and İ is i; str.lower() gets both wrong.
    return text.replace("İ", "i").replace("I", "ı").lower()


def _kk_word_to_latin(word: str) -> str:
    return "".join(_KK_CYRILLIC_TO_LATIN.get(ch, ch) for ch in word)


def _kk_i_to_cyrillic(word: str, k: int) -> tuple[str, int]:
    """Read the i at word[k] as и, й or the start of я/ю/ё; returns (letters, chars consumed).

    Kazakh puts й after a vowel (Qairat -> Қайрат, syi -> сый, söilesıp -> сөйлесіп) and writes
    я/ю/ё where й-plus-vowel starts a word or follows a vowel (Qoian -> Қоян, Aiu -> Аю).
    Elsewhere it is и, even before a vowel (biyl -> биыл, kiım -> киім, iä -> иә, Diana ->
    Диана): native words never start with й, and after a consonant й + vowel would be я/ю/ё.
    This departs from "й before any vowel", which would give бйыл and Дйана. Known miss:
    a vowel followed by и, as in Аида, comes back as Айда.
    """
    prev = word[k - 1] if k else ""
    nxt = word[k + 1] if k + 1 < len(word) else ""
    opens_syllable = not prev or prev in _KK_LATIN_VOWELS
    if opens_syllable and nxt in _KK_IOTATED:
        return _KK_IOTATED[nxt], 2
    if prev in _KK_LATIN_VOWELS:
        return "й", 1
    return "и", 1


def _kk_word_to_cyrillic(word: str) -> str:
    out, k = [], 0
    while k < len(word):
        if word[k] == "i":
            letters, used = _kk_i_to_cyrillic(word, k)
        else:
            letters, used = _KK_LATIN_TO_CYRILLIC.get(word[k], word[k]), 1
        out.append(letters)
        k += used
    return "".join(out)


def _kk_to_latin(text: str) -> str:
    """Kazakh (or Russian) Cyrillic -> Kazakh Latin of 2021: 'Шымкент' -> 'Şymkent'."""
    return _by_word(unicodedata.normalize("NFC", text), _kk_word_to_latin, str.lower, _kk_upper)


def _kk_to_cyrillic(text: str) -> str:
    """Kazakh Latin of 2021 -> Kazakh Cyrillic: 'Qasym-Jomart Toqaev' -> 'Қасым-Жомарт Тоқаев'."""
    return _by_word(unicodedata.normalize("NFC", text), _kk_word_to_cyrillic, _kk_lower)


# --- Latin-script names -> Russian ------------------------------------------------------------
#
# A practical transcription for names romanized the English way (Tokayev, Kassym-Jomart,
# Khabarovsk), not a letter-for-letter reversal of one scheme. Conventions chosen:
# - j is ж, as in Kazakh and Kyrgyz romanizations (Jomart, Japarov); English names with
#   j (Joe -> Джо) belong in the glossary.
# - ss between vowels is с: English spelling doubles s to keep it from reading as z
#   (Kassym -> Касым, Massimov -> Масимов, Larissa -> Лариса).
# - y before a vowel gives я/е/ё/ю; after a vowel-consonant pair it gets a soft sign
#   (Tatyana -> Татьяна, Grigoryev -> Григорьев, Ilya -> Илья), at the start of a word or
#   after a cluster it does not (Vyacheslav -> Вячеслав); so Kolya comes out as Колья.
# - ai is аи (Smailov -> Смаилов, Mikhail -> Михаил), as in BGN/PCGN, where ай would be ay;
#   except word-initially before a consonant, the Kazakh Ai- names (Aigerim -> Айгерим).
#   Known misses: Kairat -> Каират (Кайрат), Aida -> Айда (Аида).
# - a vowel + i ending a word is -й (Nikolai -> Николай, Sergei -> Сергей).
# - e is э at the start of a word and after a, o, u (Emomali -> Эмомали), е elsewhere.

_LATIN_CLUSTERS = (
    ("shch", "щ"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"),
    ("ph", "ф"), ("th", "т"), ("gh", "г"), ("ck", "к"),
)
_LATIN_LETTERS = MappingProxyType({
    "a": "а", "b": "б", "d": "д", "f": "ф", "g": "г", "h": "х", "i": "и", "j": "ж", "k": "к",
    "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "к", "r": "р", "s": "с", "t": "т",
    "u": "у", "v": "в", "w": "в", "x": "кс", "z": "з",
})
_LATIN_IOTATED = MappingProxyType({"a": "я", "e": "е", "o": "ё", "u": "ю"})
_LATIN_VOWELS = frozenset("aeiouy")
# Letters outside English, folded to the spelling an English text would use for them.
_LATIN_FOLDS = str.maketrans({
    "ş": "sh", "ç": "ch", "ğ": "gh", "ı": "y", "ü": "yu", "ö": "yo", "ø": "o", "æ": "ae",
    "ß": "ss", "ł": "l", "đ": "d", "ð": "d",
})


def _fold_latin(word: str) -> str:
    folded = unicodedata.normalize("NFC", word).translate(_LATIN_FOLDS)
    decomposed = unicodedata.normalize("NFD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _latin_y(word: str, k: int) -> tuple[str, int]:
    prev = word[k - 1] if k else ""
    nxt = word[k + 1] if k + 1 < len(word) else ""
    if nxt in _LATIN_IOTATED:
        soft = k >= 2 and prev not in _LATIN_VOWELS and word[k - 2] in _LATIN_VOWELS
        return ("ь" if soft else "") + _LATIN_IOTATED[nxt], 2
    if prev in _LATIN_VOWELS:
        return "й", 1
    # Russian writes и, not ы, after к and г; word-final -sky/-gy are the -ский/-гий endings.
    if not nxt and prev in ("k", "g"):
        return "ий", 1
    return "ы", 1


def _latin_i(word: str, k: int) -> tuple[str, int]:
    prev = word[k - 1] if k else ""
    rest = word[k:]
    if rest == "ia":
        return "ия", 2
    if rest == "ii":
        return "ий", 2
    if rest == "i" and prev in _LATIN_VOWELS:
        return "й", 1
    if k == 1 and prev == "a" and len(word) > 2 and word[2] not in _LATIN_VOWELS:
        return "й", 1
    return "и", 1


def _latin_piece(word: str, k: int) -> tuple[str, int]:
    """The Cyrillic for the Latin letters starting at word[k], and how many letters it used."""
    for latin, cyrillic in _LATIN_CLUSTERS:
        if word.startswith(latin, k):
            return cyrillic, len(latin)
    ch = word[k]
    prev = word[k - 1] if k else ""
    if ch == "y":
        return _latin_y(word, k)
    if ch == "i":
        return _latin_i(word, k)
    if ch == "e":
        return ("э" if not prev or prev in "aou" else "е"), 1
    if ch == "c":
        return ("с" if word[k + 1:k + 2] in ("e", "i", "y") else "к"), 1
    if word.startswith("ss", k) and prev in _LATIN_VOWELS and word[k + 2:k + 3] in _LATIN_VOWELS:
        return "с", 2
    return _LATIN_LETTERS.get(ch, ch), 1


def _latin_word_to_russian(word: str) -> str:
    word = _fold_latin(word)
    out, k = [], 0
    while k < len(word):
        letters, used = _latin_piece(word, k)
        out.append(letters)
        k += used
    return "".join(out)


# --- Chinese pinyin -> Russian (Palladius) ----------------------------------------------------
#
# Hanyu pinyin syllables are rendered with the Palladius system the Russian press uses
# (Си Цзиньпин, Ма Синжуй). ü is written v internally, as pinyin keyboards do.

_PINYIN_FINALS = MappingProxyType({
    "b": "a o ai ei ao an en ang eng i ie iao ian in ing u",
    "p": "a o ai ei ao ou an en ang eng i ie iao ian in ing u",
    "m": "a o e ai ei ao ou an en ang eng i ie iao iu ian in ing u",
    "f": "a o ei ou an en ang eng u",
    "d": "a e ai ei ao ou an en ang eng ong i ia ie iao iu ian ing u uo ui uan un",
    "t": "a e ai ao ou an ang eng ong i ie iao ian ing u uo ui uan un",
    "n": "a e ai ei ao ou an en ang eng ong i ie iao iu ian in iang ing u uo uan v ve",
    "l": "a e ai ei ao ou an ang eng ong i ia ie iao iu ian in iang ing u uo uan un v ve",
    "g": "a e ai ei ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "k": "a e ai ei ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "h": "a e ai ei ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "j": "i ia ie iao iu ian in iang ing iong u ue uan un",
    "q": "i ia ie iao iu ian in iang ing iong u ue uan un",
    "x": "i ia ie iao iu ian in iang ing iong u ue uan un",
    "zh": "a e ai ei ao ou an en ang eng ong i u ua uo uai ui uan un uang",
    "ch": "a e ai ao ou an en ang eng ong i u ua uo uai ui uan un uang",
    "sh": "a e ai ei ao ou an en ang eng i u ua uo uai ui uan un uang",
    "r": "e ao ou an en ang eng ong i u ua uo ui uan un",
    "z": "a e ai ei ao ou an en ang eng ong i u uo ui uan un",
    "c": "a e ai ao ou an en ang eng ong i u uo ui uan un",
    "s": "a e ai ao ou an en ang eng ong i u uo ui uan un",
})
_PALLADIUS_INITIALS = MappingProxyType({
    "b": "б", "p": "п", "m": "м", "f": "ф", "d": "д", "t": "т", "n": "н", "l": "л",
    "g": "г", "k": "к", "h": "х", "j": "цз", "q": "ц", "x": "с",
    "zh": "чж", "ch": "ч", "sh": "ш", "r": "ж", "z": "цз", "c": "ц", "s": "с",
})
_PALLADIUS_FINALS = MappingProxyType({
    "a": "а", "o": "о", "e": "э", "ai": "ай", "ei": "эй", "ao": "ао", "ou": "оу",
    "an": "ань", "en": "энь", "ang": "ан", "eng": "эн", "ong": "ун",
    "i": "и", "ia": "я", "ie": "е", "iao": "яо", "iu": "ю", "ian": "янь", "in": "инь",
    "iang": "ян", "ing": "ин", "iong": "юн",
    "u": "у", "ua": "уа", "uo": "о", "uai": "уай", "ui": "уй", "uan": "уань", "un": "унь",
    "uang": "уан", "v": "юй", "ve": "юэ", "van": "юань", "vn": "юнь",
})
# Syllables without an initial consonant, written with y-, w- or a bare vowel.
_PALLADIUS_BARE = MappingProxyType({
    "a": "а", "ai": "ай", "ao": "ао", "an": "ань", "ang": "ан", "e": "э", "ei": "эй",
    "en": "энь", "eng": "эн", "er": "эр", "o": "о", "ou": "оу",
    "ya": "я", "yao": "яо", "yan": "янь", "yang": "ян", "ye": "е", "yi": "и", "yin": "инь",
    "ying": "ин", "yong": "юн", "you": "ю", "yu": "юй", "yue": "юэ", "yuan": "юань", "yun": "юнь",
    "wa": "ва", "wai": "вай", "wan": "вань", "wang": "ван", "wei": "вэй", "wen": "вэнь",
    "weng": "вэн", "wo": "во", "wu": "у",
})


def _palladius_syllable(initial: str, final: str) -> str:
    if initial + final == "hui":
        return "хуэй"  # Palladius spells this syllable irregularly, not as х + уй
    if initial in ("z", "c", "s") and final == "i":
        return _PALLADIUS_INITIALS[initial] + "ы"
    if initial in ("j", "q", "x") and final.startswith("u"):
        final = "v" + final[1:]  # ju, jue, juan, jun are jü, jüe, jüan, jün
    return _PALLADIUS_INITIALS[initial] + _PALLADIUS_FINALS[final]


def _build_pinyin_table() -> MappingProxyType:
    table = dict(_PALLADIUS_BARE)
    for initial, finals in _PINYIN_FINALS.items():
        for final in finals.split():
            table[initial + final] = _palladius_syllable(initial, final)
    return MappingProxyType(table)


_PINYIN_TO_RUSSIAN = _build_pinyin_table()
_PINYIN_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
# Spellings that English-style romanizations of Russian and Central Asian names do not
# produce: the initials x, q, zh, c, z, j, the -ng ending, ü and the typical diphthongs.
_PINYIN_MARKER = re.compile(r"^(?:x|q|zh|c(?!h)|z|j)|ng$|ao|ou|ui|iu|ei|uo|ie|ian|uan|v")
# Common family names (pinyin). A Chinese name in news is written family name first.
_CHINESE_SURNAMES = frozenset({
    "bai", "cai", "cao", "chang", "chen", "cheng", "cui", "dai", "deng", "ding", "dong", "du",
    "duan", "fan", "fang", "feng", "fu", "gao", "geng", "gong", "gu", "guo", "han", "hao", "he",
    "hong", "hou", "hu", "huang", "jia", "jiang", "jin", "kang", "kong", "lei", "li", "liang",
    "liao", "lin", "liu", "long", "lu", "luo", "lv", "ma", "mao", "meng", "mo", "niu", "pan",
    "peng", "qi", "qian", "qin", "qiu", "ren", "shao", "shen", "shi", "song", "su", "sun", "tan",
    "tang", "tao", "tian", "wan", "wang", "wei", "wu", "xi", "xia", "xiang", "xiao", "xie",
    "xiong", "xu", "xue", "yan", "yang", "yao", "ye", "yin", "yu", "yuan", "zeng", "zhai",
    "zhang", "zhao", "zheng", "zhong", "zhou", "zhu", "zou",
})


def _split_run(run: str, first: bool) -> list[str] | None:
    """Split a run of letters into pinyin syllables, longest first; None when impossible.

    A syllable starting with a, o or e cannot follow another one without an apostrophe
    (that is pinyin's own rule: Xi'an, but xian), which picks fan+gen over fang+en.
    """
    if not run:
        return []
    for size in range(min(6, len(run)), 0, -1):
        head = run[:size]
        if head not in _PINYIN_TO_RUSSIAN or (not first and head[0] in "aoe"):
            continue
        rest = _split_run(run[size:], first=False)
        if rest is not None:
            return [head, *rest]
    return None


def _pinyin_syllables(word: str) -> list[str] | None:
    """'Jinping' -> ['jin', 'ping'], "Xi'an" -> ['xi', 'an']; None unless all of it is pinyin."""
    syllables: list[str] = []
    for part in re.split(r"['’ʼ]", word.lower().replace("ü", "v")):
        split = _split_run(part, first=True) if part else None
        if not split:
            return None
        syllables += split
    return syllables


def _pinyin_word_to_russian(word: str) -> str | None:
    syllables = _pinyin_syllables(word)
    if syllables is None:
        return None
    return _apply_case(word, "".join(_PINYIN_TO_RUSSIAN[s] for s in syllables))


def _looks_like_pinyin_name(text: str) -> bool:
    """Whether a Latin-script name should be read as Chinese without the caller saying so.

    Conservative on purpose, since reading a Kazakh or Russian name as pinyin garbles it:
    every word must split into pinyin syllables, the first word (the family name) must be a
    common Chinese surname, and some syllable must carry a pinyin-only spelling. "Anna Zhang"
    parses as pinyin but is not converted; "Ma Yun" has no marker and needs hint="zh".
    """
    words = _PINYIN_WORD.findall(text)
    if not words or words[0].lower().replace("ü", "v") not in _CHINESE_SURNAMES:
        return False
    split = [_pinyin_syllables(w) for w in words]
    if any(s is None for s in split):
        return False
    parsed = cast("list[list[str]]", split)  # no word is None: checked just above
    return any(_PINYIN_MARKER.search(s) for syllables in parsed for s in syllables)


def is_chinese_name(name: str) -> bool:
    """A name written in pinyin, family name first: every word is pinyin and the first word
    is a common Chinese surname. Callers add what they know (a Chinese form in the glossary)."""
    words = _PINYIN_WORD.findall(name)
    if not words or words[0].lower().replace("ü", "v") not in _CHINESE_SURNAMES:
        return False
    return all(_pinyin_syllables(w) is not None for w in words)


_PALLADIUS_SYLLABLES = frozenset(_PINYIN_TO_RUSSIAN.values())
_PALLADIUS_SURNAMES = frozenset(
    _PINYIN_TO_RUSSIAN[s] for s in _CHINESE_SURNAMES if s in _PINYIN_TO_RUSSIAN
)


def _split_palladius(run: str) -> bool:
    if not run:
        return True
    return any(
        run[:size] in _PALLADIUS_SYLLABLES and _split_palladius(run[size:])
        for size in range(min(5, len(run)), 0, -1)
    )


def is_palladius_name(name: str) -> bool:
    """A Chinese name written in Russian by the Palladius system (Ван Ян, Си Цзиньпин): the
    first word a common family name, every word made of Palladius syllables."""
    words = [w.lower() for w in re.findall(r"[а-яёА-ЯЁ]+", name)]
    if len(words) < 2 or words[0] not in _PALLADIUS_SURNAMES:
        return False
    return all(_split_palladius(w) for w in words)


def _pinyin_to_russian(text: str) -> str:
    """Palladius for every word that is pinyin; other words get the general name rules."""
    def convert(m: re.Match[str]) -> str:
        palladius = _pinyin_word_to_russian(m[0])
        return palladius if palladius is not None else _latin_to_russian(m[0])

    return _PINYIN_WORD.sub(convert, unicodedata.normalize("NFC", text))


def _latin_to_russian(text: str) -> str:
    return _by_word(unicodedata.normalize("NFC", text), _latin_word_to_russian, str.lower)


def _names_to_russian(text: str) -> str:
    """Latin-script name -> Russian Cyrillic, reading it as pinyin when it plainly is."""
    if _looks_like_pinyin_name(text):
        return _pinyin_to_russian(text)
    return _latin_to_russian(text)


# --- Russian -> Latin: BGN/PCGN -----------------------------------------------------------------
#
# The BGN/PCGN romanization of Russian (1947), simplified the way English-language news
# prints it: no diacritics and no apostrophes for ъ and ь, so Ёлкин -> Yolkin (BGN Yëlkin),
# Ильин -> Ilin (BGN Il'in). е is ye at the start of a word and after a vowel, ъ, ь or й
# (Токаев -> Tokayev); ё is yo, except after ж, ч, ш, щ where it is e, the form such names take
# in English (Горбачёв -> Gorbachev). The middle dot BGN puts in тс, шч and the like is omitted.

_BGN = MappingProxyType({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})
_BGN_YE_AFTER = frozenset("аеёиоуыэюяйъь")
_BGN_HUSHERS = frozenset("жчшщ")


def _bgn_letter(word: str, k: int) -> str:
    ch = word[k]
    prev = word[k - 1] if k else ""
    if ch == "е" and (not prev or prev in _BGN_YE_AFTER):
        return "ye"
    if ch == "ё" and prev in _BGN_HUSHERS:
        return "e"
    return _BGN.get(ch, ch)


def _bgn_word(word: str) -> str:
    return "".join(_bgn_letter(word, k) for k in range(len(word)))


def _russian_to_latin(text: str) -> str:
    """Russian Cyrillic -> Latin, simplified BGN/PCGN: 'Юлия' -> 'Yuliya'."""
    return _by_word(unicodedata.normalize("NFC", text), _bgn_word, str.lower)


# --- transliterate packs --------------------------------------------------------------------
#
# transliterate's convention: translit(text, code) goes from Latin to the pack's script and
# reversed=True comes back to Latin. Our rules depend on context, so the packs override
# translit(); `mapping` only carries the one-to-one letters the base class insists on.


class KazakhLatinPack(TranslitLanguagePack):
    """Kazakh: Latin alphabet of 2021 -> Cyrillic; reversed=True for Cyrillic -> Latin."""

    language_code = "kk"
    language_name = "Kazakh"
    character_ranges = ((0x0400, 0x04FF),)
    mapping = (
        "".join(_KK_LATIN_TO_CYRILLIC),
        "".join(_KK_LATIN_TO_CYRILLIC.values()),
    )

    def translit(self, value, reversed=False, strict=False, fail_silently=True):
        # strict and fail_silently only keep the framework's signature: characters a pack has
        # no rule for pass through unchanged, and transliterate_name refuses mixed script.
        return _kk_to_latin(value) if reversed else _kk_to_cyrillic(value)


class RussianNamesPack(TranslitLanguagePack):
    """Names: Latin script -> Russian (pinyin via Palladius); reversed=True for BGN/PCGN."""

    language_code = "ru-names"
    language_name = "Russian (names)"
    character_ranges = ((0x0400, 0x04FF),)
    mapping = ("".join(_LATIN_LETTERS), "".join(v[0] for v in _LATIN_LETTERS.values()))

    def translit(self, value, reversed=False, strict=False, fail_silently=True):
        return _russian_to_latin(value) if reversed else _names_to_russian(value)


def _register_packs() -> None:
    # transliterate loads its bundled packs only while its registry is empty, so ours must
    # come after them. register() keeps the first pack for a code, which makes a second import
    # (or a reload) a no-op.
    ensure_autodiscover()
    for pack in (KazakhLatinPack, RussianNamesPack):
        registry.register(pack)


_register_packs()


# --- audarma API ------------------------------------------------------------------------------

_DEFAULT_SCRIPT = MappingProxyType({"kk": "Cyrl", "ru": "Cyrl", "en": "Latn", "zh": "Hans"})

# (source, target) -> converter. A Russian spelling is valid Kazakh Cyrillic, so ru -> kk-Latn
# uses the Kazakh pack (Токаев -> Tokaev: the Russian spelling has already lost қ).
# en -> kk gives the Russian form as a Cyrillic draft. Latin sources other than English,
# and Kazakh <-> Russian Cyrillic, have no pack yet.
_ROUTES: MappingProxyType[tuple[str, str], Callable[[str], str]] = MappingProxyType({
    ("kk", "kk-Latn"): _kk_to_latin,
    ("kk-Latn", "kk"): _kk_to_cyrillic,
    ("ru", "kk-Latn"): _kk_to_latin,
    ("ru", "en"): _russian_to_latin,
    ("en", "ru"): _names_to_russian,
    ("en", "kk"): _names_to_russian,
    ("zh-Latn", "ru"): _pinyin_to_russian,
    ("zh-Latn", "kk"): _pinyin_to_russian,
})
_ROUTE_SCRIPTS = MappingProxyType({"Latn": "LATIN", "Cyrl": "CYRILLIC"})


def _route_key(tag: str) -> str:
    """'kk-Cyrl-KZ' -> 'kk', 'kk-Latn' -> 'kk-Latn', 'en-GB' -> 'en': language plus script,
    the script left out when it is the language's usual one."""
    t = parse_tag(tag)
    script = t.script or _DEFAULT_SCRIPT.get(t.language)
    if script is None or script == _DEFAULT_SCRIPT.get(t.language):
        return t.language
    return f"{t.language}-{script}"


def _script_of(key: str) -> str:
    language, _, script = key.partition("-")
    return script or _DEFAULT_SCRIPT[language]


def _is_written_in(text: str, script: str) -> bool:
    """True when every letter of text is in the script: a mixed-script name is a defect.

    Modifier letters (the ʼ apostrophe) belong to no script and are let through.
    """
    prefix = _ROUTE_SCRIPTS[script]
    return all(
        unicodedata.name(ch, "").startswith(prefix)
        for ch in text
        if ch.isalpha() and unicodedata.category(ch) != "Lm"
    )


def transliterate_name(name: str, source: str, target: str, *, hint: str | None = None
                       ) -> str | None:
    """Render a personal/place name written in `source` (BCP 47: 'en', 'ru', 'kk', 'kk-Latn')
    into the script of `target` ('ru', 'kk', 'kk-Latn', 'en', ...). None when no pack serves
    the pair, or when the name has letters the pack cannot render.

    `hint` is the name's language of origin: 'zh' reads a Latin-script name as pinyin even
    when the automatic check would not (Ma Yun). The result is a draft, never a verified form.
    Raises InvalidLanguageTag for a malformed tag.
    """
    src, dst = _route_key(source), _route_key(target)
    if hint is not None and language_of(hint) == "zh" and src == "en":
        src = "zh-Latn"
    convert = _ROUTES.get((src, dst))
    if convert is None:
        return None
    result = convert(name)
    return result if _is_written_in(result, _script_of(dst)) else None


def supported_pairs() -> list[tuple[str, str]]:
    """The (source, target) tags transliterate_name serves, e.g. ('kk', 'kk-Latn')."""
    return list(_ROUTES)


# --- Chinese pinyin -> Wade-Giles ------------------------------------------------------------
#
# Older and Taiwanese copy spells mainland names in Wade-Giles (Hsi Chin-p'ing for Xi Jinping).
# The matcher compares such spellings with a Wade-Giles form derived from the glossary's pinyin.

_WG_INITIALS = MappingProxyType({
    "b": "p", "p": "p'", "m": "m", "f": "f", "d": "t", "t": "t'", "n": "n", "l": "l",
    "g": "k", "k": "k'", "h": "h", "j": "ch", "q": "ch'", "x": "hs", "zh": "ch", "ch": "ch'",
    "sh": "sh", "r": "j", "z": "ts", "c": "ts'", "s": "s",
})
_WG_FINALS = MappingProxyType({
    "ong": "ung", "iong": "iung", "ian": "ien", "ie": "ieh", "ue": "üeh", "üe": "üeh",
    "ve": "üeh", "v": "ü", "van": "üan", "vn": "ün",
})
_WG_BARE = MappingProxyType({
    "yi": "i", "you": "yu", "yan": "yen", "ye": "yeh", "yong": "yung", "yue": "yüeh",
    "yuan": "yüan", "yu": "yü", "yun": "yün", "er": "erh", "e": "o",
})


def _wade_giles_syllable(syllable: str) -> str:
    if syllable in _WG_BARE:
        return _WG_BARE[syllable]
    initial = next((i for i in ("zh", "ch", "sh") if syllable.startswith(i)), syllable[:1])
    if initial not in _WG_INITIALS:
        return syllable  # a bare vowel syllable: a, ai, ao, an, ang, o, ou, wa, wei, ...
    final = syllable[len(initial):]
    if initial in ("z", "c", "s") and final == "i":
        return {"z": "tzu", "c": "tz'u", "s": "ssu"}[initial]
    if initial in ("zh", "ch", "sh", "r") and final == "i":
        return _WG_INITIALS[initial] + "ih"
    if initial in ("j", "q", "x") and final.startswith("u"):
        final = "ü" + final[1:]
    if (final == "e" and initial in ("g", "k", "h")) or (
        final == "uo" and initial not in ("g", "k", "h", "sh")
    ):
        final = "o"
    elif final == "ui" and initial in ("g", "k", "h"):
        final = "uei"  # kuei, k'uei, huei; elsewhere -ui stays (jui, tui, shui)
    else:
        final = _WG_FINALS.get(final, final)
    return _WG_INITIALS[initial] + final


def wade_giles(name: str) -> str | None:
    """'Xi Jinping' -> "Hsi Chin-p'ing"; None unless every word parses as pinyin."""
    words = []
    for word in name.split():
        syllables = _pinyin_syllables(word)
        if not syllables:
            return None
        rendered = "-".join(_wade_giles_syllable(s) for s in syllables)
        words.append(rendered[:1].upper() + rendered[1:])
    return " ".join(words)
