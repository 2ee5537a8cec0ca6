"""Rate limits counted in the real Redis: one budget shared by every API process."""

from __future__ import annotations

import secrets

import redis

from service.api.ratelimit import RateLimiter


def test_api_processes_share_one_budget_in_redis(broker_url):
    # Two limiters on one Redis stand for two gunicorn workers behind one address.
    first, second = RateLimiter("3/minute", broker_url), RateLimiter("3/minute", broker_url)
    caller = f"key:ak_{secrets.token_hex(4)}"

    counts = [limiter.hit(caller) for limiter in (first, second, first, second)]

    assert [c.allowed for c in counts] == [True, True, True, False]
    assert [c.remaining for c in counts] == [2, 1, 0, 0]
    assert not first.counting_in_memory and not second.counting_in_memory
    # The window lives in Redis with its expiry: a restarted API process keeps the count.
    assert not RateLimiter("3/minute", broker_url).hit(caller).allowed
    stored = redis.Redis.from_url(broker_url)
    keys = [k for k in stored.scan_iter() if caller.encode() in k]
    assert len(keys) == 1 and 0 < stored.ttl(keys[0]) <= 60
    stored.close()
