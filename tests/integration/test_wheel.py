"""`pip install .` as a wheel, not editable: the installed `audarma` works with no source tree.

The wheel is built from a copy of what the Dockerfile copies (pyproject.toml, README.md,
service/, workers/, glossaries/), so the repository is not written to and no stale build/ folder
can slip a file into the wheel. It is installed into a fresh virtualenv (no system site-packages)
with pip resolving its dependencies, and every command runs from a folder outside the
repository: the shipped glossaries, house styles and migrations can only come from the wheel.

Slow (it installs numpy, ctranslate2, celery, ... from the package index: a few minutes), so it
runs only under CI=true or AUDARMA_SLOW_TESTS=1. PostgreSQL and Redis are not needed.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "docs" / "examples" / "almaty-talks.en.txt"
# What the Dockerfile copies into the image before `pip install .`.
BUILD_INPUTS = ("pyproject.toml", "README.md", "service", "workers", "glossaries")
SLOW = os.environ.get("CI", "").lower() == "true" or os.environ.get("AUDARMA_SLOW_TESTS") == "1"
slow = pytest.mark.skipif(
    not SLOW,
    reason="builds the wheel and installs it with its dependencies (numpy, ctranslate2, celery, "
    "...) into a fresh virtualenv, a few minutes: set AUDARMA_SLOW_TESTS=1 (CI=true runs it)",
)
INSTALL_SECONDS = 1800
COMMAND_SECONDS = 300


@pytest.fixture(scope="module", autouse=True)
def backing_services() -> None:
    """Overrides the integration conftest's: nothing here uses PostgreSQL or Redis."""


def _run(argv: list, cwd: Path, timeout: float = COMMAND_SECONDS, env: dict | None = None):
    result = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, argv))} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
    )
    return result


def _clean_env() -> dict:
    """This environment without anything that could point the installed code at the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDARMA_")}
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSAFEPATH"):
        env.pop(name, None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Installed:
    def __init__(self, wheel: Path, venv: Path, outside: Path):
        self.wheel = wheel
        self.venv = venv
        self.bin = venv / "bin"
        self.outside = outside  # a working directory with no source tree in or above it
        self.env = _clean_env()

    def run(self, *argv, timeout: float = COMMAND_SECONDS):
        return _run([self.bin / "audarma", *argv], self.outside, timeout, self.env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=skip)
        else:
            shutil.copy2(path, src / name)

    timings = {}
    started = time.monotonic()
    dist = tmp / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
          "-w", dist, src], tmp, INSTALL_SECONDS)  # fmt: skip
    (wheel,) = dist.glob("audarma-*.whl")
    timings["build"] = time.monotonic() - started

    started = time.monotonic()
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", venv], tmp)
    _run([venv / "bin" / "python", "-m", "pip", "install", "--disable-pip-version-check",
          wheel], tmp, INSTALL_SECONDS)  # fmt: skip
    timings["venv + install"] = time.monotonic() - started
    shutil.rmtree(src)  # nothing may be read from the copy either

    outside = tmp / "elsewhere"
    outside.mkdir()
    print("wheel: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()))
    return Installed(wheel, venv, outside)


# --------------------------------------------------------------------------- fast: the package list


def test_every_package_folder_is_listed_for_the_wheel():
    """pyproject.toml lists packages (it cannot `find` them and map glossaries/ into one): a new
    package folder under service/ or workers/ that is not listed would be left out of the wheel."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    listed = set(config["setuptools"]["packages"])
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for top in ("service", "workers")
        for path in (ROOT / top).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    shipped = {"service.shipped", "service.shipped.styles"}
    assert folders - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - folders - shipped == set(), "listed, but there is no such package folder"
    assert config["setuptools"]["package-dir"] == {"service.shipped": "glossaries"}
    assert (ROOT / "glossaries" / "styles").is_dir()


# --------------------------------------------------------------------------- slow: the real wheel


@slow
def test_the_wheel_carries_code_glossaries_styles_and_migrations(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = {
        path.relative_to(ROOT).as_posix()
        for top in ("service", "workers")
        for path in (ROOT / top).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    expected |= {
        "service/shipped/" + path.relative_to(ROOT / "glossaries").as_posix()
        for path in (ROOT / "glossaries").rglob("*.yaml")
    }
    expected.add("service/store/migrations/script.py.mako")
    assert expected - names == set()
    assert any(n.startswith("service/store/migrations/versions/0001_") for n in names)


@slow
def test_installed_code_reads_package_data_not_the_checkout(installed):
    probe = (
        "import json, service.core.glossary as g, service.core.figures.styles as s, "
        "service.store.db as d; "
        "print(json.dumps([str(g.DEFAULT_GLOSSARY_DIR), str(s.DEFAULT_STYLES_DIR), "
        "str(d.MIGRATIONS)]))"
    )
    result = _run([installed.bin / "python", "-c", probe], installed.outside, env=installed.env)
    site = (installed.venv / "lib").resolve()
    for folder in json.loads(result.stdout):
        assert Path(folder).is_relative_to(site), folder
        assert Path(folder).is_dir(), folder


@slow
def test_localize_from_outside_the_repository(installed):
    result = installed.run("localize", ARTICLE, "--to", "en-GB,ru-RU", "--json")
    document = json.loads(result.stdout)

    changes = document["normalized"]["changes"]
    applied = {(c["original"], c["replacement"]) for c in changes if c["applied"]}
    assert ("Kassym-Zhomart Tokayev", "Kassym-Jomart Tokayev") in applied
    assert "Kassym-Jomart Tokayev" in document["normalized"]["text"]
    assert "Zhomart" not in document["normalized"]["text"]

    russian = document["versions"]["ru-RU"]
    assert "Касым-Жомарт Токаев" in {name["rendered"] for name in russian["names"]}
    figures = {(f["original"], f["rendered"]) for f in russian["figures"]}
    assert ("$31.5 billion", "31,5 млрд долларов") in figures  # the house style (ru.yaml)
    assert "en-GB" in document["versions"]


@slow
def test_glossary_check_from_outside_the_repository(installed):
    result = installed.run("glossary", "check")
    assert "ok:" in result.stdout, result.stdout + result.stderr


@slow
def test_serve_from_outside_the_repository(installed):
    """`audarma serve` migrates a fresh SQLite database (migrations from the wheel), seeds the
    shipped glossary and its embedded worker finishes a job."""
    process = subprocess.Popen(
        [str(installed.bin / "audarma"), "serve", "--port", "0"],
        cwd=installed.outside, env=installed.env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def read() -> None:
        for line in process.stdout:
            output.append(line)
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        url = key = None
        deadline = time.monotonic() + 120
        while (url is None or key is None) and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert process.poll() is None, "serve exited:\n" + "".join(output)
                continue
            if found := re.search(r"serving on (http://\S+)", line):
                url = found.group(1)
            if found := re.search(r"editor key: (\S+)", line):
                key = found.group(1)
        assert url and key, "serve did not announce its address and key:\n" + "".join(output)
        assert re.search(r"glossary: [1-9]\d* entries", "".join(output)), "".join(output)

        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        body = json.dumps({"text": "Kassym-Zhomart Tokayev put trade at $31.5 billion.",
                           "targets": ["ru-RU"]}).encode()  # fmt: skip
        request = urllib.request.Request(f"{url}/v1/jobs", body, headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 202
            location = response.headers["Location"]
        deadline = time.monotonic() + 120
        while True:
            request = urllib.request.Request(f"{url}{location}", headers=headers)
            with urllib.request.urlopen(request, timeout=10) as response:
                job = json.loads(response.read())
            if job["status"] in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert job["status"] == "done", json.dumps(job)[:2000] + "\n" + "".join(output)
        result = job["result"]
        assert result["normalized"]["text"].startswith("Kassym-Jomart Tokayev")
        russian = result["versions"]["ru-RU"]
        assert "Касым-Жомарт Токаев" in {name["rendered"] for name in russian["names"]}
        assert ("$31.5 billion", "31,5 млрд долларов") in {
            (f["original"], f["rendered"]) for f in russian["figures"]
        }
    finally:
        process.terminate()  # serve stops its worker (warm shutdown) before it exits
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
