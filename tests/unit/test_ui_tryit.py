"""The "Try it" page: an article through the pipeline with the store's current glossary, the
findings highlighted in place, and the versions per locale."""

import re

import pytest

from service.ui.tryit import Note, segments

ARTICLE = ("Olzhas Bektanov said exports rose to $24 billion.\n\n"
           "Mukhtar Tileuberdy met him in Astana.\n\n"
           "Also Read: Exports rise again\n")
ENTRIES = [
    {"id": "olzhas-bektenov", "type": "person",
     "names": {"en": "Olzhas Bektenov", "ru": "Олжас Бектенов"}},
    {"id": "mukhtar-tileuberdi", "type": "person",
     "names": {"en": "Mukhtar Tileuberdi", "ru": "Мухтар Тлеуберди"}},
]


@pytest.fixture
def glossary(app):
    store = app.extensions["audarma"].glossary
    for entry in ENTRIES:
        store.create(entry, by="seed")
    return store


def run(ui, text: str = ARTICLE, **fields):
    data = {"text": text, "format": "text", "source": "auto", "targets": ["ru-RU"], **fields}
    return ui.post("/ui/try", data)


def marks(page) -> list[tuple[str, str]]:
    """(class, text) of each highlight in the article preview."""
    preview = re.search(r'<div class="preview" id="marked">(.*?)</div>', page.text, re.S)
    return re.findall(r'<mark class="(\w+)" title="[^"]*">([^<]*)</mark>', preview.group(1))


def test_the_form_is_shown(ui):
    page = ui.get("/ui/try")

    assert page.status_code == 200
    assert page.text.count("<h1>") == 1
    assert '<label for="text">Article</label>' in page.text
    assert 'id="target-kk-KZ"' in page.text
    assert 'enctype="multipart/form-data"' in page.text


def test_fixes_suggestions_flags_and_figures_are_highlighted_in_place(ui, glossary):
    page = run(ui)

    assert page.status_code == 200
    found = marks(page)
    assert ("suggested", "Olzhas Bektanov") in found
    assert ("applied", "Mukhtar Tileuberdy") in found
    assert ("figure", "$24 billion") in found
    assert ("flag", "Also Read: Exports rise again") in found
    assert 'title="Applied (fuzzy): Mukhtar Tileuberdy → Mukhtar Tileuberdi' in page.text
    assert 'href="/ui/entries/olzhas-bektenov"' in page.text
    assert 'href="#note-1"' in page.text and 'id="note-1"' in page.text


def test_the_versions_show_names_figures_and_warnings_per_locale(ui, glossary):
    page = run(ui, targets=["ru-RU", "en-GB"], other="de-de")

    assert '<h3 id="v-1">ru-RU</h3>' in page.text
    assert '<h3 id="v-3">de-DE</h3>' in page.text  # normalized as the API does
    assert "Мухтар Тлеуберди" in page.text
    assert "24 млрд долларов" in page.text
    assert "no translation engine serves en-&gt;ru" in page.text
    assert '<pre class="body">Olzhas Bektanov said' in page.text  # en-GB needs no engine


def test_a_change_saved_a_moment_ago_is_used_at_once(ui, glossary):
    assert ("suggested", "Olzhas Bektanov") in marks(run(ui))
    glossary.add_variant("olzhas-bektenov", "Olzhas Bektanov", by="mara")

    found = marks(run(ui))

    assert ("applied", "Olzhas Bektanov") in found


def test_a_script_in_the_article_is_shown_as_text(ui, glossary):
    page = run(ui, text="<script>alert('x')</script> Olzhas Bektanov spoke.")

    assert "<script>alert(" not in page.text
    assert "&lt;script&gt;alert(" in page.text


def test_html_is_shown_as_source_text_never_rendered(ui, glossary):
    page = run(ui, text='<p onclick="evil()">Olzhas Bektanov <b>spoke</b>.</p>', format="html")

    assert page.status_code == 200
    assert "The HTML is shown as source text" in page.text
    assert "&lt;p onclick=&#34;evil()&#34;&gt;" in page.text
    assert ("suggested", "Olzhas Bektanov") in marks(page)
    assert "<b>spoke</b>" not in page.text


@pytest.mark.parametrize("fields, field, problem", [
    ({"text": "   "}, "text", "&#39;text&#39; must be a non-empty string"),
    ({"text": "a\x00b"}, "text", "NUL character"),
    ({"text": "я" * 140_000}, "text", "the limit is 262144"),
    ({"targets": [], "other": ""}, "targets", "Choose at least one locale"),
    ({"other": "xx-NOPE"}, "targets", "unknown target locale"),
    ({"other": "r" * 401}, "other", "At most 400 characters"),
    ({"format": "pdf"}, "format", "The format must be text or html"),
    ({"source": "fr"}, "source", "The source language must be auto or one of"),
])
def test_bad_input_is_shown_next_to_its_field(ui, glossary, fields, field, problem):
    page = run(ui, **fields)

    assert page.status_code == 422
    assert problem in page.text
    assert f'id="{field}-error"' in page.text


def test_the_page_needs_a_signed_in_user_and_a_csrf_token(client, ui):
    assert client.get("/ui/try").status_code == 302
    assert ui.client.post("/ui/try", data={"text": "x", "targets": "ru-RU"}).status_code == 400


def test_overlapping_notes_highlight_the_stronger_one_and_keep_the_text_whole():
    text = "Also Read: Ma Xingruy spoke"
    flag = Note("flag", 0, len(text), text)
    change = Note("suggested", 11, 21, "Ma Xingruy")
    lost = Note("figure", -1, -1, "$5")

    pieces = segments(text, [flag, change, lost])

    assert "".join(p.text for p in pieces) == text
    assert [(p.text, p.note.cls if p.note else None) for p in pieces] == [
        ("Also Read: ", None), ("Ma Xingruy", "suggested"), (" spoke", None)]
    assert change.placed and not flag.placed and not lost.placed
