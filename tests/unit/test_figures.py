"""Finding figures in English, Russian and Kazakh copy and writing them in each desk's style
(docs/figures.md). The large labelled set is tests/unit/test_figures_evaluation.py; here each
rule has its own table."""

import ast
import datetime
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from service.core.figures import (
    HouseStyle,
    HouseStyles,
    find_figures,
    load_house_styles,
    render_figure,
)

NBSP = "\u00a0"
FIGURES_DIR = Path(__file__).resolve().parents[2] / "service" / "core" / "figures"


@pytest.fixture(scope="module")
def styles() -> HouseStyles:
    return load_house_styles()


def spans(text: str, language: str = "en") -> list[tuple[str, str]]:
    return [(f.kind, f.original) for f in find_figures(text, language, 2023)]


# --------------------------------------------------------------------------- finding


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Signed on 28 March 2023 in Astana.", [("date", "on 28 March 2023")]),
        ("Signed March 28, 2023.", [("date", "March 28, 2023")]),
        ("Talks began in October 2022.", [("date", "in October 2022")]),
        ("Exports have grown since 2019.", [("date", "since 2019")]),
        ("It will be done by 2030.", [("date", "by 2030")]),
        ("The talks are on April 9.", [("date", "on April 9")]),
        ("Talks on Tuesday, March 28, 2023 ended.", [("date", "on Tuesday, March 28, 2023")]),
        ("Meetings on June 20-21 in Bishkek.", [("date_range", "on June 20-21")]),
        ("The forum on May 18-19, 2023 closed.", [("date_range", "on May 18-19, 2023")]),
        ("Output grew from 2022 to 2024.", [("date_range", "from 2022 to 2024")]),
        ("Trade grew between 2020 and 2022.", [("date_range", "between 2020 and 2022")]),
        ("Profit fell in Q3 2024.", [("quarter", "in Q3 2024")]),
        ("Profit fell in the third quarter of 2024.",
         [("quarter", "in the third quarter of 2024")]),
        ("Sales rose in the first half of 2025.", [("half", "in the first half of 2025")]),
        ("It will invest $24 billion.", [("money", "$24 billion")]),
        ("A US$1.5bn loan and $10 bln more.", [("money", "US$1.5bn"), ("money", "$10 bln")]),
        ("A &euro;300 million grant.", [("money", "&euro;300 million")]),
        ("Fined KZT 500,000 and Tg 5 trln.", [("money", "KZT 500,000"), ("money", "Tg 5 trln")]),
        ("Worth 24 billion dollars.", [("money", "24 billion dollars")]),
        ("Up 34% and up 34 per cent.", [("percent", "34%"), ("percent", "34 per cent")]),
        ("Rates rose 0.25 percentage points.", [("points", "0.25 percentage points")]),
        ("It ships 2.5 million tonnes.", [("quantity", "2.5 million tonnes")]),
        ("It burned 1,500 million kilowatt-hours.",
         [("quantity", "1,500 million kilowatt-hours")]),
        ("Some 12,500 people came.", [("number", "12,500")]),
        ("It pumped 30 bcm of gas.", [("quantity", "30 bcm")]),
    ],
)  # fmt: skip
def test_english_figures_and_their_spans(text, expected):
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("В сентябре 2022 года рост составил 34%.",
         [("date", "В сентябре 2022 года"), ("percent", "34%")]),
        ("Визит состоялся 28 марта 2023 года.", [("date", "28 марта 2023 года")]),
        ("К 2030 году объём вырастет.", [("date", "К 2030 году")]),
        ("С 2022 по 2024 год добыча росла.", [("date_range", "С 2022 по 2024 год")]),
        ("Товарооборот достиг 24 млрд долларов.", [("money", "24 млрд долларов")]),
        ("Бюджет — 1,2 трлн тенге.", [("money", "1,2 трлн тенге")]),
        ("Добыча выросла на 2,5 млн тонн.", [("quantity", "2,5 млн тонн")]),
        ("Ставка выросла на 0,5 п.п.", [("points", "0,5 п.п.")]),
        ("В третьем квартале 2024 года спрос упал.", [("quarter", "В третьем квартале 2024 года")]),
        ("Форум пройдёт 20–21 июня.", [("date_range", "20–21 июня")]),
    ],
)  # fmt: skip
def test_russian_figures(text, expected):
    assert spans(text, "ru") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024 жылғы 3 шілдеде кездесу өтті.", [("date", "2024 жылғы 3 шілдеде")]),
        ("2022 жылы өсім 34% болды.", [("date", "2022 жылы"), ("percent", "34%")]),
        ("2030 жылға қарай 1,2 трлн теңге жұмсалады.",
         [("date", "2030 жылға қарай"), ("money", "1,2 трлн теңге")]),
        ("2019 жылдан бері экспорт өсті.", [("date", "2019 жылдан бері")]),
        ("2022 жылдың басында баға өсті.", []),  # early 2022: no figure
    ],
)  # fmt: skip
def test_kazakh_figures(text, expected):
    assert spans(text, "kk") == expected


@pytest.mark.parametrize(
    "text",
    [
        "Call +7 7172 740000 for details.",
        "Phone (7172) 74-00-00.",
        "ISBN 978-601-7000-00-1 was assigned.",
        "Her IIN is 850101300123.",
        "Flight KC 1917 left late.",
        "Parliament passed it by 85 votes to 8.",
        "The team won 3-1 in Almaty.",
        "She lives at 1500 Pennsylvania Avenue.",
        "2022 was a record year.",
        "The 2022 harvest was poor.",
        "Prices rose in early 2021.",
        "Some 12 ministers attended.",
        "Staff were cut by 2000 jobs.",
        "He was aged 1500 in the legend.",
    ],
)
def test_never_a_figure(text):
    assert spans(text) == []


def test_values_carry_precision_currency_and_dateline_year():
    (money,) = find_figures("Investment hit $1.50 billion.")
    assert (money.amount, money.decimals, money.scale, money.currency) == (
        Decimal("1500000000"), 2, 9, "USD")
    (day,) = find_figures("The talks are on April 9.", dateline_year=2021)
    assert (day.date_value, day.has_year, day.relation) == (datetime.date(2021, 4, 9), False, "in")
    json.dumps([f.to_dict() for f in find_figures("On 28 March 2023 it rose 34% to $24bn.")])


def test_other_source_languages_are_refused():
    with pytest.raises(ValueError, match="not 'de'"):
        find_figures("Am 28. März 2023", "de")


def test_a_page_of_digits_is_no_figure_and_no_error():
    assert spans("9" * 250_000) == []


# ------------------------------------------------------------------------------ rendering


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("on 28 March 2023", "en-US", "on March 28, 2023"),
        ("on Sept 14, 2023", "en-US", "on Sept. 14, 2023"),
        ("on 14 September 2023", "en-GB", "on 14 September 2023"),
        ("in September 2022", "ru-RU", "в сентябре 2022 года"),
        ("since September 2022", "ru-RU", "с сентября 2022 года"),
        ("by September 2022", "ru-RU", "к сентябрю 2022 года"),
        ("in 2022", "ru-RU", "в 2022 году"),
        ("after 2022", "ru-RU", "после 2022 года"),
        ("on Tuesday, March 28, 2023", "ru-RU", "во вторник, 28 марта 2023 года"),
        ("since the second half of 2023", "ru-RU", "со второго полугодия 2023 года"),
        ("on 3 July 2024", "kk-KZ", "2024 жылғы 3 шілдеде"),
        ("in 2022", "kk-KZ", "2022 жылы"),
        ("since 2019", "kk-KZ", "2019 жылдан бері"),
        ("in the third quarter of 2024", "zh-CN", "2024年第三季度"),
        ("since 2022", "zh-CN", "2022年以来"),
        ("in 2022", "de-DE", "2022"),
        ("in Q3 2024", "de-DE", "im dritten Quartal 2024"),
        ("on 1 July 2024", "fr-FR", "le 1er juillet 2024"),
        ("until 2030", "fr-FR", "jusqu'en 2030"),
        ("on June 20-21", "es-ES", "del 20 al 21 de junio"),
        ("from 2022 to 2024", "ru-RU", "с 2022 по 2024 год"),
        ("in 2022-2024", "ru-RU", "в 2022–2024 годах"),
        ("$24 billion", "ru-RU", "24 млрд долларов"),
        ("$24 billion", "es-ES", f"24{NBSP}000 millones de dólares"),
        ("$24 billion", "zh-CN", "240亿美元"),
        ("$500,000", "ru-RU", "500 тыс. долларов"),
        ("$500,000", "zh-CN", "50万美元"),
        ("4,000 yuan", "zh-CN", "4000元"),
        ("1.2 trillion tenge", "fr-FR", "1\u00a0200 milliards de tenges"),
        ("€300 million", "fr-FR", "300 millions d'euros"),
        ("34%", "de-DE", "34 Prozent"),
        ("34%", "fr-FR", f"34{NBSP}%"),
        ("2.5 percentage points", "ru-RU", "2,5 п.п."),
        ("2.5 million tonnes", "es-ES", "2,5 millones de toneladas"),
        ("2.5 million tonnes", "fr-FR", "2,5 millions de tonnes"),
        ("2.5 million tonnes", "en-US", "2.5 million metric tons"),
        ("1,500 million kilowatt-hours", "en-GB", "1.5 billion kilowatt-hours"),
        ("12,500", "zh-CN", "1.25万"),
        ("12,500", "de-DE", "12.500"),
    ],
)  # fmt: skip
def test_rendering_in_house_style(styles, text, locale, expected):
    (figure,) = find_figures(f"and {text}")  # inside a sentence: no capital to keep
    assert render_figure(figure, locale, styles) == expected


def test_kazakh_latin_writes_the_kazakh_style_in_latin_letters(styles):
    (figure,) = find_figures("and in September 2022")
    assert render_figure(figure, "kk-Latn", styles) == "2022 jylğy qyrküiekte"


def test_a_sentence_opening_figure_keeps_its_capital(styles):
    (figure,) = find_figures("In 2022 it rose.")
    assert render_figure(figure, "ru-RU", styles) == "В 2022 году"
    (figure,) = find_figures("It rose in 2022.")
    assert render_figure(figure, "ru-RU", styles) == "в 2022 году"


# ----------------------------------------------------------------------- house styles


def test_every_shipped_style_names_its_convention():
    folder = Path(__file__).resolve().parents[2] / "glossaries" / "styles"
    agencies = {"ru": "TASS", "kk": "Kazinform", "zh": "Xinhua", "de": "dpa", "fr": "AFP",
                "es": "EFE", "en-GB": "Reuters", "en-US": "AP"}
    for tag, agency in agencies.items():
        assert agency in (folder / f"{tag}.yaml").read_text(encoding="utf-8"), tag


def test_a_desk_overrides_one_rule_and_keeps_the_rest(tmp_path, styles):
    (tmp_path / "ru.yaml").write_text(
        'percent: "{0} %"\nrelations:\n  in: {year: "в {prep}"}\n', encoding="utf-8"
    )
    desk = load_house_styles(desk=tmp_path)
    (percent,) = find_figures("and 34%")
    (year,) = find_figures("and in 2022")
    (money,) = find_figures("and $24 billion")
    assert render_figure(percent, "ru-RU", desk) == "34 %"
    assert render_figure(percent, "ru-RU", styles) == "34%"
    assert render_figure(year, "ru-RU", desk) == "в 2022 году"
    assert render_figure(money, "ru-RU", desk) == "24 млрд долларов"  # untouched rule


def test_a_locale_without_a_style_gets_cldr_and_keeps_the_relation_word(styles):
    from service.core.figures import render_in_place

    text = "It rose in September 2022."
    (figure,) = find_figures(text)
    start, end, form = render_in_place(figure, "it-IT", styles)
    assert text[start:end] == "September 2022" and form == "settembre 2022"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("money: {style: huge}", "de-DE.yaml: money.style: expected one of"),
        ("money: {stile: compact_long}", "de-DE.yaml: money: unknown key 'stile'"),
        ("dates: {day: {format: longest}}", "de-DE.yaml: dates.day.format: expected one of"),
        ("dates: {day: {pattern: qqqqqqqq}}", "de-DE.yaml: dates.day.pattern: Babel cannot"),
        ("money: {names: {usd: Dollar}}", "de-DE.yaml: money.names: 'usd' is not an ISO 4217"),
        ("money: {names: {USD: {one: Dollar}}}", "de-DE.yaml: money.names.USD: plural forms"),
        ("money: {avoid_scales: [7]}", "de-DE.yaml: money.avoid_scales: 7 is not one of"),
        ("relations: {soon: {all: '{}'}}", "de-DE.yaml: relations: unknown relation 'soon'"),
        ("relations: {in: {week: '{}'}}", "de-DE.yaml: relations.in: unknown key 'week'"),
        ("relations: {in: {all: 'im'}}", "de-DE.yaml: relations.in.all: the template"),
        ("year_ranges: {dash: '{a}'}", 'de-DE.yaml: year_ranges.dash: needs "{a}" and "{b}"'),
        ("percent: '%'", "de-DE.yaml: percent: the template '%' has no place"),
        ("units: {furlong: x}", "de-DE.yaml: units: unknown key 'furlong'"),
        ("territories: {XX: Somewhere}", "de-DE.yaml: territories: 'XX' is not a CLDR"),
        ("- just\n- a list", "de-DE.yaml: top level: expected a mapping"),
        ("money: {style: [", "de-DE.yaml: not valid YAML"),
    ],
)
def test_malformed_style_file_names_file_and_key(tmp_path, yaml_text, message):
    (tmp_path / "de-DE.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ValueError) as error:
        load_house_styles(tmp_path)
    assert str(error.value).startswith(message)


def test_empty_style_file_means_cldr_defaults(tmp_path):
    (tmp_path / "de-DE.yaml").write_text("# nothing decided yet\n", encoding="utf-8")
    assert load_house_styles(tmp_path).for_locale("de-DE") == HouseStyle()


def test_figures_import_only_stdlib_babel_yaml_and_core():
    for path in FIGURES_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in {*sys.stdlib_module_names, "babel", "yaml"}, path
