"""Name normalization: link glossary names in copy, fix certain misspellings, suggest the rest.

Three stages, cheapest first:
1. exact: every canonical name, variant, short form and Russian case form, folded, in one
   Aho-Corasick automaton; one pass over the folded article finds them all.
2. partial: a bare given or family name that belongs to somebody already named in full
   earlier in the same article.
3. fuzzy: capitalized runs the first two stages left alone, looked up through consonant-skeleton
   blocks and scored with rapidfuzz.

Precision comes first: a fix is applied only when it is certain; everything else is a
suggestion (`applied: false`) for the editor.
"""

from __future__ import annotations

import pickle
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import accumulate, islice
from pathlib import Path
from types import MappingProxyType

import ahocorasick
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .folding import fold, phonetic, skeleton_of_phonetic
from .glossary import Entry, variants_from_data
from .inflect_ru import person_forms, place_forms
from .translit import is_chinese_name, wade_giles

# Key forms, stored in the automaton value next to the entity index and key language.
NAME, SHORT, VARIANT, INFLECTED, INFLECTED_SHORT, REVERSED = range(6)
_FORM_NAMES = ("name", "short", "variant", "inflected", "inflected", "name")
# The languages audarma reads copy in, and the tags whose names become matcher keys.
SOURCE_LANGUAGES = ("en", "ru", "kk")
_KEY_TAGS = ("en", "ru", "kk", "kk-Latn")
_LANG_INDEX = {tag: i for i, tag in enumerate(_KEY_TAGS)}
_FULL_FORMS = frozenset({NAME, VARIANT, INFLECTED, REVERSED})

# Fuzzy thresholds (0-100 scale of rapidfuzz).
SUGGEST_AT = 80.0  # below this nothing is reported
LOCAL_SUGGEST_AT = 70.0  # ... unless the entity was already named in the article
SENTENCE_START_SUGGEST_AT = 83.0  # a lone capitalized word opening a sentence
APPLY_AT = 90.0  # an applied fix needs at least this, plus the checks in _may_apply
TOKEN_FLOOR = 70.0  # every token of a multi-word name must be at least this similar
BLOCK_CAP = 5000  # skeleton blocks larger than this say nothing and are skipped
_MAX_WINDOW = 8  # longest multi-word name tried as a window of words
POOL_BUDGET = 200  # candidates scored per fuzzy lookup, at most (about)
_MEMO_SIZE = 50_000  # remembered phonetic forms and opener lookups per index

# Automaton values: (target or overflow slot) << 9 | overflow flag << 8 | key length.
# STORE_INTS keeps no key, so the length travels in the value to recover a match's start.
_OVERFLOW = 1 << 8
_MAX_KEY = 255

_IS_PERSON = 1
_FAMILY_FIRST = 2  # Chinese-style names: the family name is the first token


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that start capitalized runs in copy but are not names: titles, function words,
# months. Stripped from the edges of a run before fuzzy lookup.
_NOT_NAMES = _words(
    """
    a an the and or but if of in on at to for from by with as is was are were be been he she it
    its they them their his her we our you your this that these those there here then also after
    before during while when where which who whom whose what why how all both each every some
    many most more such other another one two three four five six seven eight nine ten first
    second third last next new old not no yes mr mrs ms dr sir madam president presidents prime
    minister ministers premier chairman chairwoman chair secretary general deputy vice speaker
    senator governor mayor ambassador envoy leader leaders head chief foreign state party
    communist people peoples republic national central regional region autonomous city capital
    government parliament senate council committee ministry office bank union organization
    organisation cooperation agency news read also more according however meanwhile moreover
    furthermore thus therefore today yesterday tomorrow january february march april may june
    july august september october november december monday tuesday wednesday thursday friday
    saturday sunday north south east west northern southern eastern western kazakh chinese
    russian uzbek kyrgyz tajik turkmen azerbaijani mongolian sino soviet asian european american
    british his her said says told noted президент премьер министр министра председатель глава
    генеральный секретарь партии заместитель вице спикер посол губернатор аким мэр лидер в во на
    с со по о об из к и а но что как это этот эта также он она они его её их мы вы при после до
    для за январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь
    января февраля марта апреля мая июня июля августа сентября октября ноября декабря
    казахстанский китайский российский республики республика
    """
)

_UPPER = "A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁӘҒҚҢӨҰҮҺІ"  # capitals of the scripts copy comes in
_CAP_RUN = re.compile(
    rf"(?<![\w'’\-])[{_UPPER}][\w'’]*(?:-[\w'’]+)*"  # a capitalized word, not inside a word
    rf"(?:[ \t\u00a0]+[{_UPPER}][\w'’]*(?:-[\w'’]+)*)*"  # and the capitalized words after it
)
_TOKEN = re.compile(r"[^\s]+")
_WORD = re.compile(r"[^\W\d_][\w'’]*")
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-zà-öø-ÿа-яёәғқңөұүһі][\w'’]*")
_CAP_WORD = re.compile(rf"(?<![\w'’-])[{_UPPER}][\w'’]*")
_ADJACENT_BEFORE = re.compile(rf"(?<![\w'’-])([{_UPPER}][\w'’-]*)[ \u00a0]+$")
_ADJACENT_AFTER = re.compile(rf"[ \u00a0]+([{_UPPER}][\w'’-]*)(?![\w'’-])")

# Kazakh attaches case endings to names (Тоқаевпен, Астанада); a match may be followed by one.
_KAZAKH_SUFFIXES = _words(
    """
    тың тің дың дің ның нің қа ке ға ге а е на не та те да де нда нде тан тен дан ден нан нен ты
    ті ды ді ны ні н пен бен мен ға ге ның ның мен ндағы ндегі дағы дегі тағы тегі
    """
)


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Mention:
    """A place in the text linked to a glossary entity."""

    start: int
    end: int
    surface: str
    entity: str
    form: str  # name | short | variant | inflected | partial | fuzzy


@dataclass(frozen=True)
class Change:
    """A fix (applied) or a suggestion (not applied) to one span of the submitted text."""

    start: int
    end: int
    original: str
    replacement: str
    entity: str
    kind: str  # variant | fuzzy | partial
    confidence: float
    applied: bool
    reason: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        if not self.reason:
            data.pop("reason")
        return data


@dataclass(frozen=True)
class Normalized:
    language: str
    original: str
    text: str
    changes: tuple[Change, ...]
    mentions: tuple[Mention, ...]

    def to_dict(self) -> dict:
        return {"text": self.text, "changes": [c.to_dict() for c in self.changes]}


# ----------------------------------------------------------------------------- the index


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
        self.blocks: dict[str, array] = {}
        self.tail_blocks: dict[str, array] = {}
        # Multi-word names of places, bodies and terms, by the skeleton of their first word:
        # the word counts they come in. Lets the matcher try "Eurasian Economc Union" and
        # "Евразийскй экономический союз" as whole windows of words.
        self.multi_first: dict[str, set[int]] = {}
        self.window_blocks: dict[str, array] = {}  # their whole-name skeleton blocks
        self.overflow: list[tuple[int, ...]] = []
        self.entries: dict[str, Entry] = {}  # kept only when built with keep_entries
        self._part_cache: dict[int, frozenset[str]] = {}
        self._place_forms: tuple[list[str], list[int]] | None = None
        self._memo: dict = {}  # bounded; see phonetic() and nearest_places()

    # -- building

    @classmethod
    def build(cls, entries: Iterable[Entry], keep_entries: bool = True) -> NameIndex:
        index = cls()
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
        for item in entry.variants:
            variant = item.text
            lang = _LANG_INDEX["ru"] if _is_cyrillic(variant) else _LANG_INDEX["en"]
            self._add_key(variant, idx, VARIANT, lang)
            full[phonetic(variant)] = None
        if chinese and (older := wade_giles(en_name)):
            full[phonetic(older)] = None  # Hsi Chin-p'ing: scored, never a rewrite target
        for form in full:
            tokens = form.replace("-", " ").split()
            for token in tokens:
                if len(token) >= 3:
                    _post(self.blocks, skeleton_of_phonetic(token), idx)
            if len(tokens) > 1:
                if any(len(t) < 4 for t in tokens):
                    # Names of short syllables (Cai Qi, Yin Li) also block on the whole name;
                    # only for them: a key per name costs ~100 bytes a million times over.
                    _post(self.blocks, _joined_key(tokens), idx)
                if not is_person and len(tokens) <= _MAX_WINDOW:
                    first = skeleton_of_phonetic(tokens[0])
                    self.multi_first.setdefault(first, set()).add(len(tokens))
                    _post_with_deletions(self.window_blocks, _joined_key(tokens), idx)
            if len(form.split()) == 1:
                tails[form] = None  # a one-word name, hyphenated or not (Issyk-Kul)
            elif is_person and not family_first:
                tails[form.split()[-1]] = None  # the surname (Oyun-Erdene whole)
        tail_forms = [t for t in tails if len(t) >= 3]
        for tail in tail_forms:
            _post(self.tail_blocks, skeleton_of_phonetic(tail), idx)
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
        mine = [t for t in targets if _entity(t) == idx]
        if mine and (form not in _FULL_FORMS or any(_form(t) in _FULL_FORMS for t in mine)):
            return
        merged = (*(t for t in targets if _entity(t) != idx), target)
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
        transient = ("automaton", "_part_cache", "_place_forms", "_memo")
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

    def short(self, idx: int, lang: str) -> str | None:
        tag = lang if lang in self.shorts else "en"
        return self.shorts[tag].get(idx)

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
            probes = [_Probe(self.tail_blocks, skeleton_of_phonetic(tokens[0]))]
        else:
            probes = [_Probe(self.blocks, skeleton_of_phonetic(t)) for t in tokens if len(t) >= 3]
            probes.append(_Probe(self.blocks, _joined_key(tokens)))
        return _gather(probes)


class _Probe:
    """The posting lists around one skeleton, computed tier by tier as they are needed."""

    def __init__(self, blocks: dict[str, array], skeleton: str):
        self.blocks = blocks
        self.skeleton = skeleton
        self._tiers: list[set[str]] | None = None

    def tier(self, n: int) -> list[array]:
        if len(self.skeleton) < 2:
            return []
        if n == 0:
            keys = {self.skeleton}
        else:
            if self._tiers is None:
                self._tiers = _neighbours(self.skeleton)
            keys = self._tiers[n]
        found = (self.blocks.get(key) for key in keys)
        return [
            (p,) if isinstance(p, int) else p
            for p in found
            if p is not None and (isinstance(p, int) or len(p) <= BLOCK_CAP)
        ]


def _gather(probes: list[_Probe]) -> Iterator[set[int]]:
    """New candidates tier by tier (nearest skeletons first), rarest block first, until the
    pool reaches POOL_BUDGET; a block that would burst the budget is left out."""
    pool: set[int] = set()
    for tier in range(3):
        found = [probe.tier(tier) for probe in probes]
        fresh: set[int] = set()
        for size, postings in sorted(
            ((sum(len(p) for p in lists), lists) for lists in found if lists),
            key=lambda item: item[0],
        ):
            if (pool or fresh) and len(pool) + len(fresh) + size > POOL_BUDGET:
                yield fresh - pool
                return
            for p in postings:
                fresh.update(p)
        yield fresh - pool
        pool |= fresh


def _joined_key(tokens: list[str]) -> str:
    return "=" + skeleton_of_phonetic("".join(tokens))


def _deletions(key: str) -> set[str]:
    # Short skeletons would match half the glossary after a deletion.
    if len(key) < 4:
        return set()
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


def _post_with_deletions(blocks: dict[str, array], key: str, idx: int) -> None:
    _post(blocks, key, idx)
    for variant in _deletions(key):
        _post(blocks, variant, idx)


def _post(blocks: dict[str, array | int], key: str, idx: int) -> None:
    """Add idx to a block. A block of one entity is stored as a bare int (most are)."""
    if len(key) < 2:
        return
    postings = blocks.get(key)
    if postings is None:
        blocks[key] = idx
    elif isinstance(postings, int):
        if postings != idx:
            blocks[key] = array("i", (postings, idx))
    elif postings[-1] != idx:
        postings.append(idx)


_CONSONANTS = "bcdfghjklmnprstvxz"


def _neighbours(skel: str) -> list[set[str]]:
    prefix = skel[0] if skel.startswith("=") else ""
    body = skel[len(prefix) :]
    near = {body[:i] + body[i + 1 :] for i in range(len(body))}
    near.update(body[:i] + body[i + 1] + body[i] + body[i + 2 :] for i in range(len(body) - 1))
    far: set[str] = set()
    if len(body) >= 3:
        for i in range(len(body) + 1):
            for ch in _CONSONANTS:
                far.add(body[:i] + ch + body[i:])
                if i < len(body):
                    far.add(body[:i] + ch + body[i + 1 :])
    tiers = [{body}, near - {body}, far - near - {body}]
    return [{prefix + k for k in keys if len(k) >= 2} for keys in tiers]


def _as_postings(block: array | int) -> array | tuple[int]:
    return (block,) if isinstance(block, int) else block


def _union(postings: list[array]) -> set[int]:
    found: set[int] = set()
    for p in postings:
        found.update(p)
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


_CASED = 1 << 6


def _entity(target: int) -> int:
    return target >> 7


def _form(value: int) -> int:
    return (value >> 3) & 7


def _lang(value: int) -> str:
    return _KEY_TAGS[value & 7]


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


# ----------------------------------------------------------------------------- matching


def detect_language(text: str) -> str:
    """en, ru or kk from the script of the letters (copy comes in these three only)."""
    sample = text[:4000]
    cyrillic = sum(1 for ch in sample if "\u0400" <= ch <= "\u04ff")
    latin = sum(1 for ch in sample if ch.isascii() and ch.isalpha())
    if cyrillic <= latin:
        return "en"
    kazakh = sum(1 for ch in sample if ch in "әғқңөұүһіӘҒҚҢӨҰҮҺІ")
    return "kk" if kazakh * 200 >= cyrillic else "ru"


@dataclass
class _Hit:
    start: int
    end: int
    idx: int
    form: int
    lang: str
    ambiguous: tuple[int, ...] = ()


def find_exact(
    index: NameIndex, text: str, folded: str | None = None, language: str = "en"
) -> list[_Hit]:
    """All whole-word key occurrences, leftmost-longest, non-overlapping."""
    folded = fold(text) if folded is None else folded
    n = len(folded)
    hits: list[_Hit] = []
    if index.automaton.kind != ahocorasick.AHOCORASICK:
        return hits  # an empty glossary: pyahocorasick refuses to search an unbuilt automaton
    for end_index, value in index.automaton.iter(folded):
        end = end_index + 1
        start = end - (value & 0xFF)
        if start > 0 and folded[start - 1].isalnum():
            continue
        if (
            end < n
            and folded[end].isalnum()
            and not (language == "kk" and _kazakh_suffix(folded, end))
        ):
            continue
        targets = index.targets(value)
        first = targets[0]
        if first & _CASED and not text[start].isupper():
            continue  # names are capitalized: "turkey" and "chad" in lower case are words
        hits.append(_Hit(start, end, _entity(first), _form(first), _lang(first), targets[1:]))
    # Leftmost-longest: the automaton reports by end position, so sort and sweep.
    hits.sort(key=lambda h: (h.start, -h.end))
    chosen: list[_Hit] = []
    cursor = 0
    for hit in hits:
        if hit.start >= cursor:
            chosen.append(hit)
            cursor = hit.end
    return chosen


def _kazakh_suffix(folded: str, end: int) -> bool:
    stop = end
    while stop < len(folded) and folded[stop].isalpha():
        stop += 1
    return folded[end:stop] in _KAZAKH_SUFFIX_KEYS


_KAZAKH_SUFFIX_KEYS = frozenset(fold(s) for s in _KAZAKH_SUFFIXES)


# ----------------------------------------------------------------------------- normalize


def normalize(index: NameIndex, text: str, language: str | None = None) -> Normalized:
    """Link, fix and flag glossary names in one article."""
    language = language or detect_language(text)
    folded = fold(text)
    state = _Article(index, text, folded, language)
    state.link_exact(find_exact(index, text, folded, language))
    state.link_windows()
    state.link_runs()
    changes = tuple(sorted(state.changes, key=lambda c: (c.start, c.end)))
    mentions = tuple(sorted(state.mentions, key=lambda m: m.start))
    return Normalized(language, text, apply_changes(text, changes), changes, mentions)


def apply_changes(text: str, changes: Iterable[Change]) -> str:
    """The text with every applied change written in (changes must not overlap)."""
    out = []
    cursor = 0
    for change in sorted((c for c in changes if c.applied), key=lambda c: c.start):
        out.append(text[cursor : change.start])
        out.append(change.replacement)
        cursor = change.end
    out.append(text[cursor:])
    return "".join(out)


class _Article:
    """Per-article state: what was linked where, and which entities were named in full."""

    def __init__(self, index: NameIndex, text: str, folded: str, language: str):
        self.index = index
        self.text = text
        self.folded = folded
        self.language = language
        self.mentions: list[Mention] = []
        self.changes: list[Change] = []
        self.covered = bytearray(len(text))  # 1 where a span is already linked
        self.first_full: dict[int, int] = {}  # entity -> offset of its first full mention
        self._parts: dict[str, list[tuple[int, int]]] = {}
        self._parts_seen = 0
        self._local_cache: tuple = (None, ([], []))
        self._lower: frozenset[str] | None = None

    # -- exact stage

    def link_exact(self, hits: list[_Hit]) -> None:
        for hit in hits:
            if hit.form in _FULL_FORMS and not hit.ambiguous:
                self.first_full.setdefault(hit.idx, hit.start)
        for hit in hits:
            idx = self._resolve(hit)
            if idx is None:
                continue
            surface = self.text[hit.start : hit.end]
            form = _FORM_NAMES[hit.form]
            self.mentions.append(Mention(hit.start, hit.end, surface, self.index.ids[idx], form))
            self._cover(hit.start, hit.end)
            if hit.form == VARIANT:
                self._fix_variant(hit, idx, surface)
            elif _mixed_script(surface):
                self._fix_mixed_script(hit, idx, surface)

    def _resolve(self, hit: _Hit) -> int | None:
        """The entity a hit refers to, or None when the link would be a guess."""
        options = (hit.idx, *(_entity(t) for t in hit.ambiguous))
        if hit.form in _FULL_FORMS and not hit.ambiguous:
            return hit.idx
        named = [i for i in options if self.first_full.get(i, len(self.text)) < hit.start]
        # A short form touching another capitalized word is part of somebody else's name
        # ("Marat Tokayev") or of a misspelled full name ("Ma Xingruy"): leave it to fuzzy.
        # A capitalized first word of a sentence says little when the person was named before.
        if self._next_to_unknown_name(hit.start, hit.end, allow_sentence_start=bool(named)):
            return None
        # A shared key, or a bare short form: link to somebody already named in full.
        if len(named) == 1:
            return named[0]
        if len(options) > 1 or named:
            return None
        # A unique short form with no full mention before it, if it is more than a bare
        # syllable ("Ma", "Li" are too common to link on their own).
        return hit.idx if hit.end - hit.start >= 4 else None

    def _next_to_unknown_name(
        self, start: int, end: int, allow_sentence_start: bool = False
    ) -> bool:
        """True when a capitalized non-title word touches the span: "Marat [Tokayev]"."""
        before = _ADJACENT_BEFORE.search(self.text, max(0, start - 40), start)
        if (
            before is not None
            and allow_sentence_start
            and _sentence_start(self.text, before.start(1))
        ):
            before = None
        after = _ADJACENT_AFTER.match(self.text, end)
        return any(m is not None and m.group(1).lower() not in _NOT_NAMES for m in (before, after))

    def _fix_variant(self, hit: _Hit, idx: int, surface: str) -> None:
        self._rewrite(hit, surface, self._replacement(idx, short=False), idx,
                      "listed variant spelling")

    def _fix_mixed_script(self, hit: _Hit, idx: int, surface: str) -> None:
        # "Тokayev" with a Cyrillic Т looks right and breaks search, sorting and spell-check.
        if hit.form in (INFLECTED, INFLECTED_SHORT):
            return
        short = self._replacement(idx, short=hit.form == SHORT)
        self._rewrite(hit, surface, short, idx, "mixed Latin and Cyrillic letters")

    def _rewrite(
        self, hit: _Hit, surface: str, replacement: str | None, idx: int, reason: str
    ) -> None:
        """A certain fix of an exact match: applied, confidence 1."""
        if replacement is None or replacement == surface:
            return
        self.changes.append(
            Change(hit.start, hit.end, surface, replacement, self.index.ids[idx], "variant",
                   1.0, True, reason)
        )

    def _bare_form(self, idx: int) -> str | None:
        """How a one-word later reference to the entity is written in the text's language."""
        short = self.index.short(idx, self.language)
        name = self.index.name(idx, self.language)
        if short or name is None:
            return short
        if self.index.is_person(idx) and " " in name and not self.index.family_first(idx):
            return name.split()[-1]  # the surname
        return name

    def _replacement(self, idx: int, short: bool) -> str | None:
        if short:
            return self.index.short(idx, self.language)
        return self.index.name(idx, self.language)

    # -- partial and fuzzy stages

    def link_windows(self) -> None:
        """Misspelled multi-word names of places and bodies, tried as windows of words."""
        if not self.index.multi_first:
            return
        cache: dict = {}
        resume = 0
        for match in _CAP_WORD.finditer(self.text):
            if match.start() < resume:
                continue
            first = match.group()
            skeleton = cache.get(first)
            if skeleton is None:
                skeleton = cache[first] = skeleton_of_phonetic(self.index.phonetic(first))
            lengths = self.index.multi_first.get(skeleton)
            if lengths:
                resume = self._try_windows(match.start(), sorted(lengths, reverse=True), cache)

    def _try_windows(self, start: int, lengths: list[int], cache: dict) -> int:
        """Try the longest window first; return where scanning may resume."""
        words = list(islice(_WORD.finditer(self.text, start), lengths[0]))
        for size in lengths:
            if size < 2 or size > len(words):
                continue
            end = words[size - 1].end()
            surface = self.text[start:end]
            if any(ch in surface for ch in ".!?;:\n") or self.covered.find(0, start, end) == -1:
                continue
            found = self._window_fuzzy(surface, cache)
            if found:
                self._uncover(start, end)
                self._record_fuzzy(start, end, surface, found)
                return end
        return start

    def _window_fuzzy(self, surface: str, cache: dict) -> list:
        """Like _fuzzy, but only among multi-word names of places, bodies and terms."""
        key = ("window", fold(surface))
        if key in cache:
            return cache[key]
        query = phonetic(surface)
        q_tokens = query.replace("-", " ").split()
        # Window blocks hold deletions on the index side (few names), so the query's own
        # deletions suffice to meet a skeleton two edits away.
        joined = _joined_key(q_tokens)
        blocks = self.index.window_blocks
        pool = _union(
            [_as_postings(blocks[k]) for k in {joined} | _deletions(joined) if k in blocks]
        )
        scored = []
        for idx in pool:
            for form in self.index.phonetics[idx].split("|"):
                score = _token_score(q_tokens, form.replace("-", " ").split())
                if score >= SUGGEST_AT:
                    scored.append((score, idx, form))
        best: dict[int, tuple] = {}
        for item in sorted(scored, reverse=True):
            best.setdefault(item[1], item)
        cache[key] = found = sorted(best.values(), reverse=True)
        return found

    def _uncover(self, start: int, end: int) -> None:
        # A whole misspelled name wins over a word of it linked on its own ("Shanghai" inside
        # "Shanghai Cooperation Organisaton").
        self.mentions = [m for m in self.mentions if m.end <= start or m.start >= end]
        self.covered[start:end] = bytes(end - start)

    def link_runs(self) -> None:
        cache: dict[str, list] = {}
        for match in _CAP_RUN.finditer(self.text):
            for start, end in self._segments(match.start(), match.end()):
                self._link_segment(start, end, cache)

    def _segments(self, start: int, end: int) -> Iterable[tuple[int, int]]:
        """Name-like pieces of a capitalized run: uncovered, with title words removed."""
        piece: list[tuple[int, int]] = []
        for tok in _TOKEN.finditer(self.text, start, end):
            t_start, t_end = tok.start(), tok.end()
            word = tok.group().strip("'’")
            if self._is_covered(t_start, t_end) or word.lower() in _NOT_NAMES:
                if piece:
                    yield piece[0][0], piece[-1][1]
                piece = []
                continue
            piece.append((t_start, t_end))
        if piece:
            yield piece[0][0], piece[-1][1]

    def _cover(self, start: int, end: int) -> None:
        self.covered[start:end] = b"\x01" * (end - start)

    def _is_covered(self, start: int, end: int) -> bool:
        return self.covered.find(1, start, end) != -1

    def _link_segment(self, start: int, end: int, cache: dict) -> None:
        surface = self.text[start:end]
        for suffix in ("'s", "’s"):
            if surface.endswith(suffix):
                surface = surface[: -len(suffix)]
                end -= len(suffix)
        if len(surface) < 3:
            return
        tokens = surface.split()
        if len(tokens) == 1 and self._link_partial(start, end, surface):
            return
        # A capitalized word opening a sentence is usually an ordinary word ("Grain prices
        # rose"), and certainly one if the article also writes it in lower case.
        sentence_start = len(tokens) == 1 and _sentence_start(self.text, start)
        if sentence_start and surface.lower() in self._lowercase_words():
            return
        found = self._cached_fuzzy(surface, tokens, cache, sentence_start)
        if not found and len(tokens) > 1:
            # "Later Ma Xingruy said", "КНР Си Цзинпин": the first word may be a sentence
            # opener or a title the word lists do not know; try without it.
            cut = self.text.index(tokens[1], start + len(tokens[0]))
            self._link_segment(cut, end, cache)
            return
        if found:
            self._record_fuzzy(start, end, surface, found)

    def _lowercase_words(self) -> frozenset[str]:
        if self._lower is None:
            self._lower = frozenset(_LOWER_WORD.findall(self.text))
        return self._lower

    def _cached_fuzzy(
        self, surface: str, tokens: list[str], cache: dict, sentence_start: bool = False
    ) -> list:
        # Results depend on who has been named so far, so that is part of the key.
        key = (fold(surface), sentence_start, len(self.first_full))
        if key not in cache:
            cache[key] = self._fuzzy(surface, tokens, sentence_start)
        return cache[key]

    def _part_owners(self) -> dict[str, list[tuple[int, int]]]:
        """Name token -> (entity, first full mention) for everybody named so far."""
        if self._parts_seen != len(self.first_full):
            for idx, first in list(self.first_full.items())[self._parts_seen :]:
                for part in self.index.name_parts(idx):
                    self._parts.setdefault(part, []).append((idx, first))
            self._parts_seen = len(self.first_full)
        return self._parts

    def _link_partial(self, start: int, end: int, surface: str) -> bool:
        """A bare name token of somebody already named in full earlier in the article."""
        key = fold(surface)
        owners = [idx for idx, first in self._part_owners().get(key, ()) if first < start]
        if len(owners) != 1:
            return False
        idx = owners[0]
        entity = self.index.ids[idx]
        self.mentions.append(Mention(start, end, surface, entity, "partial"))
        self._cover(start, end)
        short = self.index.short(idx, self.language)
        if short and fold(short) != key and self.index.is_person(idx):
            why = (
                "later references use the family name, which comes first in Chinese names"
                if self.index.family_first(idx)
                else "later references use the short form"
            )
            self.changes.append(
                Change(start, end, surface, short, entity, "partial", 0.6, False, why)
            )
        return True

    def _fuzzy(
        self, surface: str, tokens: list[str], sentence_start: bool = False
    ) -> list[tuple[float, int, str]]:
        """Scored candidates (score, entity, matched phonetic form), best first.

        People already named in this article are always scored, with a lower bar: "Mr
        Ovwrchk" two sentences after "Alexei Overchuk" is worth an editor's look. A lone word
        opening a sentence is usually an ordinary word, so it is checked against the whole
        glossary only by its exact skeleton and with a higher bar.
        """
        query = self.index.phonetic(surface)
        words = query.split()
        q_tokens = query.replace("-", " ").split()
        if not q_tokens:
            return []
        single = len(words) == 1
        global_bar = SENTENCE_START_SUGGEST_AT if sentence_start else SUGGEST_AT
        scored: dict[int, tuple[float, str]] = {}
        self._score(
            query, q_tokens, *self._local_forms(single), LOCAL_SUGGEST_AT, sentence_start, scored
        )
        if sentence_start:
            # A bare surname opening a sentence refers to somebody named before; of the rest
            # of the glossary only one-word places and bodies can be meant. They are few, so
            # one C-speed pass over all of them is cheaper than probing skeleton blocks.
            tiers: Iterable[set[int]] = [self.index.nearest_places(query)]
        else:
            tiers = self.index.candidate_tiers(words if single else q_tokens)
        for pool in tiers:
            pool.difference_update(self.first_full)
            choices: list[str] = []
            owners: list[int] = []
            for idx in pool:
                forms = (
                    self.index.tail_forms(idx) if single else self.index.phonetics[idx].split("|")
                )
                choices.extend(forms)
                owners.extend([idx] * len(forms))
            if self._score(query, q_tokens, choices, owners, global_bar, sentence_start, scored):
                break  # a nearer tier already holds a good match; wider ones add only noise
        return sorted(((s, i, f) for i, (s, f) in scored.items()), reverse=True)

    def _score(
        self,
        query: str,
        q_tokens: list[str],
        choices: list[str],
        owners: list[int],
        bar: float,
        sentence_start: bool,
        scored: dict[int, tuple[float, str]],
    ) -> bool:
        """Score choices into `scored`; True when one of them clears the bar."""
        if not choices:
            return False
        local = bar == LOCAL_SUGGEST_AT
        floor = LOCAL_SUGGEST_AT - 10 if local else TOKEN_FLOOR
        cleared = False
        for form, _, position in process.extract(
            query, choices, scorer=fuzz.ratio, limit=10, score_cutoff=LOCAL_SUGGEST_AT - 10
        ):
            if sentence_start and OSA.distance(query, form) > 1:
                continue  # "Читайте" is not a typo of "Китай": allow one slip only
            idx = owners[position]
            score = _token_score(q_tokens, form.replace("-", " ").split(), floor)
            if score >= bar and score > scored.get(idx, (0.0, ""))[0]:
                scored[idx] = (score, form)
                cleared = True
        return cleared

    def _local_forms(self, single: bool) -> tuple[list[str], list[int]]:
        """Phonetic forms of everybody named so far (bare forms or full names), cached until
        somebody new is named."""
        key = (single, len(self.first_full))
        if self._local_cache[0] != key:
            forms: list[str] = []
            owners: list[int] = []
            for idx in self.first_full:
                found = (
                    self.index.tail_forms(idx) if single else self.index.phonetics[idx].split("|")
                )
                forms.extend(found)
                owners.extend([idx] * len(found))
            self._local_cache = (key, (forms, owners))
        return self._local_cache[1]

    def _record_fuzzy(self, start: int, end: int, surface: str, found: list) -> None:
        score, idx, form = found[0]
        runner_up = found[1][0] if len(found) > 1 else 0.0
        single = len(surface.split()) == 1
        replacement = self._bare_form(idx) if single else self._replacement(idx, short=False)
        if replacement is None or fold(replacement) == fold(surface):
            return
        if _gender_pair(phonetic(surface).split()[-1], form.replace("-", " ").split()[-1]):
            return  # Smailova is Smailov's wife or daughter, not a typo: nothing to suggest
        entity = self.index.ids[idx]
        applied, reason = self._may_apply(start, surface, idx, form, score, runner_up)
        self.changes.append(
            Change(
                start,
                end,
                surface,
                replacement,
                entity,
                "fuzzy",
                round(score / 100, 3),
                applied,
                reason,
            )
        )
        self._cover(start, end)
        if applied:
            # A suggestion is not a link: until an editor accepts it, the name is unknown.
            self.mentions.append(Mention(start, end, surface, entity, "fuzzy"))
            self.first_full.setdefault(idx, start)

    def _may_apply(
        self, start: int, surface: str, idx: int, form: str, score: float, runner_up: float
    ) -> tuple[bool, str]:
        query = phonetic(surface)
        if score < APPLY_AT:
            return False, "similar to a glossary name, not certain"
        if runner_up >= score - 5:
            return False, "close to more than one glossary name"
        if _differs_at_edges(query.split()[-1], form.replace("-", " ").split()[-1]):
            return False, "differs only by a prefix or an ending, which can make another name"
        if _first_letters_differ(query, form):
            return False, "the first letter differs"
        named_before = self.first_full.get(idx, len(self.text)) < start
        same_sound = query.replace(" ", "") == form.replace("-", " ").replace(" ", "")
        if named_before or (same_sound and len(surface.split()) > 1):
            return True, (
                "the correct spelling appears earlier in the article"
                if named_before
                else "a spelling variant of the glossary name"
            )
        return False, "the name is not spelled correctly anywhere else in the article"


def _sentence_start(text: str, position: int) -> bool:
    before = text[max(0, position - 3) : position].rstrip(" \u00a0\t\"«“'")
    return not before or before[-1] in ".!?\n:;"


def _mixed_script(text: str) -> bool:
    cyrillic = latin = False
    for ch in text:
        if "\u0400" <= ch <= "\u04ff":
            cyrillic = True
        elif ch.isascii() and ch.isalpha():
            latin = True
    return cyrillic and latin


def _similarity(a: str, b: str) -> float:
    # Indel ratio forgives a dropped or doubled letter; OSA counts a swap of two neighbouring
    # letters as one edit. Typos come in both kinds.
    return max(fuzz.ratio(a, b), OSA.normalized_similarity(a, b) * 100)


def _token_score(query: list[str], candidate: list[str], floor: float = TOKEN_FLOOR) -> float:
    """Mean token similarity when the token counts agree and no token is far off, else 0."""
    if len(query) != len(candidate):
        return 0.0
    scores = [_similarity(q, c) for q, c in zip(query, candidate, strict=True)]
    # In a two- or three-letter syllable one typo is already a third of the word (Wej/Wen).
    short_ok = all(
        s >= floor or (len(c) <= 4 and OSA.distance(q, c) <= 1)
        for s, q, c in zip(scores, query, candidate, strict=True)
    )
    if not short_ok:
        return 0.0
    weights = [max(len(c), 1) for c in candidate]
    return sum(s * w for s, w in zip(scores, weights, strict=True)) / sum(weights)


# Endings that turn one real name into another: -ov/-ova (a man and his wife or daughter),
# -uly/-kyzy, -vich/-vna. An extra or missing first letter does the same: Smailov/Ismailov.
_GENDER_PAIRS = (("ov", "ova"), ("ev", "eva"), ("in", "ina"), ("ii", "aia"), ("ski", "ska"))


def _gender_pair(query: str, candidate: str) -> bool:
    for masculine, feminine in _GENDER_PAIRS:
        if query.endswith(feminine) and candidate.endswith(masculine):
            return query[: -len(feminine)] == candidate[: -len(masculine)]
        if query.endswith(masculine) and candidate.endswith(feminine):
            return query[: -len(masculine)] == candidate[: -len(feminine)]
    return False


def _differs_at_edges(query: str, candidate: str) -> bool:
    if query == candidate:
        return False
    return (
        query.endswith(candidate)
        or candidate.endswith(query)
        or query.startswith(candidate)
        or candidate.startswith(query)
    )


def _first_letters_differ(query: str, candidate: str) -> bool:
    q = query.replace("-", " ").split()
    c = candidate.replace("-", " ").split()
    return any(a[:1] != b[:1] for a, b in zip(q, c, strict=False))
