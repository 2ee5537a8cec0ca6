"""A job over the worker's soft time limit fails with a clear error and is not retried."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import submit, wait_for_job

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "almaty-talks.en.txt"
HAS_APERTIUM_SPA = Path("/usr/share/apertium/modes/eng-spa.mode").exists()


@pytest.mark.skipif(not HAS_APERTIUM_SPA, reason="needs Apertium en->es")
def test_a_job_over_the_soft_time_limit_fails_with_the_limit_in_its_error(
    client, editor, start_worker
):
    # Real copy, enough of it that Apertium needs several seconds: far over a 1 s soft limit.
    article = EXAMPLE.read_text(encoding="utf-8")
    text = (article * (100_000 // len(article) + 1))[:100_000]
    start_worker(AUDARMA_TASK_SOFT_TIME_LIMIT="1", AUDARMA_TASK_TIME_LIMIT="60")
    job_id = submit(client, editor, text=text, targets=["es-ES"])

    job = wait_for_job(client, editor, job_id, timeout=90)

    assert job["status"] == "failed", job
    assert job["error"].startswith("took longer than 1 s;"), job["error"]
    statuses = [event["status"] for event in job["events"]]
    assert "queued" not in statuses[1:], statuses  # failed at once, never queued for a retry
