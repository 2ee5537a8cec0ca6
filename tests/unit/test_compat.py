"""The drop-in LibreTranslate (/translate, /languages, /detect) and DeepL (/v2/...) endpoints,
through the Flask test client: every field, every error in each API's own shape.

The article pairs are en -> en-GB/en-US (names and figures, no engine needed); a translation
proper is tested with an engine of the tests' own, so these tests need no MT installed.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from service.api.compat import CompatState
from service.core.figures import load_house_styles
from service.core.translate import EngineError, EngineInfo, EngineRouter
from service.usecases.run import LocalizerCache

TOKAYEV = {
    "id": "kassym-jomart-tokayev",
    "type": "person",
    "names": {"en": "Kassym-Jomart Tokayev", "ru": "Касым-Жомарт Токаев",
              "de": "Qassym-Schomart Toqajew", "eo": "Kasim-Ĵomart Tokajev"},
    "variants": [{"text": "Kassym-Zhomart Tokayev", "kind": "spelling"}],
}
MISSPELLED = "Kassym-Zhomart Tokayev met the press on March 28, 2023."
FIXED_GB = "Kassym-Jomart Tokayev met the press on 28 March 2023."
FIXED_US = "Kassym-Jomart Tokayev met the press on March 28, 2023."


class Shouting:
    """An en->eo engine that upper-cases what it is given (placeholders pass untouched), or
    fails when `broken`."""

    name = "shouting"

    def __init__(self, broken: bool = False):
        self.broken = broken

    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset({("en", "eo")})

    def translate(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        if self.broken:
            raise EngineError(self.name, "connection refused", transient=True)
        return [segment.upper() for segment in segments]

    def info(self) -> EngineInfo:
        return EngineInfo(self.name, "ready", tuple(self.pairs()))

    def close(self) -> None:
        pass


@pytest.fixture
def with_engine(app):
    """Put an engine of the test's own behind the compatible endpoints."""

    def install(engine) -> None:
        cache = LocalizerCache(EngineRouter([engine]), load_house_styles(), refresh_seconds=0.0)
        app.extensions["audarma_compat"] = CompatState(cache)

    return install


@pytest.fixture
def keys(app, client, auth):
    """Plain keys by role, with Tokayev in the glossary."""
    created = client.post("/v1/glossary/entries", json=TOKAYEV, headers=auth["maintainer"])
    assert created.status_code == 201, created.get_data(as_text=True)
    return {role: header["Authorization"].removeprefix("Bearer ")
            for role, header in auth.items()}


FORM = "application/x-www-form-urlencoded"


def deepl(key: str) -> dict[str, str]:
    return {"Authorization": f"DeepL-Auth-Key {key}"}


# --------------------------------------------------------------------------- LibreTranslate


def test_libre_form_body_fixes_the_name_and_restyles_the_date(client, keys):
    response = client.post("/translate", data={
        "q": MISSPELLED, "source": "en", "target": "en-GB", "api_key": keys["editor"],
    })

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"translatedText": FIXED_GB}


def test_libre_json_list_with_auto_detects_each_text(client, keys):
    response = client.post("/translate", json={
        "q": [MISSPELLED, "Токаев провёл встречу."], "source": "auto", "target": "en",
        "api_key": keys["editor"], "alternatives": 3,  # fields LibreTranslate clients add
    })

    body = response.get_json()
    assert response.status_code == 400, body  # ru->en: no engine serves it in these tests
    assert "ru->en" in body["error"]
    one = client.post("/translate", json={
        "q": [MISSPELLED, "   "], "source": "auto", "target": "en", "api_key": keys["editor"],
    }).get_json()
    assert one["translatedText"] == [FIXED_GB, "   "]  # bare "en" is en-GB
    assert [d["language"] for d in one["detectedLanguage"]] == ["en", "en"]
    assert one["detectedLanguage"][0]["confidence"] == 100.0


def test_libre_translates_with_the_engine_keeping_fixed_names(client, keys, with_engine):
    with_engine(Shouting())

    response = client.post("/translate", json={
        "q": MISSPELLED, "source": "en", "target": "eo", "api_key": keys["editor"],
    })

    text = response.get_json()["translatedText"]
    assert "MET THE PRESS" in text
    assert text.startswith("Kasim-Ĵomart Tokajev")  # the glossary's Esperanto form


def test_libre_html_keeps_the_markup(client, keys):
    response = client.post("/translate", json={
        "q": "<p><b>Kassym-Zhomart Tokayev</b> spoke.</p>", "source": "en", "target": "en-GB",
        "format": "html", "api_key": keys["editor"],
    })

    assert response.get_json() == {"translatedText": "<p><b>Kassym-Jomart Tokayev</b> spoke.</p>"}


def test_libre_no_engine_for_the_pair_is_a_400_naming_it(make_app):
    app = make_app(engines=())
    client = app.test_client()
    key, _ = app.extensions["audarma"].keys.create("editor")

    response = client.post("/translate", json={"q": "Hello", "source": "en", "target": "es",
                                               "api_key": key})

    assert response.status_code == 400
    assert "no translation engine serves en->es" in response.get_json()["error"]


def test_libre_engine_failure_is_a_500(client, keys, with_engine):
    with_engine(Shouting(broken=True))

    response = client.post("/translate", json={"q": "Hello there.", "source": "en",
                                               "target": "eo", "api_key": keys["editor"]})

    assert response.status_code == 500
    assert "connection refused" in response.get_json()["error"]


@pytest.mark.parametrize(("body", "expected"), [
    ({"source": "en", "target": "en-GB"}, "'q' is required"),
    ({"q": 5, "source": "en", "target": "en-GB"}, "'q' must be a string"),
    ({"q": ["a", 5], "source": "en", "target": "en-GB"}, "'q[1]' must be a string"),
    ({"q": ["a"] * 51, "source": "en", "target": "en-GB"}, "at most 50"),
    ({"q": "a\x00b", "source": "en", "target": "en-GB"}, "NUL"),
    ({"q": "a", "source": "de", "target": "en-GB"}, "'source' must be one of auto, en, ru, kk"),
    ({"q": "a", "source": "en"}, "'target' is required"),
    ({"q": "a", "source": "en", "target": "xx-!!"}, "'target' 'xx-!!' is not a language code"),
    ({"q": "a", "source": "en", "target": "en-GB", "format": "pdf"},
     "'format' must be text or html"),
])
def test_libre_bad_fields_are_400_naming_the_field(client, keys, body, expected):
    response = client.post("/translate", json={**body, "api_key": keys["editor"]})

    assert response.status_code == 400
    assert expected in response.get_json()["error"]


def test_libre_an_article_over_the_size_limit_is_a_400(make_app):
    app = make_app(max_article_bytes=100)
    key, _ = app.extensions["audarma"].keys.create("editor")

    response = app.test_client().post("/translate", json={
        "q": "word " * 30, "source": "en", "target": "en-GB", "api_key": key})

    assert response.status_code == 400
    assert "150 bytes of UTF-8; the limit is 100" in response.get_json()["error"]


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"data": "{not json", "content_type": "application/json"}, "not valid JSON"),
    ({"json": ["q"]}, "must be an object, not list"),
    ({"data": "q=a", "content_type": "text/plain"}, "not text/plain"),
    # Latin-1 bytes, raw or %-escaped: refused by name, never read as U+FFFD.
    ({"data": b"q=caf\xe9&target=en-GB", "content_type": FORM},
     "the form body is not valid UTF-8: byte 0xe9 at offset 5"),
    ({"data": "q=caf%E9&target=en-GB", "content_type": FORM},
     "%-escaped value that is not UTF-8"),
    ({"data": "&".join(["q=a"] * 1001), "content_type": FORM}, "more than 1000 fields"),
])
def test_libre_unreadable_bodies_are_400_before_the_key(client, kwargs, expected):
    response = client.post("/translate", **kwargs)

    assert response.status_code == 400
    assert expected in response.get_json()["error"]


def test_libre_missing_or_unknown_key_is_403(client, keys):
    missing = client.post("/translate", json={"q": "a", "source": "en", "target": "en-GB"})
    unknown = client.post("/translate", json={"q": "a", "source": "en", "target": "en-GB",
                                              "api_key": "ak_nope"})

    assert missing.status_code == unknown.status_code == 403
    assert "'api_key' field" in missing.get_json()["error"]
    assert unknown.get_json() == {"error": "invalid or revoked API key"}


def test_libre_languages_is_public_and_lists_what_is_served(client, with_engine):
    with_engine(Shouting())

    response = client.get("/languages")

    languages = {item["code"]: item for item in response.get_json()}
    assert languages["en"] == {"code": "en", "name": "English", "targets": ["en", "eo"]}
    assert languages["ru"]["targets"] == ["ru"]
    assert languages["eo"]["targets"] == []


def test_libre_detect(client, keys):
    response = client.post("/detect", data={"q": "Тоқаев баспасөзбен кездесті",
                                            "api_key": keys["editor"]})

    assert response.get_json() == [{"confidence": 100.0, "language": "kk"}]
    assert client.post("/detect", data={"api_key": keys["editor"]}).status_code == 400


def test_libre_rate_limit_is_429_per_key(make_app):
    app = make_app(rate_limit="2/minute")
    client = app.test_client()
    first, _ = app.extensions["audarma"].keys.create("editor")
    second, _ = app.extensions["audarma"].keys.create("editor")
    body = {"q": "Hello.", "source": "en", "target": "en-GB"}

    statuses = [client.post("/translate", json={**body, "api_key": first}).status_code
                for _ in range(3)]
    other = client.post("/translate", json={**body, "api_key": second})
    limited = client.post("/translate", data={**body, "api_key": first})

    assert statuses == [200, 200, 429]
    assert other.status_code == 200  # counted per key, not per address
    assert limited.status_code == 429
    assert "rate limit exceeded" in limited.get_json()["error"]
    assert int(limited.headers["Retry-After"]) > 0


# --------------------------------------------------------------------------- DeepL: translate


def test_deepl_form_with_repeated_text(client, keys):
    response = client.post("/v2/translate", headers=deepl(keys["editor"]), data={
        "text": [MISSPELLED, "Nothing to fix."], "target_lang": "EN-GB",
        "formality": "default", "split_sentences": "1",  # fields DeepL clients add
    })

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"translations": [
        {"detected_source_language": "EN", "text": FIXED_GB,
         "billed_characters": len(MISSPELLED)},
        {"detected_source_language": "EN", "text": "Nothing to fix.", "billed_characters": 15},
    ]}


def test_deepl_multipart_form_with_repeated_text(client, keys):
    response = client.post("/v2/translate", headers=deepl(keys["editor"]),
                           content_type="multipart/form-data",
                           data={"text": [MISSPELLED, "Nothing to fix."],
                                 "target_lang": "EN-GB"})

    assert response.status_code == 200, response.get_json()
    texts = [t["text"] for t in response.get_json()["translations"]]
    assert texts == [FIXED_GB, "Nothing to fix."]


@pytest.mark.parametrize(("target", "expected"), [
    ("EN-US", FIXED_US), ("EN-GB", FIXED_GB), ("EN", FIXED_GB), ("en-us", FIXED_US),
])
def test_deepl_json_targets(client, keys, target, expected):
    response = client.post("/v2/translate", headers=deepl(keys["editor"]), json={
        "text": [MISSPELLED], "source_lang": "EN", "target_lang": target})

    assert response.get_json()["translations"][0]["text"] == expected


def test_deepl_accepts_the_auth_key_field_and_audarmas_bearer(client, keys):
    field = client.post("/v2/translate", data={"text": "Hi.", "target_lang": "EN-GB",
                                               "auth_key": keys["editor"]})
    bearer = client.post("/v2/translate", data={"text": "Hi.", "target_lang": "EN-GB"},
                         headers={"Authorization": f"Bearer {keys['editor']}"})

    assert field.status_code == bearer.status_code == 200


def test_deepl_ignore_tags_leave_their_content_as_written(client, keys):
    html = "<p>Kassym-Zhomart Tokayev <x a='1'>Kassym-Zhomart Tokayev</x></p>"

    response = client.post("/v2/translate", headers=deepl(keys["editor"]), json={
        "text": [html], "target_lang": "EN-GB", "tag_handling": "xml", "ignore_tags": ["x"]})
    plain = client.post("/v2/translate", headers=deepl(keys["editor"]), json={
        "text": [html], "target_lang": "EN-GB", "tag_handling": "html"})

    assert response.get_json()["translations"][0]["text"] == (
        "<p>Kassym-Jomart Tokayev <x a='1'>Kassym-Zhomart Tokayev</x></p>")
    assert plain.get_json()["translations"][0]["text"] == (
        "<p>Kassym-Jomart Tokayev <x a='1'>Kassym-Jomart Tokayev</x></p>")


def test_deepl_translates_with_the_engine(client, keys, with_engine):
    with_engine(Shouting())

    response = client.post("/v2/translate", headers=deepl(keys["editor"]),
                           data={"text": MISSPELLED, "target_lang": "EO"})

    text = response.get_json()["translations"][0]["text"]
    assert text == "Kasim-Ĵomart Tokajev MET THE PRESS ON 28 Marto 2023."


def test_deepl_no_engine_is_400_and_a_failed_engine_503(client, keys, with_engine):
    no_engine = client.post("/v2/translate", headers=deepl(keys["editor"]),
                            data={"text": "Hello.", "target_lang": "ZU"})
    with_engine(Shouting(broken=True))
    failed = client.post("/v2/translate", headers=deepl(keys["editor"]),
                         data={"text": "Hello.", "target_lang": "EO"})

    assert no_engine.status_code == 400
    assert "no translation engine serves en->zu" in no_engine.get_json()["message"]
    assert failed.status_code == 503
    assert "connection refused" in failed.get_json()["message"]


@pytest.mark.parametrize(("body", "expected"), [
    ({"target_lang": "EN-GB"}, "'text' is required"),
    ({"text": "a"}, "'target_lang' is required"),
    ({"text": "a", "target_lang": "EN-GB", "source_lang": "DE"},
     "'source_lang' must be one of en, ru, kk"),
    ({"text": "a", "target_lang": "EN-GB", "tag_handling": "markdown"},
     "'tag_handling' must be html or xml"),
    ({"text": "a", "target_lang": "EN-GB", "tag_handling": "xml", "ignore_tags": "<x>"},
     "'ignore_tags' has '<x>', which is not a tag name"),
    ({"text": "a", "target_lang": "EN-GB", "glossary_id": "audarma-en-ru"},
     "a glossary_id needs source_lang"),
    ({"text": "a", "target_lang": "EN-GB", "source_lang": "EN", "glossary_id": "nope"},
     "'nope' is not one of audarma's glossaries"),
    ({"text": "a", "target_lang": "EN-GB", "source_lang": "EN", "glossary_id": "audarma-en-ru"},
     "is for en->ru, not en->en"),
])
def test_deepl_bad_fields_are_400_naming_the_field(client, keys, body, expected):
    response = client.post("/v2/translate", headers=deepl(keys["editor"]), data=body)

    assert response.status_code == 400
    assert expected in response.get_json()["message"]


def test_deepl_a_matching_glossary_id_is_accepted_and_the_live_glossary_applied(
    client, keys, with_engine,
):
    with_engine(Shouting())

    response = client.post("/v2/translate", headers=deepl(keys["editor"]), json={
        "text": [MISSPELLED], "source_lang": "en", "target_lang": "EO",
        "glossary_id": "audarma-en-eo"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["translations"][0]["text"].startswith("Kasim-Ĵomart Tokajev MET")


def test_deepl_a_glossary_just_created_is_usable_before_the_compiled_glossary_catches_up(
    app, client, keys,
):
    class ShoutingKazakh(Shouting):
        def pairs(self) -> frozenset[tuple[str, str]]:
            return frozenset({("en", "kk")})

    stale = LocalizerCache(EngineRouter([ShoutingKazakh()]), load_house_styles(),
                           refresh_seconds=3600.0)  # never refreshed within this test
    app.extensions["audarma_compat"] = CompatState(stale)
    body = {"text": "Astana Opera.", "source_lang": "EN", "target_lang": "KK",
            "glossary_id": "audarma-en-kk"}
    before = client.post("/v2/translate", headers=deepl(keys["editor"]), data=body)
    created = client.post("/v2/glossaries", headers=deepl(keys["maintainer"]), json={
        "source_lang": "en", "target_lang": "kk", "entries": "Astana Opera\tАстана Опера"})

    after = client.post("/v2/translate", headers=deepl(keys["editor"]), data=body)
    shown = client.get("/v2/glossaries/audarma-en-kk", headers=deepl(keys["editor"]))

    assert before.status_code == 400  # no such glossary yet
    assert created.status_code == 201 and created.get_json()["entry_count"] == 1
    assert after.status_code == 200, after.get_json()
    assert shown.status_code == 200 and shown.get_json()["entry_count"] == 1


@pytest.mark.parametrize(("refresh", "fixed"), [(3600.0, False), (0.0, True)])
def test_the_endpoints_see_a_glossary_edit_as_the_workers_do(make_app, refresh, fixed):
    app = make_app(glossary_refresh_seconds=refresh)
    client = app.test_client()
    keys = app.extensions["audarma"].keys
    editor, _ = keys.create("editor")
    maintainer, _ = keys.create("maintainer")
    body = {"text": MISSPELLED, "source_lang": "EN", "target_lang": "EN-GB"}
    first = client.post("/v2/translate", headers=deepl(editor), data=body).get_json()
    added = client.post("/v1/glossary/entries", json=TOKAYEV,
                        headers={"Authorization": f"Bearer {maintainer}"})

    second = client.post("/v2/translate", headers=deepl(editor), data=body).get_json()

    assert added.status_code == 201
    assert "Kassym-Zhomart" in first["translations"][0]["text"]  # not in the glossary yet
    assert ("Kassym-Jomart" in second["translations"][0]["text"]) is fixed


def test_deepl_translate_reads_nothing_from_the_database_once_warm(make_app, database):
    from sqlalchemy import event

    app = make_app(glossary_refresh_seconds=3600.0, key_cache_seconds=3600.0)
    client = app.test_client()
    editor, _ = app.extensions["audarma"].keys.create("editor")
    body = {"text": MISSPELLED, "target_lang": "EN-GB"}
    assert client.post("/v2/translate", headers=deepl(editor), data=body).status_code == 200
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        again = client.post("/v2/translate", headers=deepl(editor), data=body)
    finally:
        event.remove(database.engine, "before_cursor_execute", record)

    assert again.status_code == 200
    assert statements == []


def test_deepl_text_over_the_limit_is_413(make_app):
    app = make_app(max_article_bytes=100)
    key, _ = app.extensions["audarma"].keys.create("editor")

    response = app.test_client().post("/v2/translate", headers=deepl(key),
                                      data={"text": "word " * 30, "target_lang": "EN-GB"})

    assert response.status_code == 413
    assert "the limit is 100" in response.get_json()["message"]


def test_deepl_keys_are_403_in_deepls_shape(client, keys):
    missing = client.post("/v2/translate", data={"text": "a", "target_lang": "EN-GB"})
    unknown = client.post("/v2/translate", data={"text": "a", "target_lang": "EN-GB"},
                          headers=deepl("ak_unknown"))
    wrong_scheme = client.post("/v2/translate", data={"text": "a", "target_lang": "EN-GB"},
                               headers={"Authorization": f"Basic {keys['editor']}"})

    assert missing.status_code == unknown.status_code == wrong_scheme.status_code == 403
    assert "DeepL-Auth-Key" in missing.get_json()["message"]
    assert unknown.get_json() == {"message": "invalid or revoked API key"}
    assert "WWW-Authenticate" not in missing.headers


def test_deepl_rate_limit_is_429(make_app):
    app = make_app(rate_limit="1/minute")
    key, _ = app.extensions["audarma"].keys.create("editor")
    client = app.test_client()

    client.get("/v2/usage", headers=deepl(key))
    limited = client.get("/v2/usage", headers=deepl(key))

    assert limited.status_code == 429
    assert "rate limit exceeded" in limited.get_json()["message"]


# --------------------------------------------------------------------------- DeepL: the rest


def test_deepl_languages(client, keys, with_engine):
    with_engine(Shouting())
    headers = deepl(keys["editor"])

    sources = client.get("/v2/languages", headers=headers).get_json()
    targets = client.get("/v2/languages?type=target", headers=headers).get_json()
    in_body = client.get("/v2/languages", data={"type": "target"}, headers=headers).get_json()

    assert [s["language"] for s in sources] == ["EN", "RU", "KK"]
    assert [t["language"] for t in targets] == ["EN-GB", "EN-US", "EO", "KK", "RU"]
    assert in_body == targets  # the deepl client sends GET parameters in a form body
    bad = client.get("/v2/languages?type=both", headers=headers)
    unknown = client.get("/v2/languages?kind=target", headers=headers)
    assert bad.status_code == unknown.status_code == 400
    assert "'type' must be source or target" in bad.get_json()["message"]
    assert "unknown query parameter 'kind'" in unknown.get_json()["message"]


def test_deepl_usage_counts_characters_per_key(client, keys):
    client.post("/v2/translate", headers=deepl(keys["editor"]),
                data={"text": ["Hello.", "Hi."], "target_lang": "EN-GB"})

    mine = client.get("/v2/usage", headers=deepl(keys["editor"])).get_json()
    other = client.get("/v2/usage", headers=deepl(keys["editor2"])).get_json()

    assert mine["character_count"] == 9
    assert other["character_count"] == 0
    assert mine["character_limit"] > 10**9


def test_deepl_glossaries_show_audarmas_glossary_per_pair(client, keys):
    headers = deepl(keys["editor"])

    listed = client.get("/v2/glossaries", headers=headers).get_json()["glossaries"]
    one = client.get("/v2/glossaries/audarma-en-ru", headers=headers)
    entries = client.get("/v2/glossaries/audarma-en-ru/entries", headers=headers)
    missing = client.get("/v2/glossaries/audarma-en-zz", headers=headers)

    assert {g["glossary_id"] for g in listed} == {
        "audarma-en-ru", "audarma-en-de", "audarma-en-eo",
        "audarma-ru-en", "audarma-ru-de", "audarma-ru-eo"}
    assert one.get_json()["entry_count"] == 1 and one.get_json()["ready"] is True
    assert one.get_json()["creation_time"].endswith("Z")
    assert entries.mimetype == "text/tab-separated-values"
    assert entries.get_data(as_text=True) == "Kassym-Jomart Tokayev\tКасым-Жомарт Токаев\n"
    assert missing.status_code == 404
    assert "GET /v2/glossaries lists them" in missing.get_json()["message"]


def test_deepl_creating_a_glossary_imports_its_entries(client, keys, app):
    response = client.post("/v2/glossaries", headers=deepl(keys["maintainer"]), json={
        "name": "desk", "source_lang": "en", "target_lang": "kk", "entries_format": "tsv",
        "entries": "Kassym-Jomart Tokayev\tҚасым-Жомарт Тоқаев\nAstana Opera\tАстана Опера\n",
    })

    body = response.get_json()
    assert response.status_code == 201, body
    assert body["glossary_id"] == "audarma-en-kk" and body["entry_count"] == 2
    assert body["audarma"]["added"] == 1 and body["audarma"]["changed"] == 1
    stored = {e.id: e for e in app.extensions["audarma"].glossary.entries()}
    assert stored[TOKAYEV["id"]].names["kk"] == "Қасым-Жомарт Тоқаев"


@pytest.mark.parametrize(("body", "expected"), [
    ({"source_lang": "en", "target_lang": "kk"}, "'entries' is required"),
    ({"source_lang": "en", "target_lang": "kk", "entries": "a\tb\tc"}, "3 columns"),
    ({"source_lang": "en", "target_lang": "kk", "entries": "a,b", "entries_format": "xlsx"},
     "'entries_format' must be tsv or csv"),
    ({"source_lang": "de", "target_lang": "kk", "entries": "a\tb"}, "'source_lang' must be"),
    ({"source_lang": "en", "target_lang": 7, "entries": "a\tb"}, "'target_lang' must be"),
])
def test_deepl_creating_a_bad_glossary_is_400(client, keys, body, expected):
    response = client.post("/v2/glossaries", headers=deepl(keys["maintainer"]), json=body)

    assert response.status_code == 400
    assert expected in response.get_json()["message"]


def test_deepl_glossaries_are_the_maintainers(client, keys):
    created = client.post("/v2/glossaries", headers=deepl(keys["editor"]), json={
        "source_lang": "en", "target_lang": "kk", "entries": "a\tb"})
    deleted = client.delete("/v2/glossaries/audarma-en-ru", headers=deepl(keys["maintainer"]))

    assert created.status_code == 403
    assert deleted.status_code == 400
    assert "curated in the maintainers' UI" in deleted.get_json()["message"]
    assert client.get("/v2/glossaries/audarma-en-ru",
                      headers=deepl(keys["editor"])).status_code == 200


def test_deepl_glossary_language_pairs(client, keys, with_engine):
    with_engine(Shouting())

    response = client.get("/v2/glossary-language-pairs", headers=deepl(keys["editor"]))

    pairs = response.get_json()["supported_languages"]
    assert response.status_code == 200
    assert {"source_lang": "en", "target_lang": "eo"} in pairs  # translated and named
    assert {"source_lang": "ru", "target_lang": "de"} in pairs  # named by Tokayev's entry
    assert all(p["source_lang"] != p["target_lang"] for p in pairs)
    assert pairs == sorted(pairs, key=lambda p: (p["source_lang"], p["target_lang"]))
    listed = client.get("/v2/glossaries", headers=deepl(keys["editor"])).get_json()
    assert {(g["source_lang"], g["target_lang"]) for g in listed["glossaries"]} <= {
        (p["source_lang"], p["target_lang"]) for p in pairs}
    assert client.get("/v2/glossary-language-pairs").status_code == 403


# --------------------------------------------------------------------------- shutdown


class Closing(Shouting):
    """An engine that records being closed."""

    def __init__(self) -> None:
        super().__init__()
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_closing_the_app_closes_the_engines_of_the_endpoints(app, client, keys, with_engine):
    from service.app import close_app

    engine = Closing()
    with_engine(engine)
    assert client.post("/v2/translate", headers=deepl(keys["editor"]),
                       data={"text": "Hello.", "target_lang": "EO"}).status_code == 200

    close_app(app)
    close_app(app)  # a second close (serve's, then atexit's) does nothing more

    assert engine.closed == 1
    assert "audarma_compat" not in app.extensions


def test_the_apps_of_a_process_are_closed_when_it_exits(tmp_path, migrated):
    """In a process of its own: the app's engines are closed by the atexit hook alone."""
    import shutil
    import subprocess
    import sys
    import textwrap

    database = tmp_path / "audarma.sqlite3"
    shutil.copy(migrated, database)
    marker = tmp_path / "closed"
    script = textwrap.dedent(f"""
        from service.api.compat import CompatState
        from service.app import create_app
        from service.core.figures import load_house_styles
        from service.core.translate import EngineRouter
        from service.usecases.run import LocalizerCache

        class Engine:
            name = "marker"
            def pairs(self):
                return frozenset()
            def close(self):
                open({str(marker)!r}, "w").write("closed")

        app = create_app({{"TESTING": True, "database_url": "sqlite:///{database}"}},
                         enqueue=lambda job, queue: None)
        cache = LocalizerCache(EngineRouter([Engine()]), load_house_styles(), 0.0)
        app.extensions["audarma_compat"] = CompatState(cache)
    """)

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)

    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "closed"
