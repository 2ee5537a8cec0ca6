"""One request budget per caller across every limited endpoint, counted in a fixed window.

The counter lives in this process's memory by default (a dict under a lock: the `limits`
library's MemoryStorage restarts a timer thread to expire keys, which cost more than the rest
of a request's bookkeeping), or in Redis through `limits` (`AUDARMA_RATE_LIMIT_STORAGE=
redis://...`) when several API processes must share one budget: one increment and one expiry
read a request. The answer carries X-RateLimit-Limit/-Remaining/-Reset, and a refused request
is a 429 with Retry-After.

When the shared store fails or hangs, the count goes on in this process's memory and the store
is tried again after `RETRY_STORE_SECONDS`: budgets are per process while it is down, which is
looser, but an outage is not the time to turn editors away (or to make each of them wait out a
store's timeout).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string

from ..config import SettingsError

log = logging.getLogger(__name__)

RETRY_STORE_SECONDS = 5.0
# Past this many callers in memory, windows that have ended are dropped (the bound then grows
# with the callers that are still inside their window).
PRUNE_AT = 4096


class Count(NamedTuple):
    """Where a caller stands after one request."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # seconds since the epoch when the window starts again

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.reset_at - now))


class MemoryWindows:
    """Fixed windows counted in this process: a window starts at its key's first request."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window end, requests)
        self._lock = threading.Lock()
        self._prune_at = PRUNE_AT

    def __len__(self) -> int:
        return len(self._windows)

    def incr(self, key: str, seconds: int) -> tuple[int, float]:
        """Count one request; (requests in the window so far, when the window ends)."""
        now = self._clock()
        with self._lock:
            ends, used = self._windows.get(key, (0.0, 0))
            if now >= ends:
                ends, used = now + seconds, 0
            used += 1
            self._windows[key] = (ends, used)
            if len(self._windows) > self._prune_at:
                self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
                self._prune_at = max(PRUNE_AT, 2 * len(self._windows))
        return used, ends


def _store_options(uri: str) -> dict:
    if not uri.startswith(("redis://", "rediss://")):
        return {}
    # A hung Redis must cost a request a second at most, not the client library's default wait.
    return {"socket_timeout": 1, "socket_connect_timeout": 1}


class RateLimiter:
    """Counts requests per key against one rate such as "120/minute"."""

    def __init__(self, rate: str, storage_uri: str = "memory://",
                 clock: Callable[[], float] = time.monotonic):
        try:
            self.rate: RateLimitItem = parse(rate)
        except ValueError:
            raise SettingsError(
                f"AUDARMA_RATE_LIMIT={rate!r} is not a rate; write it like 120/minute"
            ) from None
        try:
            store = storage_from_string(storage_uri, **_store_options(storage_uri))
        except Exception as exc:  # an unknown scheme, or a driver that is not installed
            raise SettingsError(f"AUDARMA_RATE_LIMIT_STORAGE={storage_uri!r}: {exc}") from None
        if not isinstance(store, Storage):  # an async+... scheme: Flask views are synchronous
            raise SettingsError(f"AUDARMA_RATE_LIMIT_STORAGE={storage_uri!r}: use memory:// "
                                "or redis://, not an asynchronous store")
        self._store = store
        self._shared = not isinstance(store, MemoryStorage)
        self._memory = MemoryWindows()
        self._clock = clock
        self._store_down_until = 0.0

    @property
    def counting_in_memory(self) -> bool:
        """True while a failed shared store is being stood in for."""
        return self._store_down_until > self._clock()

    def hit(self, key: str) -> Count:
        """Count one request for `key` and say whether it is within the budget."""
        rate = self.rate
        if self._shared and not self.counting_in_memory:
            try:
                return self._count_shared(key)
            except Exception as exc:  # refused, hung (socket timeout), or out of memory
                log.warning("rate-limit store failed (%s: %s); counting in this process's "
                            "memory for %gs", type(exc).__name__, exc, RETRY_STORE_SECONDS)
                self._store_down_until = self._clock() + RETRY_STORE_SECONDS
        used, ends = self._memory.incr(key, rate.get_expiry())
        return Count(used <= rate.amount, rate.amount, max(0, rate.amount - used), ends)

    def _count_shared(self, key: str) -> Count:
        rate = self.rate
        window_key = rate.key_for(key)
        used = self._store.incr(window_key, rate.get_expiry())
        return Count(used <= rate.amount, rate.amount, max(0, rate.amount - used),
                     self._store.get_expiry(window_key))
