"""`audarma engines install|list-available|remove argos` against a package index and packages
built here (tests/support/tiny_argos.py) and served from a loopback HTTP server: no internet."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from service.core.translate.argos import ArgosEngine
from service.engine_packages import (
    IndexEntry,
    PackageError,
    choose,
    install,
    installed_packages,
    read_index,
    remove,
)
from tests.support.servers import free_port
from tests.support.tiny_argos import build_tiny_package

Handler = Callable[[BaseHTTPRequestHandler], None]


class PackageServer:
    """A loopback HTTP server: path -> bytes (or a handler for misbehaving routes)."""

    def __init__(self):
        self.routes: dict[str, bytes | Handler] = {}
        self.requests: list[str] = []
        self.release = threading.Event()  # lets a hanging route finish at teardown
        outer = self

        class RequestHandler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                route = outer.routes.get(self.path)
                if route is None:
                    self.send_error(404, "no such file")
                elif callable(route):
                    route(self)
                else:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(route)))
                    self.end_headers()
                    self.wfile.write(route)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def index(self, *entries: dict) -> str:
        self.routes["/index.json"] = json.dumps(list(entries)).encode()
        return self.url("/index.json")

    def stop(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def entry_for(server: PackageServer, path: str, body: bytes, source="en", target="ru",
              version="1.0", **extra) -> dict:
    """Serve body at path and return the index entry for it, as argospm writes one."""
    server.routes[path] = body
    return {"package_version": version, "argos_version": "1.9", "from_code": source,
            "from_name": source.upper(), "to_code": target, "to_name": target.upper(),
            "links": [server.url(path)], "code": f"translate-{source}_{target}", **extra}


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, bytes]:
    """Zipped tiny packages: en->ru at 1.0 and 1.1, and en->es."""
    root = tmp_path_factory.mktemp("built")
    built = {
        "en_ru_1_0": build_tiny_package(root, "en", "ru", version="1.0", zipped=True),
        "en_ru_1_1": build_tiny_package(root, "en", "ru", version="1.1", zipped=True),
        "en_es": build_tiny_package(root, "en", "es", version="1.0", zipped=True),
    }
    return {key: path.read_bytes() for key, path in built.items()}


@pytest.fixture(scope="module")
def module_server():
    server = PackageServer()
    server.thread.start()
    yield server
    server.stop()


@pytest.fixture
def server(module_server):
    module_server.routes.clear()
    module_server.requests.clear()
    return module_server


@pytest.fixture
def packages(tmp_path) -> Path:
    return tmp_path / "packages"


@pytest.fixture
def standard_index(server, archives) -> str:
    """en->ru with its size and checksum, en->zh on ipfs only, and a non-translation package."""
    body = archives["en_ru_1_0"]
    return server.index(
        entry_for(server, "/en_ru.argosmodel", body, size=len(body),
                  sha256=hashlib.sha256(body).hexdigest()),
        {"package_version": "1.9", "from_code": "en", "to_code": "zh",
         "links": ["ipfs://QmNotFetched"], "code": "translate-en_zh"},
        {"type": "sbd", "package_version": "1.0", "from_code": "en", "to_code": "en",
         "links": [server.url("/sbd.argosmodel")]},
    )


@pytest.fixture
def cli_env(monkeypatch, packages, standard_index):
    monkeypatch.setenv("AUDARMA_ARGOS_INDEX_URL", standard_index)
    monkeypatch.setenv("AUDARMA_ARGOS_PACKAGES_DIR", str(packages))
    monkeypatch.delenv("AUDARMA_ENGINES", raising=False)


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def argos_pairs() -> list[str]:
    result = run("engines", "--json")
    assert result.exit_code == 0, result.output
    [argos] = [e for e in json.loads(result.stdout) if e["name"] == "argos"]
    return argos["pairs"]


def folder_entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def entry_from(index_url: str, source="en", target="ru") -> IndexEntry:
    return choose(read_index(index_url, timeout=5), source, target)


# --- the commands -----------------------------------------------------------------------------


def test_install_shows_progress_and_the_engine_serves_the_pair(cli_env, packages):
    assert "en-ru" not in argos_pairs()
    result = run("engines", "install", "argos", "en", "ru")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("installed en->ru version 1.0 in ")
    assert "translate-en_ru-1_0: 0 / " in result.stderr
    assert "(100%)" in result.stderr
    # Nothing but the package itself is left behind: no download, no staging folder.
    assert folder_entries(packages) == ["translate-en_ru-1_0"]
    assert "en-ru" in argos_pairs()
    engine = ArgosEngine(packages)
    try:
        [word] = engine.translate(["minister"], "en", "ru")
    finally:
        engine.close()
    assert isinstance(word, str) and word and word != "minister"


def test_installing_again_downloads_nothing_and_changes_nothing(cli_env, packages, server):
    assert run("engines", "install", "argos", "en", "ru").exit_code == 0
    marker = packages / "translate-en_ru-1_0" / "metadata.json"
    before = marker.stat().st_mtime_ns
    server.requests.clear()
    result = run("engines", "install", "argos", "en-GB", "ru-RU")
    assert result.exit_code == 0, result.output
    assert "en->ru is already installed (translate-en_ru-1_0)" in result.stdout
    assert server.requests == ["/index.json"]
    assert marker.stat().st_mtime_ns == before
    assert folder_entries(packages) == ["translate-en_ru-1_0"]


def test_list_available_shows_the_index_and_what_is_installed(cli_env):
    result = run("engines", "list-available", "argos")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [["en-ru", "1.0"], ["en-zh", "1.9"]]
    assert "installed" not in result.stdout
    assert "2 package(s) in http://127.0.0.1:" in result.stderr

    run("engines", "install", "argos", "en", "ru")
    rows = json.loads(run("engines", "list-available", "argos", "--json").stdout)
    assert [(r["source"], r["target"], r["installed"]) for r in rows] == [
        ("en", "ru", "1.0"), ("en", "zh", None)]
    assert rows[0]["source_name"] == "EN" and rows[0]["target_name"] == "RU"


def test_remove_takes_the_pair_away(cli_env, packages):
    run("engines", "install", "argos", "en", "ru")
    result = run("engines", "remove", "argos", "en", "ru")
    assert result.exit_code == 0, result.output
    assert result.stdout == "removed translate-en_ru-1_0\n"
    assert folder_entries(packages) == []
    assert "en-ru" not in argos_pairs()

    again = run("engines", "remove", "argos", "en", "ru")
    assert again.exit_code == 1
    assert f"no Argos package for en->ru in {packages}; installed: none" in again.output


def test_engines_without_a_subcommand_still_lists_engines(cli_env):
    result = run("engines")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("apertium")
    assert any(line.startswith("argos") for line in result.stdout.splitlines())


def test_only_argos_packages_can_be_installed(cli_env):
    result = run("engines", "install", "deepl", "en", "ru")
    assert result.exit_code == 2
    assert "'deepl' is not 'argos'" in result.output


def test_a_pair_the_index_lacks_is_named_with_the_pairs_it_has(cli_env, packages):
    result = run("engines", "install", "argos", "en", "kk")
    assert result.exit_code == 1
    assert "the package index has no en->kk package; it has: en-ru, en-zh" in result.output
    assert folder_entries(packages) == []


def test_an_unreachable_index_is_named_with_its_url(monkeypatch, cli_env):
    url = f"http://127.0.0.1:{free_port()}/index.json"
    monkeypatch.setenv("AUDARMA_ARGOS_INDEX_URL", url)
    result = run("engines", "list-available", "argos")
    assert result.exit_code == 1
    assert f"cannot reach {url}" in result.output


def test_a_package_without_an_http_link_is_refused(cli_env, packages):
    result = run("engines", "install", "argos", "en", "zh")
    assert result.exit_code == 1
    assert "no http(s) link (links: ipfs://QmNotFetched)" in result.output
    assert folder_entries(packages) == []


# --- failures leave nothing behind ------------------------------------------------------------


def test_a_checksum_mismatch_installs_nothing(server, archives, packages):
    body = archives["en_ru_1_0"]
    url = server.index(entry_for(server, "/p.argosmodel", body, sha256="0" * 64))
    with pytest.raises(PackageError, match=r"checksum mismatch: sha256 [0-9a-f]{64}, "
                                           r"the index says 0{64}"):
        install(entry_from(url), packages, timeout=5)
    assert folder_entries(packages) == []


def test_a_size_other_than_the_index_says_installs_nothing(server, archives, packages):
    body = archives["en_ru_1_0"]
    url = server.index(entry_for(server, "/p.argosmodel", body, size=len(body) + 1))
    with pytest.raises(PackageError, match=f"got {len(body)} bytes, the index says"):
        install(entry_from(url), packages, timeout=5)
    assert folder_entries(packages) == []


def test_a_download_that_is_not_a_zip_installs_nothing(server, packages):
    url = server.index(entry_for(server, "/p.argosmodel", b"<html>mirror moved</html>"))
    with pytest.raises(PackageError, match="download for translate-en_ru-1_0 is not a valid zip"):
        install(entry_from(url), packages, timeout=5)
    assert folder_entries(packages) == []


def test_a_package_for_another_pair_than_listed_installs_nothing(server, archives, packages):
    url = server.index(entry_for(server, "/p.argosmodel", archives["en_es"]))
    with pytest.raises(PackageError, match="says en->es, the index says en->ru: not installed"):
        install(entry_from(url), packages, timeout=5)
    assert folder_entries(packages) == []


def test_a_package_larger_than_allowed_is_stopped(server, archives, packages):
    url = server.index(entry_for(server, "/p.argosmodel", archives["en_ru_1_0"]))
    with pytest.raises(PackageError, match="bytes is more than the 1000 allowed"):
        install(entry_from(url), packages, timeout=5, max_bytes=1000)
    assert folder_entries(packages) == []


def test_a_download_cut_short_is_an_error(server, archives, packages):
    body = archives["en_ru_1_0"]

    def truncated(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.close_connection = True

    url = server.index(entry_for(server, "/p.argosmodel", b""))
    server.routes["/p.argosmodel"] = truncated
    with pytest.raises(PackageError, match=r"/p\.argosmodel: download (ended|failed) after \d+ "):
        install(entry_from(url), packages, timeout=5)
    assert folder_entries(packages) == []


def test_a_server_that_never_answers_times_out(server, packages):
    def hang(handler):
        server.release.wait()

    url = server.index(entry_for(server, "/p.argosmodel", b""))
    server.routes["/p.argosmodel"] = hang
    with pytest.raises(PackageError,
                       match=r"cannot reach http://.*/p\.argosmodel: no answer within 0\.3 s"):
        install(entry_from(url), packages, timeout=0.3)
    assert folder_entries(packages) == []


def test_a_failing_link_falls_back_to_the_next(server, archives, packages):
    entry = entry_for(server, "/p.argosmodel", archives["en_ru_1_0"])
    entry["links"] = [server.url("/gone.argosmodel"), *entry["links"]]
    url = server.index(entry)
    result = install(entry_from(url), packages, timeout=5)
    assert result.state == "installed"
    assert server.requests == ["/index.json", "/gone.argosmodel", "/p.argosmodel"]


def test_every_failing_link_is_named(server):
    entry = entry_for(server, "/p.argosmodel", b"")
    entry["links"] = [server.url("/a.argosmodel"), server.url("/b.argosmodel")]
    url = server.index(entry)
    with pytest.raises(PackageError) as caught:
        install(entry_from(url), Path("unused"), timeout=5)
    assert str(caught.value) == (f"{server.url('/a.argosmodel')}: HTTP 404 no such file; "
                                 f"{server.url('/b.argosmodel')}: HTTP 404 no such file")


# --- versions ---------------------------------------------------------------------------------


def test_a_newer_version_replaces_the_older(server, archives, packages):
    old = server.index(entry_for(server, "/1_0.argosmodel", archives["en_ru_1_0"]))
    install(entry_from(old), packages, timeout=5)
    new = server.index(entry_for(server, "/1_1.argosmodel", archives["en_ru_1_1"],
                                 version="1.1"))
    result = install(entry_from(new), packages, timeout=5)
    assert (result.state, result.replaced) == ("installed", ("translate-en_ru-1_0",))
    assert folder_entries(packages) == ["translate-en_ru-1_1"]
    assert [p.version for p in installed_packages(packages)] == ["1.1"]


def test_an_older_index_version_does_not_downgrade(server, archives, packages):
    build_tiny_package(packages, "en", "ru", version="2.0")
    url = server.index(entry_for(server, "/p.argosmodel", archives["en_ru_1_0"]))
    result = install(entry_from(url), packages, timeout=5)
    assert result.state == "already installed"
    assert server.requests == ["/index.json"]


def test_remove_takes_archives_their_unpacked_copies_and_older_versions(packages):
    build_tiny_package(packages, "en", "ru", version="1.0")
    archive = build_tiny_package(packages, "en", "ru", version="1.1", zipped=True)
    build_tiny_package(packages, "en", "es", version="1.0")
    engine = ArgosEngine(packages)
    engine.translate(["minister"], "en", "ru")  # unpacks the archive into the cache
    engine.close()
    cache = packages / ".audarma-cache"
    assert any(p.name.startswith(archive.stem) for p in cache.iterdir())

    removed = remove(packages, "en", "ru")
    assert removed == ["translate-en_ru-1_1", "translate-en_ru-1_0"]
    assert folder_entries(packages) == [".audarma-cache", "translate-en_es-1_0"]
    assert not any(p.name.startswith(archive.stem) for p in cache.iterdir())


# --- the index --------------------------------------------------------------------------------


def test_index_keeps_translation_packages_newest_per_pair(server):
    url = server.index(
        {"from_code": "en", "to_code": "ru", "package_version": "1.9", "links": []},
        {"from_code": "en", "to_code": "ru", "package_version": "1.10", "links": []},
        {"from_code": "zt", "to_code": "en", "package_version": "1.9", "links": []},
        {"type": "sbd", "from_code": "en", "to_code": "en", "package_version": "1.0"},
        {"from_code": "", "to_code": "en"},
        "not an object",
    )
    entries = read_index(url, timeout=5)
    assert [(e.pair, e.version) for e in entries] == [
        (("en", "ru"), "1.10"), (("zt", "en"), "1.9")]


def test_an_index_that_is_not_json_is_named(server):
    server.routes["/index.json"] = b"<html>404</html>"
    with pytest.raises(PackageError, match=r"package index http://.*/index.json is not JSON"):
        read_index(server.url("/index.json"), timeout=5)


def test_an_index_that_is_not_a_list_is_named(server):
    server.routes["/index.json"] = b'{"packages": []}'
    with pytest.raises(PackageError, match="is not a JSON list of packages"):
        read_index(server.url("/index.json"), timeout=5)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/index.json",
                                 "/srv/index.json"])
def test_only_http_urls_are_read(url):
    with pytest.raises(PackageError, match="only http and https URLs are allowed"):
        read_index(url, timeout=5)


def test_a_folder_name_from_the_index_stays_inside_the_packages_folder():
    entry = IndexEntry("en", "ru", "1.0/../../x", (), code="../../etc/translate")
    assert "/" not in entry.folder_name and not entry.folder_name.startswith(".")
