"""Properties of folding and name normalization that hold for any text (Hypothesis).

The text is built from the shipped glossary's own names, short forms and variants, mangled the
ways copy mangles them (case, look-alike letters, lost Kazakh letters, typos, case endings), and
mixed with random Latin, Cyrillic, Kazakh and Chinese words, punctuation and HTML fragments.
"""

from __future__ import annotations

import functools
import string

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from service.core.figures import HouseStyles, load_house_styles
from service.core.folding import (
    _TABLE,
    cyrillic_lookalikes,
    fold,
    phonetic,
    restore_letters,
)
from service.core.glossary import ENTRY_TYPES, Entry, Glossary, Variant, cross_check, load_glossary
from service.core.matching import apply_changes, normalize
from service.core.nameindex import NameIndex
from service.core.pipeline import localize

# A property runs a few hundred articles: enough to find a broken offset, cheap enough for CI.
PROPERTY = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

TARGETS = ["en-GB", "ru-RU", "kk-KZ", "zh-CN", "de-DE", "fr-FR", "es-ES"]


@functools.cache
def shipped() -> NameIndex:
    # Built once here rather than through the shipped_index fixture: the text strategies
    # below draw from the same glossary before any fixture exists.
    return NameIndex.build(load_glossary())


@functools.cache
def styles() -> HouseStyles:
    # Passed to localize(): without them every version reads the style files again.
    return load_house_styles()


@functools.cache
def cast() -> tuple[tuple[str, ...], ...]:
    """Each shipped entry's names, short forms and variants, in every language."""
    return tuple(
        tuple(sorted({*entry.names.values(), *entry.short.values(),
                      *(v.text for v in entry.variants)}))
        for entry in shipped().entries.values()
    )


@functools.cache
def by_folded() -> dict[str, str]:
    """Every glossary form under its folded key."""
    return {fold(form): form for forms in cast() for form in forms}


# ------------------------------------------------------------------------- text strategies

LATIN = string.ascii_letters + "éèüöäçñşğıİ"
CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
KAZAKH = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"
CHINESE = "马兴瑞习近平托卡耶夫中国新疆维吾尔自治区哈萨克斯坦的了是在"
PUNCTUATION = [".", ",", "!", "?", ":", ";", "\"", "'", "’", "«", "»", "(", ")", "-", "—",
               "–", "/", "\n", "\n\n", "&", "…", "%"]
HTML = ['<p>', '</p>', '<b>', '</b>', '<a href="/astana">', '</a>', '<br/>', '<!-- Tokayev -->',
        '<span translate="no">', '</span>', '<script>var x = "Astana";</script>', '&amp;',
        '&nbsp;', '<em class="x">', '</em>', '<', '>', '<code>', '</code>']
COPY_WORDS = ["President", "Mr", "said", "met", "in", "the", "of", "formerly", "Soviet",
              "University", "Street", "встретился", "с", "в", "президент", "улица", "и",
              "Президенті", "бері", "жылы", "2019", "1997", "28 March 2023", "$24 billion"]
# Case endings Russian and Kazakh copy put on names.
ENDINGS = ["а", "у", "ом", "ым", "ым", "е", "ой", "ы", "ға", "ге", "нан", "дан", "ның", "s",
           "'s", "ов", "ова"]
HOMOGLYPHS = str.maketrans("aeopcyxAEOPCHKMTB", "аеорсухАЕОРСНКМТВ")
LOST_KAZAKH = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноууhиАГКНОУУҺИ")


@st.composite
def mangled(draw, form: str) -> str:
    """A glossary form the way copy might print it."""
    how = draw(st.sampled_from(
        ["as is", "upper", "lower", "lookalikes", "lost kazakh", "typo", "ending", "swap"]
    ))
    if how == "upper":
        return form.upper()
    if how == "lower":
        return form.lower()
    if how == "lookalikes":
        return form.translate(HOMOGLYPHS) if draw(st.booleans()) else cyrillic_lookalikes(form)
    if how == "lost kazakh":
        return form.translate(LOST_KAZAKH).replace("ё", "е").replace("й", "и")
    if how == "ending":
        return form + draw(st.sampled_from(ENDINGS))
    if len(form) < 3:
        return form
    at = draw(st.integers(1, len(form) - 2))
    if how == "swap":
        return form[:at] + form[at + 1] + form[at] + form[at + 2 :]
    letter = draw(st.sampled_from("aeiouyhkзиуы"))
    return form[:at] + draw(st.sampled_from(["", letter])) + form[at + 1 :]


def glossary_form() -> st.SearchStrategy[str]:
    return st.deferred(lambda: st.sampled_from(cast())).flatmap(st.sampled_from).flatmap(mangled)


def words(alphabet: str) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=1, max_size=10)


OTHER_TOKEN = st.one_of(
    st.sampled_from(COPY_WORDS),
    words(LATIN),
    words(CYRILLIC),
    words(CYRILLIC + KAZAKH),
    words(CHINESE),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(HTML),
    st.text(max_size=3),  # anything at all, now and then
)
GAP = st.sampled_from([" ", " ", " ", "", ", ", ". ", "\n", "\u00a0", "-"])


@st.composite
def articles(draw) -> str:
    # An article is about a few entities and names them more than once, in several forms:
    # that is what lets a misspelling be fixed from a correct spelling elsewhere.
    people = draw(st.lists(st.sampled_from(cast()), min_size=1, max_size=3))
    names = st.sampled_from([form for forms in people for form in forms]).flatmap(mangled)
    tokens = draw(st.lists(st.one_of(names, names, OTHER_TOKEN), min_size=1, max_size=25))
    out = [tokens[0]]
    for token in tokens[1:]:
        out.append(draw(GAP))
        out.append(token)
    return "".join(out)


LANGUAGES = st.sampled_from(["en", "ru", "kk", None])  # None: detected from the letters
FORMATS = st.sampled_from(["text", "html"])


# ------------------------------------------------------------------------------- folding


@PROPERTY
@given(st.text())
@example("Ӛӫ")  # Cyrillic schwa and barred o with diaeresis: folded once to ә and ө, not to a, o
@example("\u1fef\u1ffd")  # Greek varia and oxia: folded to ` and ´, which are apostrophes
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


def test_every_folded_letter_is_a_fixed_point():
    # The exhaustive form of the property above: a character's folded form folds to itself.
    moving = {chr(cp): base for cp, base in _TABLE.items() if fold(base) != base}
    assert moving == {}


@PROPERTY
@given(st.text(), st.text())
def test_folding_maps_every_offset_to_the_same_offset(left, right):
    # Folding is one character for one: offset i of the folded text is offset i of the
    # original, so spans found in folded text cover the original exactly, in order.
    text = left + right
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == "".join(fold(ch) for ch in text)
    assert folded[: len(left)] == fold(left) and folded[len(left) :] == fold(right)


@PROPERTY
@given(words(LATIN + CYRILLIC + KAZAKH))
@example("ı")  # Turkish and Kazakh Latin dotless i: its capital I folds to i, so must it
@example("İ")  # lower-cases to two characters, i and a combining dot
def test_folding_ignores_case(word):
    # Letter by letter: str.upper()/lower() may change a string's length (İ -> i + dot).
    def each(change):
        return "".join(c if len(change(c)) != 1 else change(c) for c in word)

    assert fold(each(str.upper)) == fold(each(str.lower)) == fold(word)


@PROPERTY
@given(st.text(alphabet=string.ascii_lowercase + CYRILLIC.lower() + KAZAKH[:9] + " -'",
               max_size=20))
def test_phonetic_key_ignores_case(word):
    assert phonetic(word.upper()) == phonetic(word)


@PROPERTY
@given(glossary_form(), st.sampled_from(["en", "ru", "kk"]))
def test_restoring_letters_keeps_length_and_folding_and_is_idempotent(form, language):
    # `form` mangled by look-alike letters or lost Kazakh letters still folds like a glossary
    # form; restore_letters puts the glossary's letters back without moving anything.
    expected = by_folded().get(fold(form))
    if expected is None:
        return
    fixed, _ = restore_letters(form, expected, language)
    assert len(fixed) == len(form)
    assert fold(fixed) == fold(form)
    assert restore_letters(fixed, expected, language) == (fixed, "")


# ----------------------------------------------------------------------------- normalize


def check_offsets(text: str, result) -> None:
    previous_end = 0
    for change in result.changes:
        assert 0 <= change.start <= change.end <= len(text), change
        assert text[change.start : change.end] == change.original, change
        assert change.start >= previous_end, f"{change} overlaps the change before it"
        previous_end = change.end
    for mention in result.mentions:
        assert 0 <= mention.start < mention.end <= len(text), mention
    assert result.text == apply_changes(text, result.changes)


@PROPERTY
@given(articles(), LANGUAGES, FORMATS)
@example("Ма Синжуй приехал.", "ru", "text")
@example("Tok<b>ayev</b> and Nur-Sultan.", "en", "html")
def test_changes_point_at_what_they_replace_and_never_overlap(text, language, fmt):
    result = normalize(shipped(), text, language, fmt=fmt)
    check_offsets(text, result)


@PROPERTY
@given(articles(), LANGUAGES, FORMATS)
def test_normalizing_twice_changes_nothing_more(text, language, fmt):
    # Pin the language: the normalized text might be detected differently from the original.
    once = normalize(shipped(), text, language, fmt=fmt)
    twice = normalize(shipped(), once.text, once.language, fmt=fmt)
    assert twice.text == once.text, [c for c in twice.changes if c.applied]


@PROPERTY
@given(articles(), LANGUAGES, FORMATS)
def test_the_result_document_is_built_for_every_target(text, language, fmt):
    # The whole pipeline: names, figures and every shipped locale's rendering, no exception.
    if not text.strip():
        return
    document = localize(text, TARGETS, shipped(), styles(), language, fmt=fmt)
    assert set(document["versions"]) == set(TARGETS)
    for change in document["normalized"]["changes"]:
        assert text[change["start"] : change["end"]] == change["original"]
    for flag in document["normalized"]["flags"]:
        assert 0 <= flag["start"] <= flag["end"] <= len(text)


# ------------------------------------------------------------- any glossary, not the shipped one

NAME_WORD = st.one_of(
    st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=8).map(str.capitalize),
    st.text(alphabet=CYRILLIC.lower() + KAZAKH[:9], min_size=2, max_size=8).map(str.capitalize),
)
NAME = st.lists(NAME_WORD, min_size=1, max_size=3).map(" ".join)


@st.composite
def small_glossaries(draw) -> list[Entry]:
    out = []
    for number in range(draw(st.integers(1, 4))):
        names = {"en": draw(NAME)}
        if draw(st.booleans()):
            names["ru"] = draw(NAME)
        variants = tuple(Variant(text, draw(st.sampled_from(["spelling", "exonym"])))
                         for text in draw(st.lists(NAME, max_size=2, unique=True)))
        short = {"en": names["en"].split()[-1]} if draw(st.booleans()) else {}
        out.append(Entry(id=f"e{number}", type=draw(st.sampled_from(ENTRY_TYPES)),
                         names=names, variants=variants, short=short))
    # The glossary's own rule: a variant is nobody's name and belongs to one entry only.
    assume(not cross_check(out))
    return out


@st.composite
def glossary_articles(draw) -> tuple[list[Entry], str, str | None]:
    """A small glossary, and an article that names its entries in mangled forms."""
    glossary = draw(small_glossaries())
    forms = [form for entry in glossary
             for form in (*entry.names.values(), *entry.short.values(),
                          *(v.text for v in entry.variants))]
    names = st.sampled_from(forms).flatmap(mangled)
    tokens = draw(st.lists(st.one_of(names, names, OTHER_TOKEN), min_size=1, max_size=15))
    return glossary, " ".join(tokens), draw(LANGUAGES)


TOKAYEV = [Entry(id="tokayev", type="person", names={"en": "Tokayev"},
                 variants=(Variant("Tokaev"),))]


@PROPERTY
@given(glossary_articles())
def test_any_valid_glossary_gives_changes_that_point_at_what_they_replace(case):
    glossary, text, language = case
    check_offsets(text, normalize(NameIndex.build(Glossary(glossary)), text, language))


@pytest.mark.xfail(strict=True, reason=(
    "matching.normalize is not idempotent: a listed variant next to a misspelling of the same "
    "name ('Tokaev Tokaiev', variant Tokaev) is left alone because the misspelling counts as "
    "an unknown capitalized word; the misspelling is fixed in the same pass, so a second pass "
    "rewrites the variant ('Tokayev Tokayev')"
))
@PROPERTY
@given(glossary_articles())
@example((TOKAYEV, "Tokaev Tokaiev", "en"))
def test_any_valid_glossary_normalizes_idempotently(case):
    glossary, text, language = case
    index = NameIndex.build(Glossary(glossary))
    once = normalize(index, text, language)
    assert normalize(index, once.text, once.language).text == once.text
