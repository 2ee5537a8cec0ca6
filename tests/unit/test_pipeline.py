"""localize() end to end on the mini glossary: the result document an API client gets."""

import json
from types import MappingProxyType

import pytest

from service.core.figures import load_house_styles
from service.core.glossary import Entry
from service.core.pipeline import LocalizeError, localize, render_name

TEXT = (
    "Astana, 28 March 2023: Kassym-Zhomart Tokayev met Ma Xingrui. Trade rose 34% in 2022 "
    "to $24 billion. Ma Xingruy thanked Tokayev.\n\nAlso Read: Something else"
)


@pytest.fixture(scope="module")
def styles():
    return load_house_styles()


@pytest.fixture(scope="module")
def result(mini_index, styles):
    return localize(TEXT, ["en-GB", "ru-RU", "zh-CN", "kk-Latn", "de-DE"], mini_index, styles)


def test_document_shape_is_json_and_offsets_point_into_the_submitted_text(result):
    json.dumps(result, ensure_ascii=False)
    assert result["source_language"] == "en"
    for change in result["normalized"]["changes"]:
        assert TEXT[change["start"] : change["end"]] == change["original"]
        assert set(change) >= {"start", "end", "original", "replacement", "entity", "kind",
                               "confidence", "applied"}


def test_normalized_text_has_the_certain_fixes_only(result):
    assert result["normalized"]["text"].startswith(
        "Astana, 28 March 2023: Kassym-Jomart Tokayev met Ma Xingrui."
    )
    assert "Ma Xingrui thanked Tokayev" in result["normalized"]["text"]


def test_same_language_target_gets_text_with_house_style_figures(result):
    en_gb = result["versions"]["en-GB"]
    assert en_gb["engine"] == "none"
    assert "to $24 billion." in en_gb["text"]
    assert en_gb["warnings"] == []


def test_other_languages_list_names_and_figures_with_null_text(result):
    ru = result["versions"]["ru-RU"]
    assert ru["text"] is None and ru["engine"] is None
    assert any("no translation engine" in w for w in ru["warnings"])
    names = {n["entity"]: (n["rendered"], n["origin"]) for n in ru["names"]}
    assert names["kassym-jomart-tokayev"] == ("Касым-Жомарт Токаев", "glossary")
    assert names["ma-xingrui"] == ("Ма Синжуй", "glossary")
    assert names["astana"] == ("Астана", "glossary")
    figures = {f["original"]: f["rendered"] for f in ru["figures"]}
    assert figures["28 March 2023"] == "28 марта 2023 года"
    assert figures["$24 billion"] == "24 млрд долларов"
    assert "34%" not in figures  # TASS writes "34%" as English does: nothing to list
    assert figures["in 2022"] == "в 2022 году"


def test_chinese_names_come_from_the_glossary_only(result):
    zh = result["versions"]["zh-CN"]
    names = {n["entity"]: (n["rendered"], n["origin"]) for n in zh["names"]}
    assert names["ma-xingrui"] == ("马兴瑞", "glossary")
    assert names["astana"] == ("Astana", "unchanged")
    assert any("no zh-CN form of 'Astana'" in w for w in zh["warnings"])
    assert {f["original"]: f["rendered"] for f in zh["figures"]}["$24 billion"] == "240亿美元"


def test_kazakh_latin_names_are_transliterated_and_marked(result):
    names = {n["entity"]: (n["rendered"], n["origin"])
             for n in result["versions"]["kk-Latn"]["names"]}
    assert names["kassym-jomart-tokayev"] == ("Qasym-Jomart Toqaev", "transliterated")


def test_copy_flags_are_reported(result):
    kinds = [f["kind"] for f in result["normalized"]["flags"]]
    assert kinds == ["promo_line"]


def test_render_name_prefers_the_glossary_then_marks_transliteration(mini_index):
    entry = mini_index.entries["alikhan-smailov"]
    assert render_name(entry, "ru-RU") == ("Алихан Смаилов", "glossary")
    assert render_name(entry, "kk-KZ") == ("Әлихан Смайылов", "glossary")
    assert render_name(entry, "ja-JP") == ("Alikhan Smailov", "unchanged")
    assert render_name(entry, "uk-UA") == ("Alikhan Smailov", "unchanged")  # no uk pack
    newcomer = Entry(id="yerlan-koshanov", type="person",
                     names=MappingProxyType({"en": "Yerlan Koshanov"}))
    assert render_name(newcomer, "ru-RU") == ("Ерлан Кошанов", "transliterated")
    assert render_name(newcomer, "de-DE") == ("Yerlan Koshanov", "unchanged")


@pytest.mark.parametrize(
    ("text", "targets", "message"),
    [
        ("", ["en-GB"], "empty"),
        ("Tokayev spoke.", [], "no target locales"),
        ("Tokayev spoke.", ["xx-YY"], "unknown target locale 'xx-YY'"),
    ],
)
def test_bad_input_is_a_clear_error(mini_index, text, targets, message):
    with pytest.raises(LocalizeError, match=message):
        localize(text, targets, mini_index)


def test_the_pipeline_sets_no_limit_of_its_own_on_targets(mini_index):
    # The service's limit (Settings.max_targets) is checked once, at submission: a job the API
    # accepted with 25 targets must never be refused by the worker.
    valid = ["en-GB", "en-US", "en-AU", "en-CA", "en-IE", "ru-RU", "ru-KZ", "kk-KZ", "kk-Latn",
             "zh-CN", "zh-SG", "de-DE", "de-AT", "fr-FR", "fr-CA", "es-ES", "es-MX", "ca-ES",
             "it-IT", "ja-JP", "ko-KR", "pt-PT", "pl-PL", "tr-TR"]
    assert len(valid) > 20
    result = localize("Tokayev spoke.", valid, mini_index)
    assert len(result["versions"]) == len(valid)


def test_unsupported_source_language(mini_index):
    with pytest.raises(LocalizeError, match="source language 'de' is not supported"):
        localize("Tokajew sprach.", ["en-GB"], mini_index, source_language="de")


def test_russian_source_links_inflected_names_and_localizes_its_figures(mini_index, styles):
    text = "Касым-Жомарт Токаев встретился с Ма Синжуем в Астане 28 марта 2023 года."
    result = localize(text, ["ru-RU", "zh-CN", "en-GB"], mini_index, styles)
    assert result["source_language"] == "ru"
    assert result["versions"]["ru-RU"]["text"] == text
    assert result["versions"]["ru-RU"]["figures"] == []  # nothing to change in its own style
    zh = result["versions"]["zh-CN"]
    assert [n["rendered"] for n in zh["names"]][:2] == ["托卡耶夫", "马兴瑞"]
    assert zh["figures"] == [{"kind": "date", "original": "28 марта 2023 года",
                              "rendered": "2023年3月28日"}]
    assert result["versions"]["en-GB"]["figures"][0]["rendered"] == "28 March 2023"
