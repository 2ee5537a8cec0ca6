"""PipelinePool hands pipelines out first come, first served. No process is started here: a
pipeline starts on its first request, and these tests only check pipelines out and back."""

import threading
import time

from service.core.translate.apertium import PipelinePool


def wait_until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


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
        wait_until(lambda queued=queued: pool.waiting() == queued)
    holder.__exit__(None, None, None)
    for thread in threads:
        thread.join()
    assert order == list("BCDE")


def test_a_busy_caller_cannot_starve_a_waiting_one():
    """One thread checks a pipeline out and back in a tight loop; another asks once. Handed
    over at the first return, the waiter gets in after at most one more turn of the loop."""
    pool = PipelinePool([["cat"]], size=1, timeout=1.0)
    turns = 0
    turns_before_waiter: list[int] = []
    stop = threading.Event()

    def hog() -> None:
        nonlocal turns
        while not stop.is_set():
            with pool.checkout():
                turns += 1
                time.sleep(0.0005)

    def waiter() -> None:
        with pool.checkout():
            turns_before_waiter.append(turns)

    hog_thread = threading.Thread(target=hog)
    hog_thread.start()
    wait_until(lambda: turns >= 3)
    started_at = turns
    waiting = threading.Thread(target=waiter)
    waiting.start()
    waiting.join(timeout=30)
    stop.set()
    hog_thread.join()
    assert turns_before_waiter, "the waiter never got a pipeline"
    assert turns_before_waiter[0] - started_at <= 2


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
