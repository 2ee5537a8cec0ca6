"""Argos Translate packages installed by command: read an index, download, check, unpack.

The index is argospm's: a JSON list of packages, each with from_code, to_code,
package_version, links (http(s), sometimes ipfs) and code. The public index gives no size or
checksum; an index that does ("size" in bytes, "sha256" in hex) gets them checked. Every
download is checked against its Content-Length, its zip CRCs and its metadata.json.

A package is unpacked into a hidden folder beside its target and renamed into place, and
removed by renaming it away before deleting it, so the Argos engine, which skips hidden
entries, never sees half a package.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from .core.locales import InvalidLanguageTag, language_of
from .core.translate.argos import ARCHIVE_SUFFIX, CACHE_DIR, ArgosPackage, find_packages

ALLOWED_SCHEMES = ("http", "https")
# The largest public packages are a few hundred MB; a gigabyte leaves room and still stops a
# runaway download before it fills a disk.
MAX_PACKAGE_BYTES = 1 << 30
MAX_INDEX_BYTES = 16 << 20
# Models barely compress, so an archive that claims far more than its own size is a zip bomb.
MAX_UNPACK_RATIO = 4
REQUIRED_FILES = ("metadata.json", "sentencepiece.model", "model/model.bin")
CHUNK_BYTES = 64 * 1024
USER_AGENT = "audarma-engines-install"

Pair = tuple[str, str]
# progress(bytes so far, total bytes or None when the server does not say)
Progress = Callable[[int, int | None], None]


class PackageError(Exception):
    """An index, download or package that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class IndexEntry:
    """One package the index offers."""

    source: str
    target: str
    version: str
    links: tuple[str, ...]
    code: str = ""
    source_name: str = ""
    target_name: str = ""
    size: int | None = None
    sha256: str | None = None

    @property
    def pair(self) -> Pair:
        return (self.source, self.target)

    @property
    def folder_name(self) -> str:
        """The folder it is unpacked to, named as argospm names packages: translate-en_ru-1_9.

        Built from index text, so anything but letters, digits, '-', '_' and '.' is replaced:
        the name can never reach outside the packages folder.
        """
        code = self.code or f"translate-{self.source}_{self.target}"
        name = f"{code}-{self.version.replace('.', '_')}" if self.version else code
        return re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip(".") or "package"


@dataclass(frozen=True)
class InstallResult:
    """What install() did: 'installed', or 'already installed' with nothing downloaded."""

    entry: IndexEntry
    state: str
    path: Path
    replaced: tuple[str, ...] = field(default=())


def language_code(code: str) -> str:
    """The language a code names, as the Argos engine matches it: 'en-GB' -> 'en', 'zt' -> 'zt'."""
    try:
        return language_of(code)
    except InvalidLanguageTag:
        return code.strip().lower()


def read_index(url: str, timeout: float) -> list[IndexEntry]:
    """The translation packages an index offers, the newest version per pair, sorted by pair.

    Entries that are not translation packages or lack codes are left out rather than failing
    the whole index: one bad line upstream should not stop a desk installing another pair.
    """
    with _open(url, timeout) as response, tempfile.SpooledTemporaryFile() as buffer:
        _copy(response, buffer, url, timeout, MAX_INDEX_BYTES)
        buffer.seek(0)
        try:
            raw = json.load(buffer)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PackageError(f"package index {url} is not JSON: {exc}") from exc
    if not isinstance(raw, list):
        raise PackageError(f"package index {url} is not a JSON list of packages")
    newest: dict[Pair, IndexEntry] = {}
    for item in raw:
        entry = _entry(item)
        if entry is None:
            continue
        known = newest.get(entry.pair)
        if known is None or _version_key(entry.version) > _version_key(known.version):
            newest[entry.pair] = entry
    return [newest[pair] for pair in sorted(newest)]


def choose(entries: list[IndexEntry], source: str, target: str) -> IndexEntry:
    """The index entry for a pair; the error lists the pairs the index does have."""
    pair = (language_code(source), language_code(target))
    for entry in entries:
        if entry.pair == pair:
            return entry
    offered = ", ".join(f"{s}-{t}" for s, t in (e.pair for e in entries)) or "none"
    raise PackageError(f"the package index has no {pair[0]}->{pair[1]} package; "
                       f"it has: {offered}")


def installed_packages(packages_dir: Path) -> list[ArgosPackage]:
    """The packages the Argos engine would load from this folder (newest per pair)."""
    return find_packages(packages_dir)[0]


def install(
    entry: IndexEntry,
    packages_dir: Path,
    *,
    timeout: float,
    progress: Progress | None = None,
    max_bytes: int = MAX_PACKAGE_BYTES,
) -> InstallResult:
    """Download, check and unpack a package, replacing an older one for the same pair.

    A pair already installed at this version or newer is left alone and nothing is
    downloaded, so running the same install twice is harmless.
    """
    current = _active(packages_dir, entry.pair)
    if current is not None and _version_key(current.version) >= _version_key(entry.version):
        return InstallResult(entry, "already installed", current.path)
    packages_dir.mkdir(parents=True, exist_ok=True)
    with _temporary_file(packages_dir) as archive:
        _download_any(entry, archive, timeout, progress, max_bytes)
        path = _unpack(archive, entry, packages_dir)
    replaced: tuple[str, ...] = ()
    if current is not None and current.path != path:
        _delete(current, packages_dir)
        replaced = (current.name,)
    return InstallResult(entry, "installed", path, replaced)


def remove(packages_dir: Path, source: str, target: str) -> list[str]:
    """Remove every package for a pair (older ones included); return the names removed."""
    pair = (language_code(source), language_code(target))
    removed: list[str] = []
    # Older packages for the pair are hidden behind the newest; each removal uncovers the next.
    while (package := _active(packages_dir, pair)) is not None:
        _delete(package, packages_dir)
        removed.append(package.name)
    if not removed:
        have = ", ".join(f"{p.source}-{p.target}" for p in installed_packages(packages_dir))
        raise PackageError(f"no Argos package for {pair[0]}->{pair[1]} in {packages_dir}; "
                           f"installed: {have or 'none'}")
    return removed


def _entry(item: object) -> IndexEntry | None:
    if not isinstance(item, dict) or item.get("type", "translate") != "translate":
        return None
    source, target, links = item.get("from_code"), item.get("to_code"), item.get("links")
    if not (isinstance(source, str) and source and isinstance(target, str) and target):
        return None
    size, sha256 = item.get("size"), item.get("sha256")
    return IndexEntry(
        source=language_code(source),
        target=language_code(target),
        version=str(item.get("package_version", "")),
        links=tuple(link for link in links if isinstance(link, str))
        if isinstance(links, list)
        else (),
        code=str(item.get("code") or ""),
        source_name=str(item.get("from_name") or ""),
        target_name=str(item.get("to_name") or ""),
        size=size if isinstance(size, int) and size >= 0 else None,
        sha256=sha256.lower() if isinstance(sha256, str) and sha256 else None,
    )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version))


def _active(packages_dir: Path, pair: Pair) -> ArgosPackage | None:
    return next((p for p in installed_packages(packages_dir) if p.pair == pair), None)


def _download_any(entry: IndexEntry, dest: Path, timeout: float, progress: Progress | None,
                  max_bytes: int) -> None:
    """Download from the first http(s) link that gives the right bytes; name every failure."""
    links = [link for link in entry.links if urlsplit(link).scheme in ALLOWED_SCHEMES]
    if not links:
        raise PackageError(f"the index gives {entry.folder_name} no http(s) link "
                           f"(links: {', '.join(entry.links) or 'none'})")
    failures = []
    for link in links:
        try:
            _download(link, dest, entry, timeout, progress, max_bytes)
            return
        except PackageError as exc:
            failures.append(str(exc))
    raise PackageError("; ".join(failures))


def _download(url: str, dest: Path, entry: IndexEntry, timeout: float,
              progress: Progress | None, max_bytes: int) -> None:
    digest = hashlib.sha256()
    with _open(url, timeout) as response, dest.open("wb") as out:
        size = _copy(response, out, url, timeout, max_bytes, progress, digest.update)
    if entry.size is not None and size != entry.size:
        raise PackageError(f"{url}: got {size} bytes, the index says {entry.size}")
    if entry.sha256 is not None and digest.hexdigest() != entry.sha256:
        raise PackageError(f"{url}: checksum mismatch: sha256 {digest.hexdigest()}, "
                           f"the index says {entry.sha256}")


@contextmanager
def _open(url: str, timeout: float) -> Iterator[IO[bytes]]:
    """An HTTP(S) response; every way it can fail becomes a PackageError naming the URL."""
    scheme = urlsplit(url).scheme
    if scheme not in ALLOWED_SCHEMES:
        raise PackageError(f"{url!r}: only http and https URLs are allowed, "
                           f"not {scheme or 'a plain path'}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise PackageError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
        raise PackageError(f"cannot reach {url}: {_reason(exc, timeout)}") from exc
    with response:
        # urllib follows redirects to ftp as well; a redirect must stay on http(s).
        final = response.geturl()
        if urlsplit(final).scheme not in ALLOWED_SCHEMES:
            raise PackageError(f"{url} redirects to {final!r}: only http and https are allowed")
        yield response


def _content_length(response: IO[bytes]) -> int | None:
    value = getattr(response, "headers", {}).get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _reason(exc: Exception, timeout: float) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    return str(reason) or type(reason).__name__


def _copy(response: IO[bytes], out: IO[bytes], url: str, timeout: float, max_bytes: int,
          progress: Progress | None = None,
          on_chunk: Callable[[bytes], None] | None = None) -> int:
    """Copy a response to a file within max_bytes; a short read is an error, not a package."""
    total = _content_length(response)
    if total is not None and total > max_bytes:
        raise PackageError(f"{url}: {total} bytes is more than the {max_bytes} allowed")
    done = 0
    if progress:
        progress(done, total)
    while True:
        try:
            chunk = response.read(CHUNK_BYTES)
        except (OSError, http.client.HTTPException) as exc:  # timeouts are OSErrors
            raise PackageError(f"{url}: download failed after {done} bytes: "
                               f"{_reason(exc, timeout)}") from exc
        if not chunk:
            break
        done += len(chunk)
        if done > max_bytes:
            raise PackageError(f"{url}: more than the {max_bytes} bytes allowed")
        out.write(chunk)
        if on_chunk is not None:
            on_chunk(chunk)
        if progress:
            progress(done, total)
    if total is not None and done != total:
        raise PackageError(f"{url}: download ended after {done} of {total} bytes")
    return done


@contextmanager
def _temporary_file(folder: Path) -> Iterator[Path]:
    """A hidden file in the packages folder (the same disk as the target), always deleted."""
    handle, name = tempfile.mkstemp(prefix=".download-", suffix=ARCHIVE_SUFFIX, dir=folder)
    os.close(handle)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _unpack(archive: Path, entry: IndexEntry, packages_dir: Path) -> Path:
    """Unpack into a hidden folder, check it, and rename it into place in one step."""
    staging = Path(tempfile.mkdtemp(prefix=".install-", dir=packages_dir))
    try:
        _extract(archive, staging, entry)
        root = _package_root(staging, entry)
        _check_package(root, entry)
        target = packages_dir / entry.folder_name
        try:
            root.rename(target)
        except OSError as exc:
            raise PackageError(f"cannot install {entry.folder_name}: {target} is in the way "
                               f"({exc.strerror}); remove it and try again") from exc
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _extract(archive: Path, staging: Path, entry: IndexEntry) -> None:
    where = f"the download for {entry.folder_name}"
    try:
        with zipfile.ZipFile(archive) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
            limit = MAX_UNPACK_RATIO * max(archive.stat().st_size, CHUNK_BYTES)
            if unpacked > limit:
                raise PackageError(f"{where} would unpack to {unpacked} bytes, more than "
                                   f"{MAX_UNPACK_RATIO}x its size: refused")
            # extractall drops '..' and absolute member paths; reading checks every CRC.
            zf.extractall(staging)
    except zipfile.BadZipFile as exc:
        raise PackageError(f"{where} is not a valid zip archive ({exc})") from exc


def _package_root(staging: Path, entry: IndexEntry) -> Path:
    """The folder holding metadata.json: the archive's root or its one top folder."""
    if (staging / "metadata.json").is_file():
        return staging
    found = sorted(path.parent for path in staging.glob("*/metadata.json"))
    if not found:
        raise PackageError(f"the download for {entry.folder_name} has no metadata.json")
    return found[0]


def _check_package(root: Path, entry: IndexEntry) -> None:
    try:
        metadata = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"metadata.json of {entry.folder_name} is not JSON: {exc}") from exc
    if not isinstance(metadata, dict):
        raise PackageError(f"metadata.json of {entry.folder_name} is not a JSON object")
    found = tuple(
        language_code(code) if isinstance(code, str) else None
        for code in (metadata.get("from_code"), metadata.get("to_code"))
    )
    if found != entry.pair:
        raise PackageError(
            f"metadata.json of {entry.folder_name} says {found[0]}->{found[1]}, "
            f"the index says {entry.source}->{entry.target}: not installed"
        )
    missing = [name for name in REQUIRED_FILES if not (root / name).is_file()]
    if missing:
        raise PackageError(f"{entry.folder_name} lacks {', '.join(missing)}: not installed")


def _delete(package: ArgosPackage, packages_dir: Path) -> None:
    """Hide the package from the engine with one rename, then delete it and its unpacked copy."""
    hidden = Path(tempfile.mkdtemp(prefix=".remove-", dir=packages_dir))
    package.path.rename(hidden / package.path.name)
    shutil.rmtree(hidden, ignore_errors=True)
    if package.archived:
        for cached in (packages_dir / CACHE_DIR).glob(f"{package.path.stem}-*"):
            shutil.rmtree(cached, ignore_errors=True)
