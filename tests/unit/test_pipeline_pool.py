"""PipelinePool hands pipelines out first come, first served. No process is started here: a
pipeline starts on its first request, and these tests only check pipelines out and back."""

import threading

from service.core.translate.apertium import PipelinePool
from tests.support.polling import wait_until


def test_waiters_are_served_in_the_order_they_came():
    pool = PipelinePool([["cat"]], size=1, timeout=1.0)
    order: list[str] = []
    holder = pool.checkout()
    holder.__enter__()

    def caller(name: str) -> None:
        with pool.checkout():
            order.append(name)

    threads = []
    for queued, name in enumerate("BCDE", start=1):
        thread = threading.Thread(target=caller, args=(name,))
        thread.start()
        threads.append(thread)
        wait_until(lambda queued=queued: pool.waiting() == queued, 10, f"{queued} waiters", 0.001)
    holder.__exit__(None, None, None)
    for thread in threads:
        thread.join()
    assert order == list("BCDE")


def test_a_caller_that_returns_and_asks_again_goes_behind_the_waiter():
    """Returning a pipeline and asking at once for another must not jump the queue: the waiter
    already queued gets it first (a plain queue.Queue lets the returning caller win)."""
    pool = PipelinePool([["cat"]], size=1, timeout=1.0)
    served: list[str] = []

    def waiter() -> None:
        with pool.checkout():
            served.append("waiter")

    held = pool.checkout()
    held.__enter__()
    thread = threading.Thread(target=waiter)
    thread.start()
    wait_until(lambda: pool.waiting() == 1, 10, "the waiter", 0.001)
    for _ in range(50):  # the same caller, back at once, again and again
        held.__exit__(None, None, None)
        held = pool.checkout()
        held.__enter__()
        served.append("returning caller")
        if "waiter" in served:
            break
    held.__exit__(None, None, None)
    thread.join(timeout=30)
    assert served[:2] == ["waiter", "returning caller"]


def test_idle_pipelines_go_out_most_recent_first():
    """With light traffic one warm pipeline does all the work; the second starts only when
    calls overlap."""
    pool = PipelinePool([["cat"]], size=2, timeout=1.0)
    with pool.checkout() as first:
        pass
    with pool.checkout() as again:
        assert again is first
    with pool.checkout() as one, pool.checkout() as two:
        assert one is not two
    pool.close(grace=0.1)
