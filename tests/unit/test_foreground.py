"""service/foreground.py without a Redis: the embedded broker, and a Redis that is down."""

from __future__ import annotations

import logging

import pytest

from service.foreground import Foreground
from tests.support.servers import free_port


@pytest.mark.parametrize(("broker", "pause"), [
    ("sqla+sqlite:///audarma-broker.sqlite3", 0.2),  # audarma serve: one machine, no marks
    ("redis://127.0.0.1:6379/0", 0),  # AUDARMA_BATCH_YIELD_SECONDS=0: batches never wait
])
def test_without_redis_marks_or_with_the_pause_off_nothing_is_marked_or_waited(broker, pause):
    foreground = Foreground.for_broker(broker, pause)

    foreground.mark("job-1")
    foreground.unmark("job-1")
    assert not foreground.enabled
    assert not foreground.busy() and foreground.wait_while_busy() == 0


def test_a_redis_that_is_down_never_holds_batches_back_and_warns_once(caplog):
    foreground = Foreground.for_broker(f"redis://127.0.0.1:{free_port()}/0", 0.2)

    with caplog.at_level(logging.WARNING, logger="service.foreground"):
        foreground.mark("job-1")
        waited = foreground.wait_while_busy()
        foreground.unmark("job-1")

    assert foreground.enabled and waited == 0
    warnings = [r.message for r in caplog.records if "in flight in Redis" in r.message]
    assert len(warnings) == 1 and "batches do not hold back" in warnings[0]
    foreground.close()


def test_after_a_redis_error_it_is_not_tried_again_for_a_while(monkeypatch):
    """A hung Redis costs one socket timeout per RETRY_SECONDS, not one per article."""
    foreground = Foreground.for_broker(f"redis://127.0.0.1:{free_port()}/0", 0.2)
    client = foreground._redis
    tries = []
    original = client.zcount
    monkeypatch.setattr(client, "zcount", lambda *a: (tries.append(a), original(*a))[1])

    assert not foreground.busy()
    for _ in range(50):
        assert not foreground.busy() and foreground.wait_while_busy() == 0
        foreground.mark("job-1")
        foreground.unmark("job-1")

    assert len(tries) == 1
    foreground._down_until = float("-inf")  # the back-off is over
    assert not foreground.busy()
    assert len(tries) == 2
    foreground.close()
