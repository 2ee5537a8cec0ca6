"""The UI's shared parts: signing in and out, lockout, CSRF, sessions and headers."""

import re

import pytest

from tests.unit.conftest import UiSession


def test_a_maintainer_signs_in_and_sees_the_home_page(ui):
    page = ui.get("/ui/")

    assert page.status_code == 200
    assert "<h1>Glossary</h1>" in page.text
    assert "mara" in page.text
    assert 'href="/ui/keys"' not in page.text  # admins only


def test_an_admin_sees_the_keys_link(ui_admin):
    assert 'href="/ui/keys"' in ui_admin.get("/ui/").text


def test_pages_need_a_signed_in_user(client):
    response = client.get("/ui/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/ui/login?next=")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(app, client):
    app.extensions["audarma"].users.create("olga", "maintainer", "right-password-1")
    page = client.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    for username in ("olga", "nobody"):
        response = client.post("/ui/login", data={"username": username, "password": "wrong-one-1",
                                                  "csrf_token": token})
        assert response.status_code == 401
        assert "Wrong username or password." in response.text


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(app):
    session = UiSession(app, "lena", "maintainer")
    session.post("/ui/logout")
    for _ in range(5):
        session.post("/ui/login", data={"username": "lena", "password": "not-the-password"})

    response = session.post("/ui/login", data={"username": "lena",
                                               "password": UiSession.PASSWORD})

    assert response.status_code == 401
    assert "locked" in response.text
    assert session.get("/ui/").status_code == 302


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_form_without_the_right_csrf_token_is_refused(ui, token):
    data = {"username": "mara", "password": UiSession.PASSWORD}
    if token is not None:
        data["csrf_token"] = token

    response = ui.client.post("/ui/logout", data=data)

    assert response.status_code == 400
    assert "security token" in response.text
    assert ui.get("/ui/").status_code == 200  # still signed in: the logout did not happen


def test_signing_out_ends_the_session(ui):
    assert ui.post("/ui/logout").status_code == 303

    assert ui.get("/ui/").status_code == 302


def test_a_new_password_ends_older_sessions(app, ui):
    app.extensions["audarma"].users.set_password("mara", "a-brand-new-password")

    assert ui.get("/ui/").status_code == 302


def test_every_ui_response_carries_the_security_headers(ui, client):
    for response in (client.get("/ui/login"), ui.get("/ui/"), ui.get("/ui/static/ui.css"),
                     ui.client.post("/ui/logout")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_httponly_samesite_and_secure_over_https(app):
    app.extensions["audarma"].users.create("hana", "maintainer", "right-password-1")
    client = app.test_client()
    page = client.get("/ui/login", base_url="https://glossary.example")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    response = client.post("/ui/login", base_url="https://glossary.example",
                           data={"username": "hana", "password": "right-password-1",
                                 "csrf_token": token})

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_the_api_sets_no_session_cookie(client, auth):
    response = client.get("/v1/jobs", headers=auth["editor"])

    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/ui/", "/v1/jobs",
                                    "/ui/\\evil"])
def test_sign_in_never_redirects_off_the_ui(app, target):
    app.extensions["audarma"].users.create("ivan", "maintainer", "right-password-1")
    client = app.test_client()
    page = client.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    response = client.post("/ui/login", query_string={"next": target},
                           data={"username": "ivan", "password": "right-password-1",
                                 "csrf_token": token})

    assert response.headers["Location"] == "/ui/"


def test_signed_in_people_have_a_budget_each_and_sign_in_attempts_one_per_address(make_app):
    app = make_app(rate_limit="5/minute")
    first, second = UiSession(app, "anna", "maintainer"), UiSession(app, "boris", "maintainer")
    # Each signed in with one POST (counted against the address); pages count per person.
    for _ in range(5):
        assert first.get("/ui/").status_code == 200
    assert first.get("/ui/").status_code == 429
    assert second.get("/ui/").status_code == 200  # same address, another person
    assert first.get("/ui/static/ui.css").status_code == 200  # files are never counted

    stranger = app.test_client()
    statuses = [stranger.get("/ui/login").status_code for _ in range(6)]
    assert 429 in statuses  # sign-in attempts from one address share one budget
