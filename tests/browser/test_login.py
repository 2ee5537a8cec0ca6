"""Signing in to the maintainers' UI in Chromium: the form, lockout, sign-out, CSRF, the security
headers and cookie flags, accessibility, phone width and keyboard-only use."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import requests

from tests.browser.conftest import Live, axe, expect, login, shoot

if TYPE_CHECKING:
    from playwright.sync_api import Page

NAV_LINKS = ["Entries", "Candidates", "Try it", "Import", "History"]
WRONG = "Wrong username or password"
SIGNED_IN_PAGES = ["/ui/", "/ui/entries"]
MAX_FAILED_LOGINS = 5  # the default of AUDARMA_UI_MAX_FAILED_LOGINS


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def submit_login(page: Page, live: Live, username: str, password: str) -> None:
    page.goto(live.url("/ui/login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


class FormInputs(HTMLParser):
    """name -> value of every <input> in a page (to read the login form's csrf_token)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name"):
            self.values[found["name"] or ""] = found.get("value") or ""


def login_form(session: requests.Session, live: Live) -> dict[str, str]:
    """GET /ui/login in `session` (which receives its cookie); the form's input values."""
    response = session.get(live.url("/ui/login"), timeout=10)
    assert response.status_code == 200, response.text
    parser = FormInputs()
    parser.feed(response.text)
    return parser.values


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


# --------------------------------------------------------------------------- the form


@pytest.mark.parametrize("who", ["maintainer", "admin"])
def test_login_lands_on_the_home_page_with_the_navigation(page: Page, live: Live, who: str):
    login(page, live, who)

    assert path_of(page) == "/ui/"
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    nav = page.get_by_role("navigation")
    for name in NAV_LINKS:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    # Only admins manage API keys.
    expect(nav.get_by_role("link", name="Keys", exact=True)).to_have_count(
        1 if who == "admin" else 0
    )
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("main#main")).to_be_visible()
    shoot(page, f"home-{who}")


def test_wrong_password_and_unknown_user_get_the_same_alert(page: Page, live: Live):
    username, _ = live.create_user(prefix="wrong")

    submit_login(page, live, username, "not-the-password")
    assert path_of(page) == "/ui/login"
    expect(page.get_by_role("alert")).to_contain_text(WRONG)
    shoot(page, "login-wrong-password")

    # The message must not tell an attacker which usernames exist.
    submit_login(page, live, "nobody-by-this-name", "not-the-password")
    assert path_of(page) == "/ui/login"
    expect(page.get_by_role("alert")).to_contain_text(WRONG)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(page: Page, live: Live):
    username, password = live.create_user(prefix="lockout")

    for attempt in range(1, MAX_FAILED_LOGINS + 1):
        submit_login(page, live, username, f"wrong-password-{attempt}")
        alert = page.get_by_role("alert")
        if attempt < MAX_FAILED_LOGINS:
            expect(alert).to_contain_text(WRONG)
        else:  # the try that locks may say either
            expect(alert).to_be_visible()

    submit_login(page, live, username, password)
    assert path_of(page) == "/ui/login"
    expect(page.get_by_role("alert")).to_contain_text("locked")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    shoot(page, "login-locked")


def test_sign_out_ends_the_session(page: Page, live: Live):
    login(page, live)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()

    for path in SIGNED_IN_PAGES:
        page.goto(live.url(path))
        assert path_of(page) == "/ui/login", f"{path} after signing out"
    expect(page.get_by_label("Username")).to_be_visible()


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_a_signed_out_visitor_is_sent_to_the_login_page(page: Page, live: Live, path: str):
    page.goto(live.url(path))
    assert path_of(page) == "/ui/login"


# --------------------------------------------------------------------------- CSRF, headers, cookie


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "forged"])
def test_a_login_post_without_a_valid_csrf_token_is_refused(live: Live, token: str | None):
    with requests.Session() as session:
        form = login_form(session, live)
        assert form.get("csrf_token"), f"no csrf_token in the login form: {form}"
        data = {"username": "maintainer", "password": live.passwords["maintainer"]}
        if token is not None:
            data["csrf_token"] = token
        response = session.post(live.url("/ui/login"), data=data, allow_redirects=False, timeout=10)
    assert response.status_code in (400, 403), (response.status_code, response.text[:500])


def test_a_login_post_with_the_form_token_signs_in(live: Live):
    """The counterpart of the test above: the same POST with the form's token is accepted, so
    the refusal there is the token's doing."""
    with requests.Session() as session:
        form = login_form(session, live)
        data = {**form, "username": "maintainer", "password": live.passwords["maintainer"]}
        response = session.post(live.url("/ui/login"), data=data, allow_redirects=False, timeout=10)
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    assert urlsplit(response.headers["Location"]).path == "/ui/"


def assert_security_headers(headers: dict[str, str], where: str) -> None:
    lowered = {name.lower(): value for name, value in headers.items()}
    csp = lowered.get("content-security-policy")
    assert csp, f"{where}: no Content-Security-Policy header"
    directives = csp_directives(csp)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts is not None, f"{where}: CSP has neither script-src nor default-src: {csp}"
    assert "'self'" in scripts, f"{where}: CSP script-src is not 'self': {csp}"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, csp
    assert directives.get("frame-ancestors") == ["'none'"], f"{where}: {csp}"
    assert lowered.get("x-content-type-options") == "nosniff", f"{where}: {headers}"


def test_security_headers_on_the_login_page(live: Live):
    response = requests.get(live.url("/ui/login"), timeout=10)
    assert response.status_code == 200
    assert_security_headers(dict(response.headers), "GET /ui/login")


def test_security_headers_on_a_signed_in_page(page: Page, live: Live):
    login(page, live)
    response = page.goto(live.url("/ui/"))
    assert response is not None and response.ok
    assert_security_headers(response.headers, "GET /ui/")


def test_the_session_cookie_is_http_only_and_same_site(live: Live):
    with requests.Session() as session:
        form = login_form(session, live)
        data = {**form, "username": "maintainer", "password": live.passwords["maintainer"]}
        response = session.post(live.url("/ui/login"), data=data, allow_redirects=False, timeout=10)
        cookies = response.raw.headers.getlist("Set-Cookie")
    assert cookies, "signing in set no cookie"
    for cookie in cookies:
        attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
        assert "httponly" in attributes, f"cookie not HttpOnly: {cookie}"
        assert "samesite=lax" in attributes or "samesite=strict" in attributes, (
            f"cookie without SameSite=Lax or Strict: {cookie}"
        )


# --------------------------------------------------------------------------- accessibility


def test_the_login_page_has_no_serious_accessibility_violation(page: Page, live: Live):
    page.goto(live.url("/ui/login"))
    shoot(page, "login")
    assert axe(page) == []

    submit_login(page, live, "nobody-by-this-name", "not-the-password")
    expect(page.get_by_role("alert")).to_be_visible()
    assert axe(page) == [], "with the error message shown"


def test_the_login_page_fits_a_phone_screen(phone_page: Page, live: Live):
    phone_page.goto(live.url("/ui/login"))
    widths = phone_page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    shoot(phone_page, "login-phone")
    # 390 means the page asks for the device's width (meta viewport); without it a phone
    # lays the page out 980 px wide and shrinks it to an unreadable size.
    assert widths["inner"] == 390, widths
    assert widths["scroll"] <= widths["inner"], f"horizontal scroll at phone width: {widths}"


FOCUS_RING = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    name: element.getAttribute("name"),
    tag: element.tagName.toLowerCase(),
    text: element.textContent.trim(),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
  };
}"""


def focused(page: Page) -> dict:
    return page.evaluate(FOCUS_RING)


def tab_to(page: Page, name: str, limit: int = 15) -> dict:
    """Press Tab until the element named `name` has focus (a skip link or the header may come
    first; with autofocus it has it already); fails if it never does."""
    for _ in range(limit):
        state = focused(page)
        if state["name"] == name:
            return state
        page.keyboard.press("Tab")
    pytest.fail(f"{limit} presses of Tab never reached the field {name!r}")


def assert_visible_focus(state: dict) -> None:
    assert state["outline"] or state["shadow"], f"focused element shows no focus ring: {state}"


def test_the_login_form_works_with_the_keyboard_alone(page: Page, live: Live):
    page.goto(live.url("/ui/login"))

    state = tab_to(page, "username")
    assert_visible_focus(state)
    page.keyboard.type("maintainer")

    page.keyboard.press("Tab")
    state = focused(page)
    assert state["name"] == "password", state
    assert_visible_focus(state)
    page.keyboard.type(live.passwords["maintainer"])

    page.keyboard.press("Tab")
    state = focused(page)
    assert state["tag"] == "button" and state["text"] == "Sign in", state
    assert_visible_focus(state)
    shoot(page, "login-keyboard-focus")

    page.keyboard.press("Enter")
    page.wait_for_url(live.url("/ui/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
