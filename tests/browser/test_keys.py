"""The API keys page in Chromium: an admin revokes an editor's key and the API refuses the key on
its very next request; a new key is shown once; maintainers are kept out."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import requests

from tests.browser.conftest import Live, axe, expect, login, shoot

if TYPE_CHECKING:
    from playwright.sync_api import Page

UNKNOWN_JOB = "/v1/jobs/00000000-0000-0000-0000-000000000000"


def api_status(live: Live, key: str) -> int:
    headers = {"Authorization": f"Bearer {key}"}
    return requests.get(live.url(UNKNOWN_JOB), headers=headers, timeout=10).status_code


def test_an_admin_revokes_a_key_and_the_api_refuses_it_at_once(page: Page, live: Live) -> None:
    name = f"h3 newsroom {secrets.token_hex(3)}"
    key = live.cli("keys", "create", "--role", "editor", "--name", name).strip().splitlines()[-1]
    prefix = key.split("_")[1]
    assert api_status(live, key) == 404  # the key works: the job just does not exist

    login(page, live, "admin")
    page.goto(live.url("/ui/keys"))
    expect(page.get_by_role("heading", level=1)).to_have_text("API keys")
    row = page.locator("tr", has_text=name)
    expect(row).to_contain_text("active")
    assert axe(page) == []
    shoot(page, "keys")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Revoke the editor key {prefix} {name}").click()

    expect(page.get_by_role("status")).to_contain_text(f"Revoked key {prefix}")
    assert api_status(live, key) == 401
    expect(page.locator("tr", has_text=name)).to_contain_text("revoked")


def test_a_new_key_is_shown_once(page: Page, live: Live) -> None:
    login(page, live, "admin")
    page.goto(live.url("/ui/keys"))
    page.get_by_label("Role").select_option("editor")
    page.get_by_label("Name").fill(f"h3 made in the ui {secrets.token_hex(3)}")
    page.get_by_role("button", name="Make a key").click()

    key = page.get_by_label("The key").input_value()
    assert key.startswith("ak_")
    expect(page.get_by_text("only time it is shown")).to_be_visible()
    assert axe(page) == []
    shoot(page, "keys-created")
    assert api_status(live, key) == 404
    page.get_by_role("link", name="Back to the keys").click()
    assert key not in page.content()


def test_a_maintainer_cannot_open_the_keys_page(page: Page, live: Live) -> None:
    login(page, live, "maintainer")
    response = page.goto(live.url("/ui/keys"))

    assert response is not None and response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("Only admins")
