import pytest

from service.core.inflect_ru import person_forms, place_forms


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Касым-Жомарт Токаев", {"Касым-Жомарта Токаева", "Касым-Жомарту Токаеву",
                                 "Касым-Жомартом Токаевым", "Касым-Жомарте Токаеве"}),
        ("Ма Синжуй", {"Ма Синжуя", "Ма Синжую", "Ма Синжуем", "Ма Синжуе"}),
        ("Си Цзиньпин", {"Си Цзиньпина", "Си Цзиньпину", "Си Цзиньпином"}),
        ("Дарига Назарбаева", {"Дариги Назарбаевой", "Даригу Назарбаеву"}),
        ("Алихан Смаилов", {"Алихана Смаилова", "Алиханом Смаиловым"}),
    ],
)
def test_person_forms_include(name, expected):
    assert expected <= person_forms(name)


@pytest.mark.parametrize(
    ("name", "absent"),
    [
        ("Ма Синжуй", "Мы Синжуй"),  # a one-syllable Chinese surname does not decline
        ("Дарига Назарбаева", "Дарига Назарбаев"),  # never the father's form
        ("Мехрибан Алиева", "Мехрибана Алиевой"),  # women's consonant-final names stay
    ],
)
def test_person_forms_exclude(name, absent):
    assert absent not in person_forms(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Казахстан", {"Казахстана", "Казахстане"}),
        ("Китай", {"Китая", "Китае"}),
        ("Россия", {"России", "Россию"}),
        ("Астана", {"Астаны", "Астане"}),
        ("Алматы", set()),  # indeclinable
    ],
)
def test_place_forms(name, expected):
    forms = place_forms(name)
    assert expected <= forms
    if not expected:
        assert forms == set()
