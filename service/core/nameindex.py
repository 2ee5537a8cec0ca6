"""The compiled name index: every glossary name, short form, variant and Russian case form in
one Aho-Corasick automaton, plus the per-entity tables and skeleton blocks the fuzzy stage reads.

Built once per glossary version and shared read-only; `save`/`load` keep a compiled copy so a
worker with a million names starts in about a second instead of rebuilding.
"""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Iterable, Iterator
from itertools import accumulate
from pathlib import Path
from types import MappingProxyType

import ahocorasick
from rapidfuzz import process
from rapidfuzz.distance import OSA

from .blocking import Blocks, Probe, gather, joined_key, longest_key, post, post_with_deletions
from .folding import fold, phonetic, skeleton_of_phonetic
from .glossary import Entry, Variant, variants_from_data
from .inflect_ru import person_case_forms, person_forms, place_case_forms, place_forms
from .lexicon import SHIPPED, Lexicon
from .translit import is_chinese_name, wade_giles

# Key forms, stored in the automaton value next to the entity index and key language.
NAME, SHORT, VARIANT, INFLECTED, INFLECTED_SHORT, REVERSED, INFLECTED_VARIANT = range(7)
FORM_NAMES = ("name", "short", "variant", "inflected", "inflected", "name", "variant")
_KEY_TAGS = ("en", "ru", "kk", "kk-Latn")
_LANG_INDEX = {tag: i for i, tag in enumerate(_KEY_TAGS)}
FULL_FORMS = frozenset({NAME, VARIANT, INFLECTED, REVERSED, INFLECTED_VARIANT})
VARIANT_FORMS = frozenset({VARIANT, INFLECTED_VARIANT})

_MAX_WINDOW = 8  # longest multi-word name tried as a window of words
_MEMO_SIZE = 50_000  # remembered phonetic forms and opener lookups per index

# Automaton values: (target or overflow slot) << 9 | overflow flag << 8 | key length.
# STORE_INTS keeps no key, so the length travels in the value to recover a match's start.
_OVERFLOW = 1 << 8
_MAX_KEY = 255

_IS_PERSON = 1
_FAMILY_FIRST = 2  # Chinese-style names: the family name is the first token


class StringTable:
    """Many short strings stored as one: a million names cost one str and one offset array.

    Python spends ~50 bytes on every str object; at a million entities and five strings each
    that alone would break the memory budget.
    """

    _CHUNK = 4096

    def __init__(self) -> None:
        self._pending: list[str] = []
        self._chunks: list[str] = []
        self._offsets = array("q", (0,))
        self._text = ""

    def append(self, text: str) -> None:
        self._pending.append(text)
        if len(self._pending) >= self._CHUNK:
            self._flush()

    def _flush(self) -> None:
        end = self._offsets[-1]
        self._offsets.extend(accumulate((len(t) for t in self._pending), initial=end))
        self._offsets.pop(-len(self._pending) - 1)  # `initial` repeats the previous end
        self._chunks.append("".join(self._pending))
        self._pending = []

    def freeze(self) -> None:
        if self._pending:
            self._flush()
        self._text = "".join((self._text, *self._chunks))
        self._chunks = []

    def __len__(self) -> int:
        return len(self._offsets) - 1 + len(self._pending)

    def __getitem__(self, i: int) -> str:
        return self._text[self._offsets[i] : self._offsets[i + 1]]

    def get(self, i: int) -> str | None:
        """The string at i, or None where an empty string stands for 'no value'."""
        return self._text[self._offsets[i] : self._offsets[i + 1]] or None


class NameIndex:
    """Everything the matcher needs, compiled from glossary entries.

    Built once per glossary version and shared read-only. Per-entity data sits in string
    tables and flat arrays so a million entities fit in memory; the automaton stores plain
    integers.
    """

    def __init__(self) -> None:
        self.automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self.ids = StringTable()
        self.names = {tag: StringTable() for tag in _KEY_TAGS}
        self.shorts = {tag: StringTable() for tag in _KEY_TAGS}
        self.phonetics = StringTable()  # "|"-joined phonetic forms of full names
        self.tails = StringTable()  # "|"-joined phonetic forms of a bare one-word reference
        self.flags = bytearray()
        # Skeleton blocks: every token of a full name, and every bare form. Postings are
        # entity indexes.
        self.blocks: Blocks = {}
        self.tail_blocks: Blocks = {}
        # Multi-word names of places, bodies and terms, by the skeleton of their first word:
        # the word counts they come in. Lets the matcher try "Eurasian Economc Union" and
        # "Евразийскй экономический союз" as whole windows of words.
        self.multi_first: dict[str, set[int]] = {}
        self.window_blocks: Blocks = {}  # their whole-name skeleton blocks
        self.overflow: list[tuple[int, ...]] = []
        # Variants an entity has beyond plain Latin spellings (a kind other than spelling, or a
        # Cyrillic text whose case forms are keys): what a variant hit is, without the entry.
        self.variants: dict[int, tuple[Variant, ...]] = {}
        self.entries: dict[str, Entry] = {}  # kept only when built with keep_entries
        self._part_cache: dict[int, frozenset[str]] = {}
        self._place_forms: tuple[list[str], list[int]] | None = None
        self._memo: dict = {}  # bounded; see phonetic() and nearest_places()
        self.lexicon: Lexicon = SHIPPED  # common words and real places (lexicon.py)
        self._geonames: dict[int, list[int]] | None = None  # GeoNames id -> glossary places

    # -- building

    @classmethod
    def build(
        cls, entries: Iterable[Entry], keep_entries: bool = True, lexicon: Lexicon | None = None
    ) -> NameIndex:
        index = cls()
        if lexicon is not None:
            index.lexicon = lexicon
        for entry in entries:
            index.add(entry)
            if keep_entries:
                index.entries[entry.id] = entry
        index.automaton.make_automaton()
        for table in index._tables():
            table.freeze()
        return index

    def _tables(self) -> list[StringTable]:
        return [self.ids, self.phonetics, self.tails, *self.names.values(), *self.shorts.values()]

    def add(self, entry: Entry) -> None:
        idx = len(self.ids)
        self.ids.append(entry.id)
        is_person = entry.type == "person"
        names, shorts = entry.names, entry.short
        en_name, en_short = names.get("en"), shorts.get("en")
        chinese = bool(is_person and en_name and "zh" in names and is_chinese_name(en_name))
        family_first = chinese or bool(
            is_person and en_name and en_short and en_name.split()[0] == en_short
        )
        self.flags.append((_IS_PERSON if is_person else 0) | (_FAMILY_FIRST if family_first else 0))

        full: dict[str, None] = {}  # phonetic forms of full names, in order, no repeats
        tails: dict[str, None] = {}
        for tag in _KEY_TAGS:
            lang = _LANG_INDEX[tag]
            name = names.get(tag)
            short = shorts.get(tag)
            self.names[tag].append(name or "")
            self.shorts[tag].append(short or "")
            if name:
                self._add_key(name, idx, NAME, lang)
                if not name.isupper():
                    full[phonetic(name)] = None
                if tag == "ru":
                    self._add_russian_forms(name, idx, lang, is_person, entry.type)
            if short:
                self._add_key(short, idx, SHORT, lang)
                if not short.isupper():  # a misspelled acronym is another acronym
                    tails[phonetic(short)] = None
                if tag == "ru" and is_person:
                    for form in person_forms(short):
                        self._add_key(form, idx, INFLECTED_SHORT, lang)
        kept: list[Variant] = []
        for item in entry.variants:
            variant = item.text
            cyrillic = is_cyrillic(variant)
            lang = _LANG_INDEX["ru"] if cyrillic else _LANG_INDEX["en"]
            self._add_key(variant, idx, VARIANT, lang)
            if cyrillic and item.kind != "abbreviation" and not variant.isupper():
                forms = person_forms(variant) if is_person else place_forms(variant)
                for form in forms:
                    self._add_key(form, idx, INFLECTED_VARIANT, lang)
            if item.kind == "spelling" and not variant.isupper():
                # Only misspellings are scored as the entity's own forms: a typo of a former
                # name or an exonym is not a reason to suggest today's name.
                full[phonetic(variant)] = None
            if cyrillic or item.kind != "spelling":
                kept.append(item)
        if kept:
            self.variants[idx] = tuple(kept)
        # (chinese implies en_name; the check says so to the type checker)
        if chinese and en_name is not None and (older := wade_giles(en_name)):
            full[phonetic(older)] = None  # Hsi Chin-p'ing: scored, never a rewrite target
        for form in full:
            tokens = form.replace("-", " ").split()
            for token in tokens:
                if len(token) >= 3:
                    post(self.blocks, skeleton_of_phonetic(token), idx)
            if len(tokens) > 1:
                if any(len(t) < 4 for t in tokens):
                    # Names of short syllables (Cai Qi, Yin Li) also block on the whole name;
                    # only for them: a key per name costs ~100 bytes a million times over.
                    post(self.blocks, joined_key(tokens), idx)
                if not is_person and len(tokens) <= _MAX_WINDOW:
                    first = skeleton_of_phonetic(tokens[0])
                    self.multi_first.setdefault(first, set()).add(len(tokens))
                    post_with_deletions(self.window_blocks, joined_key(tokens), idx)
            if len(form.split()) == 1:
                tails[form] = None  # a one-word name, hyphenated or not (Issyk-Kul)
            elif is_person and not family_first and form.split():
                tails[form.split()[-1]] = None  # the surname (Oyun-Erdene whole)
        tail_forms = [t for t in tails if len(t) >= 3]
        for tail in tail_forms:
            post(self.tail_blocks, skeleton_of_phonetic(tail), idx)
        self.phonetics.append("|".join(full))
        self.tails.append("|".join(tail_forms))

    def _add_russian_forms(self, name: str, idx: int, lang: int, person: bool, kind: str) -> None:
        if person:
            for form in person_forms(name):
                self._add_key(form, idx, INFLECTED, lang)
            tokens = name.split()
            if len(tokens) == 2:
                # Russian lists and official copy put the surname first: "Токаев Касым-Жомарт".
                self._add_key(f"{tokens[1]} {tokens[0]}", idx, REVERSED, lang)
        elif kind in ("place", "organization"):
            for form in place_forms(name):
                self._add_key(form, idx, INFLECTED, lang)

    def _add_key(self, surface: str, idx: int, form: int, lang: int) -> None:
        key = fold(surface)
        if not key.strip() or len(key) > _MAX_KEY:
            return
        cased = 1 if surface[:1].isupper() else 0
        target = (idx << 7) | (cased << 6) | (form << 3) | lang
        existing = self.automaton.get(key, None)
        if existing is None:
            self.automaton.add_word(key, (target << 9) | len(key))
            return
        targets = self.targets(existing)
        if target in targets:
            return
        # One entity keeps one claim per key (its strongest); different entities share it.
        mine = [t for t in targets if entity_of(t) == idx]
        if mine and (form not in FULL_FORMS or any(form_of(t) in FULL_FORMS for t in mine)):
            return
        merged = (*(t for t in targets if entity_of(t) != idx), target)
        if existing & _OVERFLOW:
            self.overflow[existing >> 9] = merged
        else:
            self.overflow.append(merged)
            value = ((len(self.overflow) - 1) << 9) | _OVERFLOW | len(key)
            self.automaton.add_word(key, value)

    # -- compiled cache: a large glossary loads in seconds instead of being rebuilt

    def save(self, path: str | Path) -> None:
        """Write the compiled index: `path` and `path` + '.automaton'."""
        path = Path(path)
        # Pickling the automaton loads ~7x faster than Automaton.save()/ahocorasick.load().
        with _automaton_path(path).open("wb") as fh:
            pickle.dump(self.automaton, fh, protocol=pickle.HIGHEST_PROTOCOL)
        transient = ("automaton", "_part_cache", "_place_forms", "_memo", "lexicon", "_geonames")
        state = {k: v for k, v in vars(self).items() if k not in transient}
        state["entries"] = [_entry_state(e) for e in self.entries.values()]
        with path.open("wb") as fh:
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, path: str | Path) -> NameIndex:
        path = Path(path)
        index = cls.__new__(cls)
        # The automaton first: its pickle is one large byte string that is freed once the
        # automaton is built, before the rest of the index needs memory.
        with _automaton_path(path).open("rb") as fh:
            automaton = pickle.load(fh)
        with path.open("rb") as fh:
            state = pickle.load(fh)
        entries = state.pop("entries")
        vars(index).update(state)
        index.automaton = automaton
        index.entries = {e.id: e for e in (_entry_from_state(s) for s in entries)}
        index._part_cache = {}
        index._place_forms = None
        index._memo = {}
        index.lexicon = SHIPPED
        index._geonames = None
        return index

    # -- lookups

    def __len__(self) -> int:
        return len(self.ids)

    def targets(self, value: int) -> tuple[int, ...]:
        """Decode an automaton value into (entity << 7 | cased << 6 | form << 3 | language)."""
        if value & _OVERFLOW:
            return self.overflow[value >> 9]
        return (value >> 9,)

    def name(self, idx: int, lang: str) -> str | None:
        tag = lang if lang in self.names else "en"
        found = self.names[tag].get(idx)
        if found is None and tag == "kk":
            found = self.names["ru"].get(idx)  # Kazakh copy writes foreign names the Russian way
        return found

    def names_of(self, idx: int, tag: str) -> str | None:
        """The entity's own name for a key language, with no fallback."""
        table = self.names.get(tag)
        return table.get(idx) if table is not None else None

    def shorts_of(self, idx: int, tag: str) -> str | None:
        table = self.shorts.get(tag)
        return table.get(idx) if table is not None else None

    def short(self, idx: int, lang: str) -> str | None:
        tag = lang if lang in self.shorts else "en"
        return self.shorts[tag].get(idx)

    def variant_of(self, idx: int, surface: str) -> tuple[Variant, list[tuple[str, int]]]:
        """The listed variant a hit on `surface` stands for, and where the hit is a Russian case
        form of it, the (case, position) pairs of that form (see inflect_ru.person_case_forms).

        A plain spelling that was not kept is rebuilt from the surface: its kind is the default.
        """
        key = fold(surface)
        for variant in self.variants.get(idx, ()):
            if fold(variant.text) == key:
                return variant, []
        for variant in self.variants.get(idx, ()):
            if not is_cyrillic(variant.text):
                continue
            found = [
                (case, position)
                for case, forms in self.case_forms(variant.text, idx).items()
                for position, form in enumerate(forms)
                if fold(form) == key
            ]
            if found:
                return variant, found
        return Variant(surface), []

    def case_forms(self, name: str, idx: int) -> dict[str, list[str]]:
        """Russian case forms of a name of this entity (a person's or a place's)."""
        return person_case_forms(name) if self.is_person(idx) else place_case_forms(name)

    def is_person(self, idx: int) -> bool:
        return bool(self.flags[idx] & _IS_PERSON)

    def family_first(self, idx: int) -> bool:
        return bool(self.flags[idx] & _FAMILY_FIRST)

    def name_parts(self, idx: int) -> frozenset[str]:
        """Folded tokens of an entity's names, with Russian case forms (Синжуем)."""
        parts = self._part_cache.get(idx)
        if parts is None:
            found: set[str] = set()
            for tag in _KEY_TAGS:
                name = self.names[tag].get(idx)
                if name:
                    found.update(fold(name).split())
                    if tag == "ru" and self.flags[idx] & _IS_PERSON:
                        found.update(t for form in person_forms(name) for t in fold(form).split())
            if len(self._part_cache) > 10000:
                self._part_cache.clear()  # bounded: only entities named in recent articles
            parts = self._part_cache[idx] = frozenset(found)
        return parts

    def tail_forms(self, idx: int) -> list[str]:
        """Phonetic forms a bare one-word reference to this entity can take."""
        tails = self.tails[idx]
        return tails.split("|") if tails else []

    def is_bare_form(self, word: str) -> bool:
        """Whether a word is, letter for letter in phonetic form, the surname or one-word name
        of some entity (Japarov, even where two Japarovs share it)."""
        key = self.phonetic(word)
        postings = self.tail_blocks.get(skeleton_of_phonetic(key))
        if postings is None:
            return False
        owners = (postings,) if isinstance(postings, int) else postings
        return any(key in self.tail_forms(idx) for idx in owners[:50])

    def places_called(self, word: str) -> list[int]:
        """Glossary places that GeoNames also calls `word` (Farghona is Fergana's Uzbek name)."""
        ids = self.lexicon.place_ids(word)
        if not ids:
            return []
        if self._geonames is None:
            by_id: dict[int, list[int]] = {}
            # People are most of a large glossary and never places: skip them at C speed.
            places = [i for i, flag in enumerate(self.flags) if not flag & _IS_PERSON]
            for idx in places:
                for tag in ("en", "ru", "kk"):
                    name = self.names[tag].get(idx)
                    for ident in self.lexicon.place_ids(name) if name else ():
                        owners = by_id.setdefault(ident, [])
                        if idx not in owners:
                            owners.append(idx)
            self._geonames = by_id
        found = {idx for ident in ids for idx in self._geonames.get(ident, ())}
        return sorted(found)

    def window_lengths(self, word: str) -> list[int]:
        """Word counts of the multi-word names whose first word could be `word` misspelt,
        longest first (remembered: the same capitalized words open windows in every article)."""
        key = ("window-lengths", word)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) > _MEMO_SIZE:
                self._memo.clear()
            lengths = self.multi_first.get(skeleton_of_phonetic(self.phonetic(word)))
            found = self._memo[key] = sorted(lengths, reverse=True) if lengths else []
        return found

    def is_name_token(self, word: str) -> bool:
        """Whether a word, in phonetic form, is one word of some entity's name (Majlis of Oliy
        Majlis and Milli Majlis)."""
        key = self.phonetic(word)
        postings = self.blocks.get(skeleton_of_phonetic(key))
        if postings is None:
            return False
        owners = (postings,) if isinstance(postings, int) else postings
        return any(key in self.phonetics[idx].replace("-", " ").split() for idx in owners[:50])

    def phonetic(self, text: str) -> str:
        """phonetic(), remembered: copy repeats the same capitalized words endlessly."""
        found = self._memo.get(text)
        if found is None:
            if len(self._memo) > _MEMO_SIZE:
                self._memo.clear()
            found = self._memo[text] = phonetic(text)
        return found

    def nearest_places(self, query: str) -> set[int]:
        """One-word places and bodies whose name is one slip from the query at most."""
        key = ("places", query)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) > _MEMO_SIZE:
                self._memo.clear()
            found = self._memo[key] = frozenset(self._nearest_places(query))
        return set(found)

    def _nearest_places(self, query: str) -> set[int]:
        if self._place_forms is None:
            forms: list[str] = []
            owners: list[int] = []
            for idx in range(len(self.ids)):
                if not self.flags[idx] & _IS_PERSON:
                    for form in self.tail_forms(idx):
                        forms.append(form)
                        owners.append(idx)
            self._place_forms = (forms, owners)
        forms, owners = self._place_forms
        return {
            owners[i]
            for _, _, i in process.extract(
                query, forms, scorer=OSA.distance, score_cutoff=1, limit=None
            )
        }

    def candidate_tiers(self, tokens: list[str]) -> Iterator[set[int]]:
        """Entities that could be meant by a misspelled name of these phonetic tokens, in
        widening tiers; the caller stops as soon as a tier yields a good match.

        Blocking is on consonant skeletons. The index holds whole skeletons; the query probes
        its own, then those one deletion or swap away, then those one insertion or
        substitution away. One token looks among bare forms (surnames, one-word names).
        Several tokens start from the rarest token's blocks (or the whole-name block), so a
        common given name does not pull in thousands of people; the scorer checks the rest.
        """
        if len(tokens) == 1:
            tails = self._longest_key("tail_blocks")
            probes = [Probe(self.tail_blocks, skeleton_of_phonetic(tokens[0]), tails)]
        else:
            longest = self._longest_key("blocks")
            probes = [
                Probe(self.blocks, skeleton_of_phonetic(t), longest) for t in tokens if len(t) >= 3
            ]
            probes.append(Probe(self.blocks, joined_key(tokens), longest))
        return gather(probes)

    def _longest_key(self, name: str) -> int:
        """The longest key of a block table (remembered with the other memos)."""
        key = ("longest-key", name)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = longest_key(getattr(self, name))
        return found



def _automaton_path(path: Path) -> Path:
    return path.with_name(path.name + ".automaton")


def _entry_state(entry: Entry) -> tuple:
    return (entry.to_dict(), entry.collection, entry.territory)


def _entry_from_state(state: tuple) -> Entry:
    data, collection, territory = state
    return Entry(
        id=data["id"],
        type=data["type"],
        names=MappingProxyType(data["names"]),
        variants=variants_from_data(data.get("variants", ())),
        short=MappingProxyType(data.get("short", {})),
        note=data.get("note", ""),
        collection=collection,
        territory=territory,
    )


CASED = 1 << 6


def entity_of(target: int) -> int:
    return target >> 7


def form_of(value: int) -> int:
    return (value >> 3) & 7


def lang_of(value: int) -> str:
    return _KEY_TAGS[value & 7]


def is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)

