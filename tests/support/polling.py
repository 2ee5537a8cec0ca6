"""Waiting for a condition instead of a clock: every tier polls the same way."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_until(
    condition: Callable[[], object], timeout: float, what: str, interval: float = 0.05
) -> object:
    """The condition's first true value; fails the test after `timeout` seconds without one."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
    return value
