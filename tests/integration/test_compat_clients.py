"""The real LibreTranslate and DeepL client libraries (`libretranslatepy`, `deepl`) against a
live `audarma serve`, with nothing changed but the URL and the key.

en -> en-GB needs no engine; en -> es runs through Apertium (apertium-eng-spa, installed by
.ci/setup). The server keeps its database and broker in a temporary folder (SQLite), so these
tests need neither PostgreSQL nor Redis themselves.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

deepl = pytest.importorskip("deepl")
libretranslatepy = pytest.importorskip("libretranslatepy")

BIN = Path(sys.executable).parent
READY_SECONDS = 60.0
MISSPELLED = "Kassym-Zhomart Tokayev met the press on March 28, 2023."
FIXED_GB = "Kassym-Jomart Tokayev met the press on 28 March 2023."


@dataclass(frozen=True)
class Live:
    url: str
    editor: str
    maintainer: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli(env: dict[str, str], folder: Path, *args: str) -> str:
    done = subprocess.run([str(BIN / "audarma"), *args], env=env, cwd=folder,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"audarma {' '.join(args)}: {done.stderr}"
    return done.stdout


def _wait_ready(popen: subprocess.Popen, url: str, folder: Path) -> None:
    import requests

    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            break
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    err = (folder / "serve.err").read_text(errors="replace")[-4000:]
    pytest.fail(f"audarma serve did not come up:\n{err}")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("compat")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDARMA_")}
    env.update({
        "AUDARMA_DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
        "AUDARMA_BROKER_URL": f"sqla+sqlite:///{folder}/broker.sqlite3",
        "AUDARMA_RATE_LIMIT": "100000/minute",
        "AUDARMA_ENGINES": "apertium",
    })
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with (folder / "serve.out").open("wb") as out, (folder / "serve.err").open("wb") as err:
        popen = subprocess.Popen(
            [str(BIN / "audarma"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=folder, stdout=out, stderr=err, start_new_session=True,
        )
    try:
        _wait_ready(popen, url, folder)
        keys = {role: _cli(env, folder, "keys", "create", "--role", role, "--name", role)
                .strip().splitlines()[-1] for role in ("editor", "maintainer")}
        yield Live(url, keys["editor"], keys["maintainer"])
    finally:
        if popen.poll() is None:
            os.killpg(popen.pid, signal.SIGTERM)
            try:
                popen.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait()


def _apertium_serves_en_es() -> bool:
    from service.config import Settings
    from service.engines import build_engines

    with build_engines(Settings(engines=("apertium",))) as router:
        return router.pick("en", "es") is not None


needs_apertium = pytest.mark.skipif(
    not _apertium_serves_en_es() and os.environ.get("CI", "").lower() != "true",
    reason="Apertium en->es (apertium-eng-spa) is not installed; .ci/setup installs it",
)


# --------------------------------------------------------------------------- LibreTranslate


def test_libretranslatepy_gets_the_name_fixed_and_the_date_in_british_style(live):
    client = libretranslatepy.LibreTranslateAPI(live.url, api_key=live.editor)

    assert client.translate(MISSPELLED, "en", "en-GB") == FIXED_GB
    assert client.translate(MISSPELLED, "auto", "en") == FIXED_GB


@needs_apertium
def test_libretranslatepy_translates_into_spanish(live):
    client = libretranslatepy.LibreTranslateAPI(live.url, api_key=live.editor)

    text = client.translate(MISSPELLED, "en", "es")

    assert "Kasim-Zhomart Tokáyev" in text  # the glossary's Spanish form
    assert "28 de marzo de 2023" in text


def test_libretranslatepy_languages_and_detect(live):
    client = libretranslatepy.LibreTranslateAPI(live.url, api_key=live.editor)

    codes = {language["code"]: language for language in client.languages()}
    detected = client.detect("Токаев провёл пресс-конференцию.")

    assert "en" in codes["en"]["targets"]
    assert detected[0]["language"] == "ru"


def test_libretranslatepy_without_a_key_is_refused(live):
    client = libretranslatepy.LibreTranslateAPI(live.url)

    with pytest.raises(urllib.error.HTTPError) as refused:
        client.translate(MISSPELLED, "en", "en-GB")

    assert refused.value.code == 403
    assert "api_key" in json.loads(refused.value.read())["error"]


# --------------------------------------------------------------------------- DeepL


def test_deepl_client_gets_the_name_fixed_and_the_date_in_each_english(live):
    translator = deepl.Translator(live.editor, server_url=live.url)

    british = translator.translate_text(MISSPELLED, target_lang="EN-GB")
    american = translator.translate_text([MISSPELLED], source_lang="EN", target_lang="EN-US")

    assert british.text == FIXED_GB
    assert british.detected_source_lang == "EN"
    assert american[0].text == "Kassym-Jomart Tokayev met the press on March 28, 2023."


@needs_apertium
def test_deepl_client_translates_into_spanish_with_html(live):
    translator = deepl.Translator(live.editor, server_url=live.url)

    result = translator.translate_text(
        f"<p>{MISSPELLED}</p>", source_lang="EN", target_lang="ES", tag_handling="html")

    assert result.text.startswith("<p>") and result.text.endswith("</p>")
    assert "Kasim-Zhomart Tokáyev" in result.text
    assert "28 de marzo de 2023" in result.text


def test_deepl_client_languages_usage_and_glossaries(live):
    translator = deepl.Translator(live.editor, server_url=live.url)
    translator.translate_text("Hello.", target_lang="EN-GB")

    sources = {language.code for language in translator.get_source_languages()}
    targets = {language.code for language in translator.get_target_languages()}
    usage = translator.get_usage()
    glossaries = {g.glossary_id: g for g in translator.list_glossaries()}
    entries = translator.get_glossary_entries("audarma-en-ru")

    assert {"EN", "RU", "KK"} <= sources
    assert {"EN-GB", "EN-US"} <= targets
    assert usage.character.count >= len("Hello.") and not usage.any_limit_reached
    assert glossaries["audarma-en-ru"].entry_count > 0
    assert entries["Kassym-Jomart Tokayev"] == "Касым-Жомарт Токаев"


def test_deepl_client_creates_a_glossary_with_a_maintainer_key(live):
    maintainer = deepl.Translator(live.maintainer, server_url=live.url)
    editor = deepl.Translator(live.editor, server_url=live.url)

    created = maintainer.create_glossary(
        "desk", source_lang="EN", target_lang="DE",
        entries={"Compat Test Person": "Kompat Testperson"})
    with pytest.raises(deepl.AuthorizationException):
        editor.create_glossary("desk", "EN", "DE", {"A": "B"})
    with pytest.raises(deepl.DeepLException, match="curated in the maintainers' UI"):
        maintainer.delete_glossary(created)

    assert created.glossary_id == "audarma-en-de"
    assert editor.get_glossary_entries(created)["Compat Test Person"] == (
        "Kompat Testperson")


def test_deepl_client_with_an_unknown_key_is_refused(live):
    translator = deepl.Translator("ak_00000000_unknown", server_url=live.url)

    with pytest.raises(deepl.AuthorizationException, match="invalid or revoked API key"):
        translator.translate_text("Hello.", target_lang="EN-GB")
