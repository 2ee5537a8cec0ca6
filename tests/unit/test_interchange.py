"""Glossary import and export: the four file formats, the dry-run plan, the all-or-nothing
apply and the command line (service/core/interchange.py, service/store/imports.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli import main
from service.core import interchange as ix
from service.core.folding import fold
from service.store import imports
from service.store.imports import (
    ImportPlan,
    PlanHasErrors,
    StalePlan,
    apply_import,
    plan_import,
)
from service.store.models import GlossaryEntry, GlossaryHistory
from service.store.repositories import GlossaryStore

ASTANA = {
    "id": "astana", "type": "place",
    "names": {"en": "Astana", "ru": "Астана", "kk": "Астана"},
    "variants": [{"text": "Nur-Sultan", "kind": "former", "until": 2022},
                 {"text": "Нур-Султан", "kind": "former", "until": 2022,
                  "note": "2019-2022"},
                 {"text": "Astanah", "kind": "spelling"},
                 {"text": "Akmola", "kind": "ambiguous"}],
    "note": "Capital of Kazakhstan",
}
TOKAYEV = {
    "id": "kassym-jomart-tokayev", "type": "person",
    "names": {"en": "Kassym-Jomart Tokayev", "ru": "Касым-Жомарт Токаев"},
    "variants": [{"text": "Kassym-Zhomart Tokayev", "kind": "spelling"},
                 {"text": "KJT", "kind": "abbreviation"}],
    "short": {"en": "Tokayev", "ru": "Токаев"},
}
PEKING = {
    "id": "beijing", "type": "place", "names": {"en": "Beijing", "ru": "Пекин"},
    "variants": [{"text": "Peking", "kind": "exonym"}],
}


@pytest.fixture
def store(database):
    glossary = GlossaryStore(database)
    for body in (ASTANA, TOKAYEV, PEKING):
        glossary.create({**body, "collection": "places"}, by="seed")
    return glossary


def exported(store: GlossaryStore) -> list[dict]:
    return [{**entry, "collection": collection}
            for collection, members in store.export().items() for entry in members]


def plan_of(database, fmt: str, data: str | bytes, **options):
    raw = data.encode("utf-8") if isinstance(data, str) else data
    found = ix.read(fmt, raw, source=options.get("source", "en"), target=options.get("target"))
    return plan_import(database, found, **options)


def only(plan: ImportPlan, action: str):
    items = plan.of(action)
    assert len(items) == 1, [i.describe() for i in plan.items]
    return items[0]


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["csv-pair", "csv-wide", "tbx"])
def test_an_export_imports_back_unchanged(database, store, fmt):
    entries = exported(store)
    text = {"csv-pair": lambda: ix.write_csv_pair(entries, "en", "ru"),
            "csv-wide": lambda: ix.write_csv_wide(entries, "en"),
            "tbx": lambda: ix.write_tbx(entries, "en")}[fmt]()
    plan = plan_of(database, fmt, text, target="ru")
    assert plan.counts()["unchanged"] == len(plan.items) > 0, [i.describe() for i in plan.items]


def test_yaml_collections_import_back_unchanged(database, store):
    for name, text in ix.write_yaml(store.export()).items():
        found = ix.read_yaml(text.encode(), f"{name}.yaml")
        assert found.errors == []
        plan = plan_import(database, found)
        assert [i.action for i in plan.items] == ["unchanged"] * 3


def test_tbx_carries_every_field_of_an_entry():
    entries = [{**ASTANA, "collection": "places"}, {**TOKAYEV, "collection": "people"}]
    found = ix.read_tbx(ix.write_tbx(entries).encode())
    assert found.errors == []
    for row, entry in zip(found.rows, entries, strict=True):
        assert row.whole
        got = dict(row.fields)
        assert sorted(got.pop("variants"), key=str) == sorted(entry["variants"], key=str)
        assert got == {k: v for k, v in entry.items() if k != "variants"}


def test_tbx_uses_the_tbx_basic_statuses_for_variant_kinds():
    document = ix.write_tbx([{**ASTANA, "collection": "places"}, {**PEKING, "collection": "x"}])
    assert '<tbx type="TBX-Basic" style="dca" xml:lang="en"' in document
    assert "<conceptEntry id=\"astana\">" in document
    assert ("<term>Nur-Sultan</term>" in document
            and "supersededTerm-admn-sts</termNote><admin type=\"projectSubset\">places</admin>"
                "<note>until: 2022</note>" in document)
    assert "<term>Astanah</term><termNote type=\"partOfSpeech\">properNoun</termNote>" \
           "<termNote type=\"administrativeStatus\">deprecatedTerm-admn-sts" in document
    assert "admittedTerm-admn-sts</termNote><termNote type=\"termType\">fullForm" in document


def test_csv_pair_export_maps_source_language_variants_to_the_target_name():
    text = ix.write_csv_pair([ASTANA, TOKAYEV], "en", "ru")
    lines = text.splitlines()
    assert "Astana,Астана" in lines and "Nur-Sultan,Астана" in lines
    assert "Нур-Султан,Астана" not in lines  # a Russian variant is not an English term
    assert "Kassym-Zhomart Tokayev,Касым-Жомарт Токаев" in lines


def test_csv_wide_has_a_column_per_language_and_the_named_extra_columns():
    text = ix.write_csv_wide([ASTANA, PEKING], "en")
    header, astana, beijing = text.splitlines()
    assert header == "en,kk,ru,id,type,collection,note"
    assert astana == "Astana,Астана,Астана,astana,place,,Capital of Kazakhstan"
    assert beijing == "Beijing,,Пекин,beijing,place,,"


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize("fmt", ["csv-pair", "csv-wide", "tbx", "yaml"])
def test_text_that_is_not_utf8_is_refused_naming_the_byte(fmt):
    found = ix.read(fmt, "en,ru\nAstana,Астана\n".encode("cp1251"), target="ru")
    assert found.rows == []
    [error] = found.errors
    assert "not UTF-8 text: byte 0xc0 at offset 13" in str(error)


def test_a_pair_row_with_three_columns_is_an_error_and_the_others_are_read():
    found = ix.read_csv_pair(b"en,ru\nAstana,\xd0\x90\nA,B,C\nBeijing,X\n", "en", "ru")
    assert [r.fields["names"]["en"] for r in found.rows] == ["Astana", "Beijing"]
    assert [str(e) for e in found.errors] == ["line 3: 3 columns, expected 2 (en,ru)"]


def test_a_pair_row_with_an_empty_term_is_an_error():
    found = ix.read_csv_pair(b" ,Astana\nAstana,  \n", "en", "ru")
    assert [str(e) for e in found.errors] == ["line 1: column 1 (en) is empty",
                                              "line 2: column 2 (ru) is empty"]


def test_only_a_header_of_exactly_the_two_languages_is_skipped():
    assert len(ix.read_csv_pair(b"EN,ru\nen,fr\n", "en", "ru").rows) == 1


def test_ragged_wide_rows_and_empty_source_cells_are_errors():
    data = "en,ru,note\nAstana,Астана,\nBeijing,Пекин\n,Москва,x\n".encode()
    found = ix.read_csv_wide(data, "en")
    assert len(found.rows) == 1
    assert [str(e) for e in found.errors] == [
        "line 3: 2 columns, expected 3 as in the header",
        "line 4: column 'en' is empty (the source language names the entity)",
    ]


def test_a_wide_header_must_name_languages_or_known_columns():
    found = ix.read_csv_wide(b"en,comment\nAstana,x\n", "en")
    assert [str(e) for e in found.errors] == [
        "line 1: column 2 'comment' is neither a language tag nor one of id, type, collection, "
        "note"]
    assert "no column for the source language 'en'" in str(
        ix.read_csv_wide(b"ru\n\xd0\x90\n", "en").errors[0])


def test_a_quoted_field_left_open_is_named_by_line():
    found = ix.read_csv_pair(b'Astana,X\n"Beijing,Y\n', "en", "ru")
    assert len(found.rows) == 1
    assert str(found.errors[0]).startswith("line 2: unreadable CSV")


def test_malformed_tbx_is_named_by_line():
    found = ix.read_tbx(b"<tbx>\n<text><body><conceptEntry id='a'>\n</body></text></tbx>")
    assert [str(e) for e in found.errors] == ["line 3: malformed XML: mismatched tag"]


def test_tbx_with_a_doctype_is_refused_before_any_entity_is_expanded():
    laughs = (b'<?xml version="1.0"?>\n<!DOCTYPE tbx [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
              b'<tbx><text><body><conceptEntry id="x"><langSec xml:lang="en"><termSec>'
              b'<term>&b;</term></termSec></langSec></conceptEntry></body></text></tbx>')
    found = ix.read_tbx(laughs)
    assert found.rows == []
    assert [str(e) for e in found.errors] == [
        "document: line 2: a DOCTYPE is not allowed in TBX (entity declarations could expand "
        "or fetch anything)"]
    external = b'<!DOCTYPE tbx SYSTEM "file:///etc/passwd"><tbx/>'
    assert "DOCTYPE is not allowed" in str(ix.read_tbx(external).errors[0])


def test_a_tbx_term_with_an_unknown_status_or_no_text_is_an_error():
    def concept(term: str) -> bytes:
        return (f'<tbx xmlns="{ix.TBX_NAMESPACE}"><text><body><conceptEntry id="x">'
                f'<langSec xml:lang="en"><termSec>{term}</termSec></langSec></conceptEntry>'
                "</body></text></tbx>").encode()

    odd = ix.read_tbx(concept('<term>X</term><termNote type="administrativeStatus">'
                              "weird</termNote>"))
    assert "administrativeStatus 'weird' is not one of" in str(odd.errors[0])
    assert "an empty <term> in langSec 'en'" in str(ix.read_tbx(concept("<term> </term>"))
                                                    .errors[0])


def test_an_unknown_format_or_a_pair_without_target_is_refused():
    with pytest.raises(ix.InterchangeError, match="unknown format 'xlsx'"):
        ix.read("xlsx", b"")
    with pytest.raises(ix.InterchangeError, match="csv-pair needs a target language"):
        ix.read("csv-pair", b"")


# --------------------------------------------------------------------------- the plan


def test_a_new_term_is_an_add_with_a_unique_slug(database, store):
    plan = plan_of(database, "csv-pair", "Город Астана,Astana City\nАктау,Aktau\n",
                   source="ru", target="en", default_type="place", collection="new")
    added = plan.of("add")
    assert [i.entry_id for i in added] == ["astana-city", "aktau"]
    assert added[0].after == {"id": "astana-city", "type": "place", "collection": "new",
                              "names": {"ru": "Город Астана", "en": "Astana City"}}


def test_a_slug_already_taken_gets_a_number(database, store):
    plan = plan_of(database, "csv-wide", "en,id\nAstana Two,\n", collection="c")
    assert only(plan, "add").entry_id == "astana-two"
    plan = plan_of(database, "csv-wide", "en,ru\nBeijing X,\n")
    assert only(plan, "add").entry_id == "beijing-x"
    store.create({"id": "astana-2", "type": "place", "names": {"en": "Astana Second"}}, "t")
    plan = plan_of(database, "yaml", "entries: [{id: astana-3, type: place, names: {en: 'A 3'}}]")
    assert only(plan, "add").entry_id == "astana-3"


def test_a_pair_row_changes_the_target_form_of_the_entity_its_term_names(database, store):
    plan = plan_of(database, "csv-pair", "Astana,Астана-Сити\nPeking,Пекин\n", target="ru")
    change = only(plan, "change")
    assert change.entry_id == "astana"
    assert change.before["names"]["ru"] == "Астана"
    assert change.after["names"] == {"en": "Astana", "ru": "Астана-Сити", "kk": "Астана"}
    assert "names.ru: 'Астана' -> 'Астана-Сити'" in change.describe()
    assert only(plan, "unchanged").entry_id == "beijing"  # matched through its variant


def test_a_row_about_a_variant_never_rewrites_the_entitys_names(database, store):
    """"Nur-Sultan,Нур-Султан" is a row about Astana's old name: applied, it would put the old
    name back as Astana's Russian name. Such a row is a conflict for a human to decide."""
    plan = plan_of(database, "csv-pair", "astanah,Астана Новая\n", target="ru")
    conflict = only(plan, "conflict")
    assert "'astanah' is a variant of astana, not its name" in conflict.reason
    assert "names.ru: 'Астана' -> 'Астана Новая'" in conflict.reason


def test_a_row_about_a_variant_that_agrees_with_the_entity_is_unchanged(database, store):
    """Our own csv-pair export maps each variant to the target name; importing it back is a
    no-op, not a conflict."""
    plan = plan_of(database, "csv-pair", "astanah,Астана\n", target="ru")
    assert only(plan, "unchanged").entry_id == "astana"


def test_a_term_that_names_two_entities_is_a_conflict(database, store):
    store.create({"id": "astana-hotel", "type": "organization",
                  "names": {"en": "Astana", "ru": "Отель Астана"}}, "t")
    plan = plan_of(database, "csv-pair", "Astana,Астана\n", target="ru")
    conflict = only(plan, "conflict")
    assert conflict.reason.startswith("'Astana' names 2 entities (astana, astana-hotel)")


def test_the_same_term_twice_with_different_targets_is_a_conflict(database, store):
    plan = plan_of(database, "csv-pair",
                   "Almaty,Алматы\nAlmaty,Алма-Ата\nTokayev,X\nTokayev,X\n", target="ru")
    assert [i.action for i in plan.items] == ["conflict", "conflict", "add", "unchanged"]
    assert plan.items[0].reason == "line 1, line 2 give different forms for 'almaty'"
    assert plan.items[3].reason == "same as line 3"


def test_a_form_that_is_another_entitys_variant_is_a_conflict(database, store):
    plan = plan_of(database, "yaml", "entries: [{id: nur-sultan-city, type: place, "
                                     "names: {en: Nur-Sultan}}]")
    conflict = only(plan, "conflict")
    assert "variant 'Nur-Sultan' is a canonical name or short form of 'nur-sultan-city'" in (
        conflict.reason)


def test_a_variant_another_entity_already_claims_is_a_conflict(database, store):
    plan = plan_of(database, "yaml", "entries: [{id: x, type: place, names: {en: X}, "
                                     "variants: [{text: Peking, kind: exonym}]}]")
    assert "variant 'Peking' is also claimed by 'beijing'" in only(plan, "conflict").reason


def test_a_later_row_cannot_take_a_form_an_earlier_row_added(database, store):
    plan = plan_of(database, "yaml", "entries: [{id: a, type: term, names: {en: Alpha}, "
                                     "variants: [{text: Alfa, kind: spelling}]}, "
                                     "{id: b, type: term, names: {en: Alfa}}]")
    assert [i.action for i in plan.items] == ["add", "conflict"]


def test_invalid_rows_are_errors_by_the_loaders_rules(database, store):
    plan = plan_of(database, "csv-pair", "Астана,Астана\nТокаев,Tokaev\n", source="ru",
                   target="kk")
    error = only(plan, "error")
    assert error.label == "line 2"
    assert error.reason == "'names' needs an 'en' form"
    plan = plan_of(database, "csv-wide", "en,type\nAstana,planet\n")
    assert "'type' must be one of person, place, organization, term, not 'planet'" in (
        only(plan, "error").reason)


def test_reader_errors_are_error_items_of_the_plan(database, store):
    plan = plan_of(database, "csv-pair", "a,b,c\n", target="ru")
    assert only(plan, "error").reason == "3 columns, expected 2 (en,ru)"


def test_a_plan_survives_json(database, store):
    plan = plan_of(database, "csv-pair", "Astana,Астана-Сити\nNew One,Новый\n", target="ru")
    again = ImportPlan.from_json(plan.to_json())
    assert again == plan
    with pytest.raises(ValueError, match="action 'drop' is not one of"):
        ImportPlan.from_json(plan.to_json().replace('"action":"add"', '"action":"drop"'))


# --------------------------------------------------------------------------- applying


def test_apply_writes_adds_and_changes_with_history_and_one_revision(database, store):
    revision = store.revision()
    plan = plan_of(database, "csv-pair", "Astana,Астана-Сити\nNew One,Новый\nPeking,Пекин\n",
                   target="ru")
    result = apply_import(database, plan, by="maria")
    assert (result.added, result.changed, result.unchanged) == (1, 1, 1)
    assert store.revision() == result.revision == revision + 1
    astana = store.get("astana")
    assert astana["names"]["ru"] == "Астана-Сити" and astana["version"] == 2
    assert astana["updated_by"] == "maria"
    with database.session() as session:
        rows = session.execute(select(GlossaryHistory).where(GlossaryHistory.action == "import")
                               .order_by(GlossaryHistory.entry_id)).scalars().all()
        assert [(h.entry_id, h.version, h.changed_by) for h in rows] == [
            ("astana", 2, "maria"), ("new-one", 1, "maria")]
        assert rows[0].before["names"]["ru"] == "Астана"
        assert rows[0].body["names"]["ru"] == "Астана-Сити"
        assert rows[1].before is None
        assert rows[1].body == {"id": "new-one", "type": "term", "collection": "import",
                                "names": {"en": "New One", "ru": "Новый"}}
        new = session.get(GlossaryEntry, "new-one")
        assert fold("Новый") in new.search.split("\n") and new.languages == "|en|ru|"


def test_conflicts_are_left_out_and_listed(database, store):
    plan = plan_of(database, "csv-pair", "Almaty,Алматы\nAlmaty,Алма-Ата\nNew,Новый\n",
                   target="ru")
    result = apply_import(database, plan, by="t")
    assert result.added == 1 and [c.label for c in result.conflicts] == ["line 1", "line 2"]
    assert store.get("almaty") is None and store.get("new") is not None


def test_a_plan_with_errors_is_refused_and_writes_nothing(database, store):
    revision = store.revision()
    plan = plan_of(database, "csv-pair", "New,Новый\nA,B,C\n", target="ru")
    with pytest.raises(PlanHasErrors, match="1 invalid row"):
        apply_import(database, plan, by="t")
    assert store.get("new") is None and store.revision() == revision


def test_a_stale_plan_is_refused(database, store):
    plan = plan_of(database, "csv-pair", "New,Новый\n", target="ru")
    store.create({"id": "other", "type": "term", "names": {"en": "Other"}}, "someone")
    with pytest.raises(StalePlan, match="the glossary changed since the dry run"):
        apply_import(database, plan, by="t")
    assert store.get("new") is None


def test_the_same_plan_cannot_be_applied_twice(database, store):
    plan = plan_of(database, "csv-pair", "New,Новый\n", target="ru")
    apply_import(database, plan, by="t")
    with pytest.raises(StalePlan):
        apply_import(database, plan, by="t")


def test_an_apply_that_fails_midway_writes_nothing(database, store, monkeypatch):
    revision = store.revision()
    plan = plan_of(database, "csv-pair", "Astana,Астана-Сити\nOne,Один\nTwo,Два\n",
                   target="ru")
    calls = []
    real = imports.entry_search_fields

    def fail_on_the_third(entry_id, body):
        calls.append(entry_id)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(entry_id, body)

    monkeypatch.setattr(imports, "entry_search_fields", fail_on_the_third)
    with pytest.raises(RuntimeError, match="disk full"):
        apply_import(database, plan, by="t")
    assert store.revision() == revision
    assert store.get("one") is None and store.get("astana")["names"]["ru"] == "Астана"


def test_a_plan_edited_after_the_dry_run_is_validated_again(database, store):
    """A plan edited between dry run and apply: validation refuses it before any write."""
    plan = plan_of(database, "csv-pair", "One,Один\nTwo,Два\n", target="ru")
    plan.items[1].after["type"] = "planet"
    with pytest.raises(imports.PlanRefused, match="'type' must be one of"):
        apply_import(database, plan, by="t")
    assert store.get("one") is None


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def cli(database, store, monkeypatch):
    monkeypatch.setenv("AUDARMA_DATABASE_URL", str(database.engine.url))

    def run(*args: str):
        return CliRunner().invoke(main, ["glossary", *args])

    return run


@pytest.mark.parametrize("fmt", ["csv-pair", "csv-wide", "tbx"])
def test_cli_export_then_import_changes_nothing(cli, tmp_path, fmt):
    out = tmp_path / f"g.{fmt}"
    result = cli("export", str(out), "--format", fmt, "--target", "ru")
    assert result.exit_code == 0, result.output
    result = cli("import", str(out), "--format", fmt, "--target", "ru")
    assert result.exit_code == 0, result.output
    assert "0 add, 0 change" in result.output and "0 conflict, 0 error" in result.output


def test_cli_yaml_export_and_import(cli, tmp_path, store):
    assert cli("export", str(tmp_path / "out")).exit_code == 0
    text = (tmp_path / "out" / "places.yaml").read_text(encoding="utf-8")
    (tmp_path / "out" / "places.yaml").write_text(text.replace("Пекин", "Бейжин"),
                                                  encoding="utf-8")
    result = cli("import", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "names.ru: 'Пекин' -> 'Бейжин'" in result.output
    assert store.get("beijing")["names"]["ru"] == "Бейжин"


def test_cli_export_to_stdout(cli):
    result = cli("export", "-", "--format", "csv-pair", "--target", "ru")
    assert "Astana,Астана\n" in result.stdout


def test_cli_dry_run_writes_nothing(cli, tmp_path, store):
    path = tmp_path / "pair.csv"
    path.write_text("Astana,Астана-Сити\n", encoding="utf-8")
    result = cli("import", str(path), "--format", "csv-pair", "--target", "ru", "--dry-run")
    assert result.exit_code == 0
    assert result.output.startswith("dry run: 0 add, 1 change, 0 unchanged, 0 conflict, 0 error")
    assert store.get("astana")["names"]["ru"] == "Астана"


def test_cli_import_with_an_error_exits_1_and_writes_nothing(cli, tmp_path, store):
    path = tmp_path / "wide.csv"
    path.write_text("en,ru\nNew,Новый\nBroken\n", encoding="utf-8")
    result = cli("import", str(path), "--format", "csv-wide")
    assert result.exit_code == 1
    assert "error     line 3: 1 columns, expected 2 as in the header" in result.output
    assert "1 invalid row(s)" in result.output
    assert store.get("new") is None


def test_cli_pair_needs_a_target(cli, tmp_path):
    path = tmp_path / "pair.csv"
    path.write_text("a,b\n", encoding="utf-8")
    assert "csv-pair needs a target" in cli("import", str(path), "--format", "csv-pair").output
    assert "needs --target" in cli("export", "-", "--format", "csv-pair").output
