"""Name transliteration: Kazakh 2021 Latin, Latin names -> Russian, Palladius, BGN/PCGN."""

import importlib
import unicodedata

import pytest
import transliterate
from transliterate.base import registry

import service.core.translit as translit_module
from service.core.locales import InvalidLanguageTag
from service.core.translit import KK_LATIN_NG, supported_pairs, transliterate_name

KK_CYRILLIC_TO_LATIN = [
    ("Шымкент", "Şymkent"),
    ("Қасым-Жомарт Тоқаев", "Qasym-Jomart Toqaev"),
    ("Өскемен", "Öskemen"),
    ("Ақтөбе", "Aqtöbe"),
    ("Алматы", "Almaty"),
    ("Астана", "Astana"),
    ("Қарағанды", "Qarağandy"),
    ("Түркістан", "Türkıstan"),
    ("Петропавл", "Petropavl"),
    ("Ұлытау", "Ūlytau"),
    ("Қызылорда", "Qyzylorda"),
    ("Көкшетау", "Kökşetau"),
    ("Жезқазған", "Jezqazğan"),
    ("Маңғыстау", "Mañğystau"),
    ("Байқоңыр", "Baiqoñyr"),
    ("Қайрат", "Qairat"),
    ("Әлихан", "Älihan"),
    ("Бейбіт", "Beibıt"),
    ("Семей", "Semei"),
    ("Ілияс", "Iliias"),
    ("ШЫМКЕНТ", "ŞYMKENT"),
    ("ІЛИЯС", "ILİİAS"),
    # Letters found only in Russian loans.
    ("Юлия", "İuliia"),
    ("Цой", "Tsoi"),
    ("Чапаев", "Tşapaev"),
    ("Щучинск", "Şşutşinsk"),
    ("Эльвира", "Elvira"),
    ("Ёлкин", "İolkin"),
]

KK_LATIN_TO_CYRILLIC = [
    ("Qasym-Jomart Toqaev", "Қасым-Жомарт Тоқаев"),
    ("Qairat", "Қайрат"),  # i after a vowel is й
    ("Aigül", "Айгүл"),
    ("Qostanai", "Қостанай"),
    ("Qoian", "Қоян"),  # i after a vowel before a is я
    ("Aiu", "Аю"),
    ("Diana", "Диана"),  # after a consonant i is и, even before a vowel
    ("biyl", "биыл"),
    ("iä", "иә"),
    ("Mariia", "Мария"),
    ("İuliia", "Юлия"),
    ("Türkıstan", "Түркістан"),
    ("Mañğystau", "Маңғыстау"),
    ("ŞYMKENT", "ШЫМКЕНТ"),
    ("Iliias", "Ілияс"),  # I is і, not и
    ("Rahmet", "Рахмет"),  # h is read as х
]

# Words the Latin round trip gives back unchanged (no loan-only letters, no һ, no и after a vowel).
KK_ROUND_TRIP = [
    "Шымкент", "Қасым-Жомарт Тоқаев", "Өскемен", "Ақтөбе", "Алматы", "Астана", "Қарағанды",
    "Түркістан", "Петропавл", "Ұлытау", "Қызылорда", "Маңғыстау", "Байқоңыр", "Қайрат",
    "Әлихан", "Бейбіт", "Ілияс", "Қоян", "Мария", "Тараз", "ЖЕЗҚАЗҒАН",
]

EN_TO_RU = [
    ("Tokayev", "Токаев"),
    ("Kassym-Jomart Tokayev", "Касым-Жомарт Токаев"),
    ("Alikhan Smailov", "Алихан Смаилов"),
    ("Nazarbayev", "Назарбаев"),
    ("Shavkat Mirziyoyev", "Шавкат Мирзиёев"),
    ("Sadyr Zhaparov", "Садыр Жапаров"),
    ("Sadyr Japarov", "Садыр Жапаров"),
    ("Emomali Rahmon", "Эмомали Рахмон"),
    ("Aliyev", "Алиев"),
    ("Yulia", "Юлия"),
    ("Khabarovsk", "Хабаровск"),
    ("Tashkent", "Ташкент"),
    ("Bishkek", "Бишкек"),
    ("Dushanbe", "Душанбе"),
    ("Ashgabat", "Ашгабат"),
    ("Almaty", "Алматы"),
    ("Astana", "Астана"),
    ("Karim Massimov", "Карим Масимов"),
    ("Yerlan", "Ерлан"),
    ("Yekaterinburg", "Екатеринбург"),
    ("Dmitriy", "Дмитрий"),
    ("Tatyana", "Татьяна"),
    ("Vyacheslav", "Вячеслав"),
    ("Grigoryev", "Григорьев"),
    ("Zelensky", "Зеленский"),
    ("Alexei", "Алексей"),
    ("Nikolai", "Николай"),
    ("Aigerim", "Айгерим"),
    ("Khrushchev", "Хрущев"),
    ("Tsvetkov", "Цветков"),
    ("Berdimuhamedow", "Бердимухамедов"),
    ("Krasnaya", "Красная"),
    ("Erdoğan", "Эрдоган"),
    ("TOKAYEV", "ТОКАЕВ"),
    # Chinese names read as pinyin, rendered with Palladius.
    ("Xi Jinping", "Си Цзиньпин"),
    ("Ma Xingrui", "Ма Синжуй"),
    ("Li Qiang", "Ли Цян"),
    ("Wang Yi", "Ван И"),
    ("Zhao Leji", "Чжао Лэцзи"),
    ("Hu Jintao", "Ху Цзиньтао"),
    ("Wang Huning", "Ван Хунин"),
    ("Han Zheng", "Хань Чжэн"),
    ("Ding Xuexiang", "Дин Сюэсян"),
    ("Cai Qi", "Цай Ци"),
    ("Zhang Youxia", "Чжан Юся"),
    ("Lü Xiaolong", "Люй Сяолун"),
    ("XI JINPING", "СИ ЦЗИНЬПИН"),
    # Parses as pinyin but Anna is no Chinese family name: not read as Chinese.
    ("Anna Zhang", "Анна Жанг"),
    # No pinyin-only spelling: left to the general rules unless the caller says "zh".
    ("Ma Yun", "Ма Юн"),
]

RU_TO_EN = [
    ("Токаев", "Tokayev"),
    ("Юлия", "Yuliya"),
    ("Щукин", "Shchukin"),
    ("Ёлкин", "Yolkin"),
    ("Алихан Смаилов", "Alikhan Smailov"),
    ("Евгений", "Yevgeniy"),
    ("Хабаровск", "Khabarovsk"),
    ("Королёв", "Korolyov"),
    ("Горбачёв", "Gorbachev"),
    ("Соловьёв", "Solovyov"),
    ("Объедков", "Obyedkov"),
    ("Красный", "Krasnyy"),
    ("Цой", "Tsoy"),
    ("Эрдоган", "Erdogan"),
    ("Южно-Сахалинск", "Yuzhno-Sakhalinsk"),
    ("ТОКАЕВ", "TOKAYEV"),
]


def _scripts(text: str) -> set[str]:
    return {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}


@pytest.mark.parametrize(("cyrillic", "latin"), KK_CYRILLIC_TO_LATIN)
def test_kazakh_cyrillic_to_latin(cyrillic, latin):
    assert transliterate_name(cyrillic, "kk", "kk-Latn") == latin


@pytest.mark.parametrize(("latin", "cyrillic"), KK_LATIN_TO_CYRILLIC)
def test_kazakh_latin_to_cyrillic(latin, cyrillic):
    assert transliterate_name(latin, "kk-Latn", "kk") == cyrillic


@pytest.mark.parametrize("word", KK_ROUND_TRIP)
def test_kazakh_round_trip(word):
    latin = transliterate_name(word, "kk", "kk-Latn")
    assert _scripts(latin) == {"LATIN"}
    assert transliterate_name(latin, "kk-Latn", "kk") == word


def test_kazakh_ng_letter_comes_from_the_constant():
    assert transliterate_name("Маңғыстау", "kk", "kk-Latn") == f"Ma{KK_LATIN_NG}ğystau"
    assert transliterate_name(f"MA{KK_LATIN_NG.upper()}ĞYSTAU", "kk-Latn", "kk") == "МАҢҒЫСТАУ"


def test_russian_spelling_into_kazakh_latin():
    assert transliterate_name("Кызылорда", "ru", "kk-Latn") == "Kyzylorda"
    assert transliterate_name("Токаев", "ru-RU", "kk-Latn-KZ") == "Tokaev"


@pytest.mark.parametrize(("latin", "russian"), EN_TO_RU)
def test_latin_names_to_russian(latin, russian):
    assert transliterate_name(latin, "en", "ru") == russian


@pytest.mark.parametrize(("latin", "russian"), EN_TO_RU)
def test_latin_names_to_russian_leave_no_latin_letter(latin, russian):
    assert _scripts(transliterate_name(latin, "en-GB", "ru")) == {"CYRILLIC"}


def test_latin_names_give_a_cyrillic_draft_for_kazakh():
    assert transliterate_name("Kassym-Jomart Tokayev", "en", "kk") == "Касым-Жомарт Токаев"


@pytest.mark.parametrize(
    ("name", "source", "hint", "expected"),
    [
        ("Ma Yun", "en", "zh", "Ма Юнь"),
        ("Ma Yun", "en", "zh-Hans", "Ма Юнь"),
        ("Xi'an", "zh-Latn", None, "Сиань"),
        ("Jinan", "zh-Latn", None, "Цзинань"),  # ji+nan: a vowel cannot start an inner syllable
        ("Eric Xu", "en", "zh", "Эрик Сюй"),  # words that are not pinyin keep the general rules
    ],
)
def test_pinyin_when_the_caller_says_chinese(name, source, hint, expected):
    assert transliterate_name(name, source, "ru", hint=hint) == expected


@pytest.mark.parametrize(("russian", "latin"), RU_TO_EN)
def test_russian_to_latin_bgn_pcgn(russian, latin):
    assert transliterate_name(russian, "ru", "en") == latin


@pytest.mark.parametrize(
    ("name", "source", "target"),
    [
        ("Tokayev", "en", "zh"),
        ("Tokayev", "en", "kk-Latn"),
        ("Tokayev", "de", "ru"),
        ("Тоқаев", "kk", "ru"),
        ("Toqaev", "kk-Latn", "en"),
        ("Токаев", "ru", "ru"),
    ],
)
def test_unsupported_pair_is_none(name, source, target):
    assert transliterate_name(name, source, target) is None


@pytest.mark.parametrize(
    ("name", "source", "target"),
    [
        ("Þór", "en", "ru"),  # no rule for þ: a mixed-script result is refused
        ("Київ", "kk", "kk-Latn"),  # Ukrainian ї is no Kazakh letter
        ("Тоқаев", "ru", "en"),  # қ is no Russian letter
    ],
)
def test_letters_no_pack_renders_give_none(name, source, target):
    assert transliterate_name(name, source, target) is None


def test_invalid_tag_raises():
    with pytest.raises(InvalidLanguageTag):
        transliterate_name("Tokayev", "english", "ru")


def test_supported_pairs():
    assert set(supported_pairs()) == {
        ("kk", "kk-Latn"), ("kk-Latn", "kk"), ("ru", "kk-Latn"), ("ru", "en"),
        ("en", "ru"), ("en", "kk"), ("zh-Latn", "ru"), ("zh-Latn", "kk"),
    }
    for source, target in supported_pairs():
        assert transliterate_name("", source, target) == ""


@pytest.mark.parametrize(
    ("text", "code", "reverse", "expected"),
    [
        ("Шымкент", "kk", True, "Şymkent"),
        ("Qasym-Jomart Toqaev", "kk", False, "Қасым-Жомарт Тоқаев"),
        ("Ma Xingrui", "ru-names", False, "Ма Синжуй"),
        ("Tokayev", "ru-names", False, "Токаев"),
        ("Юлия", "ru-names", True, "Yuliya"),
        ("Lorem", "ru", False, "Лорем"),  # transliterate's own packs still load
    ],
)
def test_packs_work_through_transliterate(text, code, reverse, expected):
    assert transliterate.translit(text, code, reversed=reverse) == expected


def test_registration_is_idempotent():
    kazakh = registry.get("kk")
    names = registry.get("ru-names")
    importlib.reload(translit_module)
    assert registry.get("kk") is kazakh
    assert registry.get("ru-names") is names
    assert registry.register(kazakh) is False
    assert {"kk", "ru-names", "ru"} <= set(transliterate.get_available_language_codes())
    assert transliterate.translit("Ақтөбе", "kk", reversed=True) == "Aqtöbe"


@pytest.mark.parametrize(
    ("pinyin", "wade_giles_form"),
    [
        ("Xi Jinping", "Hsi Chin-p'ing"),
        ("Li Keqiang", "Li K'o-ch'iang"),
        ("Qin Gang", "Ch'in Kang"),
        ("Ma Xingrui", "Ma Hsing-jui"),
        ("Ding Xuexiang", "Ting Hsüeh-hsiang"),
        ("Dong Jun", "Tung Chün"),
        ("Cai Qi", "Ts'ai Ch'i"),
        ("Hu Jintao", "Hu Chin-t'ao"),
        ("Zhou Enlai", "Chou En-lai"),
        ("Mao Zedong", "Mao Tse-tung"),
    ],
)
def test_wade_giles_from_pinyin(pinyin, wade_giles_form):
    from service.core.translit import wade_giles

    assert wade_giles(pinyin) == wade_giles_form


def test_wade_giles_refuses_non_pinyin():
    from service.core.translit import wade_giles

    assert wade_giles("Kassym-Jomart Tokayev") is None
