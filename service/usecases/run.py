"""Running one localization job: the rules a worker follows, free of Celery.

A task hands `run_job` a job id and its dependencies (stores, a LocalizerCache); `run_job`
claims the job, localizes it with the live glossary, stores the result and reports how it went.
It is safe to run twice for one job: a finished job is skipped, and results are written per
(job, locale), so a redelivered message changes nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..core.figures import HouseStyles
from ..core.glossary import GlossaryError
from ..core.matching import NamePolicy
from ..core.nameindex import NameIndex
from ..core.ninjs import localize_item
from ..core.pipeline import LocalizeError, Localizer
from ..core.translate import EngineError, EngineRouter, Translator
from ..domain import JobStatus, Queue
from ..store.db import StoreUnavailable
from ..store.repositories import ConcurrentWrite
from .ports import Candidates, Glossary, Jobs

log = logging.getLogger(__name__)

DONE, FAILED, SKIPPED = JobStatus.DONE, JobStatus.FAILED, "skipped"
NINJS = "ninjs"  # a job's fmt when its text is an IPTC ninjs item as JSON


class TransientJobError(Exception):
    """The job failed for a reason that may pass (an engine timed out or answered 503)."""


@dataclass(frozen=True)
class Backoff:
    """Exponential waits between attempts: first, first*factor, first*factor**2, ... <= cap."""

    first: float
    factor: float = 2.0
    cap: float = 3600.0

    def delay(self, failed_attempts: int) -> float:
        """Seconds to wait after `failed_attempts` (1 or more) failures in a row."""
        return min(self.cap, self.first * self.factor ** max(0, failed_attempts - 1))


# An engine that answered 503 is usually back within seconds; a receiver of webhooks may be
# down for a deploy, so its schedule stretches to minutes (5 attempts: 5 s, 20 s, 80 s, 320 s).
TASK_BACKOFF = Backoff(first=1.0, factor=2.0, cap=60.0)
WEBHOOK_BACKOFF = Backoff(first=5.0, factor=4.0, cap=3600.0)


# --------------------------------------------------------------------------- the glossary


class LocalizerCache:
    """A worker's compiled glossary, rebuilt when the live glossary's revision moves.

    The revision is read at most once every `refresh_seconds`: a maintainer's edit reaches every
    worker within that time without a restart, and a busy worker does not query it per job.
    Engines and house styles are built once per worker process and kept across rebuilds.
    """

    def __init__(
        self,
        engines: EngineRouter,
        styles: HouseStyles,
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        policy: NamePolicy | None = None,
    ):
        self.engines = engines
        self._policy = policy or NamePolicy()
        self._styles = styles
        self._refresh = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()  # thread pools share one cache
        self._localizer: Localizer | None = None
        self._revision: int | None = None
        self._checked_at = 0.0

    def current(self, glossary: Glossary) -> Localizer:
        """The Localizer for the glossary store's current revision (at most refresh_seconds old)."""
        with self._lock:
            now = self._clock()
            if self._localizer is not None and now - self._checked_at < self._refresh:
                return self._localizer
            revision = glossary.revision()
            self._checked_at = now
            if self._localizer is None or revision != self._revision:
                # Entries are read after the revision: an edit in between makes the next check
                # see a newer revision and rebuild again, never keep a stale index.
                index = NameIndex.build(glossary.entries())
                index.lexicon.warm()  # word lists and places: read once, not on the first job
                self._localizer = Localizer(index, self._styles, self.engines, self._policy)
                self._revision = revision
                log.info(
                    "glossary revision %s: name index rebuilt (%d names)", revision, len(index)
                )
            return self._localizer

    def close(self) -> None:
        self.engines.close()


# --------------------------------------------------------------------------- one job


@dataclass(frozen=True)
class JobOutcome:
    """What run_job did: DONE, FAILED or SKIPPED, and for a done job with a callback URL the
    queue its webhook goes to (the webhooks queue, served by workers of its own)."""

    status: str
    webhook_queue: str | None = None


def run_job(
    job_id: str, jobs: Jobs, glossary: Glossary, localizer_cache: LocalizerCache,
    candidates: Candidates, interrupts: tuple[type[BaseException], ...] = (),
) -> JobOutcome:
    """Localize one job and store its result; the outcome says DONE, FAILED or SKIPPED.

    Raises TransientJobError when an engine failed in a way that may pass: the caller retries
    (see retry_or_fail). Input the pipeline cannot use fails the job at once. `interrupts` pass
    through untouched (a task's time limit), for the caller to record.
    """
    job = jobs.claim(job_id)
    if job is None:
        log.info("job %s: already finished or unknown, skipped", job_id)
        return JobOutcome(SKIPPED)  # unknown id, or a redelivery of a finished job
    log.info("job %s: running (%d targets)", job_id, len(job["targets"]))
    started = time.monotonic()
    try:
        document = drop_rejected(_localize(job, localizer_cache.current(glossary)), candidates)
    except (LocalizeError, GlossaryError) as exc:
        jobs.fail(job_id, str(exc))
        log.warning("job %s: failed: %s", job_id, str(exc)[:200])
        return JobOutcome(FAILED)
    except (TransientJobError, StoreUnavailable):
        raise  # worth another try: the caller decides when
    except interrupts:
        raise  # the caller's own (a time limit): it records the job's end itself
    except Exception as exc:
        # A bug must not leave the job "running" for a client to poll forever.
        jobs.fail(job_id, f"internal error: {type(exc).__name__}: {exc}")
        log.exception("job %s: failed with an internal error", job_id)
        raise
    _complete(jobs, job_id, document)
    log.info("job %s: done in %.0f ms", job_id, (time.monotonic() - started) * 1000)
    _record_candidates(candidates, job_id, offsets_text(job, document), document)
    return JobOutcome(DONE, Queue.WEBHOOKS if job.get("callback_url") else None)


def drop_rejected(document: dict, candidates: Candidates) -> dict:
    """The document without the suggestions a maintainer rejected: a spelling ruled "not a
    misspelling" in this language is not put to editors again. Only suggestions go; nothing
    applied is touched. Asks the store only when there is a suggestion to ask about."""
    changes = document["normalized"]["changes"]
    asked = {c["original"] for c in changes if c.get("kind") == "fuzzy" and not c["applied"]}
    if not asked:
        return document
    rejected = candidates.rejected(document["source_language"], asked)
    if not rejected:
        return document
    kept = [c for c in changes
            if c["applied"] or c.get("kind") != "fuzzy" or c["original"] not in rejected]
    return {**document, "normalized": {**document["normalized"], "changes": kept}}


def _localize(job: dict, localizer: Localizer) -> dict:
    watched = _TransientWatch(localizer.engines)
    watching = replace(localizer, engines=watched.router)
    if job["fmt"] == NINJS:
        # Stored as the JSON text the API checked; localize_item composes its fields into one
        # HTML document (see service.core.ninjs for why).
        document = localize_item(watching, json.loads(job["text"]), job["targets"],
                                 job["source_language"], job["engine"])
    else:
        document = watching.localize(
            job["text"], job["targets"], job["source_language"], job["engine"], job["fmt"]
        )
    watched.raise_if_failed()
    return document


def offsets_text(job: dict, document: dict) -> str:
    """The text a document's offsets point into: the article, or a ninjs item's composed
    fields (the job stores the item's JSON, which no offset refers to)."""
    return document["normalized"]["ninjs"]["composed"] if job["fmt"] == NINJS else job["text"]


def _complete(jobs: Jobs, job_id: str, document: dict) -> None:
    try:
        jobs.complete(job_id, document)
    except ConcurrentWrite as exc:
        # Two deliveries of one job inserted the same (job, locale) row at once; the next try
        # finds the job done (or overwrites the row) instead.
        raise TransientJobError(str(exc)) from exc


def _record_candidates(candidates: Candidates, job_id: str, text: str, document: dict) -> None:
    """Unknown spellings (fuzzy suggestions) go to the maintainers' candidate list.

    Recorded after the job is done, so a crash before this point cannot count them twice; a
    failure here costs a hint, not the editor's result.
    """
    try:
        candidates.record(
            job_id, document["source_language"], text, document["normalized"]["changes"]
        )
        candidates.record_mentions(job_id, linked_entities(document))
    except Exception:
        log.exception("job %s: could not record glossary candidates", job_id)


def linked_entities(document: dict) -> list[str]:
    """The glossary entities a result names or changes, in order of first appearance."""
    found = [c["entity"] for c in document["normalized"]["changes"] if c.get("entity")]
    for version in document.get("versions", {}).values():
        found += [n["entity"] for n in version.get("names", ()) if n.get("entity")]
    return list(dict.fromkeys(found))


def retry_or_fail(
    jobs: Jobs,
    job_id: str,
    error: Exception,
    failed_attempts: int,
    max_retries: int,
    backoff: Backoff = TASK_BACKOFF,
) -> float | None:
    """After a transient failure: seconds until the next try, recorded as a retry event; or
    None when `max_retries` retries are spent, and the job is failed with the last error."""
    if failed_attempts > max_retries:
        tries = "try" if failed_attempts == 1 else "tries"
        jobs.fail(job_id, f"gave up after {failed_attempts} {tries}: {error}")
        log.warning("job %s: failed after %d %s: %s", job_id, failed_attempts, tries,
                    str(error)[:200])
        return None
    delay = backoff.delay(failed_attempts)
    jobs.note_retry(job_id, f"attempt {failed_attempts} failed ({error}); next in {delay:g}s")
    log.warning("job %s: attempt %d failed (%s); retry in %g s", job_id, failed_attempts,
                str(error)[:200], delay)
    return delay


# --------------------------------------------------------------------------- engines


class _TransientWatch:
    """Engines that note transient errors before the pipeline turns them into warnings.

    The pipeline keeps going when an engine fails (the version gets `text: null` and a warning),
    which is right for a permanent failure; a timeout or a 503 deserves another try instead.
    """

    def __init__(self, router: EngineRouter):
        self.errors: list[EngineError] = []
        self.router = EngineRouter([_Watched(engine, self.errors) for engine in router.engines])

    def raise_if_failed(self) -> None:
        if self.errors:
            raise TransientJobError(str(self.errors[0]))


class _Watched:
    """One engine, unchanged except that its transient errors are noted."""

    def __init__(self, engine: Translator, errors: list[EngineError]):
        self._engine = engine
        self._errors = errors

    def translate(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        try:
            return self._engine.translate(segments, source, target)
        except EngineError as exc:
            if exc.transient:
                self._errors.append(exc)
            raise

    def __getattr__(self, name: str):
        # name, pairs, info, close and optional extras such as DeepL's set_glossary
        return getattr(self._engine, name)
