"""Editors first: batch workers pause between articles while an editor's job is in flight.

Batch workers already run at SCHED_IDLE (`audarma worker --priority idle`), so an editor's job
gets a CPU the moment it wakes. That is not enough on a small machine: a batch worker that
keeps running still shares the caches and the memory bus, and keeps PostgreSQL (at normal
priority) busy with its writes. On a 2-core machine an interactive job during a 10,000-article
batch took 2.4-2.7x its idle time with SCHED_IDLE alone (docs/benchmarks.md).

So the API marks an interactive job when it queues it: a member of a sorted set in the broker's
Redis, scored with the time the mark lapses (MARK_SECONDS later, so a worker that dies does not
hold batches back for long). The worker that runs the job removes the mark when the job is
stored. Between articles, a batch worker looks at the set (at most every CHECK_SECONDS) and,
while a live mark is there, waits: at most `batch_yield_seconds` per article, so a steady
stream of editors' jobs slows an archive down but never stops it.

Marks need the Redis broker. With the embedded SQLite broker (`audarma serve`, one machine,
one worker process for both queues) nothing is marked and nothing waits. A Redis that fails
makes this do nothing for RETRY_SECONDS at a time (a warning, once a minute): an outage is no
reason to stop batches, nor to make each article wait out a hung Redis's timeout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)

KEY = "audarma:interactive-in-flight"
# A mark lapses this long after its job was queued, whether or not the job is done: an editor's
# job that runs longer (a long article through machine translation) shares the machine again.
MARK_SECONDS = 5.0
# A stored job keeps its mark this much longer: the editor's next status poll and the fetch of
# the result find a quiet machine too.
LINGER_SECONDS = 0.05
CHECK_SECONDS = 0.01  # between two looks at the marks, while none was live
POLL_SECONDS = 0.005  # between two looks while waiting
WARN_EVERY_SECONDS = 60.0
RETRY_SECONDS = 5.0  # after a Redis error, how long marks are neither made nor looked at


class Foreground:
    """Interactive jobs in flight, as the API and the workers share them through Redis."""

    def __init__(self, client: redis.Redis | None, max_pause: float = 0.2,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep):
        self._redis = client
        self.max_pause = max_pause
        self._clock = clock
        self._sleep = sleep
        self._checked_at = float("-inf")
        self._warned_at = float("-inf")
        self._down_until = float("-inf")  # time.monotonic() until Redis is tried again

    @classmethod
    def for_broker(cls, broker_url: str, max_pause: float) -> Foreground:
        """Marks in the broker's Redis; with any other broker, or max_pause 0, none."""
        if max_pause <= 0 or not broker_url.startswith(("redis://", "rediss://")):
            return cls(None)
        # A hung Redis costs a submission or an article a second at most.
        client = redis.Redis.from_url(broker_url, socket_timeout=1, socket_connect_timeout=1)
        return cls(client, max_pause)

    @property
    def enabled(self) -> bool:
        return self._redis is not None

    def _usable(self) -> redis.Redis | None:
        if self._redis is None or time.monotonic() < self._down_until:
            return None
        return self._redis

    def mark(self, job_id: str) -> None:
        """An editor's job is queued: batches hold back until it is done (or the mark lapses)."""
        client = self._usable()
        if client is None:
            return
        now = self._clock()
        try:
            with client.pipeline(transaction=False) as pipe:
                pipe.zadd(KEY, {job_id: now + MARK_SECONDS})
                pipe.zremrangebyscore(KEY, "-inf", now)  # lapsed marks of dead workers
                pipe.execute()
        except redis.RedisError as exc:
            self._warn("mark", exc)

    def unmark(self, job_id: str) -> None:
        """The job is stored (or failed): batches wait for it LINGER_SECONDS more at most."""
        client = self._usable()
        if client is None:
            return
        try:
            # XX: only a job that was marked (an interactive one) gets the short lapse.
            client.zadd(KEY, {job_id: self._clock() + LINGER_SECONDS}, xx=True)
        except redis.RedisError as exc:
            self._warn("unmark", exc)

    def busy(self) -> bool:
        """Whether an editor's job is in flight now (False when that cannot be known)."""
        client = self._usable()
        if client is None:
            return False
        try:
            return bool(client.zcount(KEY, f"({self._clock()}", "+inf"))
        except redis.RedisError as exc:
            self._warn("look at", exc)
            return False

    def wait_while_busy(self) -> float:
        """Between two batch articles: wait while an editor's job is in flight, for at most
        max_pause seconds. Returns the seconds waited."""
        if self._redis is None:
            return 0.0
        started = self._clock()
        if started - self._checked_at < CHECK_SECONDS:
            return 0.0
        waited = 0.0
        while self.busy() and waited < self.max_pause:
            self._sleep(POLL_SECONDS)
            waited = self._clock() - started
        self._checked_at = self._clock()
        return waited

    def _warn(self, doing: str, exc: Exception) -> None:
        now = time.monotonic()
        self._down_until = now + RETRY_SECONDS
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("could not %s the interactive jobs in flight in Redis (%s: %s); "
                        "batches do not hold back for editors meanwhile", doing,
                        type(exc).__name__, exc)

    def close(self) -> None:
        if self._redis is not None:
            self._redis.close()
