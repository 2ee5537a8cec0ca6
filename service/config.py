"""One Settings object, read from AUDARMA_* environment variables in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .netguard import allow_networks

PREFIX = "AUDARMA_"
KNOWN_ENGINES = ("apertium", "argos", "libretranslate", "deepl")


class SettingsError(ValueError):
    """An environment variable with a value audarma cannot use."""


@dataclass(frozen=True)
class Settings:
    # Translation engines, in order of preference for a pair both serve.
    engines: tuple[str, ...] = ("apertium", "argos", "libretranslate", "deepl")
    apertium_modes_dir: str = "/usr/share/apertium/modes"
    apertium_pool_size: int = 1  # per worker process, which runs one task at a time
    apertium_timeout: float = 10.0
    argos_packages_dir: str = ""  # empty: Argos's own folder (ARGOS_PACKAGES_DIR, XDG data)
    # The package index `audarma engines install argos` reads: argospm's, the one Argos uses.
    argos_index_url: str = (
        "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
    )
    libretranslate_url: str = ""  # e.g. http://127.0.0.1:5000; empty: engine off
    libretranslate_api_key: str = ""
    deepl_url: str = "https://api-free.deepl.com"
    deepl_auth_key: str = ""  # empty: engine off
    http_timeout: float = 10.0
    http_retries: int = 3
    glossary_path: str = ""  # empty: the shipped glossaries/ (seeds an empty database)
    # A desk's own house styles, laid key by key over the shipped glossaries/styles/.
    styles_path: str = ""

    # Service (issue 4)
    database_url: str = "sqlite:///audarma.sqlite3"  # in the working directory
    broker_url: str = "sqla+sqlite:///audarma-broker.sqlite3"  # embedded; production: redis://
    max_article_bytes: int = 256 * 1024
    max_targets: int = 20
    max_batch_bytes: int = 32 * 1024 * 1024  # one POST /v1/batches body; larger archives: split
    rate_limit: str = "120/minute"  # per API key
    rate_limit_storage: str = "memory://"  # production: redis://...
    glossary_refresh_seconds: float = 2.0  # how stale a worker's glossary may get
    # Between two articles, a batch worker waits at most this long while an editor's job is
    # in flight (service/foreground.py; needs the Redis broker). 0: batches never wait.
    batch_yield_seconds: float = 0.2
    webhook_max_attempts: int = 5
    webhook_timeout: float = 5.0  # seconds for one delivery attempt
    # Networks a callback URL may reach although they are not public (service/netguard.py),
    # e.g. "127.0.0.0/8,::1/128" for a receiver on this machine; empty: public addresses only.
    webhook_allow_networks: tuple[str, ...] = ()
    # Verified API keys are kept in each process's memory; a revocation (in the UI or by
    # `audarma keys revoke`) bumps a counter that each process reads at most this often, so a
    # revoked key stops in every process within this many seconds, and at once in the one that
    # revoked it. 0: nothing is cached, every request reads its key from the database.
    key_cache_seconds: float = 1.0
    # The maintainers' UI: the key that signs session cookies (empty: one made once and kept
    # in the database, shared by every process), sign-in lockout, cookies marked Secure.
    secret_key: str = ""
    ui_max_failed_logins: int = 5
    ui_lockout_seconds: float = 900.0
    ui_secure_cookies: bool = False  # also on whenever a request arrives over HTTPS
    # A message taken by a worker that dies (SIGKILL) comes back after this many seconds; it
    # must exceed the longest job including its retry waits.
    broker_visibility_timeout: float = 3600.0
    task_max_retries: int = 3
    # Per job, in the worker: at the soft limit (seconds) the job fails with a clear error and
    # is not retried; at the hard limit the pool process is killed. A pool process that has
    # grown past worker_max_memory_per_child (KiB) is replaced after its current job.
    # A 256 KB article (the size limit) into three languages takes about a minute on a quiet
    # core and two under load (bench/pathological.py), so the soft limit leaves room for it.
    task_soft_time_limit: float = 300.0
    task_time_limit: float = 330.0
    worker_max_memory_per_child: int = 1_000_000
    # Leases (issue 10): a running job not finished within job_lease_seconds (more than the
    # worker's hard time limit), or a queued one not started within queued_lease_seconds while
    # its queue is empty, is taken back by the sweeper and queued again, at most job_max_sweeps
    # times; then it fails. The sweeper runs every sweep_interval_seconds (Celery beat, or a
    # thread in `audarma serve`).
    job_lease_seconds: float = 420.0
    queued_lease_seconds: float = 900.0
    job_max_sweeps: int = 3
    sweep_interval_seconds: float = 30.0
    # `audarma serve`: the API wakes the embedded worker after each enqueue (off: the worker
    # finds jobs by its 0.1 s poll alone, the behaviour before; kept to measure against).
    embedded_wake: bool = True

    # The desk's policy for names that are not plain misspellings (issue 7): former names
    # ("suggest" or "apply" today's name outside historical contexts), exonyms ("suggest"/"off").
    former_names: str = "suggest"
    exonyms: str = "suggest"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings with every AUDARMA_<FIELD> variable applied; bad values name the variable."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}  # each value converted to its own field's type
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _convert(f.name, raw, f.type)
        settings = cls(**values)
        for name, allowed in (("former_names", ("suggest", "apply")),
                              ("exonyms", ("suggest", "off"))):
            value = getattr(settings, name)
            if value not in allowed:
                raise SettingsError(
                    f"{PREFIX}{name.upper()}={value!r}: use one of {', '.join(allowed)}"
                )
        if not 0 < settings.task_soft_time_limit < settings.task_time_limit:
            raise SettingsError(
                f"{PREFIX}TASK_SOFT_TIME_LIMIT={settings.task_soft_time_limit:g} must be above 0 "
                f"and below {PREFIX}TASK_TIME_LIMIT={settings.task_time_limit:g}"
            )
        if settings.job_lease_seconds <= settings.task_time_limit:
            # A lease shorter than a job may run would take back jobs still being worked on.
            raise SettingsError(
                f"{PREFIX}JOB_LEASE_SECONDS={settings.job_lease_seconds:g} must be above "
                f"{PREFIX}TASK_TIME_LIMIT={settings.task_time_limit:g}"
            )
        if settings.batch_yield_seconds < 0:
            raise SettingsError(f"{PREFIX}BATCH_YIELD_SECONDS must be 0 (off) or more")
        if settings.worker_max_memory_per_child < 1:
            raise SettingsError(f"{PREFIX}WORKER_MAX_MEMORY_PER_CHILD must be a positive KiB count")
        unknown = [e for e in settings.engines if e not in KNOWN_ENGINES]
        if unknown:
            known = ", ".join(KNOWN_ENGINES)
            raise SettingsError(f"{PREFIX}ENGINES names unknown engines {unknown}; known: {known}")
        try:
            allow_networks(settings.webhook_allow_networks)
        except ValueError as exc:
            raise SettingsError(f"{PREFIX}WEBHOOK_ALLOW_NETWORKS: {exc}") from None
        return settings


def _convert(name: str, raw: str, kind: object) -> object:
    variable = PREFIX + name.upper()
    kind = str(kind)
    try:
        if kind.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return _boolean(raw)
    except ValueError as exc:
        raise SettingsError(f"{variable}={raw!r} is not a valid {kind}") from exc
    return raw


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)
