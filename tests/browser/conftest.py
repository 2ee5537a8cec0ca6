"""Browser fixtures: a live `audarma serve`, Debian's headless Chromium driven by Playwright,
and axe-core for the accessibility checks.

Nothing is mocked: the tests talk to a real server process over HTTP, as a maintainer's browser
would. Browser downloads (`playwright install`) are not used; Playwright drives the system
Chromium at /usr/bin/chromium. `.ci/setup` installs Chromium, its fonts and axe-core.

Without Chromium, the `playwright` package or axe-core (tests/browser/node_modules) every test
here is skipped with the reason; with CI=true they fail instead, so CI cannot pass by skipping.

Fixtures
- `live` (session): `audarma serve` on a free loopback port, its SQLite database and broker in a
  temp folder; users `admin` (role admin) and `maintainer` (role maintainer) and one editor API
  key made with the CLI. A `Live`: base_url, passwords, editor_key, folder, database_url, and
  `cli(...)` / `create_user(...)` to run more `audarma` commands against the same database.
- `browser` (session): the Chromium instance.
- `new_page` (function): `new_page(width=1280, height=900, **context_options)` opens a page in a
  context of its own (its own cookies: one signed-in person each); all are closed after the test.
- `page` (function): `new_page()`, a desktop page (1280x900).
- `phone_page` (function): a phone-width page (390x844, mobile viewport and touch).
When a test fails, every page it opened is saved as screenshots/FAILED-<test>-<n>.png.

Helpers (import them from this module, with Playwright's `expect`)
- `login(page, live, who="maintainer")`: sign in through the form; fails with the page's alert.
- `shoot(page, name)`: a full-page PNG in tests/browser/screenshots/<name>.png.
- `axe(page)`: axe-core's serious and critical violations on the page, readable in a failure.
- `submit_job(live, text, to=["ru-RU"])`: POST /v1/jobs with the editor key, poll until done,
  return the result document.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

try:  # re-exported for the test modules, which must load (and skip) without playwright
    from playwright.sync_api import expect
except ImportError:  # browser_requirements skips every test, or fails it under CI
    expect = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
DESKTOP = (1280, 900)
PHONE = (390, 844)
READY_SECONDS = 60.0
STOP_SECONDS = 20.0  # `serve` gives its embedded workers 15 s to finish their task
JOB_SECONDS = 60.0
START_USERS = {"admin": "admin-password-1", "maintainer": "maintainer-password-1"}
BLOCKING_IMPACTS = ("serious", "critical")
FAILED = pytest.StashKey[bool]()


# --------------------------------------------------------------------------- requirements


def _missing() -> str | None:
    """What the browser tests lack on this machine, or None when they can run."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is not installed (Debian package chromium; run .ci/setup as root)"
    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed in this environment"
    if not AXE.is_file():
        return f"{AXE.relative_to(HERE.parents[1])} is missing (run npm ci in tests/browser)"
    return None


@pytest.fixture(scope="session", autouse=True)
def browser_requirements() -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests need Chromium, Playwright and axe-core under CI: {reason}")
    pytest.skip(f"browser tests need Chromium, Playwright and axe-core: {reason}")


# --------------------------------------------------------------------------- the live server


@dataclass(frozen=True)
class Live:
    """A running `audarma serve` and what the tests need to use it."""

    base_url: str
    folder: Path
    database_url: str
    env: dict[str, str]
    passwords: dict[str, str]  # username -> password of every user made by the tests
    editor_key: str

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run `audarma ARGS` against the live server's database; its stdout, or a test failure
        that shows the command's stderr."""
        done = subprocess.run(
            [str(BIN / "audarma"), *args], env=self.env, cwd=self.folder, input=stdin,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.fail(f"audarma {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
        return done.stdout

    def create_user(self, role: str = "maintainer", prefix: str = "user") -> tuple[str, str]:
        """A new user of its own for one test (so lockouts and edits do not leak into other
        tests), added to `passwords` so that login() can sign it in; (username, password)."""
        username = f"{prefix}-{secrets.token_hex(3)}"
        password = f"pw-{secrets.token_hex(8)}"
        self.cli("users", "create", "--role", role, "--username", username, stdin=password + "\n")
        self.passwords[username] = password
        return username, password


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(folder: Path) -> dict[str, str]:
    """This machine's environment without its AUDARMA_* settings, plus a database and broker in
    `folder`: a developer's own configuration never reaches the server under test."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AUDARMA_")}
    env.update({
        "AUDARMA_DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
        "AUDARMA_BROKER_URL": f"sqla+sqlite:///{folder}/broker.sqlite3",
        # Tests poll jobs quickly: more than the default 120 requests a minute per key.
        "AUDARMA_RATE_LIMIT": "100000/minute",
        # An approved variant reaches the embedded worker within a second.
        "AUDARMA_GLOSSARY_REFRESH_SECONDS": "0.5",
        "PYTHONUNBUFFERED": "1",  # the log files show the server's output as it happens
    })  # fmt: skip
    return env


class Server:
    """`audarma serve` in a process group of its own, its stdout and stderr in files."""

    def __init__(self, folder: Path, env: dict[str, str], port: int):
        self.folder = folder
        self.base_url = f"http://127.0.0.1:{port}"
        argv = [str(BIN / "audarma"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        with (folder / "serve.out").open("wb") as out, (folder / "serve.err").open("wb") as err:
            self.popen = subprocess.Popen(
                argv, env=env, cwd=folder, stdout=out, stderr=err, start_new_session=True
            )

    def output(self) -> str:
        """The tail of the server's stderr and stdout, for failure messages."""
        err = (self.folder / "serve.err").read_text(errors="replace")[-4000:]
        out = (self.folder / "serve.out").read_text(errors="replace")[-1000:]
        return f"--- stderr\n{err}\n--- stdout\n{out}"

    def wait_ready(self, timeout: float = READY_SECONDS) -> None:
        """Poll GET /healthz until it answers 200; a test failure with the server's output if
        the process ends or the time runs out first."""
        deadline = time.monotonic() + timeout
        while True:
            if self.popen.poll() is not None:
                pytest.fail(f"audarma serve exited {self.popen.returncode}:\n{self.output()}")
            try:
                if requests.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"audarma serve not ready after {timeout}s:\n{self.output()}")
            time.sleep(0.1)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """SIGTERM to the group (serve then stops its embedded workers in order), SIGKILL to the
        group if that takes longer than `timeout`."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("live")
    env = _server_env(folder)
    server = Server(folder, env, _free_port())
    try:
        server.wait_ready()
        passwords = dict(START_USERS)
        partial = Live(server.base_url, folder, env["AUDARMA_DATABASE_URL"], env, passwords, "")
        for username, password in START_USERS.items():  # each made-at-start user's name is its role
            partial.cli(
                "users", "create", "--role", username, "--username", username, stdin=password + "\n"
            )
        # The key is printed alone on the last line of stdout.
        key = partial.cli("keys", "create", "--role", "editor", "--name", "browser tests")
        yield Live(
            server.base_url,
            folder,
            partial.database_url,
            env,
            passwords,
            key.strip().splitlines()[-1],
        )
    finally:
        server.stop()


# --------------------------------------------------------------------------- the browser


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
    """Mark a test whose body failed, so its pages are saved as screenshots at teardown."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture(scope="session")
def browser(browser_requirements: None) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    # Failure screenshots describe the last run only.
    for stale in SCREENSHOTS.glob("FAILED-*.png"):
        stale.unlink()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    contexts = []

    def make(width: int = DESKTOP[0], height: int = DESKTOP[1], **options: Any) -> Page:
        # bypass_csp: axe() injects axe-core as a <script> element, which the UI's strict
        # Content-Security-Policy (script-src 'self') would refuse. The policy itself is
        # checked from the response headers by a test of its own (test_login.py).
        context = browser.new_context(
            viewport={"width": width, "height": height}, bypass_csp=True, **options
        )
        context.set_default_timeout(10_000)  # a missing element fails in 10 s, not 30
        contexts.append(context)
        return context.new_page()

    yield make
    if request.node.stash.get(FAILED, False):
        for number, page in enumerate(p for c in contexts for p in c.pages):
            # A page that cannot be photographed (it crashed) must not add a second error.
            with contextlib.suppress(Exception):
                shoot(page, f"FAILED-{request.node.name}-{number}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def phone_page(new_page: Callable[..., Page]) -> Page:
    return new_page(*PHONE, is_mobile=True, has_touch=True)


# --------------------------------------------------------------------------- helpers


def login(page: Page, live: Live, who: str = "maintainer") -> None:
    """Sign `who` (a user made by `live`) in through the login form; fails the test with the
    page's alert text when the form does not sign in."""
    page.goto(live.url("/ui/login"))
    page.get_by_label("Username").fill(who)
    page.get_by_label("Password").fill(live.passwords[who])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.url.split("?")[0].endswith("/ui/login"):
        alert = page.get_by_role("alert")
        shown = alert.inner_text() if alert.count() else "(no alert shown)"
        pytest.fail(f"signing in as {who!r} failed: {shown}")


def shoot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as screenshots/<name>.png; returns its path."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name)
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    targets: v.nodes.map(n => n.target.join(" ")),
  }));
}"""


def axe(page: Page) -> list[dict[str, Any]]:
    """The page's axe-core violations of impact serious or critical: each with its rule id,
    impact, help text and the CSS selectors of the elements at fault, so `assert axe(page) ==
    []` fails with a message that says what to fix and where."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(_AXE_RUN)
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def submit_job(
    live: Live, text: str, to: Sequence[str] = ("ru-RU",), timeout: float = JOB_SECONDS
) -> dict[str, Any]:
    """Localize `text` through the live API (POST /v1/jobs with the editor key), wait for the
    embedded worker, and return the job's result document; a failed or stuck job fails the
    test with the job's events."""
    headers = {"Authorization": f"Bearer {live.editor_key}"}
    body = {"text": text, "targets": list(to)}
    response = requests.post(live.url("/v1/jobs"), json=body, headers=headers, timeout=10)
    assert response.status_code == 202, f"POST /v1/jobs {response.status_code}: {response.text}"
    job_url = live.url(f"/v1/jobs/{response.json()['id']}")
    deadline = time.monotonic() + timeout
    while True:
        job = requests.get(job_url, headers=headers, timeout=10).json()
        if job["status"] == "done":
            return job["result"]
        if job["status"] == "failed":
            pytest.fail(f"job {job['id']} failed: {job.get('error')}; events {job['events']}")
        if time.monotonic() > deadline:
            pytest.fail(f"job {job['id']} still {job['status']} after {timeout}s: {job['events']}")
        time.sleep(0.1)
