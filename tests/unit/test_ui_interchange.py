"""The import page (upload, dry run, apply, stale plans, bad files) and the export downloads."""

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from service.core.interchange import write_tbx
from service.store.models import ImportPlanRow
from service.ui import interchange
from tests.unit.conftest import UiSession

TOKEN_URL = re.compile(r"^/ui/import/([A-Za-z0-9_-]{32})$")


@pytest.fixture
def glossary(app):
    return app.extensions["audarma"].glossary


def upload(session, data: bytes, name: str = "pairs.csv", **form) -> object:
    fields = {"format": "csv-pair", "source": "en", "target": "ru", "type": "place",
              "collection": "h3-import", **form}
    if data is not None:
        fields["file"] = (io.BytesIO(data), name)
    return session.post("/ui/import", data=fields, content_type="multipart/form-data")


def dry_run(session, data: bytes, **form) -> str:
    response = upload(session, data, **form)
    assert response.status_code == 303, response.text
    return TOKEN_URL.match(response.headers["Location"]).group(1)


def test_the_page_offers_an_upload_and_the_exports(ui):
    page = ui.get("/ui/import")

    assert page.status_code == 200
    assert page.text.count("<h1>") == 1
    assert 'enctype="multipart/form-data"' in page.text
    assert "format=yaml" in page.text


def test_a_csv_dry_run_shows_adds_and_changes_and_writes_nothing(ui, glossary):
    glossary.create({"id": "h3-almaty", "type": "place", "names": {"en": "Almaty"}}, by="olga")
    token = dry_run(ui, "Almaty,Алматы\nTaraz,Тараз\n".encode())

    page = ui.get(f"/ui/import/{token}")

    assert page.status_code == 200
    assert "<strong>1</strong> to add" in page.text
    assert "<strong>1</strong> to change" in page.text
    assert "name [ru] added: Алматы" in page.text
    assert "Тараз" in page.text
    assert f'name="token" value="{token}"' in page.text
    assert glossary.get("h3-almaty")["names"] == {"en": "Almaty"}
    assert glossary.list(q="Taraz")[1] == 0


def test_applying_writes_everything_and_forgets_the_plan(ui, glossary, database):
    glossary.create({"id": "h3-almaty", "type": "place", "names": {"en": "Almaty"}}, by="olga")
    token = dry_run(ui, "Almaty,Алматы\nTaraz,Тараз\n".encode())

    response = ui.post("/ui/import/apply", data={"token": token})

    assert response.status_code == 303
    assert glossary.get("h3-almaty")["names"]["ru"] == "Алматы"
    found, total = glossary.list(q="Тараз")
    assert total == 1 and found[0]["type"] == "place" and found[0]["collection"] == "h3-import"
    assert glossary.changes(by="mara", limit=5)
    assert "1 added, 1 changed" in ui.get("/ui/import").text
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ImportPlanRow)) == 0
    assert ui.get(f"/ui/import/{token}").status_code == 404


def test_a_plan_made_by_one_process_is_applied_by_another(ui, glossary, make_app):
    """The dry run is kept in the database: a second app (another API process or host) on
    the same database applies it."""
    token = dry_run(ui, "Taraz,Тараз\n".encode())
    other = make_app().test_client()
    other.set_cookie("audarma_session",
                     ui.client.get_cookie("audarma_session", path="/ui").value,
                     path="/ui")

    response = other.post("/ui/import/apply", data={"token": token, "csrf_token": ui.token()})

    assert response.status_code == 303
    assert glossary.list(q="Тараз")[1] == 1


def test_a_plan_older_than_a_day_is_gone(ui, database):
    from datetime import timedelta

    token = dry_run(ui, "Taraz,Тараз\n".encode())
    with database.session() as session:
        row = session.get(ImportPlanRow, token)
        row.created_at = row.created_at - timedelta(days=2)

    assert ui.get(f"/ui/import/{token}").status_code == 404


def test_a_tbx_file_imports_with_its_variants(ui, glossary):
    tbx = write_tbx([{"id": "h3-shymkent", "type": "place", "collection": "h3-tbx",
                      "names": {"en": "Shymkent", "ru": "Шымкент"},
                      "variants": [{"text": "Chimkent", "kind": "former", "until": 1993}]}])
    token = dry_run(ui, tbx.encode(), name="cities.tbx", format="tbx", target="")

    assert "<strong>1</strong> to add" in ui.get(f"/ui/import/{token}").text
    ui.post("/ui/import/apply", data={"token": token})

    entry = glossary.get("h3-shymkent")
    assert entry["names"] == {"en": "Shymkent", "ru": "Шымкент"}
    assert entry["variants"] == [{"text": "Chimkent", "kind": "former", "until": 1993}]


def test_a_plan_made_stale_is_made_again_and_nothing_is_written(ui, glossary):
    token = dry_run(ui, "Taraz,Тараз\n".encode())
    glossary.create({"id": "h3-taraz", "type": "place", "names": {"en": "Taraz"}}, by="olga")

    response = ui.post("/ui/import/apply", data={"token": token}, follow_redirects=True)

    assert "The glossary changed since this dry run" in response.text
    assert "<strong>1</strong> to change" in response.text  # matched to the new entry now
    assert "ru" not in glossary.get("h3-taraz")["names"]
    ui.post("/ui/import/apply", data={"token": token})
    assert glossary.get("h3-taraz")["names"]["ru"] == "Тараз"


def test_rows_with_errors_block_the_apply(ui, glossary):
    token = dry_run(ui, "Taraz,Тараз\nonly one column\n".encode())
    page = ui.get(f"/ui/import/{token}").text

    assert "line 2" in page and "1 columns, expected 2" in page
    assert "Apply:" not in page
    forced = ui.post("/ui/import/apply", data={"token": token}, follow_redirects=True)
    assert "Nothing was written" in forced.text
    assert glossary.list(q="Taraz")[1] == 0


def test_another_users_plan_is_refused(app, ui):
    token = dry_run(ui, "Taraz,Тараз\n".encode())
    other = UiSession(app, "h3-other", "maintainer")

    assert other.get(f"/ui/import/{token}").status_code == 403
    assert other.post("/ui/import/apply", data={"token": token}).status_code == 403


@pytest.mark.parametrize("token, status", [("../../etc/passwd", 400), ("x" * 32, 404)])
def test_bad_or_unknown_tokens(ui, token, status):
    assert ui.post("/ui/import/apply", data={"token": token}).status_code == status


def test_an_upload_without_a_file_is_shown_next_to_the_field(ui):
    page = upload(ui, None)

    assert page.status_code == 422
    assert 'id="file-error"' in page.text and "Choose a file" in page.text


@pytest.mark.parametrize("form, field, message", [
    ({"format": "xlsx"}, "format", "Choose a format"),
    ({"target": ""}, "target", "Give a language tag"),
    ({"source": "not a tag!"}, "source", "is not a language tag"),
    ({"type": "planet"}, "type", "Choose a type"),
    ({"collection": "c" * 101}, "collection", "At most 100 characters"),
])
def test_bad_form_values_are_shown_next_to_their_field(ui, form, field, message):
    page = upload(ui, b"a,b\n", **form)

    assert page.status_code == 422
    assert f'id="{field}-error"' in page.text
    assert message in page.text


def test_a_csv_that_is_not_utf8_is_refused_with_the_byte(ui, glossary):
    page = upload(ui, "Тараз,Taraz\n".encode("cp1251"))

    assert page.status_code == 422
    assert "not UTF-8" in page.text and "0xd2" in page.text


def test_an_empty_file_is_refused(ui):
    page = upload(ui, b"")

    assert page.status_code == 422
    assert "The file is empty." in page.text


def test_an_upload_over_the_limit_gets_a_413_that_says_so(ui, monkeypatch):
    monkeypatch.setattr(interchange, "UPLOAD_LIMIT", 1024 * 1024)

    page = upload(ui, b"a,b\n" * 300_000)

    assert page.status_code == 413
    assert "larger than the 1 MB" in page.text


def test_the_yaml_export_is_a_zip_of_collection_files(ui, glossary):
    glossary.create({"id": "h3-almaty", "type": "place", "names": {"en": "Almaty"}}, by="olga")

    response = ui.get("/ui/export?format=yaml")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert any("h3-almaty" in archive.read(name).decode() for name in archive.namelist())


def test_the_csv_pair_export_needs_a_target_and_gives_the_pairs(ui, glossary):
    glossary.create({"id": "h3-almaty", "type": "place",
                     "names": {"en": "Almaty", "ru": "Алматы"}}, by="olga")

    assert ui.get("/ui/export?format=csv-pair&source=en").status_code == 400
    response = ui.get("/ui/export?format=csv-pair&source=en&target=ru")
    assert response.status_code == 200
    assert "Almaty,Алматы" in response.data.decode()


@pytest.mark.parametrize("query", ["format=xlsx", "format=tbx&source=%00", "format=csv-wide&source="
                                   + "e" * 101])
def test_bad_export_queries_get_a_400(ui, query):
    assert ui.get(f"/ui/export?{query}").status_code == 400
