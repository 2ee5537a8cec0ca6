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
from ..store.repositories import ConcurrentWrite, Findings
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


# --------------------------------------------------------------------------- jobs

# A chunk stores what it has finished, and renews the leases of the jobs it has yet to run, at
# least this often (seconds, checked between jobs), so a worker killed mid-chunk loses little
# work, a batch's progress moves while a slow chunk runs, and no lease of a job still to come
# runs out: the gap between renewals is this plus one article's time, within the running lease,
# which Settings keeps above the task's hard time limit.
FLUSH_SECONDS = 1.0
TRANSIENT = "transient"  # an engine failure that may pass: the caller retries the job


@dataclass(frozen=True)
class JobOutcome:
    """What running a job did: DONE, FAILED, SKIPPED or TRANSIENT (with the error to retry
    after); for a done job with a callback URL, the queue its webhook goes to (the webhooks
    queue, served by workers of its own)."""

    status: str
    webhook_queue: str | None = None
    error: TransientJobError | None = None


class ChunkInterrupted(Exception):
    """One of run_jobs' `interrupts` (a task's time limit) stopped a chunk. What was finished
    is stored; `at_hand` was being localized, `untouched` were claimed and never started, and
    `outcomes` say how the others went."""

    def __init__(self, cause: BaseException, at_hand: str, untouched: list[str],
                 outcomes: dict[str, JobOutcome]):
        super().__init__(str(cause))
        self.cause, self.at_hand, self.untouched, self.outcomes = (
            cause, at_hand, untouched, outcomes)


def run_job(
    job_id: str, jobs: Jobs, glossary: Glossary, localizer_cache: LocalizerCache,
    candidates: Candidates, interrupts: tuple[type[BaseException], ...] = (),
) -> JobOutcome:
    """Localize one job and store its result; the outcome says DONE, FAILED or SKIPPED.

    Raises TransientJobError when an engine failed in a way that may pass: the caller retries
    (see retry_or_fail). Input the pipeline cannot use fails the job at once. `interrupts` pass
    through untouched (a task's time limit), for the caller to record.
    """
    try:
        outcome = run_jobs([job_id], jobs, glossary, localizer_cache, candidates, interrupts)
    except ChunkInterrupted as exc:
        raise exc.cause from None
    found = outcome[job_id]
    if found.error is not None:
        raise found.error
    return found


def run_jobs(
    job_ids: Sequence[str], jobs: Jobs, glossary: Glossary, localizer_cache: LocalizerCache,
    candidates: Candidates, interrupts: tuple[type[BaseException], ...] = (),
    before_each: Callable[[], object] | None = None,
) -> dict[str, JobOutcome]:
    """Localize jobs one after another and store their results; an outcome per job id.
    `before_each()` is called before each job is localized (a batch worker waits there while
    an editor's job is in flight).

    The store is asked in bulk, not per job: the jobs are claimed in one transaction, and what
    is finished is stored (results, done, candidates and mentions) in a few more at the end,
    and every FLUSH_SECONDS on the way. One job's trouble never holds the others: input the
    pipeline cannot use, or a bug, fails that job alone; a transient engine failure is that
    job's TRANSIENT outcome, for the caller to retry. An interrupt stores what is finished and
    raises ChunkInterrupted; the database being down (StoreUnavailable) is raised as is.
    """
    outcomes = {job_id: JobOutcome(SKIPPED) for job_id in job_ids}
    claimed = jobs.claim_many(job_ids)
    for job_id in outcomes.keys() - {job["id"] for job in claimed}:
        log.info("job %s: already finished or unknown, skipped", job_id)
    finished: list[tuple[dict, dict, float]] = []  # (job, document, when it started)
    flushed_at = time.monotonic()
    for position, job in enumerate(claimed):
        if before_each is not None:
            before_each()
        started = time.monotonic()
        try:
            outcome, document = _run_one(job, jobs, glossary, localizer_cache, interrupts)
        except interrupts as exc:
            outcomes.update(_store_finished(finished, jobs, candidates))
            raise ChunkInterrupted(exc, job["id"], [j["id"] for j in claimed[position + 1:]],
                                   outcomes) from exc
        outcomes[job["id"]] = outcome
        if document is not None:
            finished.append((job, document, started))
        if time.monotonic() - flushed_at >= FLUSH_SECONDS and position + 1 < len(claimed):
            # A slow chunk (machine translation): store what is done, and renew the leases of
            # the jobs still to come, which were all taken at the start.
            outcomes.update(_store_finished(finished, jobs, candidates))
            jobs.renew([j["id"] for j in claimed[position + 1:]])
            finished, flushed_at = [], time.monotonic()
    outcomes.update(_store_finished(finished, jobs, candidates))
    return outcomes


def _run_one(
    job: dict, jobs: Jobs, glossary: Glossary, localizer_cache: LocalizerCache,
    interrupts: tuple[type[BaseException], ...],
) -> tuple[JobOutcome, dict | None]:
    """Localize one claimed job: its outcome, and its document when there is one to store."""
    job_id = job["id"]
    log.info("job %s: running (%d targets)", job_id, len(job["targets"]))
    try:
        document = _localize(job, localizer_cache.current(glossary))
    except (LocalizeError, GlossaryError) as exc:
        jobs.fail(job_id, str(exc))
        log.warning("job %s: failed: %s", job_id, str(exc)[:200])
        return JobOutcome(FAILED), None
    except TransientJobError as exc:
        return JobOutcome(TRANSIENT, error=exc), None  # worth another try: the caller decides
    except StoreUnavailable:
        raise
    except interrupts:
        raise  # the caller's own (a time limit): it records the job's end itself
    except Exception as exc:
        # A bug must not leave the job "running" for a client to poll forever, nor stop the
        # other jobs of its chunk.
        jobs.fail(job_id, f"internal error: {type(exc).__name__}: {exc}")
        log.exception("job %s: failed with an internal error", job_id)
        return JobOutcome(FAILED), None
    return JobOutcome(DONE, Queue.WEBHOOKS if job.get("callback_url") else None), document


def _store_finished(
    finished: list[tuple[dict, dict, float]], jobs: Jobs, candidates: Candidates
) -> dict[str, JobOutcome]:
    """Store finished jobs' documents and mark them done in one transaction, then record what
    they found for the maintainers. Returns the outcomes that changed: a job whose results a
    second delivery was writing at the same moment is TRANSIENT (its next try finds it done)."""
    if not finished:
        return {}
    documents = drop_rejected_all([document for _, document, _ in finished], candidates)
    stored = [(job, document) for (job, _, _), document in zip(finished, documents, strict=True)]
    changed: dict[str, JobOutcome] = {}
    try:
        jobs.complete_many([(job["id"], document) for job, document in stored])
    except ConcurrentWrite:
        # One by one, so only the job that was written twice is tried again.
        kept = []
        for job, document in stored:
            try:
                jobs.complete_many([(job["id"], document)])
                kept.append((job, document))
            except ConcurrentWrite as exc:
                changed[job["id"]] = JobOutcome(TRANSIENT, error=TransientJobError(str(exc)))
        stored = kept
    at = time.monotonic()
    started = {job["id"]: began for job, _, began in finished}
    for job, _ in stored:
        log.info("job %s: done in %.0f ms", job["id"], (at - started[job["id"]]) * 1000)
    _record_findings(candidates, stored)
    return changed


def drop_rejected(document: dict, candidates: Candidates) -> dict:
    """The document without the suggestions a maintainer rejected (see drop_rejected_all)."""
    return drop_rejected_all([document], candidates)[0]


def drop_rejected_all(documents: Sequence[dict], candidates: Candidates) -> list[dict]:
    """The documents without the suggestions a maintainer rejected: a spelling ruled "not a
    misspelling" in this language is not put to editors again. Only suggestions go; nothing
    applied is touched. Asks the store once per source language, and only when there is a
    suggestion to ask about."""
    asked: dict[str, set[str]] = {}
    for document in documents:
        for change in document["normalized"]["changes"]:
            if change.get("kind") == "fuzzy" and not change["applied"]:
                asked.setdefault(document["source_language"], set()).add(change["original"])
    rejected = {language: candidates.rejected(language, spellings)
                for language, spellings in asked.items()}
    return [_without(document, rejected.get(document["source_language"]) or set())
            for document in documents]


def _without(document: dict, rejected: set[str]) -> dict:
    changes = document["normalized"]["changes"]
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


def _record_findings(candidates: Candidates, stored: list[tuple[dict, dict]]) -> None:
    """Unknown spellings (fuzzy suggestions) go to the maintainers' candidate list, and the
    entities each job linked to its entries' recent articles.

    Recorded after the jobs are done, so a crash before this point cannot count them twice; a
    failure here costs a hint, not the editors' results.
    """
    findings = [Findings(job["id"], document["source_language"], offsets_text(job, document),
                         document["normalized"]["changes"], linked_entities(document))
                for job, document in stored]
    try:
        candidates.record_many(findings)
    except Exception:
        log.exception("jobs %s: could not record glossary candidates",
                      ", ".join(f.job_id for f in findings[:3]))


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
