"""Kazakh case endings on names: read the ending a name carries, and put the same case on
another name.

Kazakh writes a case as an ending glued to the name (Астанада "in Astana", Тоқаевпен "with
Tokayev"). The ending's vowel follows the name's last vowel (back а/ы, front е/і) and its first
consonant follows the name's last sound (Астанадан, Қазақстаннан, Шымкенттен). When a name is
replaced by another, the ending has to be built again for the new name; this module does that
for the cases and endings it knows, and says so when it does not.
"""

from __future__ import annotations

# у and ю are glides as often as vowels (Атырау): they end a stem as vowels but do not decide
# the harmony, the vowel before them does.
_BACK_VOWELS = frozenset("аоұыяё")
_FRONT_VOWELS = frozenset("әеөүіиэ")
_VOWELS = _BACK_VOWELS | _FRONT_VOWELS | frozenset("ую")
_NASALS = frozenset("мнң")
# Sonorants and voiced consonants that take the "voiced" ending. б, в, г, д at the end of a
# name are said voiceless in Kazakh (Тоқаевпен, Белградтан), so they are not listed.
_SONORANTS = frozenset("лрйузж")

# case -> sound class of the stem's end -> ending (back, front)
#   vowel: ends in a vowel; nasal: м н ң; voiced: л р й у з ж; voiceless: everything else
_ENDINGS: dict[str, dict[str, tuple[str, str]]] = {
    "gen": {"vowel": ("ның", "нің"), "nasal": ("ның", "нің"),
            "voiced": ("дың", "дің"), "voiceless": ("тың", "тің")},
    "acc": {"vowel": ("ны", "ні"), "nasal": ("ды", "ді"),
            "voiced": ("ды", "ді"), "voiceless": ("ты", "ті")},
    "dat": {"vowel": ("ға", "ге"), "nasal": ("ға", "ге"),
            "voiced": ("ға", "ге"), "voiceless": ("қа", "ке")},
    "loc": {"vowel": ("да", "де"), "nasal": ("да", "де"),
            "voiced": ("да", "де"), "voiceless": ("та", "те")},
    "abl": {"vowel": ("дан", "ден"), "nasal": ("нан", "нен"),
            "voiced": ("дан", "ден"), "voiceless": ("тан", "тен")},
    "ins": {"vowel": ("мен", "мен"), "nasal": ("мен", "мен"),
            "voiced": ("мен", "мен"), "voiceless": ("пен", "пен")},
    # locative + -ғы/-гі: "which is in" (Астанадағы, Шымкенттегі)
    "loc_attr": {"vowel": ("дағы", "дегі"), "nasal": ("дағы", "дегі"),
                 "voiced": ("дағы", "дегі"), "voiceless": ("тағы", "тегі")},
}
# з and ж take -бен in the instrumental.
_INS_BEN = frozenset("зж")

_BY_ENDING: dict[str, list[str]] = {}
for _case, _table in _ENDINGS.items():
    for _pair in _table.values():
        for _ending in _pair:
            cases = _BY_ENDING.setdefault(_ending, [])
            if _case not in cases:
                cases.append(_case)
_BY_ENDING.setdefault("бен", []).append("ins")


def sound_class(stem: str) -> str:
    last = stem[-1:].lower()
    if last in _VOWELS and not (last == "у" and stem[-2:-1].lower() in _VOWELS):
        return "vowel"  # a final у after a vowel is the glide w (Атырау): a consonant
    if last in _NASALS:
        return "nasal"
    if last in _SONORANTS:
        return "voiced"
    return "voiceless"


def is_front(stem: str) -> bool:
    """Whether the ending takes a front vowel: the stem's last vowel decides. The е of a
    Russian-style -ев ending does not count: Kazakh follows the root (Тоқаевтың, Назарбаевқа)."""
    low = stem.lower()
    if low.endswith("ев") and any(ch in _BACK_VOWELS or ch in _FRONT_VOWELS for ch in low[:-2]):
        low = low[:-2]
    for ch in reversed(low):
        if ch in _FRONT_VOWELS:
            return True
        if ch in _BACK_VOWELS:
            return False
    return False


def ending_for(stem: str, case: str) -> str:
    """The ending of `case` for this stem (Астана, abl -> дан)."""
    klass = sound_class(stem)
    if case == "ins" and stem[-1:].lower() in _INS_BEN:
        return "бен"
    back, front = _ENDINGS[case][klass]
    return front if is_front(stem) else back


def cases_of(stem: str, ending: str) -> list[str]:
    """The cases `ending` can mark on this stem, checked against the stem's own sound:
    an ending that the stem could not take (Астана + тан) marks nothing."""
    wanted = ending.lower()
    return [case for case in _BY_ENDING.get(wanted, ()) if ending_for(stem, case) == wanted]


def reinflect(old_stem: str, ending: str, new_stem: str) -> str | None:
    """The new stem with the old stem's case ending rebuilt for it, or None when the ending is
    not a case ending this module knows on the old stem."""
    cases = cases_of(old_stem, ending)
    if not cases:
        return None
    endings = {ending_for(new_stem, case) for case in cases}
    if len(endings) != 1:
        return None  # the same ending marks two cases that differ on the new stem
    new_ending = endings.pop()
    if ending.isupper():
        new_ending = new_ending.upper()
    return new_stem + new_ending
