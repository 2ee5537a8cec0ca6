"""The rate limiter on its own (service/api/ratelimit.py), and as the API applies it."""

from __future__ import annotations

import logging
import time

import pytest

from service.api import ratelimit
from service.api.ratelimit import MemoryWindows, RateLimiter
from service.config import SettingsError
from tests.support.servers import free_port


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_window_counts_one_key_and_starts_again_when_it_ends():
    clock = Clock()
    windows = MemoryWindows(clock)

    assert windows.incr("a", 60) == (1, clock.now + 60)
    clock.now += 59.9
    assert windows.incr("a", 60) == (2, clock.now - 59.9 + 60)
    assert windows.incr("b", 60)[0] == 1  # another caller has a budget of its own
    clock.now += 0.1  # the window of "a" has ended
    assert windows.incr("a", 60) == (1, clock.now + 60)


def test_ended_windows_are_dropped_once_many_callers_were_seen(monkeypatch):
    monkeypatch.setattr(ratelimit, "PRUNE_AT", 10)
    clock = Clock()
    windows = MemoryWindows(clock)
    for number in range(10):
        windows.incr(f"old{number}", 60)
    clock.now += 61
    windows.incr("new", 60)  # the 11th key: the ten ended windows go
    assert len(windows) == 1
    clock.now += 1
    for number in range(10):  # windows that are still running are all kept
        windows.incr(f"live{number}", 60)
    assert len(windows) == 11


def test_the_budget_is_the_rate_and_a_refusal_says_when_to_come_back():
    limiter = RateLimiter("2/minute")
    now = time.time()

    counts = [limiter.hit("key:ak_1") for _ in range(3)]

    assert [c.allowed for c in counts] == [True, True, False]
    assert [c.remaining for c in counts] == [1, 0, 0]
    assert {c.limit for c in counts} == {2}
    assert now + 59 <= counts[-1].reset_at <= now + 61
    assert 59 <= counts[-1].retry_after(now) <= 61
    assert counts[-1].retry_after(counts[-1].reset_at + 5) == 1  # never 0: "retry now" loops
    assert limiter.hit("key:ak_2").allowed


@pytest.mark.parametrize("rate", ["banana", "", "120 per fortnight", "-5/minute"])
def test_a_rate_that_is_not_one_is_a_settings_error(rate):
    with pytest.raises(SettingsError, match="AUDARMA_RATE_LIMIT=.*write it like 120/minute"):
        RateLimiter(rate)


@pytest.mark.parametrize("uri", ["mongodb-x://127.0.0.1", "nonsense", "async+memory://"])
def test_a_store_it_cannot_use_is_a_settings_error(uri):
    with pytest.raises(SettingsError, match="AUDARMA_RATE_LIMIT_STORAGE="):
        RateLimiter("5/minute", uri)


def test_a_redis_that_refuses_connections_is_stood_in_for_by_memory(caplog):
    clock = Clock()
    # Nothing listens on this port: each connection is refused at once.
    limiter = RateLimiter("2/minute", f"redis://127.0.0.1:{free_port()}/0", clock=clock)

    with caplog.at_level(logging.WARNING, logger="service.api.ratelimit"):
        counts = [limiter.hit("key:ak_1") for _ in range(3)]

    assert [c.allowed for c in counts] == [True, True, False]  # still limited, in memory
    assert limiter.counting_in_memory
    # One warning: the store is not tried (and waited for) again on every request.
    assert len([r for r in caplog.records if "rate-limit store failed" in r.message]) == 1
    clock.now += ratelimit.RETRY_STORE_SECONDS + 0.1
    assert not limiter.counting_in_memory
    with caplog.at_level(logging.WARNING, logger="service.api.ratelimit"):
        assert not limiter.hit("key:ak_1").allowed  # tried again, failed again, memory counts
    assert len([r for r in caplog.records if "rate-limit store failed" in r.message]) == 2
    assert limiter.counting_in_memory


def test_answers_carry_the_budget_and_probes_and_unknown_paths_are_not_counted(make_app):
    app = make_app(rate_limit="3/minute")
    client = app.test_client()
    key = app.extensions["audarma"].keys.create("editor")[0]
    headers = {"Authorization": f"Bearer {key}"}

    for _ in range(5):
        assert client.get("/v1/no-such-thing", headers=headers).status_code == 404
        assert client.get("/healthz", headers=headers).status_code == 200
    first = client.get("/v1/locales", headers=headers)
    second = client.get("/v1/engines", headers=headers)

    assert first.status_code == second.status_code == 200
    assert first.headers["X-RateLimit-Limit"] == "3"
    assert (first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]) \
        == ("2", "1")
    assert 0 < int(first.headers["X-RateLimit-Reset"]) - time.time() <= 61
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers


def test_requests_without_a_key_share_their_address_budget(make_app):
    app = make_app(rate_limit="2/minute")
    client = app.test_client()

    statuses = [client.get("/v1/locales").status_code for _ in range(3)]
    other_address = client.get("/v1/locales", environ_base={"REMOTE_ADDR": "192.0.2.7"})

    assert statuses == [401, 401, 429]  # a key guesser is throttled too
    assert other_address.status_code == 401
