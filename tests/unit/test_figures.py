"""Finding figures in English copy and writing them in each locale's news style."""

import ast
import datetime
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from service.core import figures
from service.core.figures import (
    Figure,
    HouseStyle,
    HouseStyles,
    find_figures,
    load_house_styles,
    parse_house_style,
    render_figure,
    render_money,
)

NBSP = "\u00a0"
NNBSP = "\u202f"


@pytest.fixture(scope="module")
def styles() -> HouseStyles:
    return load_house_styles()


def only_figure(text: str) -> Figure:
    found = find_figures(text)
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------------------------
# Finding
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Signed on 28 March 2023 in Astana.", [("date", "28 March 2023")]),
        ("Signed on March 28, 2023.", [("date", "March 28, 2023")]),
        ("Signed on 28th March 2023.", [("date", "28th March 2023")]),
        ("Talks began in October 2022.", [("date", "October 2022")]),
        ("Exports grew in 2022.", [("date", "2022")]),
        ("Prices rose in early 2021.", [("date", "2021")]),
        ("Trade grew between 2020 and 2022.", [("date", "2020"), ("date", "2022")]),
        ("It will invest $24 billion.", [("money", "$24 billion")]),
        ("A US$1.5bn loan.", [("money", "US$1.5bn")]),
        ("A €3.2 million grant.", [("money", "€3.2 million")]),
        ("A £400m deal.", [("money", "£400m")]),
        ("Fined KZT 500,000.", [("money", "KZT 500,000")]),
        ("Fined 500,000 tenge.", [("money", "500,000 tenge")]),
        ("Worth 24 billion dollars.", [("money", "24 billion dollars")]),
        ("Worth more than $21 billion.", [("money", "$21 billion")]),
        ("A 1.2 trillion yuan plan.", [("money", "1.2 trillion yuan")]),
        ("Cost 300 million roubles.", [("money", "300 million roubles")]),
        ("Cost 5 billion rubles.", [("money", "5 billion rubles")]),
        ("Raised 2 million euros.", [("money", "2 million euros")]),
        ("Up 34%.", [("percent", "34%")]),
        ("Up 34 percent.", [("percent", "34 percent")]),
        ("Up 34 per cent.", [("percent", "34 per cent")]),
        ("Up 18.5%.", [("percent", "18.5%")]),
        ("Some 1,200 people came.", [("number", "1,200")]),
        ("It ships 3 million tonnes.", [("number", "3 million")]),
        ("About 12500 visitors.", [("number", "12500")]),
        (
            "On 28 March 2023 the fund spent $24 billion, 34% more than in 2022.",
            [("date", "28 March 2023"), ("money", "$24 billion"), ("percent", "34%"),
             ("date", "2022")],
        ),
    ],
)  # fmt: skip
def test_find_figures_reads_kind_and_exact_span(text, expected):
    found = find_figures(text)
    assert [(f.kind, f.original) for f in found] == expected
    for figure in found:
        assert text[figure.start : figure.end] == figure.original


@pytest.mark.parametrize(
    "text",
    [
        "The sides signed 52 cooperation projects.",
        "The plant has run for 15 years.",
        "About 2022 delegates attended.",  # a head count, not a year
        "The A320 and the Boeing 737 were grounded.",
        "Output grew by 3.5 points.",
        "Visitors rose by 2000 per cent.",  # the percentage is found, not a year
    ],
)
def test_find_figures_leaves_small_counts_and_non_years_alone(text):
    assert [f for f in find_figures(text) if f.kind in ("date", "number")] == []


def test_find_figures_keeps_year_offset_without_the_context_word():
    text = "Exports grew in 2022."
    figure = only_figure(text)
    assert (figure.start, figure.end) == (16, 20)


@pytest.mark.parametrize(
    ("text", "date_value", "granularity"),
    [
        ("28 March 2023", datetime.date(2023, 3, 28), "day"),
        ("March 28, 2023", datetime.date(2023, 3, 28), "day"),
        ("28th March 2023", datetime.date(2023, 3, 28), "day"),
        ("1 Sept. 2021", datetime.date(2021, 9, 1), "day"),
        ("October 2022", datetime.date(2022, 10, 1), "month"),
        ("since 1998", datetime.date(1998, 1, 1), "year"),
        ("by 2100", datetime.date(2100, 1, 1), "year"),
    ],
)
def test_dates_carry_value_and_granularity(text, date_value, granularity):
    figure = only_figure(text)
    assert (figure.date_value, figure.granularity) == (date_value, granularity)


@pytest.mark.parametrize(
    ("text", "kind", "amount", "decimals", "scale", "currency"),
    [
        ("$24 billion", "money", "24000000000", 0, 9, "USD"),
        ("US$1.5bn", "money", "1500000000", 1, 9, "USD"),
        ("€3.2 million", "money", "3200000", 1, 6, "EUR"),
        ("£400m", "money", "400000000", 0, 6, "GBP"),
        ("KZT 500,000", "money", "500000", 0, 0, "KZT"),
        ("500,000 tenge", "money", "500000", 0, 0, "KZT"),
        ("24 billion dollars", "money", "24000000000", 0, 9, "USD"),
        ("24 billion US dollars", "money", "24000000000", 0, 9, "USD"),
        ("1.2 trillion yuan", "money", "1200000000000", 1, 12, "CNY"),
        ("300 million roubles", "money", "300000000", 0, 6, "RUB"),
        ("2 million euros", "money", "2000000", 0, 6, "EUR"),
        ("HK$3bn", "money", "3000000000", 0, 9, "HKD"),
        ("18.5%", "percent", "18.5", 1, 0, None),
        ("34 per cent", "percent", "34", 0, 0, None),
        ("1,200.75", "number", "1200.75", 2, 0, None),
        ("3.25 million", "number", "3250000", 2, 6, None),
    ],
)
def test_amounts_keep_full_value_precision_and_currency(
    text, kind, amount, decimals, scale, currency
):
    figure = only_figure(text)
    assert figure.kind == kind
    assert figure.amount == Decimal(amount)
    assert (figure.decimals, figure.scale, figure.currency) == (decimals, scale, currency)


def test_to_dict_is_json_with_values_as_strings():
    money, date = find_figures("US$1.5bn in October 2022")
    assert json.loads(json.dumps(money.to_dict())) == {
        "kind": "money", "start": 0, "end": 8, "original": "US$1.5bn",
        "amount": "1500000000", "decimals": 1, "scale": 9, "currency": "USD",
    }  # fmt: skip
    assert date.to_dict() == {
        "kind": "date", "start": 12, "end": 24, "original": "October 2022",
        "date": "2022-10-01", "granularity": "month",
    }  # fmt: skip


def test_find_figures_refuses_other_source_languages():
    with pytest.raises(ValueError, match="English"):
        find_figures("28 марта 2023 г.", language="ru")


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

DATE_CASES = [
    ("28 March 2023", "en-GB", "28 March 2023"),
    ("28 March 2023", "en-US", "March 28, 2023"),
    ("28 March 2023", "ru-RU", f"28 марта 2023{NNBSP}г."),
    ("28 March 2023", "kk-KZ", f"2023{NNBSP}ж. 28 наурыз"),
    ("28 March 2023", "zh-CN", "2023年3月28日"),
    ("28 March 2023", "de-DE", "28. März 2023"),
    ("28 March 2023", "fr-FR", "28 mars 2023"),
    ("28 March 2023", "es-ES", "28 de marzo de 2023"),
    ("1 October 2022", "ca-ES", "1 d’octubre del 2022"),
    ("October 2022", "ru-RU", f"октябрь 2022{NNBSP}г."),
    ("October 2022", "zh-CN", "2022年10月"),
    ("October 2022", "es-ES", "octubre de 2022"),
    ("October 2022", "de-DE", "Oktober 2022"),
    ("October 2022", "en-GB", "October 2022"),
    ("in 2022", "zh-CN", "2022年"),
    ("in 2022", "ru-RU", "2022"),
]

MONEY_CASES = [
    ("$24 billion", "ru-RU", f"24{NBSP}млрд долларов"),
    ("$24 billion", "de-DE", f"24{NBSP}Mrd. Dollar"),
    ("$24 billion", "zh-CN", "240亿美元"),
    ("$24 billion", "en-GB", "$24bn"),
    ("$24 billion", "en-US", "$24 billion"),
    ("$24 billion", "fr-FR", "24 milliards de dollars"),
    ("$24 billion", "es-ES", f"24{NBSP}000 millones de dólares"),
    ("$24 billion", "ca-ES", "24.000 milions de dòlars"),
    ("$24 billion", "kk-KZ", f"24{NBSP}млрд АҚШ доллары"),
    ("24 billion dollars", "en-GB", "$24bn"),
    ("US$1.5bn", "en-GB", "$1.5bn"),
    ("€3.2 million", "en-GB", "€3.2m"),
    ("£400m", "en-GB", "£400m"),
    ("1.2 trillion yuan", "en-GB", "1.2tn yuan"),
    ("€3.2 million", "fr-FR", "3,2 millions d’euros"),
    ("1.2 trillion yuan", "fr-FR", "1,2 billion de yuans"),
    ("1.2 trillion yuan", "es-ES", "1,2 billones de yuanes"),
    ("1.2 trillion yuan", "zh-CN", "1.2万亿元"),
    ("300 million roubles", "ru-RU", f"300{NBSP}млн рублей"),
    ("KZT 500,000", "ru-RU", f"500{NBSP}000 тенге"),
    ("KZT 500,000", "kk-KZ", f"500{NBSP}000 теңге"),
    ("KZT 500,000", "de-DE", "500.000 Tenge"),
    ("KZT 500,000", "en-US", "500,000 tenge"),
    ("$3,000", "es-ES", "3000 dólares"),
    ("3 thousand euros", "fr-FR", "3 mille euros"),
]

PRECISION_CASES = [
    ("$1.5 billion", "ru-RU", f"1,5{NBSP}млрд долларов"),
    ("$1.5 billion", "en-US", "$1.5 billion"),
    ("$1.5 billion", "zh-CN", "15亿美元"),
    ("$1.25 billion", "zh-CN", "12.5亿美元"),
    ("$1.25 billion", "de-DE", f"1,25{NBSP}Mrd. Dollar"),
    ("$1.5 billion", "es-ES", "1500 millones de dólares"),
    ("$1,500 million", "en-GB", "$1.5bn"),
    # The locale writes a larger scale than the source did; no digit may be rounded away.
    ("$1,500 million", "ru-RU", f"1,5{NBSP}млрд долларов"),
    ("$2,750 million", "en-US", "$2.75 billion"),
    ("1.2 trillion yuan", "ru-RU", f"1,2{NBSP}трлн юаней"),
]

# The plural of the currency follows the whole amount: 21 alone takes "доллар", but
# 21 000 000 takes "долларов".
PLURAL_CASES = [
    ("$1", "ru-RU", "1 доллар"),
    ("$2", "ru-RU", "2 доллара"),
    ("$5", "ru-RU", "5 долларов"),
    ("$21", "ru-RU", "21 доллар"),
    ("$21 million", "ru-RU", f"21{NBSP}млн долларов"),
    ("$22 million", "ru-RU", f"22{NBSP}млн долларов"),
    ("$1 million", "ru-RU", f"1{NBSP}млн долларов"),
    ("$1", "fr-FR", "1 dollar"),
    ("$1.5 billion", "fr-FR", "1,5 milliard de dollars"),
    ("$1", "es-ES", "1 dólar"),
]

PERCENT_AND_NUMBER_CASES = [
    ("34%", "ru-RU", f"34{NBSP}%"),
    ("34%", "de-DE", f"34{NBSP}%"),
    ("34%", "fr-FR", f"34{NBSP}%"),
    ("34%", "zh-CN", "34%"),
    ("34%", "en-GB", "34%"),
    ("34 per cent", "en-US", "34%"),
    ("18.5%", "ru-RU", f"18,5{NBSP}%"),
    ("18.5%", "en-GB", "18.5%"),
    ("1,200", "ru-RU", f"1{NBSP}200"),
    ("1,200", "de-DE", "1.200"),
    ("1,200", "fr-FR", f"1{NNBSP}200"),
    ("1,200", "es-ES", "1200"),
    ("12,000", "es-ES", f"12{NBSP}000"),
    ("1,200.75", "de-DE", "1.200,75"),
    ("3 million", "ru-RU", f"3{NBSP}млн"),
    ("3 million", "en-GB", "3m"),
    ("3 million", "en-US", "3 million"),
    ("3.25 million", "de-DE", f"3,25{NBSP}Mio."),
]


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    DATE_CASES + MONEY_CASES + PRECISION_CASES + PLURAL_CASES + PERCENT_AND_NUMBER_CASES,
)
def test_render_figure_in_house_style(text, locale, expected, styles):
    assert render_figure(only_figure(text), locale, styles) == expected


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        # No style file: plain CLDR words and currency names.
        ("$24 billion", "uk", "24 мільярди доларів США"),
        ("$24 billion", "ar", "24 مليار دولار أمريكي"),
        ("28 March 2023", "ar", "28 مارس 2023"),
    ],
)
def test_locales_without_a_style_file_get_cldr_defaults(text, locale, expected, styles):
    assert render_figure(only_figure(text), locale, styles) == expected


def test_style_is_found_along_the_lookup_chain():
    russian = parse_house_style(
        "money: {style: compact_short, names: {USD: {many: долларов, other: доллара}}}"
    )
    styles = HouseStyles({"ru": russian})
    assert render_figure(only_figure("$24 billion"), "ru-KZ", styles) == f"24{NBSP}млрд долларов"


def test_render_figure_reads_the_repository_styles_by_default():
    assert render_figure(only_figure("$24 billion"), "en-GB") == "$24bn"


def test_editor_overrides_apply_without_code_changes():
    style = parse_house_style(
        """
        dates: {day: {pattern: "d.M.y"}}
        money:
          style: symbol_short
          symbols: {USD: "US$"}
          scale_words: {9: "{0} bn"}
        numbers: {group_separator: "'"}
        """
    )
    assert render_figure(only_figure("28 March 2023"), "en", HouseStyles({"en": style})) == (
        "28.3.2023"
    )
    assert render_money(only_figure("$24 billion"), "en", style) == "US$24 bn"
    assert render_money(only_figure("$12,500"), "en", style) == "US$12'500"


def test_language_level_style_serves_every_region(styles):
    figure = find_figures("$24 billion")[0]
    assert render_figure(figure, "ru-KZ", styles) == "24\u00a0млрд долларов"


def test_shipped_style_files_all_load(styles):
    assert set(styles.by_tag) >= {
        "en-GB", "en-US", "ru", "kk", "zh", "de", "fr", "es", "ca",
    }  # fmt: skip
    assert styles.for_locale("es-ES").avoid_scales == frozenset({9})
    assert styles.for_locale("en-GB").money == "symbol_short"


# --------------------------------------------------------------------------------------------
# Malformed style files
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("money: {style: huge}", "de-DE.yaml: money.style: expected one of"),
        ("money: {stile: compact_long}", "de-DE.yaml: money: unknown key 'stile'"),
        ("dates: {day: {format: longest}}", "de-DE.yaml: dates.day.format: expected one of"),
        ("dates: {day: {format: long, skeleton: yMMMd}}", "de-DE.yaml: dates.day: give exactly"),
        ("dates: {day: {pattern: qqqqqqqq}}", "de-DE.yaml: dates.day.pattern: Babel cannot"),
        ("money: {names: {usd: Dollar}}", "de-DE.yaml: money.names: 'usd' is not an ISO 4217"),
        ("money: {names: {USD: {one: Dollar}}}", "de-DE.yaml: money.names.USD: plural forms"),
        ("money: {scale_words: {9: Mrd}}", "de-DE.yaml: money.scale_words.9: each form needs"),
        ("money: {avoid_scales: [7]}", "de-DE.yaml: money.avoid_scales: 7 is not one of"),
        ("numbers: {min_grouping_digits: 5}", "de-DE.yaml: numbers.min_grouping_digits"),
        ("- just\n- a list", "de-DE.yaml: top level: expected a mapping"),
        ("money: {style: [", "de-DE.yaml: not valid YAML"),
    ],
)
def test_malformed_style_file_names_file_and_key(tmp_path, yaml_text, message):
    (tmp_path / "de-DE.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ValueError) as error:
        load_house_styles(tmp_path)
    assert str(error.value).startswith(message)


def test_style_file_must_be_named_by_a_language_tag(tmp_path):
    (tmp_path / "german.yaml").write_text("money: {style: compact_short}", encoding="utf-8")
    with pytest.raises(ValueError, match="german.yaml: file name is not a language tag"):
        load_house_styles(tmp_path)


def test_empty_style_file_means_cldr_defaults(tmp_path):
    (tmp_path / "de-DE.yaml").write_text("# nothing decided yet\n", encoding="utf-8")
    assert load_house_styles(tmp_path).for_locale("de-DE") == HouseStyle()


# --------------------------------------------------------------------------------------------
# Purity
# --------------------------------------------------------------------------------------------


def test_module_imports_only_stdlib_babel_yaml_and_core():
    tree = ast.parse(Path(figures.__file__).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module]
        )
    }
    assert imported - set(sys.stdlib_module_names) <= {"babel", "yaml", "service"}


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("Staff were cut by 2000 jobs.", []),
        ("Ministers of 2022 delegates met.", []),
        ("Trade could double by 2030.", ["2030"]),
        ("Output in 2022 was a record.", ["2022"]),
    ],
)
def test_a_plural_noun_after_a_number_makes_it_a_count_not_a_year(text, years):
    assert [f.original for f in find_figures(text) if f.kind == "date"] == years
