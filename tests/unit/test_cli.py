"""The `audarma` command as an editor runs it."""

import json

import pytest
from click.testing import CliRunner

from service.cli import main
from service.core.glossary import load_glossary

MINI = "tests/data/glossary-mini"


def run(*args, stdin=None):
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def test_localize_json_from_stdin():
    result = run("localize", "-", "--to", "en-GB,ru-RU", "--glossary", MINI, "--json",
                 stdin="Kassym-Zhomart Tokayev said trade hit $24 billion.")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["normalized"]["text"] == "Kassym-Jomart Tokayev said trade hit $24 billion."
    assert doc["versions"]["en-GB"]["text"] == "Kassym-Jomart Tokayev said trade hit $24 billion."
    assert doc["versions"]["ru-RU"]["figures"][0]["rendered"] == "24 млрд долларов"


def test_readable_report_shows_changes_in_context_and_versions():
    result = run("localize", "-", "--to", "ru-RU", "--glossary", MINI,
                 stdin="Ma Xingrui came. Later Ma Xingruy and Xingrui left.")
    assert result.exit_code == 0, result.output
    assert "[fixed  ] 'Ma Xingruy' -> 'Ma Xingrui'" in result.output
    assert "...Ma Xingrui came. Later [Ma Xingruy] and Xingrui left...." in result.output
    assert "[suggest] 'Xingrui' -> 'Ma'" in result.output
    assert "== ru-RU" in result.output
    assert "name   Ma Xingrui -> Ма Синжуй  [glossary]" in result.output


def test_wrong_encoding_is_named(tmp_path):
    path = tmp_path / "cp1251.txt"
    path.write_bytes("Токаев встретился с Ма Синжуем".encode("cp1251"))
    result = run("localize", str(path), "--to", "ru-RU", "--glossary", MINI)
    assert result.exit_code == 1
    assert "is not UTF-8 text" in result.output
    assert "iconv" in result.output


def test_unknown_locale_is_named():
    result = run("localize", "-", "--to", "en-GB,xx-QQ", "--glossary", MINI, stdin="Hello.")
    assert result.exit_code == 1
    assert "unknown target locale 'xx-QQ'" in result.output


def test_glossary_check_reports_file_and_entry(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - {id: a-b, type: person, names: {en: A B}, colour: red}\n",
                   encoding="utf-8")
    result = CliRunner().invoke(main, ["glossary", "check", str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml: entry 'a-b': unknown field 'colour'" in result.output


def test_glossary_check_passes_on_the_shipped_collections():
    result = run("glossary", "check")
    assert result.exit_code == 0
    assert result.stdout.startswith("ok: ")


def test_every_shipped_variant_is_classified():
    result = run("glossary", "check", "--strict", "glossaries/")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: ")


def test_strict_check_names_an_unclassified_variant(tmp_path):
    loose = tmp_path / "people.yaml"
    loose.write_text("entries:\n  - {id: a-b, type: person, names: {en: A B}, variants: [A Bee]}\n",
                     encoding="utf-8")
    assert run("glossary", "check", str(loose)).exit_code == 0
    strict = CliRunner().invoke(main, ["glossary", "check", "--strict", str(loose)])
    assert strict.exit_code == 1
    assert "variant 'A Bee' has no kind" in strict.output


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        ("{text: Old Town, kind: former}", "needs 'until'"),
        ("{text: Old Town, kind: typo}", "'kind' must be one of"),
        ("{text: Old Town, kind: former, until: last}", "four-digit year"),
        ("{text: Old Town, kind: spelling, until: 1990}", "'until' belongs to former"),
        ("{text: Old Town, kind: former, until: 1990, colour: red}", "unknown field(s) colour"),
    ],
)
def test_malformed_variants_are_named(tmp_path, variant, message):
    bad = tmp_path / "places.yaml"
    row = f"{{id: a-b, type: place, names: {{en: A B}}, variants: [{variant}]}}"
    bad.write_text(f"entries:\n  - {row}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["glossary", "check", str(bad)])
    assert result.exit_code == 1
    assert message in result.output and "places.yaml: entry 'a-b'" in result.output


def test_localize_with_a_malformed_glossary_names_the_row(tmp_path):
    bad = tmp_path / "people.yaml"
    bad.write_text("entries:\n  - {id: x, type: person, names: {en: ''}}\n", encoding="utf-8")
    result = run("localize", "-", "--to", "en-GB", "--glossary", str(bad), stdin="Hello.")
    assert result.exit_code == 1
    assert "people.yaml: entry 'x': 'names.en' is empty" in result.output


def test_engines_lists_every_engine_with_its_state(monkeypatch):
    monkeypatch.delenv("AUDARMA_DEEPL_AUTH_KEY", raising=False)
    result = run("engines", "--json")
    assert result.exit_code == 0, result.output
    engines = {e["name"]: e for e in json.loads(result.output)}
    assert list(engines) == ["apertium", "argos", "libretranslate", "deepl"]
    assert engines["deepl"]["state"] == "unavailable: set AUDARMA_DEEPL_AUTH_KEY"
    assert "en-es" in engines["apertium"]["pairs"]


def test_unknown_or_unconfigured_engine_is_refused(monkeypatch):
    monkeypatch.delenv("AUDARMA_DEEPL_AUTH_KEY", raising=False)
    result = run("localize", "-", "--to", "es-ES", "--engine", "google", stdin="Hi.")
    assert result.exit_code == 1 and "unknown engine 'google'" in result.output
    result = run("localize", "-", "--to", "es-ES", "--engine", "deepl", stdin="Hi.")
    assert result.exit_code == 1 and "engine 'deepl' is not configured" in result.output


def test_html_through_apertium_keeps_markup():
    html = '<p>President <b>Tokayev</b> met <span translate="no">Ma Xingrui</span>.</p>'
    result = run("localize", "-", "--to", "es-ES", "--format", "html", "--json",
                 "--glossary", MINI, stdin=html)
    text = json.loads(result.output)["versions"]["es-ES"]["text"]
    assert text.startswith("<p>") and text.endswith("</p>")
    assert "<b>Tokayev</b>" in text and '<span translate="no">Ma Xingrui</span>' in text


def test_keys_create_prints_the_key_alone_on_the_last_line(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDARMA_DATABASE_URL", f"sqlite:///{tmp_path / 'a.sqlite3'}")
    result = CliRunner().invoke(main, ["keys", "create", "--role", "editor"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("ak_") and " " not in key
    from service.store.db import Database
    from service.store.repositories import KeyStore

    assert KeyStore(Database(f"sqlite:///{tmp_path / 'a.sqlite3'}")).authenticate(key)["role"] == (
        "editor"
    )


def test_db_upgrade_seeds_then_export_round_trips(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDARMA_DATABASE_URL", f"sqlite:///{tmp_path / 'b.sqlite3'}")
    shipped = len(load_glossary())
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert f"seeded the glossary with {shipped} entries" in result.output
    result = CliRunner().invoke(main, ["glossary", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    check = CliRunner().invoke(main, ["glossary", "check", "--strict", str(tmp_path / "out")])
    assert check.output.startswith(f"ok: {shipped} entries"), check.output


def test_a_desk_applies_former_names_from_the_command_line():
    text = "A direct flight to Alma-Ata is planned for next month."
    default = json.loads(run("localize", "-", "--to", "en-GB", "--json", stdin=text).stdout)
    applied = json.loads(run("localize", "-", "--to", "en-GB", "--json",
                             "--former-names", "apply", stdin=text).stdout)
    assert [c["applied"] for c in default["normalized"]["changes"]] == [False]
    assert applied["normalized"]["text"] == "A direct flight to Almaty is planned for next month."


def test_a_russian_article_gets_localized_figures_in_english_chinese_and_kazakh_latin():
    result = run("localize", "docs/examples/astana-meeting.ru.txt", "--to",
                 "en-GB,zh-CN,kk-Latn", "--json")
    versions = json.loads(result.stdout)["versions"]
    rendered = {tag: {f["original"]: f["rendered"] for f in v["figures"]}
                for tag, v in versions.items()}
    assert rendered["en-GB"]["24 млрд долларов"] == "$24 billion"
    assert rendered["zh-CN"]["в 2022 году"] == "2022年"
    assert rendered["kk-Latn"]["к 2030 году"] == "2030 jylğa qarai"


def test_a_desk_style_folder_overrides_one_rule(tmp_path):
    (tmp_path / "ru.yaml").write_text('percent: "{0} %"\n', encoding="utf-8")
    text = "Trade rose 34% to $24 billion."
    out = json.loads(run("localize", "-", "--to", "ru-RU", "--json", "--styles", str(tmp_path),
                         stdin=text).stdout)
    rendered = {f["original"]: f["rendered"] for f in out["versions"]["ru-RU"]["figures"]}
    assert rendered == {"34%": "34 %", "$24 billion": "24 млрд долларов"}


def test_a_malformed_desk_style_is_named(tmp_path):
    (tmp_path / "ru.yaml").write_text("money: {style: huge}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["localize", "-", "--to", "ru-RU", "--styles",
                                       str(tmp_path)], input="Up 34%.")
    assert result.exit_code == 1
    assert "ru.yaml: money.style: expected one of" in result.output


@pytest.mark.parametrize("command", [["engines"], ["localize", "-", "--to", "en-GB"],
                                     ["glossary", "check"]])
def test_a_bad_setting_is_named_by_every_command(monkeypatch, command):
    monkeypatch.setenv("AUDARMA_APERTIUM_POOL_SIZE", "two")
    result = CliRunner().invoke(main, command, input="Hello.")
    assert result.exit_code == 1
    assert "AUDARMA_APERTIUM_POOL_SIZE='two' is not a valid int" in result.output
    assert "Traceback" not in result.output
