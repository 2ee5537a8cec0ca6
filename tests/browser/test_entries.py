"""The entries pages in Chromium: search without accents, create and edit, the edit conflict
between two maintainers, accessibility and the list at phone width."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import Live, axe, expect, login, shoot

if TYPE_CHECKING:
    from playwright.sync_api import Page


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def create_entry(page: Page, live: Live, entry_id: str, english: str, russian: str) -> None:
    """Create an entry through the form, as a maintainer would."""
    page.goto(live.url("/ui/entries/new"))
    page.get_by_label("Id", exact=True).fill(entry_id)
    page.get_by_label("Type", exact=True).select_option("place")
    page.get_by_label("Collection", exact=True).fill("browser-tests")
    page.locator("#name-0-text").fill(english)
    page.locator("#name-1-text").fill(russian)
    page.locator("#variant-0-text").fill(f"Old {english}")
    page.locator("#variant-0-kind").select_option("former")
    page.locator("#variant-0-until").fill("1993")
    page.get_by_role("button", name="Create entry").click()
    page.wait_for_load_state()
    assert path_of(page) == f"/ui/entries/{entry_id}", page.locator("main").inner_text()


@pytest.fixture
def entry(page: Page, live: Live) -> dict[str, str]:
    """A fresh entry of this test's own (its id and names carry a random tag)."""
    tag = secrets.token_hex(3)
    found = {"id": f"entries-{tag}", "en": f"Öskemen Zhañaözen {tag}",
             "ru": f"Усть-Каменогорск {tag}"}
    login(page, live)
    create_entry(page, live, found["id"], found["en"], found["ru"])
    return found


def test_search_finds_an_entry_typed_without_accents(page: Page, live: Live, entry):
    page.goto(live.url("/ui/entries"))
    page.get_by_label("Search").fill(entry["en"].replace("Ö", "O").replace("ñ", "n").upper())
    page.get_by_role("button", name="Search").click()

    link = page.get_by_role("link", name=entry["id"], exact=True)
    expect(link).to_be_visible()
    expect(page.get_by_text("1–1 of 1 entry")).to_be_visible()
    assert axe(page) == []
    shoot(page, "entries-list-search")

    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(entry["en"])
    expect(page.locator("td[lang=ru]", has_text=entry["ru"])).to_be_visible()
    expect(page.get_by_role("cell", name="fallback:ru").first).to_be_visible()
    assert axe(page) == []
    shoot(page, "entry-page")


def test_a_bad_filter_gets_a_page_that_says_what_was_wrong(page: Page, live: Live):
    login(page, live)
    page.goto(live.url("/ui/entries?missing=not-a-tag!"))

    expect(page.get_by_role("alert")).to_contain_text("'missing'")
    assert axe(page) == []


def test_edit_a_name_and_see_it_on_the_entry_page(page: Page, live: Live, entry):
    page.goto(live.url(f"/ui/entries/{entry['id']}"))
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {entry['id']}")
    assert axe(page) == []
    renamed = entry["en"].replace("Öskemen", "Oskemen")
    page.locator("#name-0-text").fill(renamed)
    page.locator("#name-2-tag").fill("kk")
    page.locator("#name-2-text").fill("Өскемен")
    page.get_by_role("button", name=f"Save {entry['id']}").click()

    expect(page.get_by_role("status")).to_contain_text("Saved")
    expect(page.get_by_role("heading", level=1)).to_have_text(renamed)
    expect(page.get_by_role("cell", name="Өскемен", exact=True)).to_be_visible()


def test_a_form_error_is_shown_next_to_its_field(page: Page, live: Live, entry):
    page.goto(live.url(f"/ui/entries/{entry['id']}/edit"))
    page.locator("#variant-0-until").fill("")
    page.get_by_role("button", name=f"Save {entry['id']}").click()

    field = page.locator("#variant-0-text")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#variant-0-error")).to_contain_text("a former name needs 'until'")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    assert axe(page) == []


def test_two_maintainers_editing_at_once_see_the_conflict(
        new_page: Callable[..., Page], live: Live, page: Page, entry):
    first, second = new_page(), new_page()
    for session, prefix in ((first, "first"), (second, "second")):
        username, _ = live.create_user("maintainer", prefix=f"entries-{prefix}")
        login(session, live, username)
        session.goto(live.url(f"/ui/entries/{entry['id']}/edit"))
    first.get_by_label("Note", exact=True).fill("Saved first")
    first.get_by_role("button", name=f"Save {entry['id']}").click()
    expect(first.get_by_role("status")).to_contain_text("Saved")

    second.get_by_label("Note", exact=True).fill("Saved second")
    second.get_by_role("button", name=f"Save {entry['id']}").click()

    expect(second.get_by_role("heading", level=1)).to_contain_text("was changed while")
    conflict = second.locator(".conflict")
    expect(conflict).to_contain_text("Saved first")
    expect(conflict).to_contain_text("Saved second")
    assert axe(second) == []
    shoot(second, "entry-conflict")

    second.once("dialog", lambda dialog: dialog.accept())  # data-confirm asks first
    second.get_by_role("button", name="Save mine over theirs").click()
    expect(second.get_by_role("status")).to_contain_text("Saved")
    expect(second.locator(".entries-note")).to_have_text("Saved second")


def test_the_list_fits_a_phone_without_sideways_scrolling(phone_page: Page, live: Live):
    login(phone_page, live)
    phone_page.goto(live.url("/ui/entries?q=a"))
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Entries")

    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert axe(phone_page) == []
    shoot(phone_page, "entries-list-phone")


@pytest.mark.parametrize("typed", ["ТОКАЕВ", "tokaiev", "Тоқаев", "kassym-zhomart"])
def test_the_search_box_finds_a_shipped_name_however_it_is_typed(
    page: Page, live: Live, typed: str
) -> None:
    """Russian capitals, the French form without its accent, the Kazakh letters and a listed
    variant all find the same shipped entry."""
    login(page, live)
    page.goto(live.url("/ui/entries"))
    page.get_by_label("Search").fill(typed)
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()

    expect(page.get_by_role("link", name="kassym-jomart-tokayev", exact=True)).to_be_visible()
    if typed == "ТОКАЕВ":
        shoot(page, "entries-search-cyrillic")
