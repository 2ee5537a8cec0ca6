"""Hostile text in every place a maintainer sees it, and an accessibility check of every page.

The payloads go where copy and curation really put text: an article submitted by an editor
(so it reaches the candidate contexts and the try-it page), a glossary entry's names, variant
and note (so it reaches the list, the entry page, the edit form and the history), and the
try-it form. The pages are opened in a context with the Content-Security-Policy switched off,
so a pass means the text was escaped, not merely that the policy blocked it; the policy has
its own tests in test_login.py. Any alert, console error from a payload or change to
`window.__xss` fails the test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import requests

from tests.browser.conftest import Live, axe, expect, login, shoot, submit_job

if TYPE_CHECKING:
    from playwright.sync_api import Page

MARK = "window.__xss = (window.__xss || 0) + 1"
PAYLOADS = [
    f"<script>{MARK}</script>",
    f'<img src=x onerror="{MARK}">',
    f'"><svg onload="{MARK}">',
    f"</textarea><script>{MARK}</script>",
    f"javascript:{MARK}",
]
# One letter off a shipped name, with the right spelling nowhere in the article: the matcher
# suggests it, so the workers record a candidate whose context holds the payloads around it.
SPELLING = "Beibut Atamkulav"
ENTRY_ID = "xss-probe"


def hostile_article() -> str:
    return f"{PAYLOADS[0]} {SPELLING} {PAYLOADS[1]} met the press. {' '.join(PAYLOADS[2:])}"


@pytest.fixture(scope="module")
def planted(live: Live) -> None:
    """An entry full of payloads (made through the JSON API with a maintainer key) and a job
    whose article carries them."""
    key = live.cli("keys", "create", "--role", "maintainer", "--name", "xss").strip()
    key = key.splitlines()[-1]
    body = {"id": ENTRY_ID, "type": "term",
            "names": {"en": f"Probe {PAYLOADS[0]}", "ru": f"Проба {PAYLOADS[1]}"},
            "variants": [{"text": f"Probe {PAYLOADS[2]}", "kind": "spelling"}],
            "note": " ".join(PAYLOADS)}
    response = requests.post(live.url("/v1/glossary/entries"), json=body, timeout=10,
                             headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.text
    document = submit_job(live, hostile_article())
    assert any(c["original"] == SPELLING for c in document["normalized"]["changes"]), document


def watch(page: Page) -> list[str]:
    """Everything that would show a payload ran: dialogs and page errors."""
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(f"dialog: {dialog.message}"),
                                      dialog.dismiss()))
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


def assert_nothing_ran(page: Page, seen: list[str], where: str) -> None:
    assert page.evaluate("window.__xss === undefined"), f"a payload ran on {where}"
    assert seen == [], f"{where}: {seen}"
    assert page.locator("svg[onload], img[onerror]").count() == 0, where


def test_payloads_in_entries_articles_and_candidates_are_shown_as_text(
    page: Page, live: Live, planted: None
) -> None:
    seen = watch(page)
    login(page, live)
    pages = [
        "/ui/", f"/ui/entries?q={ENTRY_ID}", f"/ui/entries/{ENTRY_ID}",
        f"/ui/entries/{ENTRY_ID}/edit", f"/ui/history?entry={ENTRY_ID}",
        "/ui/candidates",
    ]
    for path in pages:
        page.goto(live.url(path))
        page.wait_for_load_state()
        assert_nothing_ran(page, seen, path)

    page.goto(live.url(f"/ui/entries/{ENTRY_ID}"))
    expect(page.get_by_text(PAYLOADS[0]).first).to_be_visible()  # the text itself, escaped
    page.goto(live.url("/ui/candidates"))
    card = page.locator("li.candidate", has_text=SPELLING)
    expect(card.first).to_be_visible()
    expect(card.first).to_contain_text("<script>")
    shoot(page, "xss-candidates")


def test_payloads_pasted_into_try_it_are_shown_as_text(page: Page, live: Live) -> None:
    seen = watch(page)
    login(page, live)
    page.goto(live.url("/ui/try"))
    page.get_by_label("Article").fill(hostile_article())
    page.get_by_role("button", name="Run the article").click()
    page.wait_for_load_state()

    assert_nothing_ran(page, seen, "/ui/try")
    expect(page.locator(".preview").first).to_contain_text("<script>")


@pytest.mark.parametrize("path", [
    "/ui/", "/ui/entries", "/ui/entries/astana", "/ui/entries/astana/edit", "/ui/entries/new",
    "/ui/candidates", "/ui/candidates?status=rejected", "/ui/try", "/ui/history", "/ui/import",
    "/ui/keys", "/ui/entries/no-such-entry", "/ui/entries?page=0",
])
def test_every_page_has_no_serious_accessibility_violation(page: Page, live: Live, path: str):
    login(page, live, "admin")
    page.goto(live.url(path))
    page.wait_for_load_state()

    assert page.locator("h1").count() == 1, f"{path} must have exactly one h1"
    assert axe(page) == [], path
    shoot(page, "page" + path.replace("/ui", "").replace("?", "-").replace("=", "-"))
