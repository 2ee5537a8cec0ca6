"""LibreTranslate and DeepL engines against fake servers that speak the documented APIs."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from service.core.translate.base import EngineError, Translator
from service.core.translate.deepl import (
    DeepLEngine,
    deepl_target_candidates,
    from_xml,
    glossary_tsv,
    to_xml,
)
from service.core.translate.http import HttpClient, RetryPolicy, parse_retry_after
from service.core.translate.libretranslate import LibreTranslateEngine
from tests.support.fake_mt_servers import FakeDeepL, FakeLibreTranslate

LT_KEY = "lt-secret"
DEEPL_KEY = "deepl-secret:fx"
NEWS = ["Talks went well.", "⟦1⟧ met ⟦2⟧ on Monday.", "Prices fell."]


@pytest.fixture
def libre():
    with FakeLibreTranslate(api_key=LT_KEY) as server:
        yield server


@pytest.fixture
def deepl():
    with FakeDeepL(auth_key=DEEPL_KEY) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait the client asked for; passing `sleeps.append` keeps the tests fast."""
    return []


def lt_engine(server, sleeps, **kwargs) -> LibreTranslateEngine:
    kwargs.setdefault("api_key", LT_KEY)
    return LibreTranslateEngine(server.url, sleep=sleeps.append, **kwargs)


def deepl_engine(server, sleeps, key=DEEPL_KEY, **kwargs) -> DeepLEngine:
    return DeepLEngine(key, url=server.url, sleep=sleeps.append, **kwargs)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- LibreTranslate ---------------------------------------------------------------------------


def test_libretranslate_discovers_pairs_once(libre, sleeps):
    engine = lt_engine(libre, sleeps)
    assert isinstance(engine, Translator)
    from_english = {("en", t) for t in ("de", "es", "ru", "zh")}
    into_english = {(target, source) for source, target in from_english}
    assert engine.pairs() == from_english | into_english
    engine.pairs()
    info = engine.info()
    assert info.state == "ready"
    assert info.detail == {"url": libre.url}
    assert len(libre.seen("/languages")) == 1


def test_libretranslate_translates_a_batch_in_one_request(libre, sleeps):
    engine = lt_engine(libre, sleeps)
    out = engine.translate(NEWS, "en", "es")
    assert out == ["[es] TALKS WENT WELL.", "[es] ⟦1⟧ MET ⟦2⟧ ON MONDAY.", "[es] PRICES FELL."]
    (sent,) = libre.seen("/translate")
    # Placeholders go as they are, in plain-text mode, with the key in the body.
    assert sent.body == {
        "q": NEWS,
        "source": "en",
        "target": "es",
        "format": "text",
        "api_key": LT_KEY,
    }


def test_libretranslate_splits_long_input_and_keeps_order(libre, sleeps):
    segments = [f"line {i}" for i in range(120)]
    out = lt_engine(libre, sleeps).translate(segments, "en", "de")
    assert out == [f"[de] LINE {i}" for i in range(120)]
    assert [len(r.body["q"]) for r in libre.seen("/translate")] == [50, 50, 20]


def test_blank_segments_are_returned_without_a_request(libre, sleeps):
    engine = lt_engine(libre, sleeps)
    assert engine.translate(["", "  "], "en", "de") == ["", "  "]
    assert engine.translate(["One.", "", "Two."], "en", "de") == ["[de] ONE.", "", "[de] TWO."]
    assert [r.body["q"] for r in libre.seen("/translate")] == [["One.", "Two."]]


def test_libretranslate_uses_the_servers_code_for_a_bare_language(libre, sleeps):
    assert lt_engine(libre, sleeps).translate(["Hello."], "en", "zh") == ["[zh-Hans] HELLO."]
    assert libre.seen("/translate")[0].body["target"] == "zh-Hans"


def test_libretranslate_refuses_a_pair_the_server_lacks(libre, sleeps):
    with pytest.raises(EngineError, match="ru -> de is not offered"):
        lt_engine(libre, sleeps).translate(["Hello."], "ru", "de")
    assert libre.seen("/translate") == []


def test_libretranslate_bad_key_is_a_permanent_error_with_a_clear_message(libre, sleeps):
    engine = lt_engine(libre, sleeps, api_key="wrong")
    with pytest.raises(EngineError) as caught:
        engine.translate(["Hello."], "en", "es")
    err = caught.value
    assert not err.transient
    assert err.engine == "libretranslate"
    for part in ("libretranslate:", "POST /translate", "HTTP 403", "Invalid API key"):
        assert part in str(err)
    assert len(libre.seen("/translate")) == 1
    assert sleeps == []


def test_503_is_retried_with_growing_backoff_then_succeeds(libre, sleeps):
    libre.fail(503, times=2, path="/translate")
    out = lt_engine(libre, sleeps).translate(["Hello."], "en", "es")
    assert out == ["[es] HELLO."]
    assert len(libre.seen("/translate")) == 3
    policy = RetryPolicy()
    first, second = sleeps
    assert policy.base_delay / 2 <= first <= policy.base_delay
    assert policy.base_delay <= second <= policy.base_delay * 2


def test_timeout_is_retried(libre, sleeps):
    libre.stall(1.0, path="/translate")
    engine = lt_engine(libre, sleeps, timeout=0.2)
    assert engine.translate(["Hello."], "en", "es") == ["[es] HELLO."]
    assert len(libre.seen("/translate")) == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda url, sleeps: LibreTranslateEngine(url, sleep=sleeps.append),
        lambda url, sleeps: DeepLEngine(DEEPL_KEY, url=url, sleep=sleeps.append),
    ],
    ids=["libretranslate", "deepl"],
)
def test_unreachable_server_is_unavailable_and_translate_raises(make, sleeps):
    engine = make(closed_port_url(), sleeps)
    assert engine.pairs() == frozenset()
    info = engine.info()
    assert info.state.startswith("unavailable: ")
    assert "cannot connect" in info.state
    assert info.pairs == ()
    with pytest.raises(EngineError) as caught:
        engine.translate(["Hello."], "en", "de")
    assert caught.value.transient
    assert "gave up after 4 attempts" in str(caught.value)


# -- DeepL ------------------------------------------------------------------------------------


def test_deepl_pairs_are_the_cross_product_of_sources_and_targets(deepl, sleeps):
    engine = deepl_engine(deepl, sleeps)
    langs = {"en", "de", "es", "pt", "ru", "zh"}
    assert engine.pairs() == {(s, t) for s in langs for t in langs if s != t}
    info = engine.info()
    assert info.state == "ready"
    assert info.detail["url"] == deepl.url
    assert info.detail["target_variants"] == ["en-GB", "en-US", "pt-BR", "pt-PT", "zh-Hans"]
    assert DEEPL_KEY not in repr(info.to_dict())
    assert [r.query["type"] for r in deepl.seen("/v2/languages")] == [["source"], ["target"]]


def test_deepl_sends_the_key_as_a_header_and_placeholders_as_xml(deepl, sleeps):
    segments = ["⟦1⟧ met ⟦2⟧ in AT&T's <lobby>.", "No names here."]
    out = deepl_engine(deepl, sleeps).translate(segments, "en", "de")
    assert out == ["[DE] ⟦1⟧ MET ⟦2⟧ IN AT&T'S <LOBBY>.", "[DE] NO NAMES HERE."]
    (sent,) = deepl.seen("/v2/translate")
    assert sent.headers["authorization"] == f"DeepL-Auth-Key {DEEPL_KEY}"
    assert sent.field("text")[0] == '<x id="1"/> met <x id="2"/> in AT&amp;T\'s &lt;lobby&gt;.'
    assert sent.one("tag_handling") == "xml"
    assert sent.field("ignore_tags") == ["x"]
    assert sent.one("source_lang") == "EN"
    assert sent.one("glossary_id") is None


@pytest.mark.parametrize(
    ("target", "sent"),
    [("en", "EN-US"), ("en-GB", "EN-GB"), ("pt", "PT-BR"), ("pt-PT", "PT-PT"), ("zh", "ZH-HANS")],
)
def test_deepl_target_codes_sent(deepl, sleeps, target, sent):
    deepl_engine(deepl, sleeps).translate(["Hello."], "de", target)
    assert deepl.seen("/v2/translate")[0].one("target_lang") == sent


@pytest.mark.parametrize(
    ("tag", "candidates"),
    [
        ("en", ["EN-US", "EN"]),
        ("en-GB", ["EN-GB", "EN"]),
        ("en-AU", ["EN-GB", "EN"]),
        ("en-CA", ["EN-US", "EN"]),
        ("pt", ["PT-BR", "PT"]),
        ("pt-BR", ["PT-BR", "PT"]),
        ("pt-AO", ["PT-PT", "PT"]),
        ("zh", ["ZH-HANS", "ZH"]),
        ("zh-Hant", ["ZH-HANT"]),
        ("zh-TW", ["ZH-HANT"]),
        ("es", ["ES"]),
        ("es-MX", ["ES-419", "ES"]),
        ("kk-Latn", ["KK"]),
        ("DE", ["DE"]),
    ],
)
def test_deepl_target_candidates(tag, candidates):
    assert deepl_target_candidates(tag) == candidates


def test_deepl_refuses_a_target_it_does_not_list(deepl, sleeps):
    with pytest.raises(EngineError, match="en -> zh-TW is not offered"):
        deepl_engine(deepl, sleeps).translate(["Hello."], "en", "zh-TW")


@pytest.mark.parametrize(
    ("text", "xml"),
    [
        ("plain", "plain"),
        ("⟦12⟧ & ⟦3⟧", '<x id="12"/> &amp; <x id="3"/>'),
        ('a <x id="1"/> b', 'a &lt;x id="1"/&gt; b'),
    ],
)
def test_xml_round_trip(text, xml):
    assert to_xml(text) == xml
    assert from_xml(xml) == text


def test_from_xml_accepts_other_spellings_of_the_empty_tag():
    assert from_xml("<x id=\"4\" /> &#233;t&#xE9; <x id='5'></x>") == "⟦4⟧ été ⟦5⟧"


def test_deepl_batches_fifty_texts_per_request(deepl, sleeps):
    segments = [f"line {i}" for i in range(120)]
    out = deepl_engine(deepl, sleeps).translate(segments, "en", "de")
    assert out == [f"[DE] LINE {i}" for i in range(120)]
    assert [len(r.field("text")) for r in deepl.seen("/v2/translate")] == [50, 50, 20]


def test_429_waits_as_long_as_retry_after_says(deepl, sleeps):
    deepl.fail(429, retry_after="7", path="/v2/translate", message="Too many requests")
    out = deepl_engine(deepl, sleeps).translate(["Hello."], "en", "de")
    assert out == ["[DE] HELLO."]
    assert sleeps == [7.0]


def test_retry_after_is_capped(deepl, sleeps):
    deepl.fail(429, retry_after="3600", path="/v2/translate")
    deepl_engine(deepl, sleeps).translate(["Hello."], "en", "de")
    assert sleeps == [RetryPolicy().max_retry_after]


def test_retry_after_as_http_date():
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(header, now=now.timestamp) == 90.0
    assert parse_retry_after(format_datetime(now - timedelta(1), usegmt=True), now.timestamp) == 0
    assert parse_retry_after("soon", now.timestamp) is None


def test_gives_up_after_max_attempts_with_a_transient_error(deepl, sleeps):
    deepl.fail(503, times=10, path="/v2/translate", message="Service unavailable")
    engine = deepl_engine(deepl, sleeps, retries=2)
    with pytest.raises(EngineError) as caught:
        engine.translate(["Hello."], "en", "de")
    assert caught.value.transient
    for part in ("deepl:", "POST /v2/translate", "HTTP 503", "Service unavailable", "3 attempts"):
        assert part in str(caught.value)
    assert len(deepl.seen("/v2/translate")) == 3
    assert len(sleeps) == 2


def test_quota_exceeded_is_not_retried(deepl, sleeps):
    deepl.fail(456, path="/v2/translate", message="Quota exceeded")
    with pytest.raises(EngineError) as caught:
        deepl_engine(deepl, sleeps).translate(["Hello."], "en", "de")
    assert not caught.value.transient
    assert "HTTP 456: Quota exceeded" in str(caught.value)
    assert len(deepl.seen("/v2/translate")) == 1


def test_deepl_bad_key_is_a_permanent_error(deepl, sleeps):
    engine = deepl_engine(deepl, sleeps, key="wrong:fx")
    with pytest.raises(EngineError) as caught:
        engine.translate(["Hello."], "en", "de")
    assert not caught.value.transient
    assert "GET /v2/languages" in str(caught.value)
    assert "HTTP 403: Authorization failure" in str(caught.value)
    assert "wrong:fx" not in str(caught.value)
    assert engine.info().state.startswith("unavailable: GET /v2/languages: HTTP 403")


# -- DeepL glossaries -------------------------------------------------------------------------

ENTRIES = {"Tokayev": "Tokajew", "Astana": "Astana"}


def test_glossary_is_created_once_and_sent_with_translations(deepl, sleeps):
    engine = deepl_engine(deepl, sleeps)
    first = engine.set_glossary("en", "de", ENTRIES)
    second = engine.set_glossary("en", "de", dict(reversed(ENTRIES.items())))
    assert first == second
    (created,) = deepl.seen("/v2/glossaries", "POST")
    # The second call is answered from memory, without even listing the account's glossaries.
    assert len(deepl.seen("/v2/glossaries", "GET")) == 1
    assert created.one("entries") == "Astana\tAstana\nTokayev\tTokajew"
    assert created.one("entries_format") == "tsv"
    assert (created.one("source_lang"), created.one("target_lang")) == ("en", "de")

    out = engine.translate(["Tokayev visited Astana."], "en", "de")
    assert out == ["[DE] Tokajew VISITED Astana."]
    assert deepl.seen("/v2/translate")[0].one("glossary_id") == first
    assert engine.info().detail["glossaries"] == {"en-de": first}


def test_glossary_with_the_same_entries_is_found_by_a_new_engine(deepl, sleeps):
    gid = deepl_engine(deepl, sleeps).ensure_glossary("en", "de", ENTRIES)
    assert deepl_engine(deepl, sleeps).ensure_glossary("en", "de", ENTRIES) == gid
    assert len(deepl.seen("/v2/glossaries", "POST")) == 1


def test_changed_entries_make_a_new_glossary(deepl, sleeps):
    engine = deepl_engine(deepl, sleeps)
    old = engine.set_glossary("en", "de", ENTRIES)
    new = engine.set_glossary("en", "de", {**ENTRIES, "Almaty": "Almaty"})
    assert new != old
    engine.translate(["Hi."], "en", "de")
    assert deepl.seen("/v2/translate")[0].one("glossary_id") == new


def test_glossary_is_skipped_for_a_pair_deepl_does_not_allow(deepl, sleeps):
    engine = deepl_engine(deepl, sleeps)
    assert engine.set_glossary("en", "ru", ENTRIES) is None
    assert deepl.seen("/v2/glossaries", "POST") == []
    engine.translate(["Tokayev."], "en", "ru")
    assert deepl.seen("/v2/translate")[0].one("glossary_id") is None
    assert engine.info().detail["glossaries_skipped"] == [
        "en-ru: DeepL has no glossaries for this pair"
    ]


def test_empty_entries_clear_the_glossary(deepl, sleeps):
    engine = deepl_engine(deepl, sleeps)
    engine.set_glossary("en", "de", ENTRIES)
    assert engine.set_glossary("en", "de", {}) is None
    engine.translate(["Hi."], "en", "de")
    assert deepl.seen("/v2/translate")[0].one("glossary_id") is None


def test_deleted_glossary_is_no_longer_sent(deepl, sleeps):
    engine = deepl_engine(deepl, sleeps)
    gid = engine.set_glossary("en", "de", ENTRIES)
    engine.delete_glossary(gid)
    assert deepl.glossaries == {}
    engine.translate(["Hi."], "en", "de")
    assert deepl.seen("/v2/translate")[0].one("glossary_id") is None


def test_glossary_tsv_cleans_entries_deepl_would_reject():
    entries = {"New\tYork": "Nueva\nYork", " Paris ": "París", "": "x", "Rome": " ", "Paris": "P"}
    assert glossary_tsv(entries) == "New York\tNueva York\nParis\tParís"


def test_form_posts_repeat_a_key_for_each_value(deepl):
    client = HttpClient(
        "deepl", deepl.url, headers={"Authorization": f"DeepL-Auth-Key {DEEPL_KEY}"}
    )
    fields = [("text", "One."), ("text", "Two."), ("target_lang", "DE")]
    answer = client.post_form("/v2/translate", fields)
    assert [t["text"] for t in answer["translations"]] == ["[DE] ONE.", "[DE] TWO."]
    assert (
        deepl.seen("/v2/translate")[0]
        .headers["content-type"]
        .startswith("application/x-www-form-urlencoded")
    )
