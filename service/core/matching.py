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
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from html import escape
from itertools import islice

import ahocorasick
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .blocking import as_postings, deletions, joined_key, union
from .context import (
    article_year,
    historical_cue,
    in_quotation,
    naming_context,
    past_tense,
    sentence_span,
    sentence_starts,
)
from .folding import (
    cyrillic_lookalikes,
    fold,
    phonetic,
    restore_letters,
)
from .glossary import Variant
from .inflect_kk import reinflect
from .locales import detect_language
from .markup import mask_markup
from .nameindex import (
    CASED,
    FORM_NAMES,
    FULL_FORMS,
    INFLECTED,
    INFLECTED_SHORT,
    NAME,
    REVERSED,
    VARIANT_FORMS,
    NameIndex,
    entity_of,
    form_of,
    is_cyrillic,
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
    form_tokens,
    gender_pair,
    similarity,
    token_score,
)
from .translit import is_chinese_name, is_palladius_name


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
    later earlier now still instead finally afterwards recently separately photo source
    spokesperson spokesman spokeswoman adviser advisor aide official officials analyst
    economist lawyer journalist reporter correspondent editor professor expert activist
    diplomat negotiator commander colonel judge prosecutor candidate acting incumbent
    outgoing incoming former late ex businessman businesswoman banker singer writer
    казахстанский китайский российский республики республика сегодня вчера завтра также
    ертең бүгін кеше биыл жуырда қазір енді осы бұл сондай-ақ алдағы келесі сенбіде жексенбіде
    дүйсенбіде сейсенбіде сәрсенбіде бейсенбіде жұмада мұнда онда кейін бірақ және
    """
)

_UPPER = "A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁӘҒҚҢӨҰҮҺІ"  # capitals of the scripts copy comes in
# "Treaty of Kuldja", "University of Leningrad": a capitalized head with "of" before the name
# (unless the head is a title: "Secretary of the Xinjiang ... Region").
_OF_NAME = re.compile(r"(?<![\w'’-])([A-Z][\w'’-]+) of (?:the )?$")
_OF_NOT_A_NAME = frozenset("city capital residents citizens people mayor akim head".split())
# How close a spelling GeoNames gives for a glossary place must be to the glossary's name.
GEONAMES_SIMILAR = 60.0
# Punctuation that ends a word, for splitting text into words without a regular expression.
_PUNCTUATION_TO_SPACE = str.maketrans({ch: " " for ch in ".,;:!?\"«»“”„()[]{}<>/\\|"})
# Plural endings of family names: the Japarovs, Жапаровы, Жапаровтар.
_PLURALS = {
    "en": ("s",),
    "ru": ("ы", "ых", "ым", "ыми"),
    "kk": ("тар", "тер", "дар", "дер", "лар", "лер"),
}
# Letters that romanizations swap for one another at the start of a name (Kurbanguly).
_VOICING_PAIRS = [{"k", "g"}, {"t", "d"}, {"p", "b"}, {"s", "z"}, {"f", "v"}, {"c", "j"}]


_GLIDE_I = re.compile(r"(?<=[aeiou])i(?=[aeiou])")


def _unglided(form: str) -> str:
    """Tokaiev and Tokaev are one romanization apart: an i gliding between vowels."""
    return _GLIDE_I.sub("", form)


def _squash(form: str) -> str:
    return form.replace("-", "").replace(" ", "")


# Endings of adjectives and demonyms made from names: "Turkic" is not a typo of Türkiye.
_ADJECTIVE_ENDINGS = ("ic", "ian", "ean", "ese", "ish", "ский", "ская", "ское", "ские", "цкий")
# Prepositions after which a Russian place name in its dictionary form is an accusative
# ("в Нур-Султан": direction), never a nominative.
_ACCUSATIVE_PREPOSITIONS = frozenset("в во на за через про под сквозь".split())
# Capitalized words that may follow a name without joining it (a list, a headline's "And").
_JOINING_WORDS = frozenset("and or of in on at to for from by with и в на из".split())
_CAP_RUN = re.compile(
    rf"(?<![\w'’\-])[{_UPPER}][\w'’]*(?:-[\w'’]+)*"  # a capitalized word, not inside a word
    rf"(?:[ \t\u00a0]+[{_UPPER}][\w'’]*(?:-[\w'’]+)*)*"  # and the capitalized words after it
)
_TOKEN = re.compile(r"[^\s]+")
# Bounds that keep junk linear: no name word is this long (a longer "word" is a URL, a hash or
# a paste gone wrong and is never looked up), and no glossary name has more words than this
# (a longer capitalized run is looked up in pieces of this many words).
MAX_NAME_TOKEN = 100
MAX_NAME_WORDS = 12
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
class NamePolicy:
    """What a desk lets the matcher do with names that are not plain misspellings.

    former: "suggest" (default) or "apply" today's name outside historical contexts;
    exonym: "suggest" (default) the glossary's name for another accepted one, or "off".
    """

    former: str = "suggest"
    exonym: str = "suggest"

    def __post_init__(self) -> None:
        if self.former not in ("suggest", "apply"):
            raise ValueError(
                f"former-name policy must be 'suggest' or 'apply', not {self.former!r}"
            )
        if self.exonym not in ("suggest", "off"):
            raise ValueError(f"exonym policy must be 'suggest' or 'off', not {self.exonym!r}")


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


def normalize(
    index: NameIndex,
    text: str,
    language: str | None = None,
    *,
    fmt: str = "text",
    policy: NamePolicy | None = None,
) -> Normalized:
    """Link, fix and flag glossary names in one article.

    With fmt="html" only text a reader sees is read: tags and their attribute values,
    comments, <script>, <style> and translate="no" elements are left exactly as they are.
    """
    original = text
    if fmt == "html":
        text = mask_markup(text)  # same length: offsets into it are offsets into the HTML
    language = language or detect_language(text)
    folded = fold(text)
    state = _Article(index, text, folded, language, policy or NamePolicy())
    state.link_exact(find_exact(index, text, folded, language))
    state.link_windows()
    state.link_runs()
    changes = sorted(state.changes, key=lambda c: (c.start, c.end))
    if fmt == "html":
        changes = [replace(c, replacement=escape(c.replacement, quote=False)) for c in changes]
    mentions = tuple(sorted(state.mentions, key=lambda m: m.start))
    return Normalized(
        language, original, apply_changes(original, changes), tuple(changes), mentions
    )


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

    def __init__(
        self, index: NameIndex, text: str, folded: str, language: str, policy: NamePolicy
    ):
        self.index = index
        self.text = text
        self.folded = folded
        self.language = language
        self.policy = policy
        self.article_year = article_year(text)
        # Entities named correctly somewhere in the article (headline, caption or last line):
        # a misspelling of one of them is certain wherever it stands.
        self.named: set[int] = set()
        self.exactly_named: set[int] = set()  # ... letter for letter as the glossary has it
        self._canonical_hits: dict[int, list[int]] = {}
        self._full_hits: dict[int, list[int]] = {}  # full names only
        # Spans a listed variant decided (linked, changed or deliberately left alone): the fuzzy
        # stages never take them up again.
        self.settled = bytearray(len(text))
        self._hit_edges: set[int] = set()  # starts and ends of exact hits
        self.mentions: list[Mention] = []
        self.changes: list[Change] = []
        self.covered = bytearray(len(text))  # 1 where a span is already linked
        self.first_full: dict[int, int] = {}  # entity -> offset of its first full mention
        self._parts: dict[str, list[tuple[int, int]]] = {}
        self._parts_seen = 0
        self._local_cache: dict[bool, tuple[list[str], list[int]]] = {}
        self.local: frozenset[int] = frozenset()
        self._span: tuple[int, int] | None = None  # the span the fuzzy stage is looking at
        self._after_a_name = False  # ... follows a capitalized word that may be a given name
        self._sentences: list[int] | None = None  # where each sentence starts
        self._lower: frozenset[str] | None = None

    # -- exact stage

    def link_exact(self, hits: list[_Hit]) -> None:
        self._link_exact(hits)
        # Who the fuzzy stage treats as "named in this article": fixed after the exact stage, so
        # its caches hold for the whole article.
        self.local = frozenset(self.first_full)

    def _link_exact(self, hits: list[_Hit]) -> None:
        variants: dict[int, tuple[Variant, list[tuple[str, int]]]] = {}
        for position, hit in enumerate(hits):
            self._hit_edges.update((hit.start, hit.end))
            if hit.form in VARIANT_FORMS and not hit.ambiguous:
                variants[position] = self.index.variant_of(
                    hit.idx, self.text[hit.start : hit.end]
                )
        for position, hit in enumerate(hits):
            if position not in variants and not hit.ambiguous:
                if hit.form in FULL_FORMS:  # a full name links wherever it stands
                    self._canonical_hits.setdefault(hit.idx, []).append(hit.start)
                    self._full_hits.setdefault(hit.idx, []).append(hit.start)
                if hit.form == NAME:
                    surface = self.text[hit.start : hit.end]
                    if surface in (self.index.names_of(hit.idx, hit.lang),
                                   self.index.names_of(hit.idx, self.language)):
                        self.exactly_named.add(hit.idx)
            if hit.form not in FULL_FORMS or hit.ambiguous:
                continue
            if position in variants and variants[position][0].kind != "spelling":
                continue  # a former name or an exonym does not say who is meant today
            self.first_full.setdefault(hit.idx, hit.start)
            self.named.add(hit.idx)
        for position, hit in enumerate(hits):
            if position in variants:
                variant, cases = variants[position]
                self._link_variant(hit, variant, cases)
                stop = hit.end
                while stop < len(self.text) and self.text[stop].isalpha():
                    stop += 1  # a Kazakh case ending belongs to the name
                self.settled[hit.start : stop] = b"\x01" * (stop - hit.start)
                continue
            idx = self._resolve(hit)
            if idx is None:
                continue
            surface = self.text[hit.start : hit.end]
            form = FORM_NAMES[hit.form]
            self.mentions.append(Mention(hit.start, hit.end, surface, self.index.ids[idx], form))
            if hit.form not in FULL_FORMS:
                self._canonical_hits.setdefault(idx, []).append(hit.start)
            self._cover(hit.start, hit.end)
            self._restore_letters(hit, idx, surface)

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
        if named and self._misspelt_full_name(hit, named):
            return None  # "Alikan Smailov": the whole name, misspelt, is the fuzzy stage's
        # A shared key, or a bare short form: link to somebody already named in full.
        if len(named) == 1:
            return named[0]
        if len(options) > 1 or named:
            return None
        # A unique short form with no full mention before it, if it is more than a bare
        # syllable ("Ma", "Li" are too common to link on their own).
        # An acronym (СНГ, SCO) names one body however short it is.
        surface = self.text[hit.start : hit.end]
        long_enough = hit.end - hit.start >= 4 or (surface.isupper() and len(surface) >= 3)
        return hit.idx if long_enough else None

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
        return any(self._unknown_word(m) for m in (before, after))

    def _misspelt_full_name(self, hit: _Hit, named: list[int]) -> bool:
        """Whether the capitalized word before a short form makes, with it, a near spelling of
        the full name of the person named elsewhere."""
        before = _ADJACENT_BEFORE.search(self.text, max(0, hit.start - 40), hit.start)
        if before is None or before.group(1).lower() in _NOT_NAMES:
            return False
        query = self.index.phonetic(self.text[before.start(1) : hit.end])
        tokens = query.replace("-", " ").split()
        return any(
            token_score(tokens, form_tokens(form, len(tokens))) >= LOCAL_SUGGEST_AT
            for idx in named
            for form in self.index.phonetics[idx].split("|")
            if form
        )

    def _unknown_word(self, match: re.Match[str] | None) -> bool:
        """A capitalized neighbour that may be part of one longer name with the span: not a
        title, not another glossary name ("Тоқаев Нұр-Сұлтанда болды": two names side by side),
        not an ordinary word that only opens the sentence ("Вечером Путину доложили")."""
        if match is None:
            return False
        word = match.group(1).lower()
        if word in _NOT_NAMES or all(part in _NOT_NAMES for part in word.split("-")):
            return False
        if match.start(1) in self._hit_edges or match.end(1) in self._hit_edges:
            return False
        if _sentence_start(self.text, match.start(1)) and (
            word in self._lowercase_words()
            # Russian and Kazakh open sentences with nouns and adverbs before names
            # ("Поручение Акылбека Джапарова", "Ертең Нұр-Сұлтанда"); only a word the Russian
            # dictionary calls a given name or surname joins them ("Марат Тоқаев"). English
            # word lists hold given names as words (Abdullah), so English asks only its own text.
            or (self.language != "en" and not self.index.lexicon.is_name_word(word))
        ):
            return False
        return True

    # -- variants: what a listed spelling or name may become

    def _link_variant(self, hit: _Hit, variant: Variant, cases: list[tuple[str, int]]) -> None:
        idx = hit.idx
        start, end = hit.start, hit.end
        surface = self.text[start:end]
        entity = self.index.ids[idx]
        canonical = self.index.name(idx, self.language)
        kind = variant.kind
        if kind == "spelling" and surface.isupper() and canonical and not canonical.isupper():
            kind = "abbreviation"  # an acronym is never expanded, whatever the glossary says
        if hit.ambiguous:
            resolved = self._resolve(hit)
            if resolved is None:
                self._cover(start, end)
                return
            idx, entity = resolved, self.index.ids[resolved]
        # Part of a longer proper name ("Valery Chkalov", "Karagandy Technical University",
        # "улица Фрунзе"): not this entity at all, so no link and no change.
        if self._inside_longer_name(start, end):
            self._cover(start, end)
            return
        if kind == "abbreviation":
            self._link(start, end, surface, entity, "short")
            return
        if kind == "ambiguous":
            # Frunze the general, Chkalov the aviator: linked only where the article names the
            # entity itself, and never changed.
            if idx in self.named:
                self._link(start, end, surface, entity, "variant")
            else:
                self._cover(start, end)
            return
        stop, replacement, certain, why_unsure = self._variant_replacement(
            hit, idx, variant, cases, canonical
        )
        if kind == "exonym":
            self._link(start, end, surface, entity, "variant")
            if self.policy.exonym == "off" or replacement is None:
                return
            if self._about_the_past(start, end, variant, idx) or in_quotation(
                self.text, start, end
            ):
                return
            reason = f"another accepted name of {canonical}; the glossary writes {canonical}"
            self._change(start, stop, replacement, entity, "exonym", 0.7, False, reason)
            return
        if kind == "former":
            past = self._about_the_past(start, end, variant, idx) or (
                "a quotation" if in_quotation(self.text, start, end) else None
            )
            if past is not None or replacement is None:
                self._cover(start, end)  # right as written: "Leningrad was besieged"
                return
            when = f" until {variant.until}" if variant.until else ""
            reason = f"{variant.text} was the name{when}; today it is {canonical}"
            applied = self.policy.former == "apply" and certain
            if not applied and not certain and why_unsure:
                reason += f" ({why_unsure})"
            self._change(start, stop, replacement, entity, "former", 0.9, applied, reason)
            if applied:
                self._link(start, end, surface, entity, "variant")
            else:
                self._cover(start, end)
            return
        # A listed misspelling.
        self._link(start, end, surface, entity, "variant")
        if replacement is None:
            return
        reason = "listed variant spelling"
        if not certain:
            reason += f", but {why_unsure}"
        self._change(start, stop, replacement, entity, "variant", 1.0 if certain else 0.8,
                     certain, reason)

    def _variant_replacement(
        self, hit: _Hit, idx: int, variant: Variant, cases: list[tuple[str, int]],
        canonical: str | None,
    ) -> tuple[int, str | None, bool, str]:
        """(end of the span to replace, replacement, certain, why not certain).

        Russian keeps the original's case: the variant's case form is paired with the canonical
        name's form of the same case. Kazakh rebuilds the case ending for the new name.
        """
        end = hit.end
        if canonical is None:
            return end, None, False, "no name in the text's language"
        surface = self.text[hit.start : end]
        if self.language == "kk":
            ending_end = end
            while ending_end < len(self.text) and self.text[ending_end].isalpha():
                ending_end += 1
            ending = self.text[end:ending_end]
            if ending:
                rebuilt = reinflect(surface, ending, canonical)
                if rebuilt is None:
                    return ending_end, canonical + ending, False, (
                        f"the ending -{ending} could not be rebuilt for {canonical}"
                    )
                return ending_end, _same_case(surface, rebuilt), True, ""
            return end, _same_case(surface, canonical), True, ""
        if not cases:
            if self.language == "ru":
                return self._nominative_replacement(hit, idx, variant, canonical)
            return end, _same_case(surface, canonical), True, ""
        if self.language != "ru":
            return end, canonical, False, "the case of the name is not certain"
        ru_name = self.index.name(idx, "ru") or canonical
        target_forms = self.index.case_forms(ru_name, idx)
        variant_forms = self.index.case_forms(variant.text, idx)
        targets: set[str | None] = set()
        for case, position in cases:
            forms = target_forms.get(case)
            if not target_forms:
                targets.add(ru_name)  # the new name does not decline (Алматы, Атырау)
            elif forms is None:
                targets.add(ru_name if case == "acc" else None)
            elif len(forms) == len(variant_forms.get(case, ())):
                targets.add(forms[position])
            elif len(forms) == 1:
                targets.add(forms[0])
            else:
                targets.add(None)
        if len(targets) == 1 and None not in targets:
            target = targets.pop()
            assert target is not None  # None is not among the targets
            return end, _same_case(surface, target), True, ""
        guess = next((t for t in targets if t), ru_name)
        return end, _same_case(surface, guess), False, "the case of the new name is not certain"

    def _nominative_replacement(
        self, hit: _Hit, idx: int, variant: Variant, canonical: str
    ) -> tuple[int, str | None, bool, str]:
        """A Russian variant in its dictionary form may be a nominative or, for a name whose
        accusative looks the same (Нур-Султан), an accusative: "в Нур-Султан" is "в Астану"."""
        surface = self.text[hit.start : hit.end]
        ru_name = self.index.name(idx, "ru") or canonical
        variant_acc = self.index.case_forms(variant.text, idx).get("acc")
        target_acc = self.index.case_forms(ru_name, idx).get("acc")
        if variant_acc or not target_acc or target_acc[0] == ru_name:
            return hit.end, _same_case(surface, ru_name), True, ""
        before = self.text[max(0, hit.start - 12) : hit.start].split()
        previous = before[-1].lower() if before else ""
        if previous in _ACCUSATIVE_PREPOSITIONS:
            return hit.end, _same_case(surface, target_acc[0]), True, ""
        if not previous or _sentence_start(self.text, hit.start) or previous[-1:] in ",;:":
            return hit.end, _same_case(surface, ru_name), True, ""
        return hit.end, _same_case(surface, ru_name), False, (
            "the name may stand in the accusative here"
        )

    def _about_the_past(self, start: int, end: int, variant: Variant, idx: int) -> str | None:
        """Why a former name (or an exonym) is right where it stands, or None."""
        year = self.article_year
        if variant.until is not None and year is not None and year <= variant.until:
            return f"the article is dated {year}"
        cue = historical_cue(self.text, start, end, variant.until, self.language)
        if cue:
            return cue
        verb = past_tense(self.text, start, end, self.language, self.index.lexicon.is_past_verb)
        if verb:
            return f"the sentence tells of the past ({verb!r})"
        # "Nur-Sultan was renamed Astana": today's name in the same sentence.
        begin, stop = sentence_span(self.text, start, end)
        for other in self._canonical_hits.get(idx, ()):
            if begin <= other < stop:
                return "the sentence also gives today's name"
        return None

    def _inside_longer_name(self, start: int, end: int) -> bool:
        """Whether a listed variant is only part of a longer proper name: "Valery Chkalov",
        "St Petersburg State University", "Treaty of Kuldja", "улица Фрунзе"."""
        if naming_context(self.text, start, end, self.language):
            return True
        of_name = _OF_NAME.search(self.text, max(0, start - 40), start)
        if of_name is not None:
            head = of_name.group(1).lower()
            if head not in _NOT_NAMES and head not in _OF_NOT_A_NAME:
                return True
        before = _ADJACENT_BEFORE.search(self.text, max(0, start - 40), start)
        after = _ADJACENT_AFTER.match(self.text, end)
        if after is not None and not self._hit_edges.intersection((after.start(1), after.end(1))):
            # Any capitalized word after the name makes one name with it (Astana Opera, Almaty
            # Region), a title word included: "St Petersburg State University".
            if after.group(1).lower() not in _JOINING_WORDS:
                return True
        return self._unknown_word(before)

    def _restore_letters(self, hit: _Hit, idx: int, surface: str) -> None:
        """Letters that only look right: a Latin "о" in "Токаевым", "Мирзиеев" for the
        glossary's "Мирзиёев", Kazakh copy writing "Токаев" for "Тоқаев"."""
        expected = self._expected_form(hit, idx, surface)
        if expected is None:
            return
        fixed, what = restore_letters(surface, expected, self.language)
        ending_end = hit.end
        while ending_end < len(self.text) and self.text[ending_end].isalpha():
            ending_end += 1
        ending = self.text[hit.end : ending_end]
        if ending and is_cyrillic(surface) and cyrillic_lookalikes(ending) != ending:
            # "Алматыдa": the case ending, not the name, holds the Latin letter.
            self._change(hit.start, ending_end, fixed + cyrillic_lookalikes(ending),
                         self.index.ids[idx], "variant", 1.0, True,
                         "mixed Latin and Cyrillic letters")
            return
        hyphens = [i for i, (a, b) in enumerate(zip(fixed, expected, strict=True))
                   if a != b and a == " " and b == "-"]
        if hyphens:
            # "Kassym Jomart Tokayev": a compound given name that lost its hyphen. Certain when
            # the article also writes the name the glossary's way.
            chars = list(fixed)
            for i in hyphens:
                chars[i] = "-"
            joined = "".join(chars)
            exact = idx in self.exactly_named
            reason = "the glossary writes the name with a hyphen" + (
                "; so does the article elsewhere" if exact else ""
            )
            self._change(hit.start, hit.end, joined, self.index.ids[idx], "variant",
                         1.0 if exact else 0.8, exact, "; ".join(filter(None, (what, reason))))
            return
        if fixed == surface:
            return
        self._change(hit.start, hit.end, fixed, self.index.ids[idx], "variant", 1.0, True, what)

    def _expected_form(self, hit: _Hit, idx: int, surface: str) -> str | None:
        """The glossary's own spelling of the form the hit matched, in the text's language."""
        key = fold(surface)
        tags = dict.fromkeys((self.language, hit.lang))
        for tag in tags:
            for candidate in (self.index.names_of(idx, tag), self.index.shorts_of(idx, tag)):
                if candidate and fold(candidate) == key:
                    return candidate
        if hit.form in (INFLECTED, INFLECTED_SHORT):
            for name in (self.index.names_of(idx, "ru"), self.index.shorts_of(idx, "ru")):
                if not name:
                    continue
                for forms in self.index.case_forms(name, idx).values():
                    for form in forms:
                        if fold(form) == key:
                            return form
        if hit.form == REVERSED:
            name = self.index.names_of(idx, "ru")
            if name and len(name.split()) == 2:
                first, last = name.split()
                if fold(f"{last} {first}") == key:
                    return f"{last} {first}"
        return None

    def _link(self, start: int, end: int, surface: str, entity: str, form: str) -> None:
        self.mentions.append(Mention(start, end, surface, entity, form))
        self._cover(start, end)

    def _change(
        self, start: int, end: int, replacement: str, entity: str, kind: str,
        confidence: float, applied: bool, reason: str,
    ) -> None:
        original = self.text[start:end]
        if replacement == original:
            return
        self.changes.append(
            Change(start, end, original, replacement, entity, kind, confidence, applied, reason)
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
        window_lengths = self.index.window_lengths
        for match in _CAP_WORD.finditer(self.text):
            if match.start() < resume or match.end() - match.start() > MAX_NAME_TOKEN:
                continue
            lengths = window_lengths(match.group())
            if lengths:
                resume = self._try_windows(match.start(), lengths, cache)

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
            if self.settled.find(1, start, end) != -1:
                continue  # a listed variant already decided there (a former name left alone)
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
                score = token_score(q_tokens, form_tokens(form, len(q_tokens)))
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
        lower = self._lowercase_words()
        covered = self.covered
        for match in _CAP_RUN.finditer(self.text):
            start, end = match.span()
            word = match.group()
            if " " not in word and "\u00a0" not in word and "\t" not in word:
                # One word, the commonest run by far: a sentence opener written in lower case
                # elsewhere, a title, or a word already linked needs no more work.
                if end - start > MAX_NAME_TOKEN:
                    continue
                low = word.lower()
                if low in _NOT_NAMES or covered.find(1, start, end) != -1:
                    continue
                if low in lower and _sentence_start(self.text, start):
                    continue
                self._link_segment(start, end, cache)
                continue
            for piece_start, piece_end in self._segments(start, end):
                self._link_segment(piece_start, piece_end, cache)

    def _segments(self, start: int, end: int) -> Iterable[tuple[int, int]]:
        """Name-like pieces of a capitalized run: uncovered, with title words and overlong
        words removed, at most MAX_NAME_WORDS words each."""
        piece: list[tuple[int, int]] = []
        tokens = list(_TOKEN.finditer(self.text, start, end))
        headline = len(tokens) >= 3  # title case runs on: "Tokaiev Opens Parliament Session"
        for tok in tokens:
            t_start, t_end = tok.start(), tok.end()
            word = tok.group().strip("'’")
            if (
                t_end - t_start > MAX_NAME_TOKEN
                or self._is_covered(t_start, t_end)
                or word.lower() in _NOT_NAMES
                or (headline and self._headline_word(word))
            ):
                if piece:
                    yield piece[0][0], piece[-1][1]
                piece = []
                continue
            if len(piece) == MAX_NAME_WORDS:
                yield piece[0][0], piece[-1][1]
                piece = []
            piece.append((t_start, t_end))
        if piece:
            yield piece[0][0], piece[-1][1]

    def _headline_word(self, word: str) -> bool:
        """An ordinary word capitalized by headline case ("Tokaiev Opens Parliament Session"):
        a word of the language that is part of no glossary name."""
        low = word.lower()
        if len(low) < 5:
            return False  # Li, Wang, Xi: syllables of names that word lists also hold
        return self.index.lexicon.is_common_word(low, self.language) and not (
            self.index.is_name_token(low) or self.index.automaton.exists(fold(word))
        )

    def _cover(self, start: int, end: int) -> None:
        self.covered[start:end] = b"\x01" * (end - start)

    def _is_covered(self, start: int, end: int) -> bool:
        return self.covered.find(1, start, end) != -1

    def _link_segment(self, start: int, end: int, cache: dict) -> None:
        """Look a capitalized piece up; while it finds nothing and its first word is an opener
        or a title, look again without that word (a loop, so a long piece costs no stack)."""
        after_a_name = False
        while True:
            cut = self._link_piece(start, end, cache, after_a_name)
            if cut is None:
                return
            start, after_a_name = cut

    def _link_piece(
        self, start: int, end: int, cache: dict, after_a_name: bool
    ) -> tuple[int, bool] | None:
        """Link one piece; or where to look again, and whether a given name stood before."""
        self._span = (start, end)
        self._after_a_name = after_a_name
        surface = self.text[start:end]
        for suffix in ("'s", "’s", "s'", "s’"):
            if surface.endswith(suffix):
                surface = surface[: -len(suffix)]
                end -= len(suffix)
        if len(surface) < 3:
            return None
        tokens = surface.split()
        single = len(tokens) == 1
        # A capitalized word opening a sentence is usually an ordinary word ("Grain prices
        # rose"), and certainly one if the article also writes it in lower case. This is the
        # commonest case by far, so it is ruled out first, before any folding.
        sentence_start = single and _sentence_start(self.text, start)
        if sentence_start and surface.lower() in self._lowercase_words():
            return None
        if single and self._link_partial(start, end, surface):
            return None
        if single and self._plural_of_a_name(surface):
            return None
        found = self._cached_fuzzy(surface, tokens, cache, sentence_start)
        if not found and len(tokens) > 1 and self._not_a_given_name(start, tokens[0]):
            # "Later Ma Xingruy said", "КНР Си Цзинпин": the first word may be a sentence
            # opener or a title the word lists do not know; try without it. A capitalized
            # word inside a sentence is a given name: "Igor Matvienko" is not Valentina.
            cut = self.text.index(tokens[1], start + len(tokens[0]))
            # A first word that is neither a title nor written in lower case elsewhere may be
            # a given name ("Igor Matvienko" opening a sentence): then the rest is looked for
            # among the people the article names, not in the whole glossary.
            first = tokens[0].lower()
            opener = first in _NOT_NAMES or first in self._lowercase_words() or tokens[0].isupper()
            return cut, not opener
        if found:
            self._record_fuzzy(start, end, surface, found)
        return None

    def _not_a_given_name(self, start: int, word: str) -> bool:
        return (
            _sentence_start(self.text, start)
            or word.isupper()
            or word.lower() in _NOT_NAMES
            or word.lower() in self._lowercase_words()
        )

    def _plural_of_a_name(self, surface: str) -> bool:
        """"The Japarovs", "Жапаровы": a family, written as the plural of a glossary name."""
        if " " in surface:
            return False
        endings = _PLURALS.get(self.language, ())
        if not surface.lower().endswith(endings):
            return False
        key = fold(surface)
        return any(
            key.endswith(fold(e)) and self.index.is_bare_form(surface[: -len(e)])
            for e in endings
            if len(key) > len(e) + 2
        )

    def _lowercase_words(self) -> frozenset[str]:
        """Words the article writes in lower case somewhere (split at C speed: tokens are cut
        at punctuation, and a token counts when it is all lower case)."""
        if self._lower is None:
            tokens = self.text.translate(_PUNCTUATION_TO_SPACE).split()
            self._lower = frozenset(t for t in set(tokens) if t.islower())
        return self._lower

    def _cached_fuzzy(
        self, surface: str, tokens: list[str], cache: dict, sentence_start: bool = False
    ) -> list:
        # Which sentence the query stands in matters to the contrast rule (_contrasted).
        begin = self._sentence_of(self._span[0])[0] if self._span and self.local else -1
        key = (fold(surface), sentence_start, begin, self._after_a_name)
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
        if self._after_a_name or self._not_a_misspelling(surface, query, single):
            tiers = []
        for pool in tiers:
            pool.difference_update(self.local)
            choices: list[str] = []
            owners: list[int] = []
            for idx in pool:
                forms = (
                    self.index.tail_forms(idx) if single else self.index.phonetics[idx].split("|")
                )
                choices.extend(forms)
                owners.extend([idx] * len(forms))
            found: dict[int, tuple[float, str]] = {}
            self._score(query, q_tokens, choices, owners, global_bar, sentence_start, found)
            cleared = False
            for idx, (score, form) in found.items():
                if self._plausible_without_context(surface, query, idx, form, single):
                    cleared = True
                    if score > scored.get(idx, (0.0, ""))[0]:
                        scored[idx] = (score, form)
            if cleared:
                break  # a nearer tier already holds a good match; wider ones add only noise
        if single and not scored and not sentence_start and not surface.isupper():
            # GeoNames knows the spelling as a name of a glossary place (Farghona, Kzyl-Orda),
            # and it is a spelling of that name, not a code or a neighbouring town's name.
            for idx in self.index.places_called(surface):
                forms = self.index.tail_forms(idx)
                if forms and max(similarity(query, f) for f in forms) >= GEONAMES_SIMILAR:
                    scored[idx] = (SUGGEST_AT, query)
        return sorted(((s, i, f) for i, (s, f) in scored.items()), reverse=True)

    def _contrasted(self, idx: int) -> bool:
        """The entity is named correctly in the same sentence as the near spelling: "Wang Yong,
        not to be confused with Wang Yang" names two people, it does not misspell one."""
        if self._span is None:
            return False
        begin, stop = self._sentence_of(self._span[0])
        return any(begin <= at < stop for at in self._full_hits.get(idx, ()))

    def _sentence_of(self, position: int) -> tuple[int, int]:
        """The sentence holding `position`, from one pass over the article's sentence ends."""
        if self._sentences is None:
            self._sentences = sentence_starts(self.text)
        i = bisect_right(self._sentences, position) - 1
        stop = self._sentences[i + 1] if i + 1 < len(self._sentences) else len(self.text)
        return self._sentences[i], stop

    def _another_chinese_name(self, surface: str) -> bool:
        """A query that is itself a well-formed Chinese name (Wang Yong, Ван Юн) is somebody
        else, not a misspelling of Wang Yang: typos of pinyin rarely stay pinyin."""
        if " " not in surface.strip():
            return False
        if is_cyrillic(surface):
            return is_palladius_name(surface)
        return is_chinese_name(surface)

    def _not_a_misspelling(self, surface: str, query: str, single: bool) -> bool:
        """Words that are something else already, so nobody outside the article is looked
        for: an ordinary word (Summit, Arena), a word of several glossary names (Majlis), an
        adjective (Turkic, Indian), a well-formed Chinese name of somebody else (Wang Yong)."""
        if not single:
            return False
        low = surface.lower()
        if self.index.lexicon.is_common_word(low, self.language):
            return True
        if self.index.is_name_token(query) and not self.index.is_bare_form(surface):
            return True  # a word of longer names only (Majlis), no name on its own
        return low.endswith(_ADJECTIVE_ENDINGS)

    def _plausible_without_context(
        self, surface: str, query: str, idx: int, form: str, single: bool
    ) -> bool:
        """Whether a name nobody in the article is called may still be a misspelling of a
        glossary name it resembles.

        A bare surname ("Mr Ismailov") is another person unless it sounds exactly like the
        glossary's (a romanization: Tokaev/Tokayev). A one-word place that GeoNames knows by
        that name (Astara, Oranienburg) is that place, unless GeoNames gives the spelling for
        the glossary's own place (Shimkent for Shymkent).
        """
        if self._another_chinese_name(surface) and _squash(query) != _squash(form):
            return False  # Wang Yong is somebody else; Wang Hu-ning is Wang Huning in Wade-Giles
        if not single:
            if self.index.is_person(idx) and not self.index.family_first(idx):
                # "Aisultan Nazarbayev": a different given name with the same surname is a
                # relative, not a typo of Nursultan. Kurbanguly for Gurbanguly is the same
                # name romanized with the voiceless letter.
                given, wanted = query.split()[0][:1], form.split()[0][:1]
                return given == wanted or {given, wanted} in _VOICING_PAIRS
            return True
        name = self.index.names_of(idx, "en") or ""
        if name.islower() and surface[:1].isupper() and query != form:
            return False  # "Akimov", "Akmaty" are proper names, not the terms akim, akimat
        if self.index.is_person(idx):
            return _unglided(query) == _unglided(form)
        known = self.index.lexicon.place_ids(surface)
        if not known:
            return True
        own: set[int] = set()
        for tag in ("en", "ru", "kk"):
            own_name = self.index.names_of(idx, tag)
            if own_name:
                own |= self.index.lexicon.place_ids(own_name)
        return bool(known & own)

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
            if local and self._contrasted(idx):
                continue
            score = token_score(q_tokens, form_tokens(form, len(q_tokens)), floor)
            if local and score < SUGGEST_AT and query[:1] != form[:1]:
                continue  # "Mr Ismailov" near "Saidov": a weak likeness needs the same start
            if score >= bar and score > scored.get(idx, (0.0, ""))[0]:
                scored[idx] = (score, form)
                cleared = True
        return cleared

    def _local_forms(self, single: bool) -> tuple[list[str], list[int]]:
        """Phonetic forms of everybody the article names (bare forms or full names)."""
        cached = self._local_cache.get(single)
        if cached is None:
            forms: list[str] = []
            owners: list[int] = []
            for idx in sorted(self.local):
                found = (
                    self.index.tail_forms(idx) if single else self.index.phonetics[idx].split("|")
                )
                forms.extend(found)
                owners.extend([idx] * len(found))
            cached = self._local_cache[single] = (forms, owners)
        return cached

    def _record_fuzzy(self, start: int, end: int, surface: str, found: list) -> None:
        score, idx, form = found[0]
        runner_up = found[1][0] if len(found) > 1 else 0.0
        single = len(surface.split()) == 1
        replacement = self._bare_form(idx) if single else self._replacement(idx, short=False)
        if replacement is None or fold(replacement) == fold(surface):
            return
        if gender_pair(phonetic(surface).split()[-1], form.replace("-", " ").split()[-1]):
            return  # Smailova is Smailov's wife or daughter, not a typo: nothing to suggest
        if self.language == "ru":
            forms = [f for found in self.index.case_forms(replacement, idx).values()
                     for f in found]
            if fold(surface) in {fold(f) for f in forms}:
                return  # "Жапаровым": the name correctly declined, not a misspelling
            # A misspelling in the instrumental is fixed in the instrumental: of the name's
            # forms, the one nearest to what was written.
            replacement = max([replacement, *forms], key=lambda f: similarity(
                fold(surface), fold(f)))
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
        # Same letters once spaces go: another romanization (Smaylov). A compound written as one
        # word (Kassymjomart) is not: it may be a different person's one-word name.
        same_sound = query.replace(" ", "") == form.replace(" ", "") and len(
            query.split()
        ) == len(form.split())
        if idx in self.named:
            return True, "the correct spelling appears elsewhere in the article"
        if same_sound and len(surface.split()) > 1:
            return True, "another romanization of the glossary name (it sounds the same)"
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



def _same_case(surface: str, replacement: str) -> str:
    """A headline in capitals keeps its capitals."""
    if surface.isupper() and len(surface) > 1:
        return replacement.upper()
    return replacement
