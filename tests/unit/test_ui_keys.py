"""The admins' API keys page: list, create (shown once), revoke (refused by the API at once)."""

import re


def _jobs_status(client, plaintext: str) -> int:
    response = client.get("/v1/jobs/00000000-0000-0000-0000-000000000000",
                          headers={"Authorization": f"Bearer {plaintext}"})
    return response.status_code


def test_an_admin_sees_every_key_without_its_secret(app, ui_admin):
    keys = app.extensions["audarma"].keys
    plaintext, key = keys.create("editor", name="newsroom bot")

    page = ui_admin.get("/ui/keys")

    assert page.status_code == 200
    assert "newsroom bot" in page.text
    assert f"ak_{key['prefix']}_" in page.text
    assert plaintext not in page.text
    assert "active" in page.text


def test_a_maintainer_may_not_see_or_revoke_keys(app, ui):
    _, key = app.extensions["audarma"].keys.create("editor", name="kept")

    assert ui.get("/ui/keys").status_code == 403
    assert ui.post(f"/ui/keys/{key['id']}/revoke").status_code == 403
    assert ui.post("/ui/keys", data={"role": "admin", "name": "mine"}).status_code == 403
    assert not next(k for k in app.extensions["audarma"].keys.list() if k["id"] == key["id"])[
        "revoked"]


def test_a_revoked_key_is_refused_by_the_api_at_once(app, client, ui_admin):
    keys = app.extensions["audarma"].keys
    plaintext, key = keys.create("editor", name="to revoke")
    assert _jobs_status(client, plaintext) == 404  # accepted: the job just does not exist

    response = ui_admin.post(f"/ui/keys/{key['id']}/revoke")

    assert response.status_code == 303
    assert _jobs_status(client, plaintext) == 401
    page = ui_admin.get("/ui/keys").text
    assert "Revoked key" in page
    assert re.search(rf'id="key-{key["id"]}".*?revoked', page, re.S)


def test_revoking_an_unknown_key_is_a_404(ui_admin):
    page = ui_admin.post("/ui/keys/no-such-key/revoke")

    assert page.status_code == 404
    assert "no-such-key" in page.text


def test_a_new_key_is_shown_once_and_works(app, client, ui_admin):
    page = ui_admin.post("/ui/keys", data={"role": "editor", "name": "CMS"})

    assert page.status_code == 200
    plaintext = re.search(r'id="new-key"[^>]*value="(ak_[^"]+)"', page.text).group(1)
    assert "only time it is shown" in page.text
    assert _jobs_status(client, plaintext) == 404
    assert plaintext not in ui_admin.get("/ui/keys").text


def test_an_unknown_role_is_shown_next_to_the_field(ui_admin):
    page = ui_admin.post("/ui/keys", data={"role": "root", "name": "x"})

    assert page.status_code == 422
    assert 'aria-invalid="true" aria-describedby="key-role-error"' in page.text
    assert "&#39;root&#39;" in page.text


def test_a_name_with_control_characters_is_refused(ui_admin):
    page = ui_admin.post("/ui/keys", data={"role": "editor", "name": "a\x00b"})

    assert page.status_code == 422
    assert "control characters" in page.text
