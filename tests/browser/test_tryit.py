"""The "Try it" page in Chromium: paste an article, see the findings marked in place, axe-clean,
and no script from the article runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser.conftest import Live, axe, expect, login, shoot

if TYPE_CHECKING:
    from playwright.sync_api import Page

ARTICLE = ("Olzhas Bektanov said exports rose to $24 billion on 5 March 2024.\n\n"
           "Mukhtar Tileuberdy met him in Astana.\n\n"
           "Also Read: Exports rise again\n\n"
           "<script>window.tryitPwned = true</script>")


def test_an_article_is_marked_in_place_with_versions(page: Page, live: Live) -> None:
    login(page, live)
    page.goto(live.url("/ui/try"))
    assert axe(page) == []

    page.get_by_label("Article").fill(ARTICLE)
    page.get_by_label("en-GB").check()
    page.get_by_role("button", name="Run the article").click()
    page.wait_for_load_state()

    marked = page.locator("#marked")
    expect(marked.locator("mark.suggested", has_text="Olzhas Bektanov")).to_be_visible()
    expect(marked.locator("mark.applied", has_text="Mukhtar Tileuberdy")).to_be_visible()
    expect(marked.locator("mark.figure", has_text="$24 billion")).to_be_visible()
    expect(marked.locator("mark.flag", has_text="Also Read")).to_be_visible()
    expect(marked).to_contain_text("<script>window.tryitPwned = true</script>")
    expect(page.get_by_role("heading", name="ru-RU")).to_be_visible()
    expect(page.get_by_role("heading", name="en-GB")).to_be_visible()
    assert page.evaluate("window.tryitPwned === undefined")
    shoot(page, "try-it-result")
    assert axe(page) == []


def test_try_it_fits_a_phone(new_page, live: Live) -> None:
    page = new_page(390, 844, is_mobile=True, has_touch=True)
    login(page, live)
    page.goto(live.url("/ui/try"))
    page.get_by_label("Article").fill(ARTICLE)
    page.get_by_role("button", name="Run the article").click()
    page.wait_for_load_state()

    expect(page.locator("#marked mark.suggested")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    shoot(page, "try-it-phone")
