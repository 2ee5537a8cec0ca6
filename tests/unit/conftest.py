"""Fixtures for the API tests: a migrated SQLite database per test and a recording queue."""

import shutil

import pytest

from service.app import create_app
from service.store.db import Database


class RecordingQueue:
    """enqueue(job_id, queue) that remembers its calls and whether the job row existed then."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []
        self.row_committed: list[bool] = []
        self.store = None  # the app's JobStore, set by the app fixture

    def __call__(self, job_id: str, queue: str) -> None:
        self.calls.append((job_id, queue))
        self.row_committed.append(self.store.get(job_id) is not None)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory):
    """One database migrated by Alembic; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("template") / "audarma.sqlite3"
    Database(f"sqlite:///{path}").upgrade()
    return path


@pytest.fixture
def database(migrated, tmp_path):
    path = tmp_path / "audarma.sqlite3"
    shutil.copy(migrated, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def queue():
    return RecordingQueue()


@pytest.fixture
def make_app(database, queue):
    def make(**settings):
        app = create_app({"TESTING": True, **settings}, enqueue=queue, database=database)
        queue.store = app.extensions["audarma"].jobs
        return app

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(app):
    """Authorization headers for one key of each role, plus a second editor."""
    keys = app.extensions["audarma"].keys
    headers = {}
    for label, role in [("editor", "editor"), ("editor2", "editor"),
                        ("maintainer", "maintainer"), ("admin", "admin")]:
        plaintext, _ = keys.create(role, name=label)
        headers[label] = {"Authorization": f"Bearer {plaintext}"}
    return headers


class UiSession:
    """A test client signed in to /ui as one user; post() adds the CSRF token the UI gave."""

    PASSWORD = "correct-horse-battery"

    def __init__(self, app, name: str, role: str):
        self.app = app
        self.client = app.test_client()
        self.user = app.extensions["audarma"].users.create(name, role, self.PASSWORD)
        self.post("/ui/login", data={"username": name, "password": self.PASSWORD})

    def token(self) -> str:
        with self.client.session_transaction("/ui/") as session:
            if "csrf_token" not in session:
                session["csrf_token"] = "test-token"
            return session["csrf_token"]

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.client.post(path, data={"csrf_token": self.token(), **(data or {})}, **kwargs)


@pytest.fixture
def ui(app):
    """A maintainer signed in to the UI (ui.get / ui.post; ui.client for raw requests)."""
    return UiSession(app, "mara", "maintainer")


@pytest.fixture
def ui_admin(app):
    """An admin signed in to the UI."""
    return UiSession(app, "ada", "admin")
