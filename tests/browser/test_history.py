"""The history page in Chromium: an entry edited through the JSON API, the change reverted in the
UI, and the old name back in the glossary."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import requests

from tests.browser.conftest import Live, axe, expect, login, shoot

if TYPE_CHECKING:
    from playwright.sync_api import Page


def maintainer_key(live: Live, name: str) -> dict[str, str]:
    key = live.cli("keys", "create", "--role", "maintainer", "--name", name)
    return {"Authorization": f"Bearer {key.strip().splitlines()[-1]}"}


def test_a_maintainer_reverts_an_edit_and_gets_the_old_name_back(page: Page, live: Live) -> None:
    headers = maintainer_key(live, "h3 history")
    tag = secrets.token_hex(3)  # the live server is shared: names of this test's own
    entry_id = f"h3-karaganda-{tag}"
    url = live.url(f"/v1/glossary/entries/{entry_id}")
    created = requests.post(live.url("/v1/glossary/entries"), headers=headers, timeout=10, json={
        "id": entry_id, "type": "place",
        "names": {"en": f"Karaganda {tag}", "ru": f"Караганда {tag}"}})
    assert created.status_code == 201, created.text
    edited = requests.put(url, timeout=10, headers={**headers, "If-Match": created.headers["ETag"]},
                          json={"type": "place",
                                "names": {"en": f"Qaraghandy {tag}", "ru": f"Караганда {tag}"}})
    assert edited.status_code == 200, edited.text

    login(page, live, "maintainer")
    page.goto(live.url(f"/ui/history?entry={entry_id}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    expect(page.get_by_text(f"name [en]: Karaganda {tag} → Qaraghandy {tag}")).to_be_visible()
    page.get_by_text("Both versions of change").first.click()  # open the first <details>
    assert axe(page) == []
    shoot(page, "history")

    page.once("dialog", lambda dialog: dialog.accept())  # data-confirm asks first
    page.get_by_role("button", name=f"update of {entry_id}").click()

    expect(page.get_by_role("status")).to_contain_text("is back as it was before it")
    expect(page.locator("tbody tr").first).to_contain_text("revert")
    reverted = requests.get(url, headers=headers, timeout=10).json()
    assert reverted["names"]["en"] == f"Karaganda {tag}"
    shoot(page, "history-reverted")


def test_the_history_works_at_phone_width(phone_page: Page, live: Live) -> None:
    login(phone_page, live, "maintainer")
    phone_page.goto(live.url("/ui/history"))

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("History")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide at a 390px viewport"
    assert axe(phone_page) == []
    shoot(phone_page, "history-phone")
