"""Import in Chromium: a two-column CSV and a TBX-Basic file, each uploaded, its dry run read,
applied, and the new entries found in the entry list; the export links download."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser.conftest import Live, axe, expect, login, shoot

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def import_form(page: Page) -> Locator:
    return page.get_by_role("region", name="Import a file")


def upload(page: Page, live: Live, path: Path, fmt: str, target: str = "") -> None:
    page.goto(live.url("/ui/import"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Import and export")
    form = import_form(page)
    form.get_by_label("File", exact=True).set_input_files(str(path))
    form.get_by_label("Format").select_option(fmt)
    form.get_by_label("Source language").fill("en")
    form.get_by_label("Target language").fill(target)
    form.get_by_label("Type of new entries").select_option("place")
    form.get_by_label("Collection of new entries").fill("h3-browser")
    form.get_by_role("button", name="Upload and show the dry run").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Dry run: {path.name}")


def apply(page: Page) -> None:
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply:").click()


def listed(page: Page, live: Live, query: str, shown: str) -> None:
    """The entry list searched for `query` shows `shown`."""
    page.goto(live.url(f"/ui/entries?q={query}"))
    expect(page.get_by_role("table")).to_contain_text(shown)


def test_a_csv_import_with_its_dry_run(page: Page, live: Live, tmp_path: Path) -> None:
    tag = secrets.token_hex(2)
    path = tmp_path / f"h3-cities-{tag}.csv"
    path.write_text(f"Kentau {tag},Кентау {tag}\nArkalyk {tag},Аркалык {tag}\n", encoding="utf-8")
    login(page, live, "maintainer")
    page.goto(live.url("/ui/import"))
    assert axe(page) == []
    shoot(page, "import")

    upload(page, live, path, "csv-pair", target="ru")
    expect(page.get_by_text("to add")).to_contain_text("2")
    expect(page.get_by_role("table")).to_contain_text(f"Кентау {tag}")
    assert axe(page) == []
    shoot(page, "import-dry-run")
    apply(page)

    expect(page.get_by_role("status")).to_contain_text("2 added, 0 changed")
    listed(page, live, f"Kentau {tag}", f"Кентау {tag}")
    listed(page, live, f"Аркалык {tag}", f"Arkalyk {tag}")


def test_a_tbx_import_with_its_dry_run(page: Page, live: Live, tmp_path: Path) -> None:
    tag = secrets.token_hex(2)
    entry_id = f"h3-baikonur-{tag}"
    path = tmp_path / f"h3-{tag}.tbx"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
<tbxHeader><fileDesc><sourceDesc><p>h3 browser test</p></sourceDesc></fileDesc></tbxHeader>
<text><body>
<conceptEntry id="{entry_id}">
<descrip type="subjectField">place</descrip>
<langSec xml:lang="en">
<termSec><term>Baikonur {tag}</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termSec>
<termSec><term>Leninsk {tag}</term><termNote type="administrativeStatus">supersededTerm-admn-sts</termNote><note>until: 1995</note></termSec>
</langSec>
<langSec xml:lang="kk"><termSec><term>Байқоңыр {tag}</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termSec></langSec>
</conceptEntry>
</body></text></tbx>
""", encoding="utf-8")  # noqa: E501
    login(page, live, "maintainer")

    upload(page, live, path, "tbx")
    expect(page.get_by_text("to add")).to_contain_text("1")
    expect(page.get_by_role("table")).to_contain_text(entry_id)
    assert axe(page) == []
    shoot(page, "import-dry-run-tbx")
    apply(page)

    expect(page.get_by_role("status")).to_contain_text("1 added, 0 changed")
    listed(page, live, f"Leninsk {tag}", f"Baikonur {tag}")  # found by its former name too
    page.goto(live.url(f"/ui/entries/{entry_id}"))
    expect(page.get_by_role("main")).to_contain_text(f"Байқоңыр {tag}")


def test_a_file_that_is_not_utf8_is_refused_next_to_the_field(
    page: Page, live: Live, tmp_path: Path
) -> None:
    path = tmp_path / "h3-cp1251.csv"
    path.write_bytes("Тараз,Taraz\n".encode("cp1251"))
    login(page, live, "maintainer")
    page.goto(live.url("/ui/import"))
    form = import_form(page)
    form.get_by_label("File", exact=True).set_input_files(str(path))
    form.get_by_label("Target language").fill("kk")
    form.get_by_role("button", name="Upload and show the dry run").click()

    expect(page.locator("#file-error")).to_contain_text("not UTF-8")
    file_input = import_form(page).get_by_label("File", exact=True)
    expect(file_input).to_have_attribute("aria-invalid", "true")
    assert axe(page) == []


def test_the_export_downloads_a_file(page: Page, live: Live) -> None:
    login(page, live, "maintainer")
    page.goto(live.url("/ui/import"))

    with page.expect_download() as download:
        page.get_by_role("link", name="TBX-Basic").click()

    assert download.value.suggested_filename == "audarma-glossary-tbx.tbx"
    assert "conceptEntry" in Path(download.value.path()).read_text(encoding="utf-8")


def test_a_wide_csv_dry_run_shows_changes_and_conflicts_and_applies_only_the_rest(
    page: Page, live: Live, tmp_path: Path
) -> None:
    """One file with every outcome but an error: a new place, a German form for a shipped one
    (a change), a row about Astana's former name (a conflict: applied, it would make the old
    name Astana's Russian name again), and a shipped entry as it is. Applying writes the add
    and the change; the conflict is left out and Astana keeps its names."""
    tag = secrets.token_hex(2)
    path = tmp_path / f"wide-{tag}.csv"
    path.write_text(
        "en,ru,kk,de\n"
        f"Zhanatas {tag},Жанатас {tag},Жаңатас {tag},\n"
        "Aktau,Актау,Ақтау,Aktau\n"
        "Nur-Sultan,Нур-Султан,,\n"
        "Almaty,Алматы,Алматы,\n",
        encoding="utf-8",
    )
    login(page, live, "maintainer")
    upload(page, live, path, "csv-wide")

    counts = page.get_by_role("list", name="What the import would do")
    expect(counts).to_contain_text("1 to add")
    expect(counts).to_contain_text("1 to change")
    expect(counts).to_contain_text("1 unchanged")
    expect(counts).to_contain_text("1 conflicts")
    expect(page.get_by_role("heading", name="Conflicts (left out)")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Nur-Sultan")
    assert axe(page) == []
    shoot(page, "import-dry-run-wide")
    apply(page)

    expect(page.get_by_role("status")).to_contain_text("1 added, 1 changed")
    listed(page, live, f"Жаңатас {tag}", f"Zhanatas {tag}")
    page.goto(live.url("/ui/entries/astana"))
    names = page.locator("table").first  # Names, before the other tables
    expect(names).to_contain_text("Астана")
    expect(names).not_to_contain_text("Нур-Султан")
    expect(page.locator("main")).to_contain_text("Nur-Sultan")  # still a former name


def test_a_file_with_an_invalid_row_cannot_be_applied(page: Page, live: Live, tmp_path: Path):
    path = tmp_path / "broken.csv"
    path.write_text("en,ru\nGood Place,Хорошее место\n,Только русский\n", encoding="utf-8")
    login(page, live, "maintainer")
    upload(page, live, path, "csv-wide")

    expect(page.get_by_role("alert")).to_contain_text("nothing can be applied")
    expect(page.get_by_role("button", name="Apply:")).to_have_count(0)
    expect(page.get_by_role("heading", name="Errors")).to_be_visible()
