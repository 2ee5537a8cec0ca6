"""The entries pages: search and filters, an entry's page, create, edit, delete, conflicts."""

import re
from html import unescape

import pytest

from tests.unit.conftest import UiSession

TOKAYEV = {
    "id": "kassym-jomart-tokayev", "type": "person", "collection": "people",
    "names": {"en": "Kassym-Jomart Tokayev", "ru": "Касым-Жомарт Токаев",
              "kk": "Қасым-Жомарт Тоқаев"},
    "variants": [{"text": "Kassym-Zhomart Tokayev", "kind": "spelling"}],
    "short": {"en": "Tokayev", "ru": "Токаев"},
}
ZURICH = {"id": "zurich", "type": "place", "collection": "places",
          "names": {"en": "Zürich", "de": "Zürich"}}
ASTANA = {"id": "astana", "type": "place", "collection": "places",
          "names": {"en": "Astana", "ru": "Астана", "kk": "Астана"},
          "variants": [{"text": "Nur-Sultan", "kind": "former", "until": 2022}]}


@pytest.fixture
def glossary(app):
    store = app.extensions["audarma"].glossary
    for body in (TOKAYEV, ZURICH, ASTANA):
        store.create(body, "seed")
    return store


def ids_listed(page) -> list[str]:
    return re.findall(r'<td><a href="/ui/entries/([a-z0-9-]+)">', page.text)


def field_error(page, key: str) -> str:
    found = re.search(rf'<p class="field-error" id="{key}-error">(.*?)</p>', page.text, re.S)
    assert found, f"no error shown at {key}"
    return unescape(found.group(1))


def form_data(**overrides) -> dict:
    """A valid new entry as the form sends it."""
    data = {"id": "ma-xingrui", "type": "person", "collection": "people",
            "name_tag": ["en", "ru", "zh"], "name_text": ["Ma Xingrui", "Ма Синжуй", "马兴瑞"],
            "variant_text": ["Ma Hsing-jui"], "variant_kind": ["spelling"],
            "variant_until": [""], "variant_note": [""],
            "short_tag": ["en"], "short_text": ["Ma"], "note": "Party Secretary of Xinjiang"}
    data.update(overrides)
    return data


def edit_data(entry: dict, **overrides) -> dict:
    """The edit form of a stored entry, as loaded, with some fields changed."""
    names = entry["names"]
    variants = entry.get("variants", [])
    data = {"version": str(entry["version"]), "type": entry["type"],
            "name_tag": list(names), "name_text": list(names.values()),
            "variant_text": [v["text"] for v in variants],
            "variant_kind": [v["kind"] for v in variants],
            "variant_until": [str(v.get("until", "")) for v in variants],
            "variant_note": [v.get("note", "") for v in variants],
            "short_tag": list(entry.get("short", {})),
            "short_text": list(entry.get("short", {}).values()), "note": entry.get("note", "")}
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- the list


@pytest.mark.parametrize("query", [
    "Tокaев",  # Cyrillic name typed with Latin look-alikes (T, o, a)
    "Zurich",  # an accented form without its accents
    "KASSYM-JOMART",  # upper case
    "zhomart",  # a variant
    "Тоқаев",  # a Kazakh letter
    "токаев",  # the Kazakh name found through its plain Cyrillic letters
])
def test_search_ignores_case_accents_and_look_alikes(ui, glossary, query):
    page = ui.get("/ui/entries", query_string={"q": query})

    assert page.status_code == 200
    expected = "zurich" if query == "Zurich" else "kassym-jomart-tokayev"
    assert ids_listed(page) == [expected]


@pytest.mark.parametrize("query", ["Ақорда", "акорда", "AKORDA"])
def test_a_kazakh_only_name_is_found_with_or_without_its_kazakh_letters(ui, app, query):
    app.extensions["audarma"].glossary.create(
        {"id": "akorda", "type": "place", "collection": "places",
         "names": {"en": "Presidential Palace", "kk": "Ақорда"}}, "seed")

    assert ids_listed(ui.get("/ui/entries", query_string={"q": query})) == ["akorda"]


def test_the_list_shows_each_entry_compactly_with_a_total(ui, glossary):
    page = ui.get("/ui/entries")

    assert ids_listed(page) == ["astana", "kassym-jomart-tokayev", "zurich"]
    assert "1–3 of 3 entries" in page.text
    row = page.text[page.text.index('href="/ui/entries/kassym-jomart-tokayev"'):]
    row = row[:row.index("</tr>")]
    assert "Kassym-Jomart Tokayev" in row and "Касым-Жомарт Токаев" in row
    assert "person" in row and "<td>1<span" in row  # one variant


def test_a_search_that_finds_nothing_says_so(ui, glossary):
    page = ui.get("/ui/entries", query_string={"q": "nobody-at-all"})

    assert ids_listed(page) == []
    assert "No entry matches" in page.text


@pytest.mark.parametrize(("query", "expected"), [
    ({"type": "place"}, ["astana", "zurich"]),
    ({"collection": "people"}, ["kassym-jomart-tokayev"]),
    ({"missing": "kk"}, ["zurich"]),
    ({"missing": "DE"}, ["astana", "kassym-jomart-tokayev"]),  # tags are normalized
    ({"type": "place", "missing": "ru"}, ["zurich"]),
    ({"q": "astana", "type": "person"}, []),
])
def test_filters_narrow_the_list(ui, glossary, query, expected):
    page = ui.get("/ui/entries", query_string=query)

    assert page.status_code == 200
    assert ids_listed(page) == expected


def test_the_collection_filter_offers_the_collections_in_use(ui, glossary):
    page = ui.get("/ui/entries")

    assert '<option value="people">' in page.text and '<option value="places">' in page.text


def test_pages_hold_fifty_entries_and_link_to_each_other(ui, app):
    store = app.extensions["audarma"].glossary
    for number in range(120):
        store.create({"id": f"term-{number:03}", "type": "term", "collection": "terms",
                      "names": {"en": f"Term {number}"}}, "seed")

    first, third = ui.get("/ui/entries"), ui.get("/ui/entries?page=3&type=term")

    assert len(ids_listed(first)) == 50 and "1–50 of 120 entries" in first.text
    assert 'href="/ui/entries?page=2"' in first.text and "Previous page" not in first.text
    assert ids_listed(third) == [f"term-{n:03}" for n in range(100, 120)]
    assert "101–120 of 120 entries" in third.text
    assert 'href="/ui/entries?page=2&amp;type=term"' in third.text
    assert "Next page" not in third.text


def test_a_page_past_the_end_says_so_and_links_back(ui, glossary):
    page = ui.get("/ui/entries?page=9&q=astana")

    assert page.status_code == 200
    assert ids_listed(page) == []
    assert "past the last page" in page.text and 'href="/ui/entries?q=astana"' in page.text


@pytest.mark.parametrize(("query", "named"), [
    ({"page": "abc"}, "'page'"),
    ({"page": "0"}, "'page'"),
    ({"page": "-1"}, "'page'"),
    ({"page": "99999999999"}, "'page'"),
    ({"type": "robot"}, "'type'"),
    ({"collection": "nowhere"}, "'collection'"),
    ({"missing": "not a tag"}, "'missing'"),
    ({"missing": "xx-Abcd"}, "'missing'"),
    ({"q": "x" * 500}, "'q' is 500 characters long"),
    ({"q": "a\x00b"}, "'q' contains a control character"),
])
def test_bad_query_values_get_a_400_page_that_names_them(ui, glossary, query, named):
    page = ui.get("/ui/entries", query_string=query)

    assert page.status_code == 400
    assert named in unescape(page.text)
    assert "<h1>" in page.text


# --------------------------------------------------------------------------- one entry


def test_the_entry_page_shows_names_variants_and_short_forms(ui, glossary):
    page = ui.get("/ui/entries/astana")

    assert page.status_code == 200
    assert page.text.count("<h1>") == 1
    assert "Астана" in page.text and "Nur-Sultan" in page.text
    variant = page.text[page.text.index("<td>Nur-Sultan</td>"):]
    assert "former" in variant[:200] and "2022" in variant[:200]
    assert "version 1, last changed by seed" in " ".join(page.text.split())
    assert 'href="/ui/history?entry=astana"' in page.text
    assert 'href="/ui/entries/astana/edit"' in page.text


def test_the_entry_page_shows_the_form_the_workers_would_write_where_a_name_is_missing(
        ui, glossary):
    page = ui.get("/ui/entries/zurich?show=uz-Cyrl")
    rendered = page.text[page.text.index("no name of its own"):page.text.index("<h2>Variants")]

    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td lang="[^"]+">([^<]+)</td>',
                           rendered))
    assert rows["fr"] == "Zürich" and "unchanged" in rendered
    assert re.search(r"[а-я]", rows["ru"]), "ru should be transliterated into Cyrillic"
    assert "transliterated" in rendered
    assert "uz-Cyrl" in rows  # asked for with ?show=
    assert "de" not in rows  # the entry has its own German name


def test_a_kazakh_name_missing_falls_back_to_the_russian_form(ui, app):
    app.extensions["audarma"].glossary.create(
        {"id": "xi-jinping", "type": "person", "collection": "people",
         "names": {"en": "Xi Jinping", "ru": "Си Цзиньпин", "zh": "习近平"}}, "seed")

    page = ui.get("/ui/entries/xi-jinping")

    assert '<th scope="row">kk</th><td lang="kk">Си Цзиньпин</td>' in page.text
    assert "fallback:ru" in page.text


def test_the_entry_page_lists_recent_articles_that_mentioned_it(ui, app, glossary, client, auth):
    job = client.post("/v1/jobs", json={"text": "Astana hosted the summit on Monday.",
                                        "targets": ["ru-RU"]}, headers=auth["editor"]).json
    app.extensions["audarma"].candidates.record_mentions(job["id"], ["astana"])

    page = ui.get("/ui/entries/astana")

    assert job["id"] in page.text and "Astana hosted the summit" in page.text


@pytest.mark.parametrize("path", ["/ui/entries/nobody", "/ui/entries/" + "a" * 300])
def test_an_unknown_entry_is_a_404_page(ui, path):
    page = ui.get(path)

    assert page.status_code == 404
    assert "no glossary entry" in page.text


def test_a_bad_show_tag_is_a_400(ui, glossary):
    page = ui.get("/ui/entries/astana?show=ru,not-a-tag!")

    assert page.status_code == 400 and "'show'" in unescape(page.text)


def test_script_in_a_name_or_note_is_escaped_on_the_list_and_entry_pages(ui, app):
    app.extensions["audarma"].glossary.create(
        {"id": "xss", "type": "term", "collection": "terms",
         "names": {"en": "<script>alert(1)</script>", "ru": "<img src=x onerror=alert(2)>"},
         "note": "</p><script>alert(3)</script>"}, "seed")

    for page in (ui.get("/ui/entries"), ui.get("/ui/entries/xss"),
                 ui.get("/ui/entries/xss/edit")):
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


# --------------------------------------------------------------------------- create


def test_a_maintainer_creates_an_entry(ui, app):
    response = ui.post("/ui/entries/new", form_data())

    assert response.status_code == 303
    assert response.headers["Location"] == "/ui/entries/ma-xingrui"
    stored = app.extensions["audarma"].glossary.get("ma-xingrui")
    assert stored["names"] == {"en": "Ma Xingrui", "ru": "Ма Синжуй", "zh": "马兴瑞"}
    assert stored["variants"] == [{"text": "Ma Hsing-jui", "kind": "spelling"}]
    assert stored["short"] == {"en": "Ma"} and stored["collection"] == "people"
    assert stored["updated_by"] == "mara"
    assert "Created ma-xingrui." in ui.get(response.headers["Location"]).text


def test_the_new_entry_form_is_labelled_and_protected(ui):
    page = ui.get("/ui/entries/new")

    assert page.status_code == 200 and page.text.count("<h1>") == 1
    assert 'name="csrf_token"' in page.text
    assert '<label for="id">' in page.text and '<label for="collection">' in page.text
    for name in ("name_tag", "name_text", "variant_text", "variant_kind", "short_tag"):
        inputs = re.findall(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', page.text)
        assert inputs and all("aria-label=" in i for i in inputs), name
    assert 'value="en"' in page.text  # the English row is there to fill in


@pytest.mark.parametrize(("change", "key", "says"), [
    ({"name_text": ["", "Ма Синжуй", "马兴瑞"]}, "name-0", "needs an 'en' form"),
    ({"name_tag": ["en", "ru!", "zh"]}, "name-1", "invalid language tag 'ru!'"),
    ({"name_tag": ["en", "ru", "qaa"]}, "name-2", "names no particular language"),
    ({"name_tag": ["en", "ru", "RU"]}, "name-2", "'RU' is given twice"),
    ({"name_tag": ["en", "", "zh"]}, "name-1", "give the language tag of 'Ма Синжуй'"),
    ({"variant_kind": ["misspelling"]}, "variant-0", "'kind' must be one of spelling"),
    ({"variant_kind": ["former"]}, "variant-0", "a former name needs 'until'"),
    ({"variant_kind": ["former"], "variant_until": ["20x2"]}, "variant-0",
     "'until' must be a four-digit year"),
    ({"variant_kind": ["spelling"], "variant_until": ["2020"]}, "variant-0",
     "'until' belongs to former"),
    ({"id": "Ma Xingrui"}, "id", "'id' must be a lowercase slug"),
    ({"type": "robot"}, "type", "'type' must be one of person"),
    ({"collection": ""}, "collection", "'collection' is empty"),
    ({"short_tag": ["xx-Zzzz"]}, "short-0", "'short'"),
    ({"note": "bad\x00note"}, "note", "contains a NUL character"),
    ({"name_text": ["Ma Xingrui", "М" * 600, "马兴瑞"]}, "name-1", "at most 500"),
])
def test_create_shows_each_problem_next_to_its_field_and_keeps_the_input(ui, app, change, key,
                                                                         says):
    response = ui.post("/ui/entries/new", form_data(**change))

    assert response.status_code == 422
    assert says in field_error(response, key)
    assert f'aria-describedby="{key}-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "Nothing was saved" in response.text
    assert 'value="Ma Hsing-jui"' in response.text  # what was typed is still there
    assert app.extensions["audarma"].glossary.get("ma-xingrui") is None


def test_a_duplicate_id_is_refused_next_to_the_id(ui, glossary):
    response = ui.post("/ui/entries/new", form_data(id="astana"))

    assert response.status_code == 422
    assert "already exists" in field_error(response, "id")


def test_a_variant_claimed_by_another_entry_is_refused_next_to_the_variant(ui, glossary):
    response = ui.post("/ui/entries/new", form_data(variant_text=["Kassym Zhomart TOKAYEV"]))

    assert response.status_code == 422
    assert "also claimed by 'kassym-jomart-tokayev'" in field_error(response, "variant-0")


def test_a_variant_that_is_another_entrys_name_is_refused(ui, glossary):
    response = ui.post("/ui/entries/new", form_data(variant_text=["Astana"]))

    assert response.status_code == 422
    assert "canonical name or short form of 'astana'" in field_error(response, "variant-0")


def test_a_name_that_another_entry_lists_as_a_variant_is_refused_next_to_the_name(ui, glossary):
    response = ui.post("/ui/entries/new", form_data(name_text=["Nur-Sultan", "", ""]))

    assert response.status_code == 422
    assert "listed as a variant of 'astana'" in field_error(response, "name-0")


def test_the_form_reports_every_problem_at_once(ui, glossary):
    response = ui.post("/ui/entries/new", form_data(
        id="Bad Id", name_text=["", "Ма Синжуй", "马兴瑞"], variant_kind=["former"]))

    for key in ("id", "name-0", "variant-0"):
        field_error(response, key)


@pytest.mark.parametrize("rows", [201, 500])
def test_a_form_with_too_many_rows_is_a_400(ui, rows):
    response = ui.post("/ui/entries/new", form_data(name_tag=["en"] * rows,
                                                    name_text=["x"] * rows))

    assert response.status_code == 400


def test_a_form_without_the_csrf_token_changes_nothing(ui, app):
    response = ui.client.post("/ui/entries/new", data=form_data())

    assert response.status_code == 400
    assert app.extensions["audarma"].glossary.get("ma-xingrui") is None


# --------------------------------------------------------------------------- edit


def test_a_maintainer_edits_an_entry(ui, glossary):
    entry = glossary.get("astana")
    data = edit_data(entry, name_text=["Astana", "Астана", "Астана"], name_tag=["en", "ru", "kk"],
                     variant_text=["Nur-Sultan", "Akmola"], variant_kind=["former", "former"],
                     variant_until=["2022", "1998"], variant_note=["", "until 1998"])

    response = ui.post("/ui/entries/astana/edit", data)

    assert response.status_code == 303 and response.headers["Location"] == "/ui/entries/astana"
    stored = glossary.get("astana")
    assert stored["version"] == 2 and stored["updated_by"] == "mara"
    assert {"text": "Akmola", "kind": "former", "until": 1998,
            "note": "until 1998"} in stored["variants"]
    page = ui.get("/ui/entries/astana")
    assert "Saved astana (version 2)." in page.text and "Akmola" in page.text


def test_the_edit_form_is_filled_with_the_entry_and_its_version(ui, glossary):
    page = ui.get("/ui/entries/astana/edit")

    assert page.status_code == 200
    assert '<input type="hidden" name="version" value="1">' in page.text
    assert 'value="Nur-Sultan"' in page.text and 'value="2022"' in page.text
    assert '<option value="former" selected>' in page.text
    assert 'name="id"' not in page.text  # an id does not change


def test_emptying_a_name_removes_that_language(ui, glossary):
    entry = glossary.get("kassym-jomart-tokayev")
    data = edit_data(entry)
    data["name_text"] = [text if tag != "kk" else "" for tag, text in entry["names"].items()]

    assert ui.post("/ui/entries/kassym-jomart-tokayev/edit", data).status_code == 303
    assert "kk" not in glossary.get("kassym-jomart-tokayev")["names"]


def test_an_edit_with_problems_keeps_the_version_it_was_loaded_at(ui, glossary):
    response = ui.post("/ui/entries/astana/edit",
                       edit_data(glossary.get("astana"), variant_until=["twenty"]))

    assert response.status_code == 422
    assert "four-digit year" in field_error(response, "variant-0")
    assert '<input type="hidden" name="version" value="1">' in response.text
    assert glossary.get("astana")["version"] == 1


def test_an_edit_may_keep_its_own_names_and_variants(ui, glossary):
    """Cross-checking skips the entry's own stored version: saving it unchanged is fine."""
    entry = glossary.get("kassym-jomart-tokayev")

    response = ui.post("/ui/entries/kassym-jomart-tokayev/edit", edit_data(entry))

    assert response.status_code == 303


@pytest.mark.parametrize("version", ["", "abc", "1.5", "9" * 20])
def test_an_edit_with_a_bad_version_is_a_400(ui, glossary, version):
    response = ui.post("/ui/entries/astana/edit",
                       edit_data(glossary.get("astana"), version=version))

    assert response.status_code == 400 and "'version'" in unescape(response.text)


def test_two_maintainers_editing_one_version_see_a_conflict_and_nothing_is_overwritten(
        app, ui, glossary):
    other = UiSession(app, "olga", "maintainer")
    loaded = glossary.get("astana")  # both open the edit form at version 1
    theirs = edit_data(loaded, note="Capital since 1997")
    mine = edit_data(loaded, note="Renamed twice")

    assert other.post("/ui/entries/astana/edit", theirs).status_code == 303
    conflict = ui.post("/ui/entries/astana/edit", mine)

    assert conflict.status_code == 409
    text = unescape(conflict.text)
    assert "Nothing was saved" in text and "olga saved version 2" in text
    assert "Capital since 1997" in text and "Renamed twice" in text  # both versions
    assert 'class="conflict"' in conflict.text
    assert glossary.get("astana")["note"] == "Capital since 1997"
    assert 'href="/ui/entries/astana">Keep theirs' in conflict.text

    # "Save mine over theirs" re-sends my form with their version: an explicit second choice.
    again = {name: values for name, values in _hidden_fields(conflict.text).items()
             if name != "csrf_token"}
    assert again["version"] == ["2"]
    saved = ui.post("/ui/entries/astana/edit", again)

    assert saved.status_code == 303
    stored = glossary.get("astana")
    assert stored["note"] == "Renamed twice" and stored["version"] == 3
    assert stored["variants"] == loaded["variants"]


def test_saving_mine_over_a_version_that_changed_again_shows_the_conflict_again(
        app, ui, glossary):
    loaded = glossary.get("astana")
    glossary.update("astana", {**edit_body(loaded), "note": "one"}, 1, "olga")
    conflict = ui.post("/ui/entries/astana/edit", edit_data(loaded, note="mine"))
    glossary.update("astana", {**edit_body(loaded), "note": "two"}, 2, "olga")

    again = {k: v for k, v in _hidden_fields(conflict.text).items() if k != "csrf_token"}
    response = ui.post("/ui/entries/astana/edit", again)

    assert response.status_code == 409
    assert glossary.get("astana")["note"] == "two"


def edit_body(entry: dict) -> dict:
    return {k: entry[k] for k in ("type", "names", "variants") if k in entry}


def _hidden_fields(html: str) -> dict[str, list[str]]:
    form = html[html.index('<form method="post" action="/ui/entries/astana/edit"'):]
    form = form[:form.index("</form>")]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form):
        fields.setdefault(name, []).append(unescape(value))
    return fields


def test_editing_an_entry_deleted_meanwhile_saves_nothing(ui, glossary):
    entry = glossary.get("zurich")
    page = ui.get("/ui/entries/zurich/edit")
    glossary.delete("zurich", 1, "olga")

    response = ui.post("/ui/entries/zurich/edit", edit_data(entry))

    assert page.status_code == 200 and response.status_code == 404
    assert glossary.get("zurich") is None


# --------------------------------------------------------------------------- delete


def test_a_maintainer_deletes_an_entry_after_confirming(ui, glossary):
    page = ui.get("/ui/entries/zurich")
    assert 'data-confirm="Delete Zürich?' in page.text

    response = ui.post("/ui/entries/zurich/delete", {"version": "1"})

    assert response.status_code == 303 and response.headers["Location"] == "/ui/entries"
    assert glossary.get("zurich") is None
    assert "Deleted zurich." in ui.get("/ui/entries").text


def test_deleting_a_version_that_changed_meanwhile_deletes_nothing(ui, glossary):
    glossary.update("zurich", {**edit_body(glossary.get("zurich")), "note": "x"}, 1, "olga")

    response = ui.post("/ui/entries/zurich/delete", {"version": "1"})

    assert response.status_code == 303
    assert glossary.get("zurich")["version"] == 2
    page = unescape(ui.get("/ui/entries/zurich").text)
    assert "Not deleted: zurich was changed by olga" in page and "now version 2" in page


def test_deleting_an_unknown_entry_is_a_404(ui):
    assert ui.post("/ui/entries/nobody/delete", {"version": "1"}).status_code == 404


def test_the_entries_pages_need_a_signed_in_user(client, glossary):
    for path in ("/ui/entries", "/ui/entries/astana", "/ui/entries/new",
                 "/ui/entries/astana/edit"):
        response = client.get(path)
        assert response.status_code == 302 and "/ui/login" in response.headers["Location"]
