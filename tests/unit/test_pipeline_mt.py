"""localize() with a translation engine: names and figures come out in their target forms.

The DeepL engine is the real one, talking to the loopback server in tests/support that speaks
DeepL's documented API (it "translates" by upper-casing). Apertium has its own end-to-end test
in test_apertium_localize.py.
"""

import pytest

from service.core.figures import load_house_styles
from service.core.pipeline import localize
from service.core.translate import EngineRouter
from service.core.translate.deepl import DeepLEngine
from tests.support.fake_mt_servers import FakeDeepL

KEY = "k:fx"
TEXT = (
    "Kassym-Zhomart Tokayev met Ma Xingrui in Astana on 28 March 2023.\n\n"
    "Trade with China rose 34% to $24 billion, Tokayev said."
)


@pytest.fixture
def deepl():
    with FakeDeepL(auth_key=KEY) as server:
        yield server


def run(mini_index, server, targets, **kwargs):
    engine = DeepLEngine(KEY, url=server.url, sleep=lambda s: None)
    with EngineRouter([engine]) as router:
        return localize(TEXT, targets, mini_index, load_house_styles(), engines=router, **kwargs)


def test_translated_text_carries_glossary_names_and_localized_figures(mini_index, deepl):
    version = run(mini_index, deepl, ["ru-RU"])["versions"]["ru-RU"]
    assert version["engine"] == "deepl"
    text = version["text"].replace("[RU] ", "")  # the fake server tags its output
    first, _, second = text.partition("\n\n")
    assert first == "Касым-Жомарт Токаев MET Ма Синжуй IN Астана 28 марта 2023 года."
    assert second == "TRADE WITH Китай ROSE 34% TO 24 млрд долларов, Токаев SAID."
    assert "г.." not in text  # the date's own full stop ends the sentence
    assert "⟦" not in text and "<x" not in text


def test_the_engine_gets_placeholders_and_a_glossary_not_the_names(mini_index, deepl):
    run(mini_index, deepl, ["es-ES"])
    sent = " ".join(" ".join(r.field("text")) for r in deepl.seen("/v2/translate"))
    assert "Tokayev" not in sent and "billion" not in sent
    assert '<x id="1"/>' in sent
    created = deepl.seen("/v2/glossaries", "POST")
    assert len(created) == 1
    assert all(r.one("glossary_id") for r in deepl.seen("/v2/translate"))


def test_forcing_an_engine_that_does_not_serve_the_pair(mini_index, deepl):
    version = run(mini_index, deepl, ["kk-KZ"], engine="deepl")["versions"]["kk-KZ"]
    assert version["text"] is None
    assert "engine 'deepl' does not serve en->kk; the text is null" in version["warnings"]


def test_engine_failure_is_a_warning_not_a_crash(mini_index, deepl):
    deepl.fail(503, times=20, path="/v2/translate")
    version = run(mini_index, deepl, ["es-ES"])["versions"]["es-ES"]
    assert version["text"] is None and version["engine"] is None
    assert any("HTTP 503" in w for w in version["warnings"])
