"""The maintainer's whole loop in Chromium: a real job meets a misspelling, the candidate shows on
/ui/candidates, the maintainer approves it, and the next job applies it. Also a rejection."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import Live, axe, expect, login, shoot, submit_job

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# One letter off a shipped person's name, with the right spelling nowhere in the article: the
# matcher suggests the glossary name and does not apply it (checked with `audarma localize`).
LOOP_SPELLING = "Yerlan Koshanav"
LOOP_ENTRY = "Yerlan Koshanov"
LOOP_TEXT = f"{LOOP_SPELLING} spoke to reporters after the session of the Mazhilis on Monday."
REJECT_SPELLING = "Maulen Ashimbaeyv"
REJECT_TEXT = f"{REJECT_SPELLING} opened the session of the Senate."
SHOW_SECONDS = 15.0  # candidates are recorded just after a job is done
REFRESH_SECONDS = 15.0  # the worker reloads the glossary within its refresh interval


def change_for(document: dict, spelling: str) -> dict | None:
    return next((c for c in document["normalized"]["changes"] if c["original"] == spelling), None)


def candidate_on_page(page: Page, live: Live, spelling: str) -> Locator:
    """The candidate's card on /ui/candidates, reloading until the worker has recorded it."""
    deadline = time.monotonic() + SHOW_SECONDS
    while True:
        page.goto(live.url("/ui/candidates"))
        card = page.locator("li.candidate", has_text=spelling)
        if card.count():
            return card
        if time.monotonic() > deadline:
            pytest.fail(f"{spelling!r} is not on /ui/candidates after {SHOW_SECONDS}s")
        time.sleep(0.2)


def test_a_candidate_from_a_real_job_is_approved_and_the_next_job_applies_it(
    page: Page, live: Live
) -> None:
    first = change_for(submit_job(live, LOOP_TEXT), LOOP_SPELLING)
    assert first is not None and first["kind"] == "fuzzy" and not first["applied"], first
    login(page, live)

    card = candidate_on_page(page, live, LOOP_SPELLING)
    expect(card.get_by_role("link", name=LOOP_ENTRY)).to_be_visible()
    expect(card.locator("mark", has_text=LOOP_SPELLING)).to_be_visible()
    shoot(page, "candidates-list")
    assert axe(page) == []

    card.get_by_label("Kind of variant").first.select_option("spelling")
    card.get_by_role("button", name=f"Approve {LOOP_SPELLING} as a variant of {LOOP_ENTRY}").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_have_text(
        f"{LOOP_SPELLING} is now a spelling variant of {LOOP_ENTRY}.")
    expect(page.locator("li.candidate", has_text=LOOP_SPELLING)).to_have_count(0)

    deadline = time.monotonic() + REFRESH_SECONDS
    while True:
        change = change_for(submit_job(live, LOOP_TEXT), LOOP_SPELLING)
        if change is not None and change["applied"]:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not apply the approved variant within "
                        f"{REFRESH_SECONDS}s; last change: {change}")
    assert change["replacement"] == LOOP_ENTRY
    assert change["kind"] == "variant"


def test_a_rejected_candidate_leaves_the_list_and_stays_rejected(page: Page, live: Live) -> None:
    submit_job(live, REJECT_TEXT)
    login(page, live)
    card = candidate_on_page(page, live, REJECT_SPELLING)

    page.once("dialog", lambda dialog: dialog.accept())  # data-confirm asks first
    card.get_by_role("button", name=f"Reject {REJECT_SPELLING}").click()
    page.wait_for_load_state()

    expect(page.get_by_role("status")).to_contain_text("will not be suggested again")
    expect(page.locator("li.candidate", has_text=REJECT_SPELLING)).to_have_count(0)
    submit_job(live, REJECT_TEXT)  # the workers meet it again
    page.goto(live.url("/ui/candidates?status=rejected"))
    expect(page.locator("li.candidate", has_text=REJECT_SPELLING)).to_have_count(1)
    page.goto(live.url("/ui/candidates"))
    expect(page.locator("li.candidate", has_text=REJECT_SPELLING)).to_have_count(0)
