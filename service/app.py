"""create_app: the Flask application with its database, stores, task queue and API."""

from __future__ import annotations

import atexit
import logging
import weakref
from collections.abc import Callable, Mapping
from dataclasses import fields, replace

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from . import api, ui
from .api.compat import close as close_compat
from .api.errors import ServiceUnavailable
from .config import Settings
from .logs import configure
from .queueing import celery_init_app
from .services import Services
from .store.db import Database

Enqueue = Callable[[str, str], None]
log = logging.getLogger(__name__)

# The apps built in this process that may hold engines, closed when the process ends: gunicorn
# ends a worker with sys.exit, which runs atexit; `audarma serve` closes its app itself before
# it stops its workers. Weak: an app dropped earlier (tests build hundreds) is not kept alive.
_OPEN_APPS: weakref.WeakSet[Flask] = weakref.WeakSet()


class _DocumentJSON(DefaultJSONProvider):
    """Keeps documents in the order they were built, and names readable in any script."""

    sort_keys = False
    ensure_ascii = False


def create_app(
    config: Settings | Mapping | None = None,
    *,
    enqueue: Enqueue | None = None,
    database: Database | None = None,
) -> Flask:
    """Build the app. `config`: Settings, a dict of Settings fields (tests), or None for the
    environment. `enqueue(job_id, queue)` hands a committed job to the workers."""
    settings, flask_config = _settings(config)
    app = Flask(__name__, static_folder=None)  # no files served: the API is JSON only
    app.config["MAX_CONTENT_LENGTH"] = api.body_limit(settings.max_article_bytes)
    app.config.update(flask_config)
    app.json = _DocumentJSON(app)
    db = database or Database(settings.database_url)
    app.extensions["audarma"] = Services.on(settings, db, enqueue or no_task_queue)
    api.init_app(app)
    ui.init_app(app)
    if not app.testing:
        configure()  # under gunicorn this is the only logging setup the API gets
    if enqueue is None:
        # Jobs go to the Celery workers named by settings.broker_url (Redis in production,
        # the embedded SQLite broker by default); this also provides /readyz's broker check.
        celery_init_app(app)
    _OPEN_APPS.add(app)
    return app


def close_app(app: Flask) -> None:
    """Close what the app started besides its database: the engines of the drop-in
    LibreTranslate and DeepL endpoints (Apertium pipelines are child processes). Safe to call
    more than once."""
    close_compat(app)


@atexit.register
def _close_open_apps() -> None:
    for app in list(_OPEN_APPS):
        try:
            close_app(app)
        except Exception:  # one app's failure must not leave the others' engines running
            log.exception("closing the app's engines failed")


def no_task_queue(job_id: str, queue: str) -> None:
    """The enqueue of an app built without workers: refuse clearly instead of losing the job."""
    raise ServiceUnavailable(
        f"no task queue is connected, so the {queue} job cannot run: start the API with "
        "`audarma serve` (embedded worker), or run Celery workers (`audarma worker`) and build "
        "the app with their enqueue function"
    )


def _settings(config: Settings | Mapping | None) -> tuple[Settings, dict]:
    """Settings plus Flask config: a dict's lowercase keys are Settings fields, UPPERCASE keys
    (TESTING, ...) go to Flask."""
    if isinstance(config, Settings):
        return config, {}
    config = dict(config or {})
    flask_config = {k: v for k, v in config.items() if k.isupper()}
    overrides = {k: v for k, v in config.items() if not k.isupper()}
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return replace(Settings.from_env(), **overrides), flask_config
