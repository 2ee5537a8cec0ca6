"""IPTC ninjs items in and out: one job localizes an item's headlines and bodies together and
keeps every other field; the result has a ninjs item per version, linked to the others."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from service.core.figures import load_house_styles
from service.core.glossary import load_glossary
from service.core.nameindex import NameIndex
from service.core.ninjs import (
    NinjsError,
    compose,
    localize_item,
    parse_item,
    split,
    text_slots,
)
from service.core.ninjs_schema import problems
from service.core.pipeline import Localizer
from service.core.translate import EngineInfo, EngineRouter
from service.store.repositories import JobStore
from service.usecases.run import DONE, LocalizerCache, run_job

MINI = Path(__file__).resolve().parents[1] / "data" / "glossary-mini"
HIDDEN = '<span translate="no">Ma Xinrui &amp; Co</span>'

ITEM_V1 = {
    "uri": "urn:newsml:example.com:20230328:tokayev-ma",
    "version": "2",
    "type": "text",
    "urgency": 3,
    "headline": "Ma Xingrui visits Astana",
    "body_text": "On 28 March 2023 Ma Xinrui met Tokayev.\n\nTrade rose to $24 billion.",
    "body_html": f"<p>Ma Xinrui thanked the hosts of {HIDDEN}.</p>",
    "subject": [{"name": "trade", "code": "medtop:20000344"}],
    "x-desk": {"slot": "A1", "checked": False},
}

ITEM_V2 = {
    "uri": "https://example.com/items/77",
    "language": "en",
    "headlines": [{"role": "main", "value": "Tokayev meets Ma Xingrui"},
                  {"role": "sub", "value": "Talks in Astana on AT&T <deals>"}],
    "bodies": [{"role": "main", "contenttype": "text/html",
                "value": "<p>Ma Xingruy signed. <code>Ma Xingruy</code></p>"}],
    "associations": [{"name": "photo", "uri": "https://example.com/photos/5", "type": "picture"}],
    "standard": {"name": "ninjs", "version": "2.1"},
    "trustindicators": [{"title": "Ethics", "href": "https://example.com/ethics"}],
}


class Upper:
    """Serves en->de by upper-casing: what it did is visible, and markup never reaches it."""

    name = "upper"

    def __init__(self):
        self.seen: list[str] = []

    def pairs(self):
        return frozenset({("en", "de")})

    def translate(self, segments, source, target):
        self.seen.extend(segments)
        return [s.upper() for s in segments]

    def info(self):
        return EngineInfo(self.name, "ready")

    def close(self):
        pass


@pytest.fixture(scope="module")
def entries():
    return list(load_glossary([MINI]))


@pytest.fixture
def engine():
    return Upper()


@pytest.fixture
def localizer(entries, engine):
    return Localizer(NameIndex.build(entries), load_house_styles(), EngineRouter([engine]))


def localize(localizer, item, targets=("en-GB", "de-DE", "ru-RU")):
    given = copy.deepcopy(item)
    document = localize_item(localizer, given, list(targets))
    assert given == item  # the caller's item is never changed
    json.dumps(document)
    return document


# --------------------------------------------------------------------------- items out


def test_a_misspelling_in_the_body_is_fixed_because_the_headline_spells_it_right(localizer):
    document = localize(localizer, ITEM_V1)

    applied = [c for c in document["normalized"]["changes"] if c["applied"]]
    assert [c["original"] for c in applied] == ["Ma Xinrui", "Ma Xinrui"]  # not the hidden one
    assert all(c["reason"] == "the correct spelling appears elsewhere in the article"
               for c in applied)
    composed = document["normalized"]["ninjs"]["composed"]
    assert all(composed[c["start"]:c["end"]] == c["original"] for c in applied)
    en_gb = document["versions"]["en-GB"]["ninjs"]
    assert en_gb["body_text"] == (
        "On 28 March 2023 Ma Xingrui met Tokayev.\n\nTrade rose to $24 billion.")
    assert en_gb["body_html"] == f"<p>Ma Xingrui thanked the hosts of {HIDDEN}.</p>"


def test_without_the_headline_the_same_body_keeps_its_misspelling(localizer):
    item = {key: value for key, value in ITEM_V1.items() if key != "headline"}
    document = localize(localizer, item, ["en-GB"])

    assert "Ma Xinrui met" in document["versions"]["en-GB"]["ninjs"]["body_text"]
    assert not any(c["applied"] for c in document["normalized"]["changes"])


def test_every_version_is_the_source_item_with_its_fields_localized(localizer, engine):
    document = localize(localizer, ITEM_V1)

    de = document["versions"]["de-DE"]
    assert de["engine"] == "upper"
    item = de["ninjs"]
    # Names and figures in their German forms, the rest through the engine.
    assert item["headline"] == "Ma Xingrui VISITS Astana"
    assert item["body_text"] == (
        "Am 28. März 2023 Ma Xingrui MET Tokayev.\n\nTRADE ROSE TO 24 Mrd. Dollar.")
    assert "\n\n" in item["body_text"]  # paragraphs stay paragraphs
    assert HIDDEN in item["body_html"]  # translate="no" untouched, entity and all
    assert item["body_html"].startswith("<p>Ma Xingrui THANKED THE HOSTS OF ")
    assert not any("Xinrui" in s or "data-audarma" in s for s in engine.seen)
    assert item["language"] == "de-DE"
    assert item["uri"] == ITEM_V1["uri"] + "#de-DE"
    for key in ("version", "type", "urgency", "subject", "x-desk"):
        assert item[key] == ITEM_V1[key]  # unknown and untouched fields travel as they are
    assert list(problems(item)) == []


def test_versions_link_to_the_original_and_to_each_other(localizer):
    document = localize(localizer, ITEM_V1)
    uri = ITEM_V1["uri"]

    de = document["versions"]["de-DE"]["ninjs"]["associations"]
    assert de == {"original": {"uri": uri, "language": "en"},
                  "translation-en-GB": {"uri": f"{uri}#en-GB", "language": "en-GB"}}
    source = document["normalized"]["ninjs"]["source"]
    assert source["associations"] == {
        "translation-en-GB": {"uri": f"{uri}#en-GB", "language": "en-GB"},
        "translation-de-DE": {"uri": f"{uri}#de-DE", "language": "de-DE"},
    }
    assert {k: v for k, v in source.items() if k != "associations"} == ITEM_V1
    assert list(problems(source)) == []


def test_a_version_no_engine_serves_has_a_null_item_and_is_not_linked(localizer):
    document = localize(localizer, ITEM_V1)

    ru = document["versions"]["ru-RU"]
    assert ru["text"] is None and ru["ninjs"] is None
    assert any("no translation engine serves en->ru" in w for w in ru["warnings"])
    assert {n["rendered"] for n in ru["names"]} >= {"Ма Синжуй", "Астана"}
    links = document["normalized"]["ninjs"]["source"]["associations"]
    assert not any("ru-RU" in key for key in links)


def test_a_ninjs_2_item_localizes_headlines_and_bodies_and_keeps_its_associations(localizer):
    document = localize(localizer, ITEM_V2, ["en-GB", "de-DE"])

    de = document["versions"]["de-DE"]["ninjs"]
    assert [h["role"] for h in de["headlines"]] == ["main", "sub"]
    assert de["headlines"][1]["value"] == "TALKS IN Astana ON AT&T <DEALS>"  # text, not HTML
    assert de["bodies"][0]["value"] == "<p>Ma Xingrui SIGNED. <code>Ma Xingruy</code></p>"
    assert de["bodies"][0]["contenttype"] == "text/html"
    assert de["associations"] == [
        ITEM_V2["associations"][0],
        {"name": "original", "uri": ITEM_V2["uri"], "language": "en"},
        {"name": "translation", "uri": ITEM_V2["uri"] + "#en-GB", "language": "en-GB"},
    ]
    assert de["standard"] == ITEM_V2["standard"]
    assert de["trustindicators"] == ITEM_V2["trustindicators"]
    source = document["normalized"]["ninjs"]["source"]
    for item in (de, document["versions"]["en-GB"]["ninjs"], source):
        assert list(problems(item)) == []


def test_plain_text_fields_round_trip_characters_html_would_read(localizer):
    item = {"uri": "urn:x:1", "headline": "AT&T & <b>Tokayev</b> &amp; co"}
    document = localize(localizer, item, ["en-GB"])

    assert document["versions"]["en-GB"]["ninjs"]["headline"] == item["headline"]


def test_split_finds_nothing_when_the_markers_moved():
    item = {"uri": "urn:x:1", "headline": "One", "body_text": "Two"}
    slots = text_slots(item)
    composed = compose(item, slots)

    assert split(composed, slots) == ["One", "Two"]
    assert split(composed.replace('slot="1"', 'slot="2"'), slots) is None
    assert split(composed[: composed.rindex("</div>")], slots) is None


# --------------------------------------------------------------------------- items in


@pytest.mark.parametrize(("item", "message"), [
    ({"headline": "x"}, "'uri' is required"),
    ({"uri": 5, "headline": "x"}, "'uri' is required"),
    ({"uri": "u", "headline": 5}, "'headline' must be a string, not the number 5"),
    ({"uri": "u", "body_html": ["x"]}, "'body_html' must be a string, not an array"),
    ({"uri": "u", "headline": "x", "urgency": 12}, "'urgency' must be an integer from 1 to 9"),
    ({"uri": "u", "headline": "x", "pubstatus": "live"}, "'pubstatus' must be one of usable"),
    ({"uri": "u", "subject": []}, "no text to localize: give one of headline, subheadline"),
    ({"uri": "u", "headline": "  "}, "no text to localize"),
    ({"uri": "u", "headlines": [{"role": "main"}]}, "'headlines[0].value' is required"),
    ({"uri": "u", "bodies": ["text"]}, "'bodies[0]' must be an object with a 'value'"),
    ({"uri": "u", "headlines": [{"value": "x"}], "body_text": "y"},
     "'body_text' is a ninjs 1.x field and this item uses 2.x fields"),
    ({"uri": "u", "headlines": [{"value": "x"}], "associations": [{"uri": "v"}]},
     "'associations[0].name' is required"),
    ({"uri": "u", "headline": "x", "language": "fr"}, "'language' 'fr' is not a language"),
    ({"uri": "u", "body_html": '<div data-audarma-slot="0">x</div>'},
     "'body_html' contains 'data-audarma-slot'"),
])
def test_an_item_audarma_cannot_read_is_refused_naming_the_field(item, message):
    with pytest.raises(NinjsError, match=None) as refused:
        parse_item(item)
    assert message in str(refused.value)


def test_every_problem_is_listed_not_only_the_first():
    found = list(problems({"headline": 1, "urgency": "high"}))
    assert len(found) == 3 and any("'uri'" in p for p in found)


# --------------------------------------------------------------------------- the API and worker


def submit(client, auth, body):
    return client.post("/v1/jobs", json=body, headers=auth["editor"])


def test_a_ninjs_job_is_stored_run_and_returns_its_items(app, client, auth, database, entries):
    response = submit(client, auth, {"ninjs": ITEM_V1, "targets": ["de-DE", "en-GB"]})
    assert response.status_code == 202, response.json
    job_id = response.json["id"]
    jobs = JobStore(database)
    assert jobs.get(job_id)["fmt"] == "ninjs"

    cache = LocalizerCache(EngineRouter([Upper()]), load_house_styles(), refresh_seconds=0)
    candidates = Candidates()
    outcome = run_job(job_id, jobs, Glossary(entries), cache, candidates)

    assert outcome.status == DONE
    result = client.get(f"/v1/jobs/{job_id}", headers=auth["editor"]).json["result"]
    assert result["versions"]["de-DE"]["ninjs"]["language"] == "de-DE"
    assert result["versions"]["en-GB"]["ninjs"]["x-desk"] == ITEM_V1["x-desk"]
    # Candidates are cut from the text the offsets point into, not from the stored JSON.
    assert candidates.texts == [result["normalized"]["ninjs"]["composed"]]


@pytest.mark.parametrize(("body", "message"), [
    ({"ninjs": {"headline": "x"}}, "'ninjs': 'uri' is required"),
    ({"ninjs": "{}"}, "'ninjs': the ninjs item must be a JSON object"),
    ({"ninjs": ITEM_V1, "text": "also"}, "give exactly one of 'text', 'html' or 'ninjs'"),
    ({"ninjs": {"uri": "u", "headline": "x", "x": {"y": ["a\u0000"]}}},
     "'ninjs.x.y[0]' contains a NUL character"),
])
def test_the_api_refuses_a_bad_ninjs_body_with_a_422_naming_the_field(client, auth, body, message):
    response = submit(client, auth, {"targets": ["de-DE"], **body})

    assert response.status_code == 422
    assert message in response.json["error"]["message"]


def test_the_size_limit_counts_the_item_as_json(make_app, auth):
    app = make_app(max_article_bytes=200)
    client = app.test_client()
    keys = app.extensions["audarma"].keys
    headers = {"Authorization": f"Bearer {keys.create('editor', name='e')[0]}"}

    response = client.post("/v1/jobs", headers=headers,
                           json={"ninjs": ITEM_V1, "targets": ["de-DE"]})

    assert response.status_code == 413


class Glossary:
    def __init__(self, entries):
        self._entries = entries

    def revision(self) -> int:
        return 1

    def entries(self):
        return list(self._entries)


class Candidates:
    def __init__(self):
        self.texts: list[str] = []

    def record_many(self, findings):
        self.texts += [found.text for found in findings]

    def rejected(self, language, spellings):
        return set()
