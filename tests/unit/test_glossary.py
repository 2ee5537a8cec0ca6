import textwrap

import pytest

from service.core.glossary import GlossaryError, check_glossary, load_glossary


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


GOOD = """
collection: people
entries:
  - id: ma-xingrui
    type: person
    names: {en: Ma Xingrui, ru: Ма Синжуй}
    short: {en: Ma}
"""


def test_loads_entries_and_resolves_language_chain(tmp_path):
    glossary = load_glossary([write(tmp_path, "people.yaml", GOOD)])
    entry = glossary["ma-xingrui"]
    assert entry.name_in("ru-RU") == "Ма Синжуй"
    assert entry.name_in("en-GB") == "Ma Xingrui"
    assert entry.name_in("zh-CN") is None
    assert entry.short_in("en-US") == "Ma"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  - {id: a-b, type: person, names: {en: A B}, colour: red}", "unknown field 'colour'"),
        ("  - {id: a-b, type: person, names: {en: A B, xx_123: C}}", "language tag 'xx-123'"),
        ("  - {id: a-b, type: person, names: {en: ''}}", "'names.en' is empty"),
        ("  - {id: a-b, type: person, names: {}}", "'names' is empty"),
        ("  - {id: a-b, type: person, names: {ru: А Б}}", "needs an 'en' form"),
        ("  - {id: A B, type: person, names: {en: A B}}", "lowercase slug"),
        ("  - {id: a-b, type: planet, names: {en: A B}}", "'type' must be one of"),
        ("  - {id: a-b, type: person, names: {en: A B}, variants: ['']}", "empty or non-text"),
    ],
)
def test_malformed_rows_are_reported_with_file_and_entry(tmp_path, body, message):
    path = write(tmp_path, "bad.yaml", "entries:\n" + body + "\n")
    _, problems = check_glossary([path])
    assert problems, "expected a problem"
    text = str(problems[0])
    assert message in text
    assert "bad.yaml" in text


def test_duplicate_ids_across_files(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    with pytest.raises(GlossaryError, match="duplicate id"):
        load_glossary([tmp_path])


def test_variant_claimed_by_two_entities(tmp_path):
    path = write(
        tmp_path,
        "p.yaml",
        """
        entries:
          - {id: sadyr-japarov, type: person, names: {en: Sadyr Japarov}, variants: [Zhaparov]}
          - {id: akylbek-japarov, type: person, names: {en: Akylbek Japarov}, variants: [Zhaparov]}
        """,
    )
    _, problems = check_glossary([path])
    assert any("also claimed by 'sadyr-japarov'" in str(p) for p in problems)


def test_variant_that_is_another_entitys_name(tmp_path):
    path = write(
        tmp_path,
        "p.yaml",
        """
        entries:
          - {id: li-qiang, type: person, names: {en: Li Qiang}}
          - {id: li-keqiang, type: person, names: {en: Li Keqiang}, variants: [Li Qiang]}
        """,
    )
    _, problems = check_glossary([path])
    assert any("canonical name or short form of 'li-qiang'" in str(p) for p in problems)


def test_invalid_yaml_and_wrong_encoding_name_the_file(tmp_path):
    (tmp_path / "broken.yaml").write_text("entries: [", encoding="utf-8")
    (tmp_path / "latin1.yaml").write_bytes("entries: []\n# Tokajew \xe9".encode("latin-1"))
    _, problems = check_glossary([tmp_path])
    messages = sorted(str(p) for p in problems)
    assert any("broken.yaml" in m and "invalid YAML" in m for m in messages)
    assert any("latin1.yaml" in m and "not UTF-8" in m for m in messages)


def test_territory_names_come_from_cldr(tmp_path):
    path = write(tmp_path, "t.yaml", "source: cldr-territories\ncodes: [KZ]\n")
    glossary = load_glossary([path])
    kz = glossary["territory-kz"]
    assert kz.name_in("ru") == "Казахстан"
    assert kz.name_in("zh-CN") == "哈萨克斯坦"
    assert kz.name_in("de-DE") == "Kasachstan"  # any CLDR locale, not only the stored ones


def test_shipped_glossary_is_valid_and_large_enough():
    entries, problems = check_glossary()
    assert problems == []
    curated = [e for e in entries if e.territory is None]
    assert len(curated) >= 150
    for required in ("en", "ru"):
        assert sum(required in e.names for e in curated) >= 140
