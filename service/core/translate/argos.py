"""Argos Translate packages served with CTranslate2 and sentencepiece directly.

argostranslate itself pulls in stanza and torch (several GB); its packages need neither.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import ctranslate2
import sentencepiece as spm

from service.core.locales import InvalidLanguageTag, language_of
from service.core.translate.base import PLACEHOLDER, EngineError, EngineInfo

ENGINE = "argos"
ARCHIVE_SUFFIX = ".argosmodel"
# Archives are unpacked here, inside the packages directory; the dot keeps discovery out of it.
CACHE_DIR = ".audarma-cache"
# Tokens the model may emit that are not text (OpenNMT-py and sentencepiece names).
NON_TEXT_TOKENS = frozenset({"<s>", "</s>", "<blank>", "<pad>", "<unk>"})
# A degenerate model can repeat itself until CTranslate2's default of 256 tokens; no real
# translation needs more than a few times its source's length.
DECODING_RATIO = 3
DECODING_SLACK = 10

Pair = tuple[str, str]


def default_packages_dir(env: Mapping[str, str]) -> Path:
    """Where argostranslate installs packages: $ARGOS_PACKAGES_DIR, else its XDG data dir."""
    if env.get("ARGOS_PACKAGES_DIR"):
        return Path(env["ARGOS_PACKAGES_DIR"]).expanduser()
    data_home = env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "argos-translate" / "packages"


@dataclass(frozen=True)
class ArgosPackage:
    """One installed package: a folder holding metadata.json, or a .argosmodel archive."""

    name: str
    source: str
    target: str
    version: str
    path: Path

    @property
    def pair(self) -> Pair:
        return (self.source, self.target)

    @property
    def archived(self) -> bool:
        return self.path.suffix == ARCHIVE_SUFFIX


@dataclass(frozen=True)
class ArgosModel:
    """A loaded package: the CTranslate2 translator and its sentencepiece tokenizer."""

    package: ArgosPackage
    translator: ctranslate2.Translator
    tokenizer: spm.SentencePieceProcessor

    def translate_texts(self, texts: Sequence[str], beam_size: int, max_batch: int) -> list[str]:
        """Translate plain texts (no placeholders); one output per input."""
        tokens = [self.tokenizer.encode(text, out_type=str) for text in texts]
        results = self.translator.translate_batch(
            tokens,
            beam_size=beam_size,
            max_batch_size=max_batch,
            # CTranslate2 would silently cut inputs after 1024 tokens; a slow paragraph beats
            # a truncated one.
            max_input_length=0,
            max_decoding_length=DECODING_RATIO * max(map(len, tokens)) + DECODING_SLACK,
            # An unknown target token becomes the source piece it attends to most: a rare
            # name or symbol is copied instead of lost.
            replace_unknowns=True,
        )
        return [detokenize(result.hypotheses[0]) for result in results]


def detokenize(pieces: Sequence[str]) -> str:
    """Join sentencepiece pieces back into text.

    Joined by hand, as argostranslate does, rather than with sentencepiece's decoder: a piece
    copied by replace_unknowns ("▁Жук") is unknown to the decoder, which returns it raw.
    """
    text = "".join(p for p in pieces if p not in NON_TEXT_TOKENS)
    return text.replace("▁", " ").strip()


def split_at_placeholders(segment: str) -> list[str]:
    """'⟦1⟧ met ⟦2⟧.' -> ['', '⟦1⟧', ' met ', '⟦2⟧', '.']: text at even indexes."""
    parts, start = [], 0
    for match in PLACEHOLDER.finditer(segment):
        parts += [segment[start : match.start()], match.group()]
        start = match.end()
    parts.append(segment[start:])
    return parts


def needs_translation(text: str) -> bool:
    # Bare punctuation and spaces give a model nothing to translate and invite it to invent.
    return any(ch.isalnum() for ch in text)


def find_packages(packages_dir: Path) -> tuple[list[ArgosPackage], dict[str, str]]:
    """Translation packages in a directory, and the entries skipped with the reason why."""
    packages: list[ArgosPackage] = []
    skipped: dict[str, str] = {}
    if not packages_dir.is_dir():
        return packages, skipped
    for entry in sorted(packages_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        try:
            metadata = _read_metadata(entry)
            if metadata is not None:
                packages.append(_package_from(entry, metadata))
        except ValueError as exc:
            skipped[entry.name] = str(exc)
    return _drop_superseded(packages, skipped), skipped


def _read_metadata(entry: Path) -> dict | None:
    """metadata.json of a package folder or archive; None when the entry is not a package."""
    try:
        if entry.is_dir():
            path = entry / "metadata.json"
            return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        if entry.suffix == ARCHIVE_SUFFIX:
            with zipfile.ZipFile(entry) as archive:
                return json.loads(archive.read(_archived_metadata(archive)))
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"unreadable package: {exc}") from exc
    return None


def _archived_metadata(archive: zipfile.ZipFile) -> str:
    # argospm archives hold one top folder; accept metadata.json at the root as well.
    for name in archive.namelist():
        if name.split("/")[-1] == "metadata.json" and name.count("/") <= 1:
            return name
    raise ValueError("no metadata.json in archive")


def _package_from(entry: Path, metadata: dict) -> ArgosPackage:
    if not isinstance(metadata, dict):
        raise ValueError("metadata.json is not an object")
    if metadata.get("type", "translate") != "translate":
        raise ValueError(f"not a translation package (type {metadata['type']!r})")
    codes = metadata.get("from_code"), metadata.get("to_code")
    if not all(isinstance(code, str) and code for code in codes):
        raise ValueError("metadata.json lacks from_code or to_code")
    name = entry.name.removesuffix(ARCHIVE_SUFFIX)
    source, target = (_language(cast(str, code)) for code in codes)  # both str: checked above
    return ArgosPackage(name, source, target, str(metadata.get("package_version", "")), entry)


def _language(code: str) -> str:
    # Argos also uses codes outside BCP 47 ("zt", "pb"); those pass through lower-cased.
    try:
        return language_of(code)
    except InvalidLanguageTag:
        return code.strip().lower()


def _drop_superseded(packages: list[ArgosPackage], skipped: dict[str, str]) -> list[ArgosPackage]:
    """Keep the newest package per pair, as a user who installs an update expects."""
    newest: dict[Pair, ArgosPackage] = {}
    for package in sorted(packages, key=lambda p: _version_key(p.version), reverse=True):
        if package.pair in newest:
            skipped[package.name] = f"superseded by {newest[package.pair].name}"
        else:
            newest[package.pair] = package
    return sorted(newest.values(), key=lambda p: p.name)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version))


def unpack_archive(archive: Path, cache_dir: Path) -> Path:
    """Unpack a .argosmodel once into cache_dir; return the folder holding metadata.json.

    The cache folder is named after the archive's size and mtime, so a replaced archive is
    unpacked afresh; unpacking goes to a temporary folder renamed into place, so two
    processes starting together never see a half-written package.
    """
    stat = archive.stat()
    stamp = hashlib.sha1(f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:10]
    target = cache_dir / f"{archive.stem}-{stamp}"
    if not target.is_dir():
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=cache_dir))
        # extractall drops ".." and absolute paths, so members cannot escape the folder.
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(staging)
        try:
            staging.rename(target)
        except OSError:  # another process got there first
            shutil.rmtree(staging, ignore_errors=True)
    if (target / "metadata.json").is_file():
        return target
    return next(path.parent for path in sorted(target.glob("*/metadata.json")))


class ArgosEngine:
    """Translator over installed Argos packages; each pair's model loads on first use."""

    name = ENGINE

    def __init__(
        self,
        packages_dir: str | Path | None = None,
        device: str = "cpu",
        inter_threads: int = 1,
        intra_threads: int = 1,
        beam_size: int = 2,
        max_batch: int = 32,
    ):
        self.packages_dir = (
            Path(packages_dir) if packages_dir is not None else default_packages_dir(os.environ)
        )
        self.device = device
        self.inter_threads = inter_threads
        self.intra_threads = intra_threads
        self.beam_size = beam_size
        self.max_batch = max_batch
        packages, self._skipped = find_packages(self.packages_dir)
        self._packages = {package.pair: package for package in packages}
        self._models: dict[Pair, ArgosModel] = {}
        self._lock = threading.Lock()

    def pairs(self) -> frozenset[Pair]:
        return frozenset(self._packages)

    def translate(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        """Translate segments, carrying placeholders through without showing them to the model.

        Each segment is cut at its placeholders and only the text between them is translated;
        the placeholders are put back in their original order. Every name and figure survives,
        at the cost of translating fragments ("met", "on") without their sentence around them.
        """
        parts = [split_at_placeholders(segment) for segment in segments]
        texts = list(dict.fromkeys(_texts_to_translate(parts)))
        model = self.model(source, target)
        translated = dict(zip(texts, self._run(model, texts), strict=True))
        return [_rejoin(segment_parts, translated) for segment_parts in parts]

    def model(self, source: str, target: str) -> ArgosModel:
        """The loaded model for a pair, loading it on first use (once, however many threads ask)."""
        package = self._package_for(source, target)
        model = self._models.get(package.pair)
        if model is None:
            # One lock for all pairs: a first load briefly holds up another pair's first load,
            # never a translation with a model already loaded.
            with self._lock:
                model = self._models.get(package.pair)
                if model is None:
                    model = self._models[package.pair] = self._load(package)
        return model

    def info(self) -> EngineInfo:
        detail: dict = {
            "packages_dir": str(self.packages_dir),
            "packages": sorted(p.name for p in self._packages.values()),
        }
        if self._skipped:
            detail["skipped"] = dict(self._skipped)
        return EngineInfo(
            name=ENGINE,
            state=self._state(),
            pairs=tuple(sorted(self._packages)),
            formats=("text",),
            detail=detail,
        )

    def close(self) -> None:
        # Dropping the last reference frees a CTranslate2 model's memory.
        with self._lock:
            self._models.clear()

    def _state(self) -> str:
        if self._packages:
            return "ready"
        return f"unavailable: no Argos packages in {self.packages_dir}"

    def _package_for(self, source: str, target: str) -> ArgosPackage:
        package = self._packages.get((_language(source), _language(target)))
        if package is None:
            raise EngineError(ENGINE, f"no package for {source}->{target} ({self._state()})")
        return package

    def _load(self, package: ArgosPackage) -> ArgosModel:
        try:
            root = self._package_root(package)
            _check_files(root, package)
            tokenizer = spm.SentencePieceProcessor(model_file=str(root / "sentencepiece.model"))
            translator = ctranslate2.Translator(
                str(root / "model"),
                device=self.device,
                inter_threads=self.inter_threads,
                intra_threads=self.intra_threads,
            )
        except EngineError:
            raise
        except Exception as exc:  # CTranslate2 and sentencepiece raise a variety of types
            raise EngineError(ENGINE, f"cannot load package {package.name}: {exc}") from exc
        return ArgosModel(package, translator, tokenizer)

    def _package_root(self, package: ArgosPackage) -> Path:
        if package.archived:
            return unpack_archive(package.path, self.packages_dir / CACHE_DIR)
        return package.path

    def _run(self, model: ArgosModel, texts: list[str]) -> list[str]:
        if not texts:
            return []
        try:
            return model.translate_texts(texts, self.beam_size, self.max_batch)
        except Exception as exc:
            raise EngineError(
                ENGINE, f"package {model.package.name} failed to translate: {exc}"
            ) from exc


def _check_files(root: Path, package: ArgosPackage) -> None:
    """Name the missing file rather than let CTranslate2 report a bare path."""
    if not (root / "sentencepiece.model").is_file() and (root / "bpe.model").is_file():
        raise EngineError(ENGINE, f"package {package.name} uses BPE, which is not supported")
    for required in ("sentencepiece.model", "model/model.bin"):
        if not (root / required).is_file():
            raise EngineError(ENGINE, f"package {package.name} is missing {required}")


def _texts_to_translate(parts: list[list[str]]):
    for segment_parts in parts:
        for text in segment_parts[::2]:
            if needs_translation(text):
                yield text.strip()


def _rejoin(parts: list[str], translated: Mapping[str, str]) -> str:
    out = []
    for i, part in enumerate(parts):
        if i % 2 or not needs_translation(part):
            out.append(part)
            continue
        # The model sees the stripped text; the spaces around it stay where they were.
        core = part.strip()
        lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()) :]
        out.append(lead + translated[core] + trail)
    return "".join(out)
