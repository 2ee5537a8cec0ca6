"""The matcher on a fixed mini glossary: what an editor would see in the change list."""

import pytest

from service.core.locales import detect_language
from service.core.matching import apply_changes, normalize


def changes_for(index, text, language=None):
    result = normalize(index, text, language)
    for change in result.changes:
        assert text[change.start : change.end] == change.original  # offsets are exact
    return result


def linked(result):
    return [(m.surface, m.entity) for m in result.mentions]


@pytest.mark.parametrize(
    ("text", "original", "replacement", "kind", "applied"),
    [
        # a listed variant is rewritten
        ("Kassym-Zhomart Tokayev arrived.", "Kassym-Zhomart Tokayev", "Kassym-Jomart Tokayev",
         "variant", True),
        # a mixed-script spelling (Cyrillic Т) is rewritten
        ("President Тokayev arrived.", "Тokayev", "Tokayev", "variant", True),
        # a misspelling with the right spelling earlier in the article is fixed
        ("Ma Xingrui arrived. Later Ma Xingruy said so.", "Ma Xingruy", "Ma Xingrui", "fuzzy",
         True),
        # a full name that differs only by romanization is fixed without context
        ("Alikhan Smaylov spoke.", "Alikhan Smaylov", "Alikhan Smailov", "fuzzy", True),
        ("Akylbek Zhaparov spoke.", "Akylbek Zhaparov", "Akylbek Japarov", "fuzzy", True),
        # a bare misspelled surname with nothing to confirm it is only suggested
        ("Later Tokaiev said so.", "Tokaiev", "Tokayev", "fuzzy", False),
        # ... but fixed once the full name appeared earlier
        ("Kassym-Jomart Tokayev spoke. Then Tokaiev left.", "Tokaiev", "Tokayev", "fuzzy", True),
        # a bare Chinese given name: the family name comes first, suggest "Ma"
        ("Ma Xingrui came. Smailov met Xingrui.", "Xingrui", "Ma", "partial", False),
        ("Ма Синжуй приехал. Смаилов встретился с Синжуем.", "Синжуем", "Ма", "partial", False),
    ],
)
def test_changes(mini_index, text, original, replacement, kind, applied):
    result = changes_for(mini_index, text)
    found = [(c.original, c.replacement, c.kind, c.applied) for c in result.changes]
    assert (original, replacement, kind, applied) in found


@pytest.mark.parametrize(
    "text",
    [
        "Economist Dauren Ismailov disagreed.",  # a different surname one letter away
        "Ismailov disagreed.",
        "Deputy governor Aigerim Smailova spoke.",  # -ova: a woman, not a typo
        "Smailova spoke.",
        "Nurlan Smailov, a banker, spoke.",  # same surname, another person
        "Marat Tokayev, a student, spoke.",
        "Sadyr Japarov met Akylbek Japarov.",  # two real people one given name apart
        "Tokayev met Serik Tokayev.",
    ],
)
def test_near_names_are_never_rewritten(mini_index, text):
    result = changes_for(mini_index, text)
    assert [c for c in result.changes if c.applied] == []
    assert result.text == text


def test_near_names_do_not_link_to_the_glossary_person(mini_index):
    result = changes_for(mini_index, "Nurlan Smailov and Aigerim Smailova met Marat Tokayev.")
    assert linked(result) == []


def test_father_and_daughter_stay_two_people(mini_index):
    text = "Nursultan Nazarbayev and his daughter Dariga Nazarbayeva. Nazarbayeva spoke."
    result = changes_for(mini_index, text)
    assert linked(result) == [
        ("Nursultan Nazarbayev", "nursultan-nazarbayev"),
        ("Dariga Nazarbayeva", "dariga-nazarbayeva"),
        ("Nazarbayeva", "dariga-nazarbayeva"),
    ]
    assert result.changes == ()


def test_shared_surname_links_only_to_the_person_named_in_full(mini_index):
    assert linked(changes_for(mini_index, "Aliyev spoke.")) == []
    result = changes_for(mini_index, "Ilham Aliyev arrived. Aliyev spoke.")
    assert linked(result) == [("Ilham Aliyev", "ilham-aliyev"), ("Aliyev", "ilham-aliyev")]


def test_bare_given_name_without_full_name_is_left_alone(mini_index):
    result = changes_for(mini_index, "Smailov met Xingrui.")
    assert result.changes == ()
    assert ("Xingrui", "ma-xingrui") not in linked(result)


def test_short_syllable_needs_the_full_name_first(mini_index):
    assert linked(changes_for(mini_index, "Ma said so.")) == []
    result = changes_for(mini_index, "Ma Xingrui came. Ma said so.")
    assert linked(result)[-1] == ("Ma", "ma-xingrui")


@pytest.mark.parametrize(
    ("text", "surface", "entity"),
    [
        ("Переговоры с Касым-Жомартом Токаевым прошли в Астане.", "Касым-Жомартом Токаевым",
         "kassym-jomart-tokayev"),
        ("Переговоры прошли в Астане.", "Астане", "astana"),
        ("Он встретился с Ма Синжуем.", "Ма Синжуем", "ma-xingrui"),
        ("Визит Си Цзиньпина в Казахстан.", "Си Цзиньпина", "xi-jinping"),
        ("Касым-Жомарт Токаев приехал. Слово Токаеву.", "Токаеву", "kassym-jomart-tokayev"),
        ("Нурсултан Назарбаев и Дарига Назарбаева. Слово Назарбаевой.", "Назарбаевой",
         "dariga-nazarbayeva"),
        ("Қасым-Жомарт Тоқаев келді. Тоқаевпен кездесу өтті.", "Тоқаев",
         "kassym-jomart-tokayev"),
    ],
)
def test_inflected_forms_link_without_rewriting(mini_index, text, surface, entity):
    result = changes_for(mini_index, text)
    assert (surface, entity) in linked(result)
    assert result.text == text


def test_russian_daughter_is_not_her_father(mini_index):
    result = changes_for(mini_index, "Нурсултан Назарбаев и Дарига Назарбаева. Слово Назарбаевой.")
    assert ("Назарбаевой", "nursultan-nazarbayev") not in linked(result)


def test_leftmost_longest_and_word_boundaries(mini_index):
    result = changes_for(mini_index, "Astanafest in Astana; Kazakhstan's capital.")
    assert linked(result) == [("Astana", "astana"), ("Kazakhstan", "territory-kz")]


def test_applied_changes_rewrite_only_their_spans(mini_index):
    text = "Kassym-Zhomart Tokayev met Ma Xingrui. Ma Xingruy and Xingrui talked."
    result = changes_for(mini_index, text)
    assert result.text == "Kassym-Jomart Tokayev met Ma Xingrui. Ma Xingrui and Xingrui talked."
    assert apply_changes(text, result.changes) == result.text


@pytest.mark.parametrize(
    ("text", "language"),
    [("Tokayev met Ma.", "en"), ("Токаев встретился с Ма.", "ru"), ("Тоқаев Қытайда.", "kk")],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_compiled_index_round_trips_through_a_file(mini_index, tmp_path):
    from service.core.nameindex import NameIndex

    mini_index.save(tmp_path / "index.bin")
    loaded = NameIndex.load(tmp_path / "index.bin")
    text = "Kassym-Zhomart Tokayev met Ma Xingrui in Astana. Ma Xingruy spoke."
    assert normalize(loaded, text) == normalize(mini_index, text)
    assert loaded.entries["astana"].name_in("ru") == "Астана"


def test_lower_case_words_are_not_names(mini_index):
    result = changes_for(mini_index, "Tea in fine china, not in China.")
    assert linked(result) == [("China", "territory-cn")]


def test_string_table_keeps_every_string_across_chunks():
    from service.core.nameindex import StringTable

    table = StringTable()
    table._CHUNK = 3  # force several chunk flushes
    words = ["Ma", "", "Кассым", "托卡耶夫", "x" * 50, "", "end"]
    for word in words:
        table.append(word)
    assert len(table) == len(words)
    table.freeze()
    assert [table[i] for i in range(len(table))] == words
    assert table.get(1) is None and table.get(0) == "Ma"
