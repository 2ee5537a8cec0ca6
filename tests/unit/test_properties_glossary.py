"""Properties of glossary entries that hold for any entry (Hypothesis).

Any entry made of valid parts comes back unchanged from every form it is written in: a YAML
collection (as `audarma glossary export` writes one), the database (import, the API's create,
export), and the compiled name index cache. Any malformed row is refused with the glossary's
own validation problems, never a TypeError or KeyError.
"""

from __future__ import annotations

import shutil
import string
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st

from service.cli import main
from service.core.folding import phonetic
from service.core.glossary import (
    ENTRY_KEYS,
    ENTRY_TYPES,
    MAX_COLLECTION,
    MAX_ID,
    VARIANT_KINDS,
    Entry,
    Glossary,
    Variant,
    parse_collection,
    parse_entry,
    read_collections,
)
from service.core.nameindex import NameIndex
from service.store.db import Database
from service.store.repositories import GlossaryStore, InvalidGlossaryEntry

PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
# A fresh database per example costs a file copy and an engine: fewer examples.
STORED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Tags CLDR knows, in their canonical spelling; `en` is always given. "no" (Norwegian) is
# also YAML 1.1's word for false.
TAGS = ["ru", "kk", "kk-Latn", "zh", "zh-Hant", "de", "fr", "es", "ky", "uz-Cyrl", "mn", "tr",
        "en-GB", "no", "uk"]


# ------------------------------------------------------------------------- valid entries

# Any character a database can store: no NUL, no unpaired surrogate. NEL (U+0085) is left
# out here and has its own test below: PyYAML with allow_unicode=True writes it raw inside a
# quoted scalar, and reads it back as a line break folded to a space.
ANY_CHARACTER = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x85")
NEL_ANYWHERE = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
SLUG_WORD = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)


def clean_text(max_size: int = 20) -> st.SearchStrategy[str]:
    """Text the glossary keeps as written: whitespace already collapsed to single spaces."""
    return (st.text(ANY_CHARACTER, min_size=1, max_size=max_size)
            .map(lambda t: " ".join(t.split())).filter(bool))


def note_text(alphabet=ANY_CHARACTER) -> st.SearchStrategy[str]:
    # Notes keep their inner line breaks; only the ends are trimmed.
    return st.text(alphabet, max_size=30).map(str.strip)


def language_map(required: bool) -> st.SearchStrategy[dict[str, str]]:
    others = st.dictionaries(st.sampled_from(TAGS), clean_text(), max_size=3)
    if not required:
        return others
    return st.builds(lambda en, rest: {"en": en, **rest}, clean_text(), others)


@st.composite
def variants(draw) -> tuple[Variant, ...]:
    texts = draw(st.lists(clean_text(), max_size=3, unique=True))
    out = []
    for text in texts:
        kind = draw(st.sampled_from(VARIANT_KINDS))
        until = None
        if kind == "former" or (kind == "ambiguous" and draw(st.booleans())):
            until = draw(st.integers(1000, 2999))
        out.append(Variant(text, kind, until, draw(note_text())))
    return tuple(out)


@st.composite
def entries(draw, note_alphabet=ANY_CHARACTER) -> Entry:
    slug = "-".join(draw(st.lists(SLUG_WORD, min_size=1, max_size=4)))
    assume(len(slug) <= MAX_ID)
    return Entry(
        id=slug,
        type=draw(st.sampled_from(ENTRY_TYPES)),
        names=draw(language_map(required=True)),
        variants=draw(variants()),
        short=draw(language_map(required=False)),
        note=draw(note_text(note_alphabet)),
        collection=draw(COLLECTIONS),
    )


# A collection is named by the file's `collection:` field; "" would fall back to the file name.
# No "/": `audarma glossary export` makes a file name of the collection name, and a slash sends
# the file elsewhere (see test_export_writes_every_collection_inside_its_folder).
COLLECTIONS = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x85/"),
    min_size=1, max_size=MAX_COLLECTION,
).filter(lambda name: name.strip() and name == name.strip() and len(name.encode()) < 250)
DUMPS = st.sampled_from([
    {"allow_unicode": True, "sort_keys": False},  # what `audarma glossary export` writes
    {"allow_unicode": False},
    {"default_flow_style": True, "allow_unicode": True},
    {"width": 20, "allow_unicode": True},
])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("collections")


def read_back(folder: Path, data: dict, dump: dict) -> tuple[list[Entry], list]:
    path = folder / "collection.yaml"
    path.write_text(yaml.safe_dump(data, **dump), encoding="utf-8")
    return read_collections([path])


def as_yaml_collection(entry: Entry) -> dict:
    return {"collection": entry.collection, "entries": [entry.to_dict()]}


# One generated entry goes through every in-process form: generating a rich entry costs more
# than any one check.
@PROPERTY
@given(entries(), DUMPS)
@example(
    Entry(id="a", type="person", names={"en": "no", "no": "yes"}, collection="null"),
    {"allow_unicode": True},
)
def test_an_entry_survives_yaml_its_own_dict_and_the_index_cache(folder, entry, dump):
    found, problems = read_back(folder, as_yaml_collection(entry), dump)
    assert (found, problems) == ([entry], []), "YAML collection"
    # The API and the database read an entry from the dict to_dict() writes.
    parsed, problems = parse_entry(entry.to_dict(), "request", entry.collection)
    assert (parsed, problems) == (entry, []), "to_dict -> parse_entry"
    forms = [*entry.names.values(), *entry.short.values(), *(v.text for v in entry.variants)]
    if all(phonetic(form).strip() for form in forms):  # see test_a_person_named_by_an_apostrophe
        assert cached_index(entry, folder) == {entry.id: entry}, "index cache"


def cached_index(entry: Entry, folder: Path) -> dict[str, Entry]:
    """The entries of a name index built from `entry`, saved and loaded again."""
    index = NameIndex.build(Glossary([entry]))
    index.save(folder / "index.pickle")
    return NameIndex.load(folder / "index.pickle").entries


@settings(PROPERTY, phases=[Phase.explicit])
@given(entries())
@example(Entry(id="a", type="person", names={"en": "`"}, collection="c"))
def test_a_person_named_by_an_apostrophe_can_be_indexed(folder, entry):
    assert parse_entry(entry.to_dict(), "request", "c")[1] == []  # the glossary accepts it
    assert cached_index(entry, folder) == {entry.id: entry}


@pytest.fixture(scope="module")
def databases(migrated, tmp_path_factory):
    """A fresh copy of the migrated database for each call."""
    made: list[Database] = []
    folder = tmp_path_factory.mktemp("glossary-db")

    def fresh() -> GlossaryStore:
        path = folder / f"{len(made)}.sqlite3"
        shutil.copy(migrated, path)
        made.append(Database(f"sqlite:///{path}"))
        return GlossaryStore(made[-1])

    yield fresh
    for db in made:
        db.dispose()


def without_bookkeeping(stored: dict) -> dict:
    return {k: v for k, v in stored.items() if k not in ("version", "updated_at", "updated_by")}


def export_and_read_back(store: GlossaryStore, entry: Entry, folder: Path):
    """`audarma glossary import`'s store call, then `audarma glossary export` itself."""
    assert store.import_entries([entry]) == 1
    assert store.entries() == [entry]
    out = folder / "export"
    shutil.rmtree(out, ignore_errors=True)
    result = CliRunner().invoke(main, ["glossary", "export", str(out)],
                                env={"AUDARMA_DATABASE_URL": str(store.db.engine.url)})
    assert result.exit_code == 0, result.output
    return read_collections([out])


@STORED
@given(entries())
def test_an_entry_survives_import_and_export_through_the_database(folder, databases, entry):
    found, problems = export_and_read_back(databases(), entry, folder)
    assert problems == []
    assert found == [entry]


@settings(STORED, phases=[Phase.explicit])
@given(entries(note_alphabet=NEL_ANYWHERE))
@example(Entry(id="a", type="term", names={"en": "A"}, note="x\x85y", collection="c"))
def test_an_entry_with_nel_survives_export(folder, databases, entry):
    found, problems = export_and_read_back(databases(), entry, folder)
    assert problems == []
    assert found == [entry]


@settings(STORED, phases=[Phase.explicit])
@given(entries())
# Explicit cases only: a generated '/name' would really be written at the root.
@example(Entry(id="a", type="term", names={"en": "A"}, collection="../escaped"))
@example(Entry(id="a", type="term", names={"en": "A"}, collection="a/b"))
@example(Entry(id="a", type="term", names={"en": "A"}, collection="\U0001f600" * 64))
def test_export_writes_every_collection_inside_its_folder(folder, databases, entry):
    found, problems = export_and_read_back(databases(), entry, folder)
    assert problems == []
    assert found == [entry]


@STORED
@given(entries())
def test_an_entry_created_through_the_api_reads_back_unchanged(databases, entry):
    store = databases()
    written = store.create({**entry.to_dict(), "collection": entry.collection}, by="test")
    assert without_bookkeeping(written) == {**entry.to_dict(), "collection": entry.collection}
    assert store.entries() == [entry]


# ------------------------------------------------------------------------- malformed rows

# Values of every type YAML or JSON can give a field.
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | st.dates(),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=3),
    max_leaves=8,
)
NOT_TEXT = JUNK.filter(lambda v: not isinstance(v, str))


@st.composite
def malformed(draw) -> dict:
    """A valid entry's dict with one thing broken that the glossary must refuse."""
    entry = draw(entries())
    data = entry.to_dict()
    how = draw(st.sampled_from([
        "drop id", "drop type", "drop names", "drop en", "bad id", "bad type", "names not a map",
        "name not text", "empty name", "unknown field", "variants not a list", "bad variant",
        "unknown kind", "former without until", "bad until", "note not text", "bad tag",
    ]))
    if how.startswith("drop"):
        field = {"drop id": "id", "drop type": "type", "drop names": "names"}.get(how)
        if field:
            del data[field]
        else:
            data["names"] = {k: v for k, v in data["names"].items() if k != "en"}
    elif how == "bad id":
        data["id"] = draw(NOT_TEXT | st.text().filter(lambda t: t != t.lower() or " " in t
                                                       or not t or t.startswith("-")))
    elif how == "bad type":
        data["type"] = draw(JUNK.filter(lambda v: v not in ENTRY_TYPES))
    elif how == "names not a map":
        data["names"] = draw(NOT_TEXT.filter(lambda v: not isinstance(v, dict) and v is not None))
    elif how == "name not text":
        data["names"]["en"] = draw(NOT_TEXT)
    elif how == "empty name":
        data["names"]["en"] = draw(st.sampled_from(["", " ", "\n\t"]))
    elif how == "unknown field":
        data[draw(st.text(min_size=1).filter(lambda k: k not in ENTRY_KEYS))] = draw(JUNK)
    elif how == "variants not a list":
        data["variants"] = draw(NOT_TEXT.filter(lambda v: not isinstance(v, list)))
    elif how == "bad variant":
        data["variants"] = [draw(NOT_TEXT.filter(lambda v: not isinstance(v, dict)))]
    elif how == "unknown kind":
        data["variants"] = [{"text": "Some Name",
                             "kind": draw(JUNK.filter(lambda v: v not in VARIANT_KINDS))}]
    elif how == "former without until":
        data["variants"] = [{"text": "Old Name", "kind": "former"}]
    elif how == "bad until":
        data["variants"] = [{"text": "Old Name", "kind": "former",
                             "until": draw(JUNK.filter(lambda v: not isinstance(v, int)
                                                       or isinstance(v, bool)
                                                       or not 1000 <= v <= 2999))}]
    elif how == "note not text":
        data["note"] = draw(NOT_TEXT)
    else:
        data["names"][draw(st.sampled_from(["xx_123", "english", "", "q", "en-", "1"]))] = "X"
    return data


@PROPERTY
@given(malformed())
@example({"id": "a", "type": "person", "names": {"en": "A", 7: "B"}})
@example({"id": "a", "type": ["person"], "names": {"en": "A"}})
@example({"id": "a", "type": "person", "names": {"en": "A"}, "variants": [{"text": "B",
          "kind": "former", "until": True}]})
def test_a_malformed_row_is_refused_with_problems(row):
    entry, problems = parse_entry(row, "request", "api")
    assert entry is None
    assert problems and all(p.message for p in problems)


@settings(STORED, max_examples=50)
@given(malformed())
def test_the_store_refuses_a_malformed_row_with_its_own_error(databases, row):
    store = databases()
    with pytest.raises(InvalidGlossaryEntry):
        store.create(row, by="test")
    assert store.entries() == []


@PROPERTY
@given(JUNK)
@example({"entries": [{"id": "a", "type": "person", "names": {"en": "A"}, "variants": [[]]}]})
@example({"source": "cldr-territories", "codes": [["KZ"]], "variants": {"KZ": [1]}})
@example({"source": "cldr-territories", "codes": "KZ"})
def test_any_collection_is_parsed_or_reported(data):
    found, problems = parse_collection(data, "junk.yaml", "junk")
    assert all(isinstance(e, Entry) for e in found)
    assert all(p.message for p in problems)


@PROPERTY
@given(st.text(max_size=200))
@example("entries: [{id: a, type: person, names: {en: A, ? [x]: B}}]")
@example("source: cldr-territories\ncodes: {KZ: 1}\n")
def test_any_yaml_file_is_read_or_reported(folder, text):
    path = folder / "any.yaml"
    path.write_text(text, encoding="utf-8")
    found, problems = read_collections([path])
    assert all(isinstance(e, Entry) for e in found)
    assert all(p.message for p in problems)
