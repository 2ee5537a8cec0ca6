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

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import islice

import ahocorasick
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .blocking import as_postings, deletions, joined_key, union
from .folding import fold, phonetic, skeleton_of_phonetic
from .locales import detect_language
from .nameindex import (
    CASED,
    FORM_NAMES,
    FULL_FORMS,
    INFLECTED,
    INFLECTED_SHORT,
    SHORT,
    VARIANT,
    NameIndex,
    entity_of,
    form_of,
    lang_of,
)
from .scoring import (
    APPLY_AT,
    LOCAL_SUGGEST_AT,
    SENTENCE_START_SUGGEST_AT,
    SUGGEST_AT,
    TOKEN_FLOOR,
    differs_at_edges,
    first_letters_differ,
    gender_pair,
    token_score,
)


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
        if first & CASED and not text[start].isupper():
            continue  # names are capitalized: "turkey" and "chad" in lower case are words
        hits.append(_Hit(start, end, entity_of(first), form_of(first), lang_of(first), targets[1:]))
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
            if hit.form in FULL_FORMS and not hit.ambiguous:
                self.first_full.setdefault(hit.idx, hit.start)
        for hit in hits:
            idx = self._resolve(hit)
            if idx is None:
                continue
            surface = self.text[hit.start : hit.end]
            form = FORM_NAMES[hit.form]
            self.mentions.append(Mention(hit.start, hit.end, surface, self.index.ids[idx], form))
            self._cover(hit.start, hit.end)
            if hit.form == VARIANT:
                self._fix_variant(hit, idx, surface)
            elif _mixed_script(surface):
                self._fix_mixed_script(hit, idx, surface)

    def _resolve(self, hit: _Hit) -> int | None:
        """The entity a hit refers to, or None when the link would be a guess."""
        options = (hit.idx, *(entity_of(t) for t in hit.ambiguous))
        if hit.form in FULL_FORMS and not hit.ambiguous:
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
        joined = joined_key(q_tokens)
        blocks = self.index.window_blocks
        pool = union(
            [as_postings(blocks[k]) for k in {joined} | deletions(joined) if k in blocks]
        )
        scored = []
        for idx in pool:
            for form in self.index.phonetics[idx].split("|"):
                score = token_score(q_tokens, form.replace("-", " ").split())
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
            score = token_score(q_tokens, form.replace("-", " ").split(), floor)
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
        if gender_pair(phonetic(surface).split()[-1], form.replace("-", " ").split()[-1]):
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
        if differs_at_edges(query.split()[-1], form.replace("-", " ").split()[-1]):
            return False, "differs only by a prefix or an ending, which can make another name"
        if first_letters_differ(query, form):
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

