"""The history page: every change with a summary, filters, paging, and reverting one change."""

import pytest

from service.ui.history import PAGE_SIZE, summarize

ENTRY = {"id": "h3-astana", "type": "place", "names": {"en": "Astana", "ru": "Астана"}}


@pytest.fixture
def glossary(app):
    return app.extensions["audarma"].glossary


def _rename(glossary, entry_id: str, en: str, by: str = "someone") -> dict:
    current = glossary.get(entry_id)
    body = {"type": current["type"], "names": {**current["names"], "en": en}}
    return glossary.update(entry_id, body, current["version"], by=by)


def test_the_history_lists_changes_newest_first_with_what_changed(ui, glossary):
    glossary.create(ENTRY, by="olga")
    _rename(glossary, "h3-astana", "Nur-Sultan", by="pavel")

    page = ui.get("/ui/history?entry=h3-astana")

    assert page.status_code == 200
    text = page.text
    assert text.index("pavel") < text.index("olga")
    assert "name [en]: Astana → Nur-Sultan" in text
    assert "created" in text
    assert "<details>" in text


def test_the_filters_keep_only_one_entry_and_one_person(ui, glossary):
    glossary.create(ENTRY, by="olga")
    glossary.create({**ENTRY, "id": "h3-almaty", "names": {"en": "Almaty"}}, by="pavel")

    by_entry = ui.get("/ui/history?entry=h3-almaty").text
    by_person = ui.get("/ui/history?by=olga").text

    assert "h3-almaty" in by_entry and "h3-astana" not in by_entry
    assert "h3-astana" in by_person and "h3-almaty" not in by_person


def test_paging_splits_the_history(ui, glossary):
    glossary.create(ENTRY, by="olga")
    for number in range(PAGE_SIZE):
        _rename(glossary, "h3-astana", f"Astana {number}")

    first = ui.get("/ui/history?entry=h3-astana")
    second = ui.get("/ui/history?entry=h3-astana&page=2")

    assert "Older changes" in first.text
    assert "Astana 49" in first.text
    assert "Older changes" not in second.text
    assert second.text.count('id="change-') == 1  # the create, oldest of 51


@pytest.mark.parametrize("query", ["page=two", "page=0", "page=-1", "page=99999999",
                                   "entry=" + "x" * 201, "by=a%00b"])
def test_bad_query_values_get_a_400_that_says_what_was_wrong(ui, query):
    page = ui.get(f"/ui/history?{query}")

    assert page.status_code == 400
    assert "page" in page.text or "filter" in page.text


def test_reverting_an_update_brings_the_old_names_back(ui, glossary):
    glossary.create(ENTRY, by="olga")
    _rename(glossary, "h3-astana", "Nur-Sultan")
    change_id = glossary.changes(entry_id="h3-astana", limit=1)[0]["id"]

    response = ui.post(f"/ui/history/{change_id}/revert", data={"entry": "h3-astana"})

    assert response.status_code == 303
    assert response.headers["Location"] == "/ui/history?entry=h3-astana"
    assert glossary.get("h3-astana")["names"]["en"] == "Astana"
    latest = glossary.changes(entry_id="h3-astana", limit=1)[0]
    assert (latest["action"], latest["changed_by"]) == ("revert", "mara")
    assert "is back as it was" in ui.get(response.headers["Location"]).text


def test_reverting_a_create_deletes_the_entry_and_a_second_time_says_there_is_nothing(ui, glossary):
    glossary.create(ENTRY, by="olga")
    change_id = glossary.changes(entry_id="h3-astana", limit=1)[0]["id"]

    ui.post(f"/ui/history/{change_id}/revert")
    assert glossary.get("h3-astana") is None

    again = ui.post(f"/ui/history/{change_id}/revert", follow_redirects=True)
    assert again.status_code == 200
    assert 'class="flash error"' in again.text
    assert "nothing to revert" in again.text


def test_reverting_a_change_that_does_not_exist_is_a_flashed_error(ui):
    page = ui.post("/ui/history/987654/revert", follow_redirects=True)

    assert page.status_code == 200
    assert "There is no change 987654 to revert." in page.text
    assert 'class="flash error"' in page.text


def test_a_revert_needs_the_csrf_token(ui, glossary):
    glossary.create(ENTRY, by="olga")
    change_id = glossary.changes(entry_id="h3-astana", limit=1)[0]["id"]

    response = ui.client.post(f"/ui/history/{change_id}/revert")

    assert response.status_code == 400
    assert glossary.get("h3-astana") is not None


def test_entry_text_in_the_history_is_escaped(ui, glossary):
    glossary.create({**ENTRY, "note": "<script>alert(1)</script>"}, by="<b>olga</b>")

    text = ui.get("/ui/history").text

    assert "<script>alert(1)" not in text
    assert "<b>olga</b>" not in text
    assert "&lt;b&gt;olga&lt;/b&gt;" in text


def test_the_summary_names_each_kind_of_field_change():
    before = {"type": "place", "names": {"en": "Astana", "kk": "Астана"}, "short": {},
              "variants": [{"text": "Akmola", "kind": "former", "until": 1998}, "Astanah"]}
    after = {"type": "place", "names": {"en": "Astana", "ru": "Астана"}, "short": {"en": "AST"},
             "variants": [{"text": "Akmola", "kind": "former", "until": 1997},
                          {"text": "Tselinograd", "kind": "former"}], "note": "capital"}

    phrases = summarize(before, after)

    assert phrases == [
        "name [kk] removed: Астана", "name [ru] added: Астана", "short form [en] added: AST",
        "variant added: Tselinograd (former)", "variant removed: Astanah",
        "variant Akmola: former until 1998 → former until 1997", "note added",
    ]
    assert summarize(None, after) == ["created"]
    assert summarize(before, None) == ["deleted"]
