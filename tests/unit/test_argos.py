"""ArgosEngine on a tiny random-weight package: real CTranslate2 and sentencepiece, no download."""

import json
import threading
import time
from pathlib import Path

import pytest

from service.core.translate.argos import (
    ArgosEngine,
    default_packages_dir,
    detokenize,
    split_at_placeholders,
)
from service.core.translate.base import PLACEHOLDER, EngineError, Translator
from tests.support.tiny_argos import build_tiny_package

SEGMENTS = [
    "The minister met the governor of the region.",
    "Wheat prices fell in the spring.",
    "The court will hear the case again.",
]


@pytest.fixture(scope="module")
def packages_dir(tmp_path_factory) -> Path:
    """One en->es package folder, shared read-only by the tests in this module."""
    root = tmp_path_factory.mktemp("argos")
    build_tiny_package(root, "en", "es")
    return root


@pytest.fixture(scope="module")
def engine(packages_dir):
    engine = ArgosEngine(packages_dir)
    yield engine
    engine.close()


def test_engine_meets_the_translator_protocol(engine):
    assert isinstance(engine, Translator)
    assert engine.name == "argos"


def test_discovers_the_installed_package(engine, packages_dir):
    assert engine.pairs() == {("en", "es")}
    info = engine.info()
    assert info.state == "ready"
    assert info.pairs == (("en", "es"),)
    assert info.formats == ("text",)
    assert info.detail == {"packages_dir": str(packages_dir), "packages": ["translate-en_es-0_1"]}


def test_translates_a_batch_deterministically(engine, packages_dir):
    first = engine.translate(SEGMENTS, "en", "es")
    assert len(first) == 3
    assert all(isinstance(text, str) and text for text in first)
    # Different inputs giving different outputs shows the model reads its source.
    assert len(set(first)) == 3
    assert engine.translate(SEGMENTS, "en", "es") == first
    fresh = ArgosEngine(packages_dir)
    assert fresh.translate(SEGMENTS, "en", "es") == first


def test_regional_tags_reach_the_language_pair(engine):
    assert engine.translate(SEGMENTS[:1], "en-GB", "es-ES") == engine.translate(
        SEGMENTS[:1], "en", "es"
    )


def test_placeholders_come_back_once_each_and_in_order(engine):
    [out] = engine.translate(["⟦1⟧ met ⟦2⟧ on ⟦3⟧."], "en", "es")
    assert PLACEHOLDER.findall(out) == ["1", "2", "3"]
    assert out.startswith("⟦1⟧ ") and out.endswith(" ⟦3⟧.")
    # The words between them were translated, not copied.
    assert " met " not in out and " on " not in out


def test_fragments_translate_as_they_would_alone(engine):
    [alone] = engine.translate(["met"], "en", "es")
    [inside] = engine.translate(["⟦1⟧ met ⟦2⟧"], "en", "es")
    assert inside == f"⟦1⟧ {alone} ⟦2⟧"


@pytest.mark.parametrize(
    "segment",
    ["", "⟦1⟧", "⟦1⟧ ⟦2⟧", "⟦1⟧, ⟦2⟧.", "  ", "—"],
)
def test_segments_without_words_pass_through(engine, segment):
    assert engine.translate([segment], "en", "es") == [segment]


def test_no_segments_give_no_outputs(engine):
    assert engine.translate([], "en", "es") == []


def test_unserved_pair_raises(engine):
    with pytest.raises(EngineError, match="no package for en->de"):
        engine.translate(["Hello"], "en", "de")


@pytest.mark.parametrize(
    ("segment", "parts"),
    [
        ("", [""]),
        ("no placeholders", ["no placeholders"]),
        ("⟦1⟧ met ⟦2⟧.", ["", "⟦1⟧", " met ", "⟦2⟧", "."]),
        ("⟦12⟧⟦3⟧", ["", "⟦12⟧", "", "⟦3⟧", ""]),
        ("[1] and ⟦x⟧ are text", ["[1] and ⟦x⟧ are text"]),
    ],
)
def test_split_at_placeholders(segment, parts):
    assert split_at_placeholders(segment) == parts
    assert "".join(parts) == segment


@pytest.mark.parametrize(
    ("pieces", "text"),
    [
        (["▁El", "▁minist", "ro"], "El ministro"),
        (["▁Жук", "▁", "42"], "Жук 42"),
        (["<s>", "▁hola", "</s>", "<unk>"], "hola"),
        ([], ""),
    ],
)
def test_detokenize(pieces, text):
    assert detokenize(pieces) == text


def test_archived_package_is_unpacked_and_usable(tmp_path, engine):
    archive = build_tiny_package(tmp_path, "en", "es", zipped=True)
    assert archive.name == "translate-en_es-0_1.argosmodel"
    zipped = ArgosEngine(tmp_path)
    assert zipped.pairs() == {("en", "es")}
    # Same seed, same weights: the archive must translate exactly as the folder does.
    assert zipped.translate(SEGMENTS, "en", "es") == engine.translate(SEGMENTS, "en", "es")
    assert list((tmp_path / ".audarma-cache").glob("translate-en_es-0_1-*/*/metadata.json"))
    # A second engine reuses the unpacked copy and does not list the cache as a package.
    again = ArgosEngine(tmp_path)
    assert again.info().detail["packages"] == ["translate-en_es-0_1"]
    assert again.translate(SEGMENTS[:1], "en", "es") == zipped.translate(SEGMENTS[:1], "en", "es")
    assert len(list((tmp_path / ".audarma-cache").iterdir())) == 1


def test_corrupt_package_fails_alone(tmp_path, engine):
    build_tiny_package(tmp_path, "en", "es")
    broken = build_tiny_package(tmp_path, "en", "fr")
    model_bin = broken / "model" / "model.bin"
    model_bin.write_bytes(model_bin.read_bytes()[:2000])
    mixed = ArgosEngine(tmp_path)
    assert mixed.pairs() == {("en", "es"), ("en", "fr")}
    for _ in range(2):  # a failed load is not remembered as a success
        with pytest.raises(EngineError, match="translate-en_fr-0_1") as caught:
            mixed.translate(["Hello"], "en", "fr")
        assert caught.value.engine == "argos" and not caught.value.transient
    assert mixed.translate(SEGMENTS, "en", "es") == engine.translate(SEGMENTS, "en", "es")


def test_missing_tokenizer_is_named(tmp_path):
    package = build_tiny_package(tmp_path, "en", "es")
    (package / "sentencepiece.model").unlink()
    with pytest.raises(EngineError, match="translate-en_es-0_1 is missing sentencepiece.model"):
        ArgosEngine(tmp_path).translate(["Hello"], "en", "es")


def test_unreadable_entries_are_skipped_with_a_reason(tmp_path):
    build_tiny_package(tmp_path, "en", "es")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "metadata.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "no-codes").mkdir()
    (tmp_path / "no-codes" / "metadata.json").write_text('{"from_code": "en"}', encoding="utf-8")
    (tmp_path / "fake.argosmodel").write_bytes(b"not a zip")
    (tmp_path / "not-a-package").mkdir()
    info = ArgosEngine(tmp_path).info()
    assert info.pairs == (("en", "es"),)
    assert set(info.detail["skipped"]) == {"broken", "no-codes", "fake.argosmodel"}
    assert "from_code or to_code" in info.detail["skipped"]["no-codes"]


def test_newest_package_wins_a_pair(tmp_path):
    build_tiny_package(tmp_path, "en", "es", version="1.9")
    build_tiny_package(tmp_path, "en", "es", version="1.10")
    info = ArgosEngine(tmp_path).info()
    assert info.detail["packages"] == ["translate-en_es-1_10"]
    assert info.detail["skipped"] == {"translate-en_es-1_9": "superseded by translate-en_es-1_10"}


@pytest.mark.parametrize("exists", [True, False])
def test_empty_directory_leaves_engine_unavailable(tmp_path, exists):
    packages_dir = tmp_path / "packages"
    if exists:
        packages_dir.mkdir()
    empty = ArgosEngine(packages_dir)
    assert empty.pairs() == frozenset()
    info = empty.info()
    assert info.state == f"unavailable: no Argos packages in {packages_dir}"
    assert info.detail["packages"] == []
    with pytest.raises(EngineError, match="no package for en->es"):
        empty.translate(["Hello"], "en", "es")


class CountingEngine(ArgosEngine):
    """Counts real loads; the pause widens the window in which racing threads would collide."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loads = 0

    def _load(self, package):
        self.loads += 1
        time.sleep(0.05)
        return super()._load(package)


def test_concurrent_first_use_loads_once(packages_dir):
    counting = CountingEngine(packages_dir)
    barrier = threading.Barrier(8)
    results, models = [], []

    def first_use():
        barrier.wait()
        results.append(counting.translate(SEGMENTS, "en", "es"))
        models.append(counting.model("en", "es"))

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counting.loads == 1
    assert len(results) == 8 and all(r == results[0] for r in results)
    assert all(m is models[0] for m in models)


def test_close_releases_models(packages_dir):
    closing = CountingEngine(packages_dir)
    before = closing.translate(SEGMENTS[:1], "en", "es")
    closing.close()
    assert closing.translate(SEGMENTS[:1], "en", "es") == before
    assert closing.loads == 2


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"ARGOS_PACKAGES_DIR": "/srv/argos"}, Path("/srv/argos")),
        ({"XDG_DATA_HOME": "/data"}, Path("/data/argos-translate/packages")),
        ({}, Path.home() / ".local/share/argos-translate/packages"),
        (
            {"ARGOS_PACKAGES_DIR": "", "XDG_DATA_HOME": "/data"},
            Path("/data/argos-translate/packages"),
        ),
    ],
)
def test_default_packages_dir(env, expected):
    assert default_packages_dir(env) == expected


def test_engine_reads_argos_packages_dir_from_environment(monkeypatch, packages_dir):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(packages_dir))
    assert ArgosEngine().pairs() == {("en", "es")}


def test_metadata_codes_are_normalized(tmp_path):
    package = build_tiny_package(tmp_path, "en", "es")
    metadata_path = package / "metadata.json"
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    metadata.update(from_code="EN", to_code="pt_BR")
    metadata_path.write_text(json.dumps(metadata), encoding="utf-8")
    assert ArgosEngine(tmp_path).pairs() == {("en", "pt")}
