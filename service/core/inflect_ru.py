"""Russian case forms of glossary names, generated so the matcher can link inflected copy.

Russian copy inflects names ("встретился с Токаевым", "визит Ма Синжуя"). Lemmatizing the text
is unsafe (a daughter's surname can lemmatize to her father's), so audarma goes the other way:
every glossary name is declined once, and the forms are added to the matcher as links that
are never rewritten.
"""

from __future__ import annotations

CASES = ("gen", "dat", "acc", "ins", "prep")
_VOWELS = set("аеёиоуыэюя")
_HUSHING = set("жшчщц")
_VELAR_HUSHING = set("гкхжшчщ")
_FEMININE_SURNAME = ("ова", "ева", "ёва", "ина", "ына")


def _forms(**by_case: str | tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {case: (v,) if isinstance(v, str) else v for case, v in by_case.items()}


def decline_masculine(word: str, surname: bool = False) -> dict[str, tuple[str, ...]]:
    """Case forms of one masculine name or place word."""
    low = word.lower()
    if not low or low[-1] in "оеиуыэю":
        return {}  # Си, Ли, Шойгу, Мехико: indeclinable
    if low.endswith(("ов", "ев", "ёв", "ин", "ын")):
        # Russian-style surnames take -ым; foreign words ending the same way (Цзиньпин,
        # Берлин) take -ом. Both are generated because a name's origin is not known here.
        ins: str | tuple[str, ...] = (
            (word + "ым", word + "ом") if surname else (word + "ом", word + "ым")
        )
        return _forms(gen=word + "а", dat=word + "у", acc=word + "а", ins=ins, prep=word + "е")
    if low.endswith(("ский", "цкий")):
        stem = word[:-2]
        return _forms(gen=stem + "ого", dat=stem + "ому", acc=stem + "ого", ins=stem + "им",
                      prep=stem + "ом")
    if low.endswith(("ый", "ой")):
        stem = word[:-2]
        return _forms(gen=stem + "ого", dat=stem + "ому", acc=stem + "ого", ins=stem + "ым",
                      prep=stem + "ом")
    if low.endswith("ий"):
        stem = word[:-1]
        return _forms(gen=stem + "я", dat=stem + "ю", acc=stem + "я", ins=stem + "ем",
                      prep=stem + "и")
    if low[-1] in "йь":
        stem = word[:-1]
        return _forms(gen=stem + "я", dat=stem + "ю", acc=stem + "я", ins=stem + "ем",
                      prep=stem + "е")
    if low[-1] == "а":
        return _decline_a(word)
    if low[-1] == "я":
        return _decline_ya(word)
    ins = word + "ем" if low[-1] in _HUSHING else word + "ом"
    return _forms(gen=word + "а", dat=word + "у", acc=word + "а", ins=ins, prep=word + "е")


def decline_feminine(word: str) -> dict[str, tuple[str, ...]]:
    low = word.lower()
    if low.endswith(_FEMININE_SURNAME):
        stem = word[:-1]
        return _forms(gen=stem + "ой", dat=stem + "ой", acc=stem + "у", ins=stem + "ой",
                      prep=stem + "ой")
    if low.endswith(("ская", "цкая", "ая")):
        stem = word[:-2]
        return _forms(gen=stem + "ой", dat=stem + "ой", acc=stem + "ую", ins=stem + "ой",
                      prep=stem + "ой")
    if low.endswith("а"):
        return _decline_a(word)
    if low.endswith("я"):
        return _decline_ya(word)
    return {}  # Мехрибан, Айгерим: consonant-final women's names do not decline


def _decline_a(word: str) -> dict[str, tuple[str, ...]]:
    stem = word[:-1]
    gen = stem + ("и" if stem[-1:].lower() in _VELAR_HUSHING else "ы")
    ins = stem + ("ей" if stem[-1:].lower() in _HUSHING else "ой")
    return _forms(gen=gen, dat=stem + "е", acc=stem + "у", ins=ins, prep=stem + "е")


def _decline_ya(word: str) -> dict[str, tuple[str, ...]]:
    stem = word[:-1]
    if word.lower().endswith("ия"):
        return _forms(gen=stem + "и", dat=stem + "и", acc=stem + "ю", ins=stem + "ей",
                      prep=stem + "и")
    return _forms(gen=stem + "и", dat=stem + "е", acc=stem + "ю", ins=stem + "ей",
                  prep=stem + "е")


def _is_feminine_person(tokens: list[str]) -> bool:
    last = tokens[-1].lower()
    if last.endswith(_FEMININE_SURNAME) or last.endswith(("ская", "цкая")):
        return True
    # A given name in -а/-я with a surname that is not a masculine -ов/-ев/-ин form.
    # Two-letter tokens are Chinese or Korean syllables (Ма, Ли), not given names.
    first = tokens[0].lower()
    return (
        len(tokens) > 1
        and len(first) > 2
        and first[-1:] in "ая"
        and not last.endswith(("ов", "ев", "ин"))
    )


def _decline_token(token: str, feminine: bool, surname: bool) -> dict[str, tuple[str, ...]]:
    # Only the last part of a hyphenated name declines: Касым-Жомарта, Оюун-Эрдэнэ.
    head, sep, tail = token.rpartition("-")
    word = tail if sep else token
    if len(word) <= 2:
        return {}  # Ма, Ли, Ху: one-syllable Chinese names do not decline
    forms = decline_feminine(word) if feminine else decline_masculine(word, surname=surname)
    if sep:
        return {case: tuple(f"{head}-{f}" for f in values) for case, values in forms.items()}
    return forms


def person_case_forms(name: str) -> dict[str, list[str]]:
    """Each oblique case of a person's Russian name -> its forms (every token in that case).

    Where a token has two possible endings (Токаевым/Токаевом) the case has several forms, in
    the same order for any two names built alike, so a variant's form can be paired with the
    canonical name's form of the same case and position.
    """
    tokens = name.split()
    if not tokens:
        return {}
    feminine = _is_feminine_person(tokens)
    declined = [
        _decline_token(t, feminine, surname=(i == len(tokens) - 1 and len(tokens) > 1))
        for i, t in enumerate(tokens)
    ]
    by_case: dict[str, list[str]] = {}
    for case in CASES:
        options: list[list[str]] = [[]]
        for token, table in zip(tokens, declined, strict=True):
            choices = table.get(case, (token,))
            options = [prefix + [c] for prefix in options for c in choices]
        by_case[case] = list(dict.fromkeys(" ".join(parts) for parts in options))
    return by_case


def person_forms(name: str) -> set[str]:
    """Oblique-case forms of a person's Russian name (every token in the same case)."""
    forms = {f for found in person_case_forms(name).values() for f in found}
    forms.discard(name)
    return forms


def place_case_forms(name: str) -> dict[str, list[str]]:
    """Each oblique case of a place or body's Russian name -> its forms; {} when the name does
    not decline (Алматы, ШОС) or its declension is not known by rule (Сибирь)."""
    if name.isupper():
        return {}  # acronyms (ШОС, ОДКБ) do not decline
    tokens = name.split()
    if len(tokens) > 1:
        return _phrase_forms(tokens)
    if name.lower().endswith("ь"):
        return {}  # gender unknown: Сибирь (fem) and Тобольск-like forms differ
    forms = decline_masculine(name)
    # A place is inanimate: its accusative is its nominative (в Казахстан).
    if not name.lower().endswith(("а", "я")):
        forms.pop("acc", None)
    return {case: list(values) for case, values in forms.items()}


def place_forms(name: str) -> set[str]:
    """Oblique-case forms of a place or body's name: Казахстан, Синьцзян-Уйгурский
    автономный район, Шанхайская организация сотрудничества."""
    forms = {f for found in place_case_forms(name).values() for f in found}
    forms.discard(name)
    return forms


_ADJECTIVE_ENDINGS = ("ский", "цкий", "кий", "гий", "хий", "ний", "ый", "ой", "ий",
                      "ская", "цкая", "ая", "яя", "ское", "цкое", "ое", "ее")


def _adjective(word: str) -> dict[str, str] | None:
    """Case forms of an adjective in a name (its nominative ending gives the gender)."""
    head, sep, tail = word.rpartition("-")
    low = tail.lower()
    ending = next((e for e in _ADJECTIVE_ENDINGS if low.endswith(e)), None)
    if ending is None or len(low) <= len(ending) + 1:
        return None
    stem = tail[:-2]  # every ending in the list closes on a two-letter inflection
    soft = ending in ("ний", "яя", "ее")
    i = "и" if soft or ending in _VELAR_ADJECTIVES else "ы"
    if ending.endswith(("ий", "ый", "ой", "ое", "ее")):  # masculine and neuter
        forms = {"gen": "его" if soft else "ого", "dat": "ему" if soft else "ому",
                 "ins": i + "м", "prep": "ем" if soft else "ом"}
    else:  # feminine
        e = "ей" if soft else "ой"
        forms = {"gen": e, "dat": e, "acc": "юю" if soft else "ую", "ins": e, "prep": e}
    forms = {case: stem + e for case, e in forms.items()}
    if sep:
        forms = {case: f"{head}-{form}" for case, form in forms.items()}
    return forms


_VELAR_ADJECTIVES = frozenset(
    {"ский", "цкий", "кий", "гий", "хий", "ская", "цкая", "ское", "цкое"}
)


def _noun(word: str) -> dict[str, str]:
    low = word.lower()
    if low.endswith("ь"):
        stem = word[:-1]  # область, степь: feminine is far commoner in place names
        return {"gen": stem + "и", "dat": stem + "и", "ins": stem + "ью", "prep": stem + "и"}
    if low.endswith(("о", "е")):
        stem = word[:-1]
        return {"gen": stem + "а", "dat": stem + "у", "ins": stem + "ом", "prep": stem + "е"}
    if low.endswith("я"):
        table = _decline_ya(word)
    elif low.endswith("а"):
        table = _decline_a(word)
    else:
        # A place or body is inanimate: its accusative is its nominative (в район, not района).
        table = {c: v for c, v in decline_masculine(word).items() if c != "acc"}
    return {case: values[0] for case, values in table.items()}


def _phrase_forms(tokens: list[str]) -> dict[str, list[str]]:
    """Adjectives agree with the head noun; words after the head (a genitive: 'организация
    сотрудничества') stay as they are."""
    tables: list[dict[str, str] | None] = []
    head_found = False
    for token in tokens:
        if head_found:
            tables.append(None)
            continue
        adjective = _adjective(token)
        if adjective is not None:
            tables.append(adjective)
            continue
        tables.append(_noun(token))
        head_found = True
    if not head_found:
        return {}
    by_case: dict[str, list[str]] = {}
    for case in CASES:
        words = [table.get(case, token) if table else token
                 for token, table in zip(tokens, tables, strict=True)]
        by_case[case] = [" ".join(words)]
    return by_case
